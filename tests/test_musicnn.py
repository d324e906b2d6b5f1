"""TRACE's NumPy MusiCNN (MSD) against outputs recorded from the real ``musicnn`` package.

``tests/data/musicnn_reference.npz`` was recorded by ``scripts/convert_musicnn.py
reference``: musicnn 0.1.0's own TensorFlow graph and checkpoint, run on the log-mel
patches TRACE computes of :func:`reference_signal` (docs/MUSICNN.md has the commands).
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest
import soxr

from trace.audio import musicnn
from trace.errors import ParameterError

REFERENCE = Path(__file__).parent / "data" / "musicnn_reference.npz"


def reference_signal() -> np.ndarray:
    """10 s at 16 kHz, float32: three 3.3-s sections of tones, a sweep and clicks.

    Only sines and ramps, so any NumPy makes the same signal to within rounding.
    """
    rate, seconds = musicnn.RATE, 10.0
    t = np.arange(int(rate * seconds)) / rate
    section = np.minimum((t // (seconds / 3)).astype(int), 2)
    clicks = np.zeros_like(t)
    clicks[:: rate // 4] = 1.0  # four a second
    clicks = np.convolve(clicks, np.exp(-np.arange(80) / 10.0))[: len(t)]
    tones = 0.3 * np.sin(2 * np.pi * 220 * t) + 0.2 * np.sin(2 * np.pi * 330 * t)
    sweep = 0.4 * np.sin(2 * np.pi * (300 * t + 60 * t**2))  # 300 Hz rising 120 Hz/s
    buzz = sum(0.5 / k * np.sin(2 * np.pi * 110 * k * t) for k in range(1, 12))
    signal = np.select([section == 0, section == 1], [tones, sweep + 0.5 * clicks], buzz)
    return (signal + 0.3 * clicks * (section == 2)).astype(np.float32)


@pytest.fixture(scope="module")
def reference():
    with np.load(REFERENCE) as stored:
        return {name: stored[name] for name in stored.files}


@pytest.fixture(scope="module")
def cut():
    return musicnn.patches(log_mel=musicnn.log_mel(reference_signal(), rate=musicnn.RATE))


def test_tag_names_are_the_msd_models(reference):
    assert len(musicnn.TAGS) == 50
    assert tuple(reference["labels"]) == musicnn.TAGS
    assert musicnn.TAGS[:3] == ("rock", "pop", "alternative")
    assert musicnn.TAGS[-1] == "happy"


def test_patches_are_the_ones_the_reference_was_fed(reference, cut):
    assert cut.shape == (3, 187, 96)  # 626 frames: three whole 3-s patches
    assert np.allclose(cut.mean(axis=(1, 2)), reference["patch_mean"], atol=1e-5)
    assert np.allclose(cut.std(axis=(1, 2)), reference["patch_std"], atol=1e-5)


def test_network_matches_the_musicnn_reference(reference, cut):
    out = musicnn.forward(patches=cut)
    assert out.embedding.shape == (3, 200) and out.embedding.dtype == np.float32
    assert out.tags.shape == (3, 50) and out.tags.dtype == np.float32
    assert np.abs(out.embedding - reference["penultimate"]).max() < 1e-4
    assert np.abs(out.tags - reference["taggram"]).max() < 1e-5


def test_log_mel_matches_librosa_in_float32():
    import librosa

    signal = reference_signal()
    mel = librosa.feature.melspectrogram(
        y=signal, sr=16000, n_fft=512, hop_length=256, n_mels=96
    ).T.astype(np.float32)
    expected = np.log10(np.float32(10000) * mel + np.float32(1))
    ours = musicnn.log_mel(signal, rate=16000)
    assert ours.dtype == np.float32 and ours.shape == expected.shape == (626, 96)
    assert np.isfinite(ours).all()
    assert np.abs(ours - expected).max() < 1e-4


def test_each_patch_gets_its_own_embedding(reference, cut):
    """musicnn's extractor() repeats the first patch's penultimate layer; TRACE must not."""
    out = musicnn.forward(patches=cut)
    for i in range(3):
        for j in range(i + 1, 3):
            assert np.abs(out.embedding[i] - out.embedding[j]).max() > 0.1
    alone = [musicnn.forward(patches=cut[i : i + 1]).embedding[0] for i in range(3)]
    assert np.allclose(np.stack(alone), out.embedding, atol=1e-5)  # batching mixes nothing


def test_distinct_signals_give_distinct_embeddings():
    t = np.arange(3 * 16000) / 16000
    low = musicnn.embed(0.5 * np.sin(2 * np.pi * 110 * t), rate=16000).embedding
    high = musicnn.embed(0.5 * np.sin(2 * np.pi * 2000 * t), rate=16000).embedding
    assert low.shape == high.shape == (1, 200)
    assert np.abs(low - high).max() > 0.1


def test_stereo_at_another_rate_is_averaged_and_resampled():
    mono = reference_signal()
    stereo = np.stack([mono, mono])
    at_44k = soxr.resample(mono, 16000, 44100, quality="HQ")
    direct = musicnn.embed(mono, rate=16000)
    assert np.array_equal(musicnn.embed(stereo, rate=16000).embedding, direct.embedding)
    resampled = musicnn.embed(at_44k, rate=44100)
    assert resampled.embedding.shape == (3, 200)
    assert np.abs(resampled.tags - direct.tags).max() < 0.05


def test_short_audio_is_repeated_to_one_patch_and_bad_input_refused():
    short = musicnn.embed(reference_signal()[:16000], rate=16000)
    assert short.embedding.shape == (1, 200) and np.isfinite(short.embedding).all()
    with pytest.raises(ParameterError):
        musicnn.embed(np.zeros(0, np.float32), rate=16000)
    with pytest.raises(ParameterError):
        musicnn.embed(np.zeros(16000, np.float32), rate=0)
    with pytest.raises(ParameterError):
        musicnn.forward(patches=np.zeros((2, 100, 96), np.float32))

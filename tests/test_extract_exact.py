"""The extractor's faster paths give the numbers of the library calls they replace."""

from __future__ import annotations

import librosa
import numpy as np
import pyloudnorm
import pytest
from audiofiles import write_samples

from trace.audio import descriptors, estimates, synth
from trace.audio.decode import decode_windows
from trace.audio.windows import Windows

RNG = np.random.default_rng(18)


def song(seconds: float = 12.0) -> np.ndarray:
    beat = synth.drum_pattern(112, seconds, RNG) + 0.3 * synth.progression(2, True, seconds)
    return synth.normalise(beat.astype(np.float32))


@pytest.mark.parametrize("gain_db", [0.0, -30.0])
def test_loudness_is_pyloudnorms_integrated_loudness(gain_db):
    left = song() * np.float32(10 ** (gain_db / 20))
    stereo = np.stack([left, np.roll(left, 300) * np.float32(0.7)])
    expected = pyloudnorm.Meter(synth.SR).integrated_loudness(stereo.T.astype(np.float64))
    assert estimates.loudness(stereo, sr=synth.SR) == pytest.approx(expected, abs=1e-9)


def test_loudness_of_near_silence_is_the_floor():
    quiet = np.full((2, synth.SR * 4), 1e-6, np.float32)
    assert estimates.loudness(quiet, sr=synth.SR) == -60.0


def test_zero_crossing_rate_is_librosas():
    y = song()
    y[1000:3000] = 0.0  # exact zeros count as positive, as in librosa
    y[5000:5100] = 1e-12
    expected = librosa.feature.zero_crossing_rate(
        y, frame_length=descriptors.N_FFT, hop_length=descriptors.HOP
    )[0]
    np.testing.assert_array_equal(descriptors.zero_crossing_rate(y), expected)


@pytest.mark.parametrize(("ext", "lag"), [("ogg", 0), ("flac", 0), ("mp3", 1105)])
def test_windows_decode_to_the_samples_of_the_whole_file(ext, lag, tmp_path):
    """Seeking to each window and queueing its frames gives the samples of decoding
    everything and cutting. In an MP3 a seeked window starts ``lag`` samples (the
    encoder delay, 50 ms) early: known, and too little to move a feature."""
    samples = np.stack([song(40.0), song(40.0)], axis=1)
    path = write_samples(tmp_path / f"a.{ext}", samples, synth.SR)
    windows = Windows(count=2, seconds=8, whole_below=20)
    decoded = decode_windows(path, windows=windows)
    whole = decode_windows(path, windows=Windows(count=1, seconds=60, whole_below=60))
    assert len(decoded.bounds) == 2
    for (start_s, _), (start, end) in zip(
        windows.spans(whole.duration), decoded.bounds, strict=True
    ):
        at = round(start_s * decoded.rate) - lag
        part, reference = decoded.stereo[:, start:end], whole.stereo[:, at : at + end - start]
        core = slice(2000, -2000)  # the resampler's edges differ
        assert np.abs(part[:, core] - reference[:, core]).max() < 0.05


def test_spectral_shape_and_mel_bands_are_librosas():
    magnitude = np.abs(librosa.stft(song(), n_fft=descriptors.N_FFT, hop_length=descriptors.HOP))
    centroid, bandwidth = descriptors._centroid_and_bandwidth(magnitude, sr=synth.SR)
    expected = librosa.feature.spectral_centroid(S=magnitude, sr=synth.SR)
    np.testing.assert_array_equal(centroid, expected[0])
    width = librosa.feature.spectral_bandwidth(S=magnitude, sr=synth.SR, centroid=expected)
    np.testing.assert_array_equal(bandwidth, width[0])
    parts = descriptors.spectra(song(), sr=synth.SR)
    mel = librosa.feature.melspectrogram(S=parts.power, sr=synth.SR, n_mels=descriptors.N_MELS)
    np.testing.assert_array_equal(parts.log_mel, librosa.power_to_db(mel))

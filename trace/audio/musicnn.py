"""MusiCNN's MSD model in NumPy: log-mel patches → 200-d embeddings and 50 tag scores.

A re-implementation of the inference pass of ``musicnn`` 0.1.0 (Pons & Serra, ISMIR 2019;
ISC licence), model ``MSD_musicnn``, with its trained weights converted once from the
wheel's TensorFlow checkpoint by ``scripts/convert_musicnn.py`` into
``models/musicnn_msd.npz``. No TensorFlow at run time. ``tests/test_musicnn.py`` checks
it against outputs recorded from the real package; docs/MUSICNN.md has the details.

The pipeline, as musicnn's ``extractor.py`` and ``models.py`` define it:

- **log-mel**: 16 kHz mono, STFT (n_fft 512, hop 256, periodic Hann, centred with zero
  padding), power, 96 Slaney mel bands, ``log10(10000·x + 1)`` — in float32 (the
  package's float16 cast overflows to inf under NumPy 2);
- **patches** of 187 frames (3 s), by default without overlap; a trailing part shorter
  than a patch is dropped, as musicnn does;
- **front-end**: batch norm of the input, then timbral convolutions (7×38 and 7×67,
  204 filters each) and temporal ones (128, 64 and 32 frames × 1 band, 51 filters each),
  each ReLU → batch norm → max over frequency: 561 values per frame;
- **mid-end**: three 7-frame convolutions of 64 filters (ReLU → batch norm), the second
  and third with residual connections; dense concatenation → 753 values per frame;
- **back-end**: max and mean over time (interleaved, 1506), batch norm, dense 200 + ReLU,
  batch norm = the **penultimate layer** (the embedding), dense 50 + sigmoid = the tags.

Batch norm is in inference mode (moving statistics, epsilon 0.001, TF's default).
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path

import numpy as np
from numpy.lib.stride_tricks import sliding_window_view

from trace.errors import ParameterError, TraceError

RATE = 16000
N_FFT = 512
HOP = 256
N_MELS = 96
PATCH_FRAMES = 187
"""musicnn's 3 s: ``librosa.time_to_frames(3, sr=16000, n_fft=512, hop_length=256) + 1``."""
EPSILON = 0.001
CHUNK = 1
"""Patches per pass through the front-end. One at a time was the fastest (its ~20 MB of
buffers stay in cache): 28–36 ms of CPU a patch on one core, against 35–41 ms for 4 or
18 at once (docs/MUSICNN.md). The mid- and back-end take every patch of a call at once."""

WEIGHTS = Path(__file__).parent / "models" / "musicnn_msd.npz"

TAGS: tuple[str, ...] = (
    "rock", "pop", "alternative", "indie", "electronic", "female vocalists", "dance",
    "00s", "alternative rock", "jazz", "beautiful", "metal", "chillout", "male vocalists",
    "classic rock", "soul", "indie rock", "Mellow", "electronica", "80s", "folk", "90s",
    "chill", "instrumental", "punk", "oldies", "blues", "hard rock", "ambient", "acoustic",
    "experimental", "female vocalist", "guitar", "Hip-Hop", "70s", "party", "country",
    "easy listening", "sexy", "catchy", "funk", "electro", "heavy metal",
    "Progressive rock", "60s", "rnb", "indie pop", "sad", "House", "happy",
)  # fmt: skip
"""The MSD model's 50 tags, in its output order (musicnn's ``MSD_LABELS``)."""


@dataclass(frozen=True, slots=True)
class MusicnnOutput:
    """The model's outputs for each 3-s patch.

    Attributes
    ----------
    embedding : np.ndarray
        ``(n_patches, 200)`` float32, the penultimate layer (after its batch norm).
    tags : np.ndarray
        ``(n_patches, 50)`` float32 in [0, 1], the sigmoid of each tag in :data:`TAGS`.
    """

    embedding: np.ndarray
    tags: np.ndarray


@lru_cache(maxsize=1)
def _mel_basis() -> np.ndarray:
    import librosa

    return librosa.filters.mel(sr=RATE, n_fft=N_FFT, n_mels=N_MELS, dtype=np.float32)


@lru_cache(maxsize=1)
def _window() -> np.ndarray:
    from scipy.signal import get_window

    return get_window("hann", N_FFT, fftbins=True)


def log_mel(samples: np.ndarray, *, rate: int) -> np.ndarray:
    """The log-compressed mel spectrogram musicnn feeds its models, in float32.

    Parameters
    ----------
    samples : np.ndarray
        Audio, ``(n,)`` or ``(channels, n)`` (averaged to mono), any float scale ±1.
    rate : int
        Sample rate of ``samples``; resampled to 16 kHz (soxr, high quality, as
        ``librosa.load``) if different.

    Returns
    -------
    np.ndarray
        ``(1 + n // 256, 96)`` float32: ``log10(10000 · mel power + 1)`` per frame.
    """
    if rate <= 0:
        raise ParameterError(f"sample rate must be positive, got {rate}")
    mono = np.asarray(samples, dtype=np.float32)
    if mono.ndim == 2:
        mono = mono.mean(axis=0)
    if mono.ndim != 1 or mono.size == 0:
        raise ParameterError(f"expected (n,) or (channels, n) audio, got shape {mono.shape}")
    if rate != RATE:
        import soxr

        mono = soxr.resample(mono, rate, RATE, quality="HQ").astype(np.float32)
    frames = sliding_window_view(np.pad(mono, N_FFT // 2), N_FFT)[::HOP]
    # As librosa: the FFT in float64, stored as complex64, power and mel in float32.
    spectrum = np.fft.rfft(frames * _window(), axis=1).astype(np.complex64)
    power = np.abs(spectrum) ** 2
    mel = power @ _mel_basis().T
    return np.log10(np.float32(10000) * mel + np.float32(1))


def patches(*, log_mel: np.ndarray, hop: int = PATCH_FRAMES) -> np.ndarray:
    """Cut a log-mel spectrogram into 187-frame patches, as musicnn's ``batch_data``.

    Parameters
    ----------
    log_mel : np.ndarray
        ``(frames, 96)``, from :func:`log_mel`.
    hop : int
        Frames between patch starts; 187 (the default) is musicnn's
        ``input_overlap=False``: no overlap, and frames after the last whole patch are
        dropped. A spectrogram shorter than one patch is repeated to fill it (musicnn's
        training did so; its ``extractor`` fails instead).

    Returns
    -------
    np.ndarray
        ``(n_patches, 187, 96)`` float32.
    """
    if hop <= 0:
        raise ParameterError(f"patch hop must be positive, got {hop}")
    spectrogram = np.asarray(log_mel, dtype=np.float32)
    if len(spectrogram) == 0:
        raise ParameterError("no frames to cut into patches")
    if len(spectrogram) < PATCH_FRAMES:
        repeats = -(-PATCH_FRAMES // len(spectrogram))
        spectrogram = np.tile(spectrogram, (repeats, 1))[:PATCH_FRAMES]
    starts = range(0, len(spectrogram) - PATCH_FRAMES + 1, hop)
    return np.stack([spectrogram[s : s + PATCH_FRAMES] for s in starts])


@lru_cache(maxsize=1)
def _weights() -> dict[str, np.ndarray]:
    """The npz, with each batch norm folded to a scale and a shift (loaded once)."""
    if not WEIGHTS.exists():
        raise TraceError(
            f"MusiCNN's weights are missing ({WEIGHTS}); "
            "re-create them with scripts/convert_musicnn.py (docs/MUSICNN.md)"
        )
    with np.load(WEIGHTS) as stored:
        weights = {name: stored[name] for name in stored.files}
    # TF's 'same' padding puts (k - 1) // 2 frames before: the 64- and 32-frame kernels
    # are the 128-frame one's rows 32… and 48…; zeros elsewhere.
    temporal = [f"temporal_{k}" for k in (128, 64, 32)]
    kernel = np.zeros((128, 3 * 51), np.float32)
    for i, (name, first) in enumerate(zip(temporal, (0, 32, 48), strict=True)):
        part = weights[f"{name}/kernel"]
        kernel[first : first + len(part), 51 * i : 51 * (i + 1)] = part
    weights["temporal/kernel"] = kernel
    for part in ("bias", "gamma", "beta", "mean", "var"):
        weights[f"temporal/{part}"] = np.concatenate([weights[f"{n}/{part}"] for n in temporal])
    for name in [n[: -len("/gamma")] for n in weights if n.endswith("/gamma")]:
        scale = weights[f"{name}/gamma"] / np.sqrt(weights[f"{name}/var"] + EPSILON)
        weights[f"{name}/scale"] = scale  # float32 throughout
        weights[f"{name}/shift"] = weights[f"{name}/beta"] - weights[f"{name}/mean"] * scale
    return weights


def _norm(x: np.ndarray, *, name: str) -> np.ndarray:
    w = _weights()
    return x * w[f"{name}/scale"] + w[f"{name}/shift"]


def _conv_pool(
    columns: np.ndarray, *, name: str, kernel: np.ndarray, shape: tuple[int, int, int]
) -> np.ndarray:
    """conv → ReLU → batch norm → max over frequency, from im2col ``columns``.

    ReLU, the bias and batch norm are monotonic per channel, so the max over frequency
    is taken of the raw convolution — or its min where the norm's scale is negative.
    """
    w = _weights()
    out = (columns @ kernel).reshape(*shape, kernel.shape[-1])
    scale = w[f"{name}/scale"]
    extreme = np.where(scale >= 0, out.max(axis=2), out.min(axis=2))
    return np.maximum(extreme + w[f"{name}/bias"], 0) * scale + w[f"{name}/shift"]


def _front_end(x: np.ndarray) -> np.ndarray:
    """``(batch, 187, 96)`` log-mel → ``(batch, 187, 561)``: timbral and temporal.

    Each convolution is one matrix product of im2col windows; TF's 'valid' timbral
    convolutions see the input padded by 3 frames each side, as musicnn pads it.
    """
    w = _weights()
    batch, frames, bands = x.shape
    x = _norm(x, name="input_bn")
    features = []
    padded = np.pad(x, ((0, 0), (3, 3), (0, 0)))
    for name in ("timbral_38", "timbral_67"):
        kernel = w[f"{name}/kernel"]
        width = kernel.shape[1]
        columns = sliding_window_view(padded, (7, width), axis=(1, 2))
        columns = columns.reshape(-1, 7 * width)
        shape = (batch, frames, bands - width + 1)
        kernel = kernel.reshape(7 * width, -1)
        features.append(_conv_pool(columns, name=name, kernel=kernel, shape=shape))
    # The three temporal convolutions as one, of 128 frames ('same' padding: 63 before).
    padded = np.pad(x, ((0, 0), (63, 64), (0, 0)))
    windows = sliding_window_view(padded, 128, axis=1)  # (batch, frames, bands, 128)
    columns = np.ascontiguousarray(windows).reshape(-1, 128)
    shape = (batch, frames, bands)
    features.append(_conv_pool(columns, name="temporal", kernel=w["temporal/kernel"], shape=shape))
    return np.concatenate(features, axis=2)


def _conv_time(x: np.ndarray, *, name: str) -> np.ndarray:
    """A 7-frame 'same' convolution over time of ``(batch, frames, channels)``, ReLU, BN."""
    w = _weights()
    batch, frames, channels = x.shape
    columns = sliding_window_view(np.pad(x, ((0, 0), (3, 3), (0, 0))), 7, axis=1)
    columns = columns.transpose(0, 1, 3, 2).reshape(batch * frames, 7 * channels)
    out = columns @ w[f"{name}/kernel"].reshape(7 * channels, -1) + w[f"{name}/bias"]
    return _norm(np.maximum(out, 0), name=name).reshape(batch, frames, -1)


def forward(*, patches: np.ndarray) -> MusicnnOutput:
    """Run the MSD MusiCNN on log-mel patches, all in one batch.

    Parameters
    ----------
    patches : np.ndarray
        ``(n_patches, 187, 96)``, from :func:`patches`.

    Returns
    -------
    MusicnnOutput
        Each patch's own 200-d embedding and 50 tag probabilities.
    """
    x = np.asarray(patches, dtype=np.float32)
    if x.ndim != 3 or x.shape[1:] != (PATCH_FRAMES, N_MELS):
        raise ParameterError(f"expected (n, {PATCH_FRAMES}, {N_MELS}) patches, got {x.shape}")
    w = _weights()
    front = np.concatenate([_front_end(x[i : i + CHUNK]) for i in range(0, len(x), CHUNK)])
    mid_1 = _conv_time(front, name="mid_1")
    mid_2 = _conv_time(mid_1, name="mid_2") + mid_1
    mid_3 = _conv_time(mid_2, name="mid_3") + mid_2
    features = np.concatenate([front, mid_1, mid_2, mid_3], axis=2)  # (n, 187, 753)
    pooled = np.stack([features.max(axis=1), features.mean(axis=1)], axis=2)
    pooled = _norm(pooled.reshape(len(x), -1), name="pool_bn")  # max, mean interleaved
    dense = np.maximum(pooled @ w["penultimate/kernel"] + w["penultimate/bias"], 0)
    embedding = _norm(dense, name="penultimate")
    from scipy.special import expit  # 75 ms to import: only where the model runs

    logits = embedding @ w["logits/kernel"] + w["logits/bias"]
    return MusicnnOutput(embedding=embedding, tags=expit(logits))


def embed(samples: np.ndarray, *, rate: int, hop: int = PATCH_FRAMES) -> MusicnnOutput:
    """MusiCNN (MSD) embedding and tags of each 3-s patch of some audio.

    Parameters
    ----------
    samples : np.ndarray
        Audio, ``(n,)`` or ``(channels, n)``.
    rate : int
        Its sample rate.
    hop : int
        Frames between patch starts (see :func:`patches`).

    Returns
    -------
    MusicnnOutput
        ``embedding`` ``(n_patches, 200)`` and ``tags`` ``(n_patches, 50)``; a track's
        embedding is the mean over its patches.
    """
    return forward(patches=patches(log_mel=log_mel(samples, rate=rate), hop=hop))

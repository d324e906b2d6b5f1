"""The feature extractor: decoded windows in, one row of named numbers out.

:func:`extract_file` decodes the analysed windows (:mod:`trace.audio.decode`), refuses what
cannot be analysed honestly (silence, too little audio, NaN or Inf samples), computes
the spectrogram family once per window (:mod:`trace.audio.descriptors`) and derives the raw
descriptors and the Spotify-named estimates (:mod:`trace.audio.estimates`) from it.
Bump :data:`trace.audio.windows.EXTRACTOR_VERSION` whenever a number would change.
"""

from __future__ import annotations

import numpy as np

from trace.audio import descriptors, estimates
from trace.audio.decode import Decoded, DecodeFailure, decode_windows
from trace.audio.windows import Windows

MIN_SECONDS = 3.0
SILENCE_DBFS = -60.0


def extract_file(path: bytes | str, *, windows: Windows | None = None) -> dict[str, float]:
    """Every feature of the file at ``path``.

    Raises
    ------
    DecodeFailure
        The file cannot be decoded or analysed; ``reason`` says why.
    """
    return analyse(decode_windows(path, windows=windows))


def analyse(decoded: Decoded) -> dict[str, float]:
    """Every feature of decoded windows."""
    _check(decoded)
    mono = decoded.mono
    sr = decoded.rate
    parts = [
        descriptors.spectra(mono[start:end], sr=sr)
        for start, end in decoded.bounds
        if end - start >= descriptors.N_FFT
    ]
    frames = descriptors.frame_descriptors(descriptors.pooled(parts, stride=2), sr=sr)
    raw = descriptors.summarise(frames)
    beat = estimates.rhythm(parts, sr=sr)
    raw.update(beat)
    chroma_mean = frames["chroma"].mean(axis=1)
    loudness = estimates.loudness(decoded.stereo, sr=sr)
    spotify = {
        "tempo": beat["tempo"],
        "tempo_confidence": beat["tempo_confidence"],
        "loudness": loudness,
        **estimates.key(chroma_mean),
        "energy": estimates.energy(
            loudness_lufs=loudness,
            onset_rate=beat["onset_rate"],
            centroid_hz=raw["spectral_centroid_mean"],
            flatness=raw["spectral_flatness_mean"],
        ),
        "danceability": estimates.danceability(
            tempo=beat["tempo"],
            tempo_confidence=beat["tempo_confidence"],
            beat_strength=beat["beat_strength"],
            onset_activity=beat["onset_activity"],
        ),
        "acousticness": estimates.acousticness(
            rms_mean=raw["rms_mean"],
            rms_std=raw["rms_std"],
            rolloff_hz=raw["spectral_rolloff_mean"],
            flatness=raw["spectral_flatness_mean"],
        ),
        "duration_ms": decoded.duration * 1000.0,
    }
    return {**spotify, **raw}


def warm_up() -> None:
    """Pay librosa's and numba's first-call costs (about 4.5 s) on a synthetic tone."""
    seconds, rate = 6.0, 22050
    t = np.arange(int(rate * seconds)) / rate
    tone = 0.2 * np.sin(2 * np.pi * 220 * t) * (1 + np.sin(2 * np.pi * 2 * t))
    tone = tone.astype(np.float32)
    analyse(Decoded(np.stack([tone, tone]), rate, [(0, len(tone))], seconds, rate, 2))


def _check(decoded: Decoded) -> None:
    samples = decoded.stereo
    if not np.isfinite(samples).all():
        raise DecodeFailure("NaN or Inf samples", "the decoded audio holds invalid numbers")
    seconds = samples.shape[1] / decoded.rate
    if seconds < MIN_SECONDS:
        raise DecodeFailure("too short", f"{seconds:.1f} s of audio; at least {MIN_SECONDS:.0f} s")
    rms = float(np.sqrt(np.mean(samples.astype(np.float64) ** 2)))
    if rms == 0 or 20 * np.log10(rms) < SILENCE_DBFS:
        raise DecodeFailure("silent", f"the analysed audio is below {SILENCE_DBFS:.0f} dBFS")

"""Spotify-named estimates computed from the signal, each with its formula.

Spotify's own values come from models trained on labelled data that nobody outside has;
these are transparent formulas in the same ranges and with the same meaning, good for
ordering and clustering one person's tracks. Tempo, loudness, key and mode are
measurements with known accuracy (see the tests); energy, danceability and acousticness
are heuristics that order contrasting music sensibly and claim no more than that.
Valence, speechiness, liveness and instrumentalness are not estimated: no formula on
these descriptors defends them; they come only from imported sources.
"""

from __future__ import annotations

import functools
from dataclasses import dataclass

import librosa
import numpy as np
import pyloudnorm
import scipy.signal

from trace.audio.descriptors import HOP, Spectra

MIN_TEMPO, MAX_TEMPO = 50.0, 220.0
BARS = (3, 4)
"""A beat is believed when its onsets also repeat at a bar of 3 or 4 such beats."""
TEMPOGRAM_FRAMES = 384
"""librosa's tempogram window (8.9 s at 22,050 Hz and a hop of 512)."""
WINDOW_FLOOR = 0.2
CALM_BPM, BUSY_BPM = 80.0, 150.0
STRENGTH_POWER = 1.5
FAST_BPM = 140.0
"""Above this, a tempo with barely one onset per beat is doubted (see rhythm)."""
CALM_FLUX_DB, BUSY_FLUX_DB = 0.6, 1.1
"""The preferred tempo moves from CALM_BPM to BUSY_BPM as the mean spectral flux rises
from CALM_FLUX_DB to BUSY_FLUX_DB (fitted on the annotated songs of bench/features.py
and the generated loops of the tests; see docs/FEATURES.md)."""
CLEAR_PROMINENCE, CLEAR_SPREAD = 0.17, 0.08
AUDIBLE_BEATS_DB = 0.5
"""Mean flux (dB) from which beats count as audible; below it the tempo confidence falls
in proportion — a pad that only swells has no tempo to trust."""
ONSET_DELTA_DB = 1.0
ACTIVE_DB = 1.0

# Krumhansl–Kessler key profiles (probe-tone ratings), C major and C minor.
MAJOR_PROFILE = np.array([6.35, 2.23, 3.48, 2.33, 4.38, 4.09, 2.52, 5.19, 2.39, 3.66, 2.29, 2.88])
MINOR_PROFILE = np.array([6.33, 2.68, 3.52, 5.38, 2.60, 3.53, 2.54, 4.75, 3.98, 2.69, 3.34, 3.17])


def _clip01(x: float) -> float:
    return float(min(1.0, max(0.0, x)))


def rhythm(parts: list[Spectra], *, sr: int) -> dict[str, float]:
    """Tempo and how sure it is, pulse clarity, beat strength and onset rate.

    tempo
        BPM, 50–220, chosen among the peaks of the windows' mean autocorrelation
        tempogram (8 s lags) of a bass-emphasised onset envelope (see
        :mod:`trace.audio.descriptors`) by :func:`choose_tempo`: how strongly the onsets
        repeat at that period and at a bar of 3 or 4 such beats, how strong the beats at
        that tempo are, and a preferred tempo that follows the spectral flux — calm music
        is felt slower than busy music at the same periodicities. The peak is refined by
        parabolic interpolation.
    tempo_confidence
        0–1, whether the music has beats one could tap: the prominence of the chosen
        peak above the tempogram's median, lowered when another tempo (typically half
        or double) scored nearly as well, in proportion when the mean flux is below
        :data:`AUDIBLE_BEATS_DB`, and, above :data:`FAST_BPM`, when there are few
        onsets per beat (a logistic factor from 0.1 to 1, one half at 1.8 onsets per
        beat): onset density says the beat may be the note rate. Below
        :data:`trace.audio.trust.CONFIDENT` the tempo is shown as uncertain.
    pulse_clarity
        0–1, the height of that autocorrelation peak relative to lag zero — how
        strongly the onsets repeat at one period (after Lartillot et al., 2008) —
        times ``onset_activity``.
    onset_activity
        0–1, the mean onset strength (spectral flux of the log-mel spectrogram, dB)
        over 1 dB: 0 for a steady tone, 1 for drums or plucked strings.
    beat_strength
        Mean onset strength at the beats tracked at that tempo over the mean onset
        strength.
    onset_rate
        Onsets per second: peaks of the flux at least 1 dB above their surroundings.
    """
    tempograms = [
        librosa.feature.tempogram(onset_envelope=p.tempo_envelope, sr=sr, hop_length=HOP)
        for p in parts
        if len(p.tempo_envelope) > 8
    ]
    tg = np.concatenate(tempograms, axis=1)
    mean_ac = tg.mean(axis=1)
    bpms = librosa.tempo_frequencies(len(mean_ac), sr=sr, hop_length=HOP)
    flux = float(np.mean([p.onset_envelope.mean() for p in parts]))
    activity = _clip01(flux / ACTIVE_DB)
    choice = choose_tempo(bpms, mean_ac, [p.tempo_envelope for p in parts], flux_db=flux, sr=sr)
    tempo = choice.tempo
    # The tempogram is normalised per frame: without the activity, the faint ripples
    # of a steady pad would count as a clear pulse.
    clarity = _clip01(choice.periodicity)

    onsets = sum(
        len(
            librosa.onset.onset_detect(
                onset_envelope=p.onset_envelope,
                sr=sr,
                hop_length=HOP,
                normalize=False,  # absolute dB flux, so steady sounds have no onsets
                delta=ONSET_DELTA_DB,
            )
        )
        for p in parts
    )
    seconds = sum(len(p.onset_envelope) for p in parts) * HOP / sr
    rate = onsets / max(seconds, 1e-9)
    # A fast tempo whose every beat is a single note is likely the note rate: a stream
    # of evenly plucked eighths at 87 BPM reads 174, and nobody taps that.
    per_beat = rate / (tempo / 60.0)
    dense = 0.1 + 0.9 / (1 + np.exp(-(per_beat - 1.8) / 0.2)) if tempo > FAST_BPM else 1.0
    return {
        "tempo": tempo,
        "tempo_confidence": _clip01(flux / AUDIBLE_BEATS_DB) * choice.confidence * float(dense),
        "pulse_clarity": clarity * activity,
        "onset_activity": activity,
        "beat_strength": _strength([p.onset_envelope for p in parts], choice.beats),
        "onset_rate": rate,
    }


@dataclass(frozen=True, slots=True)
class TempoChoice:
    tempo: float
    periodicity: float  # autocorrelation at the tempo over lag zero
    confidence: float  # 0–1, before the onset activity
    beats: list[np.ndarray]  # beat frames in each window at that tempo


def choose_tempo(
    bpms: np.ndarray,
    ac: np.ndarray,
    envelopes: list[np.ndarray],
    *,
    flux_db: float,
    sr: int,
) -> TempoChoice:
    """The tempo among the autocorrelation's peaks, and how clearly it won.

    Every local peak of the autocorrelation ``ac`` (over lag zero) between 50 and 220
    BPM is a candidate — the beat, its half and double, the dotted beat of a 3+3+2
    rhythm, a three-against-two. Each scores ``A · M · S^1.5 · W``:

    A
        the autocorrelation at its period — how strongly the onsets repeat;
    M
        the meter check: whether a bar of that beat repeats too — the autocorrelation at
        3 or at 4 of its periods, whichever is higher, over the autocorrelation at one
        period. A 3+3+2 figure repeats more strongly every 1.5 beats than every beat,
        but its bar is 4 beats, which 3 or 4 dotted beats (4.5 or 6) miss. Both values
        are divided by the tempogram window's own autocorrelation at that lag (the
        window shortens long lags; floored at 0.2), so a slow beat's long bar is not
        penalised for its length. On the tuning part of the tempo set
        (``bench/tempo.py``) the check took the share within 4 % from 0.64 to 0.79 and
        the octave-tolerant share from 0.85 to 0.96 (held out: 0.57 to 0.81, 0.81 to
        0.93; docs/FEATURES.md);
    S
        the beat's strength at that tempo: the mean of the onset envelope at the beats
        librosa's tracker finds at that tempo, over the envelope's mean (a slower level
        keeps only the strongest beats, a faster one adds the weaker off-beats);
    W
        ``exp(−½ log2(tempo / centre)²)``, a preference one octave wide around a centre
        that follows the spectral flux: 80 BPM for calm music (mean flux ≤ 0.6 dB),
        rising to 150 BPM for busy music (≥ 1.1 dB). Calm music is felt at the slower of
        two equally periodic levels, drums and dense music at the faster.

    The confidence is a logistic curve of the prominence of the winner's
    autocorrelation above the median over 50–220 BPM (0.17 → 0.5; 0.09, orchestral
    music without percussion, → 0.27; 0.31, electronic music with drums, → 0.85), times
    0.6 + 0.4 × its margin over the best candidate of another tempo (a runner-up at
    80 % of the score or more → 0). Smooth, so it does not pile up at 0 or 1.
    """
    ac = ac / max(float(ac[0]), 1e-9)
    band = np.flatnonzero((bpms >= MIN_TEMPO * 0.96) & (bpms <= MAX_TEMPO * 1.04))
    band = band[(band > 0) & (band < len(ac) - 1)]
    peaks = [i for i in band if ac[i] >= ac[i - 1] and ac[i] >= ac[i + 1]]
    peaks = peaks or [int(band[np.argmax(ac[band])])]
    lags = np.arange(len(ac), dtype=float)
    debiased = ac / np.maximum(_window_overlap(len(ac)), WINDOW_FLOOR)
    drive = _clip01((flux_db - CALM_FLUX_DB) / (BUSY_FLUX_DB - CALM_FLUX_DB))
    centre = CALM_BPM + (BUSY_BPM - CALM_BPM) * drive
    scored = []
    for i in peaks:
        bpm = float(np.clip(_refine_peak(bpms, ac, i), MIN_TEMPO, MAX_TEMPO))
        lag = 60.0 * sr / HOP / bpm
        bar = max(float(np.interp(k * lag, lags, debiased, right=0.0)) for k in BARS)
        meter = max(bar, 1e-6) / max(float(np.interp(lag, lags, debiased)), 1e-6)
        beats = [_beats(envelope, bpm, sr=sr) for envelope in envelopes]
        evidence = float(ac[i]) * meter * _strength(envelopes, beats) ** STRENGTH_POWER
        preference = float(np.exp(-0.5 * np.log2(bpm / centre) ** 2))
        scored.append((evidence * preference, bpm, float(ac[i]), beats))
    scored.sort(key=lambda candidate: -candidate[0])
    best, tempo, periodicity, beats = scored[0]
    rivals = [score for score, bpm, *_ in scored[1:] if abs(bpm - tempo) > 0.04 * tempo]
    margin = _clip01((1 - rivals[0] / best) / 0.2) if rivals and best > 0 else 1.0
    prominence = periodicity - float(np.median(ac[band]))
    clear = 1.0 / (1.0 + np.exp(-(prominence - CLEAR_PROMINENCE) / CLEAR_SPREAD))
    confidence = float(clear) * (0.6 + 0.4 * margin)
    return TempoChoice(tempo, periodicity, confidence, beats)


@functools.cache
def _window_overlap(lags: int) -> np.ndarray:
    """The autocorrelation of librosa's tempogram window (Hann) over lag zero, per lag."""
    window = scipy.signal.get_window("hann", TEMPOGRAM_FRAMES, fftbins=True)
    overlap = np.correlate(window, window, mode="full")[TEMPOGRAM_FRAMES - 1 :]
    return np.pad(overlap / overlap[0], (0, max(0, lags - TEMPOGRAM_FRAMES)))[:lags]


def _beats(envelope: np.ndarray, bpm: float, *, sr: int) -> np.ndarray:
    """Frames of the beats librosa's tracker finds at ``bpm`` (none in a short envelope)."""
    if len(envelope) < 16 or envelope.mean() <= 0:
        return np.zeros(0, dtype=int)
    _, beats = librosa.beat.beat_track(
        onset_envelope=envelope, sr=sr, hop_length=HOP, bpm=bpm, trim=False
    )
    return np.asarray(beats, dtype=int)


def _strength(envelopes: list[np.ndarray], beats: list[np.ndarray]) -> float:
    """Mean envelope at the beats over its mean, averaged over the windows (0 if none)."""
    values = [e[b].mean() / e.mean() for e, b in zip(envelopes, beats, strict=True) if len(b)]
    return float(np.mean(values)) if values else 0.0


def _refine_peak(bpms: np.ndarray, ac: np.ndarray, i: int) -> float:
    """Parabolic interpolation of a peak's position, in BPM (lags are coarse at high BPM)."""
    if 0 < i < len(ac) - 1:
        a, b, c = ac[i - 1], ac[i], ac[i + 1]
        denominator = a - 2 * b + c
        if denominator < 0:
            # At most one bin either way: beyond it the parabola is extrapolating (a
            # shift of −3 once gave a negative lag, so a negative tempo).
            shift = min(1.0, max(-1.0, 0.5 * (a - c) / denominator))
            lag = 1.0 / bpms[i] + shift * (1.0 / bpms[i + 1] - 1.0 / bpms[i - 1]) / 2
            return 1.0 / lag
    return float(bpms[i])


def key(chroma_mean: np.ndarray) -> dict[str, float]:
    """Key (0 = C … 11 = B), mode (1 major, 0 minor) and a confidence.

    The Krumhansl–Schmuckler method: correlate the mean chroma vector with the 24
    rotations of the Krumhansl–Kessler major and minor profiles and take the best.
    ``key_confidence`` (0–1) is ``tanh(margin / 0.15)`` of the margin between the best
    and second-best correlation (0.1 → 0.58, 0.2 → 0.87, 0.3 → 0.96), times the best
    correlation over 0.6 (clipped to 1): a key must both win clearly and fit — noise,
    whose flat chroma lets some key win by chance, fits none. Smooth, so that clear
    keys are told apart rather than all reading 1.
    """
    scores = np.array(
        [
            [np.corrcoef(np.roll(profile, tonic), chroma_mean)[0, 1] for tonic in range(12)]
            for profile in (MINOR_PROFILE, MAJOR_PROFILE)
        ]
    )
    scores = np.nan_to_num(scores, nan=-1.0)
    mode, tonic = np.unravel_index(int(np.argmax(scores)), scores.shape)
    ordered = np.sort(scores.ravel())
    return {
        "key": float(tonic),
        "mode": float(mode),
        "key_confidence": float(np.tanh(max(0.0, ordered[-1] - ordered[-2]) / 0.15))
        * _clip01(ordered[-1] / 0.6),
    }


def loudness(stereo: np.ndarray, *, sr: int) -> float:
    """Integrated loudness in LUFS (= dB), ITU-R BS.1770-4, as pyloudnorm measures it.

    K-weighting (pyloudnorm's filters), 400 ms blocks every 100 ms, absolute gate at −70
    LUFS and relative gate at −10 LU, over the analysed windows of both channels.
    Clipped to −60…0 like Spotify's range. pyloudnorm's own gating loops over the blocks
    in Python (a tenth of a track's analysis); the block energies here come from one
    cumulative sum, the same numbers to rounding.
    """
    meter = pyloudnorm.Meter(sr)
    stages = meter._filters.values()  # pyloudnorm's K-weighting biquads
    sections = np.array([np.concatenate([f.b, f.a]) / f.a[0] for f in stages])
    gain = float(np.prod([f.passband_gain for f in stages]))
    weighted = gain * scipy.signal.sosfilt(sections, stereo.astype(np.float64), axis=1)
    block, step = meter.block_size, 1.0 - meter.overlap
    samples = weighted.shape[1]
    count = int(np.round((samples / sr - block) / (block * step))) + 1
    j = np.arange(count)
    lower = (block * (j * step) * sr).astype(int)
    upper = np.minimum((block * (j * step + 1) * sr).astype(int), samples)
    energy = np.zeros((weighted.shape[0], samples + 1))
    np.cumsum(np.square(weighted, out=weighted), axis=1, out=energy[:, 1:])
    z = (energy[:, upper] - energy[:, lower]) / (block * sr)
    with np.errstate(divide="ignore"):
        blocks = -0.691 + 10.0 * np.log10(z.sum(axis=0))
        audible = blocks >= -70.0
        if not audible.any():
            return -60.0
        relative = -0.691 + 10.0 * np.log10(z[:, audible].mean(axis=1).sum()) - 10.0
        gated = audible & (blocks > relative)
        if not gated.any():
            return -60.0
        value = -0.691 + 10.0 * np.log10(z[:, gated].mean(axis=1).sum())
    return float(np.clip(value, -60.0, 0.0)) if np.isfinite(value) else -60.0


def energy(
    *, loudness_lufs: float, onset_rate: float, centroid_hz: float, flatness: float
) -> float:
    """0–1 intensity, after Spotify's description (loudness, onsets, timbre, entropy).

    ``0.5·L + 0.2·O + 0.15·B + 0.15·N`` with L = (loudness + 40) / 32 (−40 LUFS → 0,
    −8 LUFS → 1), O = onset rate / 6 per second, B = (centroid − 500 Hz) / 3000 Hz and
    N = (log10 flatness + 4) / 3, each clipped to 0–1. A heuristic.
    """
    return _clip01(
        0.5 * _clip01((loudness_lufs + 40) / 32)
        + 0.2 * _clip01(onset_rate / 6)
        + 0.15 * _clip01((centroid_hz - 500) / 3000)
        + 0.15 * _clip01((np.log10(max(flatness, 1e-6)) + 4) / 3)
    )


def danceability(
    *, tempo: float, tempo_confidence: float, beat_strength: float, onset_activity: float
) -> float:
    """0–1 suitability for dancing, after Spotify's description (tempo, beat, regularity).

    ``0.5·C·(0.5 + 0.5·T) + A·(0.3·S + 0.2·T)``: C the tempo confidence (beats one
    could tap); T = exp(−½ (log2(tempo / 118) / 0.5)²), a preference for 85–165 BPM
    (a clear beat at 60 BPM counts half as much as one at 118); S = (beat strength −
    1) / (beat strength + 1), how far the beats stand out of the onsets, approaching 1
    without reaching it; A the onset activity, so music without onsets scores near 0
    whatever its nominal tempo. No term saturates on real music: on the real corpus
    (bench/features.py) electronic music has a median near 0.57, orchestral music near
    0.30, and no track sits at either bound.
    """
    stands_out = max(0.0, beat_strength - 1) / (max(0.0, beat_strength - 1) + 2)
    tempo_fit = float(np.exp(-0.5 * (np.log2(max(tempo, 1.0) / 118) / 0.5) ** 2))
    clear_beat = tempo_confidence * (0.5 + 0.5 * tempo_fit)
    return _clip01(0.5 * clear_beat + onset_activity * (0.3 * stands_out + 0.2 * tempo_fit))


def acousticness(*, rms_mean: float, rms_std: float, rolloff_hz: float, flatness: float) -> float:
    """0–1 likelihood of acoustic instruments. The weakest estimate here.

    ``0.4·D + 0.35·(1 − R) + 0.25·(1 − N)``: D = RMS variation (std / mean, /1.0) —
    acoustic playing breathes; R = (85 % roll-off − 2 kHz) / 6 kHz — synthesised and
    distorted sound is bright; N = (log10 flatness + 4) / 3 — noise-like spectra; each
    clipped to 0–1. It separates a plucked guitar from a distorted synth, not a clean
    electric piano from an acoustic one.
    """
    dynamics = _clip01(rms_std / max(rms_mean, 1e-9))
    bright = _clip01((rolloff_hz - 2000) / 6000)
    noisy = _clip01((np.log10(max(flatness, 1e-6)) + 4) / 3)
    return _clip01(0.4 * dynamics + 0.35 * (1 - bright) + 0.25 * (1 - noisy))

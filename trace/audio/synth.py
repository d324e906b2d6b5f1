"""Synthesised music with known answers: drums at a tempo, chords in a key, pads, plucks.

Used by the demo library and by the tests of the feature extractor. Every function takes
a ``numpy.random.Generator`` where chance is involved, so output is deterministic from a
seed. Signals are mono float32 in −1…1 at ``sr`` Hz.
"""

from __future__ import annotations

import numpy as np

SR = 22050
MAJOR = (0, 4, 7)
MINOR = (0, 3, 7)


def midi_hz(note: float) -> float:
    """Frequency of a MIDI note number (69 = A4 = 440 Hz)."""
    return 440.0 * 2 ** ((note - 69) / 12)


def _envelope(n: int, sr: int, decay_s: float) -> np.ndarray:
    return np.exp(-np.arange(n) / (decay_s * sr)).astype(np.float32)


def kick(sr: int = SR) -> np.ndarray:
    """A bass drum: a sine sweeping 150 → 45 Hz with a fast decay."""
    n = int(0.35 * sr)
    t = np.arange(n) / sr
    freq = 45 + 105 * np.exp(-t / 0.04)
    phase = 2 * np.pi * np.cumsum(freq) / sr
    return (np.sin(phase) * _envelope(n, sr, 0.12)).astype(np.float32)


def snare(rng: np.random.Generator, sr: int = SR) -> np.ndarray:
    """A snare: a noise burst over a 190 Hz body."""
    n = int(0.2 * sr)
    t = np.arange(n) / sr
    noise = rng.standard_normal(n) * _envelope(n, sr, 0.05)
    body = np.sin(2 * np.pi * 190 * t) * _envelope(n, sr, 0.03)
    return (0.5 * noise + 0.5 * body).astype(np.float32)


def hat(rng: np.random.Generator, sr: int = SR) -> np.ndarray:
    """A closed hi-hat: differentiated (high-passed) noise, very short."""
    n = int(0.05 * sr)
    noise = np.diff(rng.standard_normal(n + 1))
    return (0.3 * noise * _envelope(n, sr, 0.012)).astype(np.float32)


def place(track: np.ndarray, sound: np.ndarray, at_s: float, sr: int, gain: float = 1.0) -> None:
    """Add ``sound`` into ``track`` starting at ``at_s`` seconds (clipped at the end)."""
    start = round(at_s * sr)
    if start < 0:
        sound, start = sound[-start:], 0
    if start >= len(track):
        return
    end = min(len(track), start + len(sound))
    track[start:end] += gain * sound[: end - start]


def drum_pattern(
    bpm: float,
    seconds: float,
    rng: np.random.Generator,
    *,
    sr: int = SR,
    style: str = "rock",
    swing: float = 0.0,
) -> np.ndarray:
    """A drum loop at ``bpm`` quarter notes per minute.

    ``"rock"``: kick on 1 and 3, snare on 2 and 4, hats on eighths. ``"four"``: kick on
    every beat (four-on-the-floor), off-beat hats. ``"hiphop"``: kick on 1 and the "and"
    of 2, snare on 2 and 4, swung sixteenth hats. ``swing`` delays off-beats by that
    fraction of an eighth note. ``"halftime"``: the half-time feel of a beat twice as fast
    — kick on 1 and 3, snare on 2 and 4 at ``bpm``, hats on every sixteenth — whose felt
    tempo is ``bpm`` though the hats tick four times as fast.
    """
    beat = 60.0 / bpm
    track = np.zeros(int(seconds * sr), np.float32)
    sounds = {"kick": kick(sr), "snare": snare(rng, sr), "hat": hat(rng, sr)}
    patterns = {
        "rock": {"kick": (0, 2), "snare": (1, 3), "hat": (0, 0.5, 1, 1.5, 2, 2.5, 3, 3.5)},
        "four": {"kick": (0, 1, 2, 3), "snare": (1, 3), "hat": (0.5, 1.5, 2.5, 3.5)},
        "hiphop": {"kick": (0, 1.5, 2.75), "snare": (1, 3), "hat": tuple(np.arange(0, 4, 0.5))},
        "halftime": {"kick": (0, 2), "snare": (1, 3), "hat": tuple(np.arange(0, 4, 0.25))},
    }
    pattern = patterns[style]
    bar = 0
    while bar * 4 * beat < seconds:
        for name, beats in pattern.items():
            for position in beats:
                offset = swing * beat / 2 if position % 1 else 0.0
                at = (bar * 4 + position) * beat + offset
                gain = 0.8 + 0.2 * rng.random()
                place(track, sounds[name], at, sr, gain)
        bar += 1
    return track


TABLE_SIZE = 4096


def tone(
    freq: float, seconds: float, *, sr: int = SR, harmonics: int = 6, brightness: float = 0.6
) -> np.ndarray:
    """A harmonic tone; ``brightness`` is the amplitude ratio between harmonics.

    Wavetable synthesis: one period with the harmonics below Nyquist, read at ``freq``
    with linear interpolation — the cost does not grow with the number of harmonics.
    (The interpolation is written out: on the table's even grid it gives what
    ``np.interp`` gives, without its binary search per sample, 1.5× faster.)
    """
    phase = np.arange(TABLE_SIZE) / TABLE_SIZE
    table = np.zeros(TABLE_SIZE)
    for h in range(1, harmonics + 1):
        if freq * h < sr / 2:
            table += brightness ** (h - 1) * np.sin(2 * np.pi * h * phase)
    table /= max(1e-9, np.abs(table).max())
    position = (np.arange(int(seconds * sr)) * (freq * TABLE_SIZE / sr)) % TABLE_SIZE
    index = np.minimum(position.astype(np.intp), TABLE_SIZE - 1)  # the float % may give T
    slope = np.diff(table, append=table[0])
    return (table[index] + (position - index) * slope[index]).astype(np.float32)


def chord(
    root_midi: int,
    quality: tuple[int, ...],
    seconds: float,
    *,
    sr: int = SR,
    brightness: float = 0.5,
    attack_s: float = 0.02,
    decay_s: float = 1.5,
) -> np.ndarray:
    """A chord of harmonic tones with a soft attack and exponential decay."""
    n = int(seconds * sr)
    out = np.zeros(n, np.float32)
    for interval in quality:
        for octave in (0, 12):
            out += tone(
                midi_hz(root_midi + interval + octave), seconds, sr=sr, brightness=brightness
            ) * (0.6 if octave else 1.0)
    attack = np.minimum(1.0, np.arange(n) / max(1, attack_s * sr))
    return (out * attack * _envelope(n, sr, decay_s) / (2 * len(quality))).astype(np.float32)


def progression(
    tonic: int,
    minor: bool,
    seconds: float,
    *,
    sr: int = SR,
    chord_s: float = 2.0,
    brightness: float = 0.5,
) -> np.ndarray:
    """A cadence that defines a key: I–IV–V–I (major) or i–iv–V–i (minor), repeated.

    ``tonic`` is a pitch class (0 = C); chords sit around middle C, with the tonic
    doubled in the bass.
    """
    root = 48 + tonic
    steps = [
        (0, MINOR if minor else MAJOR),
        (5, MINOR if minor else MAJOR),
        (7, MAJOR),
        (0, MINOR if minor else MAJOR),
    ]
    decay = np.exp(-np.arange(int(chord_s * sr)) / (1.0 * sr)).astype(np.float32)
    sounds = {}  # each of the chords is synthesised once
    for offset, quality in steps:
        if (offset, quality) not in sounds:
            sound = chord(root + offset, quality, chord_s, sr=sr, brightness=brightness)
            bass = tone(midi_hz(root - 12 + offset), chord_s, sr=sr)
            n = min(len(sound), len(bass), len(decay))
            sounds[offset, quality] = sound[:n] + 0.5 * bass[:n] * decay[:n]
    out = np.zeros(int(seconds * sr), np.float32)
    at, i = 0.0, 0
    while at < seconds:
        place(out, sounds[steps[i % len(steps)]], at, sr)
        at += chord_s
        i += 1
    return out


def pad(
    root_midi: int,
    quality: tuple[int, ...],
    seconds: float,
    *,
    sr: int = SR,
    rng: np.random.Generator,
) -> np.ndarray:
    """A slow, soft, sustained pad: detuned sines with a slow swell and no attack."""
    t = np.arange(int(seconds * sr)) / sr
    out = np.zeros_like(t)
    for interval in quality:
        for detune in (-0.3, 0.0, 0.3):
            f = midi_hz(root_midi + interval + detune / 10)
            start = int(rng.integers(int(sr / f) + 1))  # a random phase
            out += tone(f, seconds + 1 / f, sr=sr, harmonics=1)[start : start + len(t)]
    swell = 0.6 + 0.4 * np.sin(2 * np.pi * t / rng.uniform(6, 12)) ** 2
    return (out * swell / (3 * len(quality))).astype(np.float32)


def pluck(
    freq: float, seconds: float, rng: np.random.Generator, *, sr: int = SR, damping: float = 0.996
) -> np.ndarray:
    """A plucked string by Karplus–Strong: a noise burst in a damped delay line."""
    period = max(2, round(sr / freq))
    n = int(seconds * sr)
    buffer = rng.uniform(-1, 1, period)
    out = np.empty((n // period + 1) * period, np.float32)
    # One period at a time: each pass averages neighbours, a low-pass that damps the string.
    for start in range(0, len(out), period):
        out[start : start + period] = buffer
        buffer = damping * 0.5 * (buffer + np.concatenate((buffer[1:], buffer[:1])))
    return out[:n]


def slow_piece(bpm: float, seconds: float, rng: np.random.Generator, *, sr: int = SR) -> np.ndarray:
    """A slow, quiet piece at ``bpm``: a sustained pad, a soft chord on every beat, a low
    note on each bar's first beat and a faint pluck on some off-beats — sparse onsets, few
    per second, the kind of music that must not read at twice its tempo."""
    beat = 60.0 / bpm
    out = pad(48, MINOR, seconds, sr=sr, rng=rng) * 0.5
    soft = chord(57, MINOR, beat * 1.5, sr=sr, attack_s=0.03, decay_s=0.8, brightness=0.4)
    low = tone(midi_hz(33), beat, sr=sr, harmonics=3) * _envelope(int(beat * sr), sr, 0.5)
    pluck_note = pluck(midi_hz(69), 0.6, rng, sr=sr)
    at = 0.0
    for i in range(int(seconds / beat) + 1):
        at = i * beat
        place(out, soft, at, sr, 0.9 + 0.1 * rng.random())
        if i % 4 == 0:
            place(out, low, at, sr, 0.8)
        if rng.random() < 0.4:
            place(out, pluck_note, at + beat / 2, sr, 0.15)
    return out


def waltz(bpm: float, seconds: float, rng: np.random.Generator, *, sr: int = SR) -> np.ndarray:
    """A waltz at ``bpm`` quarter notes per minute: a bass note on each bar's first beat
    and a short chord on the second and third ("oom-pah-pah"), three beats to the bar."""
    beat = 60.0 / bpm
    bass = tone(midi_hz(38), beat, sr=sr, harmonics=4) * _envelope(int(beat * sr), sr, 0.25)
    pah = chord(62, MAJOR, beat * 0.8, sr=sr, attack_s=0.005, decay_s=0.15, brightness=0.6)
    out = np.zeros(int(seconds * sr), np.float32)
    for i in range(int(seconds / beat) + 1):
        if i % 3 == 0:
            place(out, bass, i * beat, sr, 1.0)
        else:
            place(out, pah, i * beat, sr, 0.5 + 0.1 * rng.random())
    return out


def normalise(signal: np.ndarray, peak_db: float = -1.0) -> np.ndarray:
    """Scale to a peak of ``peak_db`` dBFS."""
    peak = float(np.abs(signal).max())
    return signal if peak == 0 else (signal * (10 ** (peak_db / 20) / peak)).astype(np.float32)

"""The demo's musical styles, each a recipe over :mod:`trace.audio.synth`.

Six styles make the library and a seventh, absent from it, appears only among the
candidates. Inside a style, tempo, key, mode, brightness and level vary from track to
track, so each cluster has a shape rather than being a point.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

import numpy as np

from trace.audio import synth

SR = synth.SR


@dataclass(frozen=True, slots=True)
class Style:
    name: str
    genres: tuple[str, ...]
    bpm: tuple[float, float]
    minor_share: float
    level_db: tuple[float, float]
    """Peak level range in dBFS: how loud its tracks are mastered."""
    render: Callable[[np.random.Generator, float, float, int, bool], np.ndarray]


def _bass_line(
    rng: np.random.Generator, seconds: float, bpm: float, tonic: int, minor: bool, *, saw: bool
) -> np.ndarray:
    out = np.zeros(int(seconds * SR), np.float32)
    beat = 60 / bpm
    steps = (0, 0, 7, 5) if not minor else (0, 0, 3, 7)
    length = beat * 0.9
    decay = np.exp(-np.arange(int(length * SR)) / (0.3 * SR)).astype(np.float32)
    notes = {}  # each pitch is synthesised once
    for step in set(steps):
        note = synth.tone(
            synth.midi_hz(36 + tonic + step),
            length,
            harmonics=12 if saw else 2,
            brightness=0.85 if saw else 0.3,
        )
        notes[step] = note[: len(decay)] * decay[: len(note)]
    at, i = 0.0, 0
    while at < seconds:
        synth.place(out, notes[steps[i % 4]], at, SR)
        at += beat
        i += 1
    return out


def electronic(rng, seconds, bpm, tonic, minor):
    """Four-on-the-floor drums, a buzzing saw bass, a bright minor stab."""
    drums = synth.drum_pattern(bpm, seconds, rng, style="four")
    bass = _bass_line(rng, seconds, bpm, tonic, minor, saw=True)
    stabs = synth.progression(tonic, minor, seconds, chord_s=4 * 60 / bpm, brightness=0.8)
    return drums + 0.5 * bass + 0.25 * stabs


def ambient(rng, seconds, bpm, tonic, minor):
    """Slow detuned pads that swell, no drums, a faint high shimmer."""
    quality = synth.MINOR if minor else synth.MAJOR
    pads = synth.pad(48 + tonic, quality, seconds, rng=rng)
    shimmer = synth.pad(72 + tonic, (0, 7), seconds, rng=rng)
    return pads + 0.15 * shimmer


def acoustic(rng, seconds, bpm, tonic, minor):
    """A plucked guitar (Karplus–Strong) picking arpeggios, no drums."""
    out = np.zeros(int(seconds * SR), np.float32)
    quality = synth.MINOR if minor else synth.MAJOR
    shapes = ((0, quality), (5, quality), (7, synth.MAJOR), (9 if not minor else 8, quality))
    step = 60 / bpm / 2
    damping = float(rng.uniform(0.993, 0.997))
    strings: dict[int, np.ndarray] = {}  # each pitch is plucked once and reused
    i = 0
    while i * step < seconds:
        root, chord = shapes[(i // 8) % 4]
        pitch = 52 + tonic + root + (*chord, 12)[i % 4]
        if pitch not in strings:
            strings[pitch] = synth.pluck(synth.midi_hz(pitch), 1.2, rng, damping=damping)
        synth.place(
            out, strings[pitch], i * step + rng.normal(0, 0.008), SR, 0.6 + 0.4 * rng.random()
        )
        i += 1
    return out


def hiphop(rng, seconds, bpm, tonic, minor):
    """A swung beat, a deep sine bass and soft electric-piano chords."""
    drums = synth.drum_pattern(bpm, seconds, rng, style="hiphop", swing=0.25)
    bass = _bass_line(rng, seconds, bpm / 2, tonic, minor, saw=False)
    keys = synth.progression(tonic, minor, seconds, chord_s=8 * 60 / bpm, brightness=0.35)
    return drums + 0.8 * bass + 0.3 * keys


def pop(rng, seconds, bpm, tonic, minor):
    """Bright major chords on every beat over a straight rock beat."""
    drums = synth.drum_pattern(bpm, seconds, rng, style="rock")
    chords = synth.progression(tonic, False, seconds, chord_s=4 * 60 / bpm, brightness=0.75)
    return 0.7 * drums + 0.6 * chords


def rock(rng, seconds, bpm, tonic, minor):
    """Distorted minor power chords (clipped saws) over fast rock drums."""
    drums = synth.drum_pattern(bpm, seconds, rng, style="rock")
    out = np.zeros(int(seconds * SR), np.float32)
    bar = 4 * 60 / bpm
    riffs: dict[int, np.ndarray] = {}  # each power chord is synthesised once
    for i, step in enumerate(np.arange(0, seconds, bar / 2)):
        root = 40 + tonic + (0, 0, 3, 5, 7, 5, 3, 0)[i % 8]
        if root not in riffs:
            chord = synth.tone(synth.midi_hz(root), bar / 2, harmonics=20, brightness=0.9)
            fifth = synth.tone(synth.midi_hz(root + 7), bar / 2, harmonics=20, brightness=0.9)
            riffs[root] = np.tanh(4 * (chord + fifth)).astype(np.float32)
        synth.place(out, riffs[root], step, SR)
    return 0.6 * drums + 0.5 * out


def chiptune(rng, seconds, bpm, tonic, minor):
    """Square-wave arpeggios, sixteenth notes, no acoustic drums: absent from the library."""
    out = np.zeros(int(seconds * SR), np.float32)
    step = 60 / bpm / 4
    quality = synth.MINOR if minor else synth.MAJOR
    t = np.arange(int(step * SR)) / SR
    i = 0
    while i * step < seconds:
        note = 60 + tonic + (*quality, 12)[i % 4] + 12 * ((i // 16) % 2)
        square = np.sign(np.sin(2 * np.pi * synth.midi_hz(note) * t)).astype(np.float32)
        synth.place(out, 0.3 * square, i * step, SR)
        i += 1
    return out + 0.5 * _bass_line(rng, seconds, bpm, tonic, minor, saw=False)


LIBRARY_STYLES = (
    Style("electronic", ("Electronic", "House"), (120, 132), 0.7, (-1.0, -0.3), electronic),
    Style("ambient", ("Ambient",), (60, 80), 0.4, (-14.0, -8.0), ambient),
    Style("acoustic", ("Folk", "Acoustic"), (84, 110), 0.3, (-6.0, -3.0), acoustic),
    Style("hiphop", ("Hip-Hop",), (84, 96), 0.6, (-2.0, -0.5), hiphop),
    Style("pop", ("Pop",), (100, 124), 0.0, (-1.5, -0.5), pop),
    Style("rock", ("Rock", "Metal"), (140, 168), 1.0, (-0.5, -0.1), rock),
)
NEW_STYLE = Style("chiptune", ("Chiptune",), (150, 172), 0.3, (-3.0, -1.0), chiptune)
STYLES = {style.name: style for style in (*LIBRARY_STYLES, NEW_STYLE)}


def render(
    style: Style, rng: np.random.Generator, seconds: float, *, blend: Style | None = None
) -> tuple[np.ndarray, float, int, bool]:
    """A track of ``style`` (mixed 60/40 with ``blend`` if given): samples, bpm, key, minor."""
    bpm = float(rng.uniform(*style.bpm))
    tonic = int(rng.integers(12))
    minor = bool(rng.random() < style.minor_share)
    signal = style.render(rng, seconds, bpm, tonic, minor)
    if blend is not None:
        signal = 0.6 * synth.normalise(signal) + 0.4 * synth.normalise(
            blend.render(rng, seconds, bpm, tonic, minor)
        )
    level = float(rng.uniform(*style.level_db))
    return synth.normalise(signal.astype(np.float32), level), bpm, tonic, minor

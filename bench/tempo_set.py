"""Build an annotated tempo set that TRACE's tempo estimator was not tuned on.

TRACE's tempo constants were tuned on the 20 annotated songs of the real corpus
(``bench/corpus.py``). This set is for judging tempo rules on other music: every piece is a
MIDI file with an exactly known tempo map, rendered here with FluidSynth and the FluidR3 GM
sound font, then encoded as MP3, Ogg Vorbis or FLAC in turn. Run it from the repository
root with the project's virtualenv, as root (it uses ``apt-get download``)::

    .venv/bin/python bench/tempo_set.py            # build (or update) the set, ~5 min
    .venv/bin/python bench/tempo_set.py --list     # counts of the manifest already written
    .venv/bin/python bench/tempo.py --split held_out   # then evaluate (bench/tempo.py)

Sources (each package's ``debian/copyright`` is read and its license recorded per piece):

``openmsx``
    ``openttd-openmsx`` (Debian main, GPL-2.0): OpenTTD's MIDI soundtrack.
``freedoom``
    ``freedoom`` (Debian main, BSD-3-Clause "freedoom-license"): the ``D_*`` music lumps of
    ``freedoom1.wad``/``freedoom2.wad``, which are Standard MIDI Files; byte-identical
    lumps are kept once.
``mma-<family>``
    Songs generated here with MMA, Musical MIDI Accompaniment (``mma``, Debian main,
    GPL-2+), run from the unpacked package: a chord chart written here (jazz, blues, pop,
    latin, waltz) played by one of MMA's standard-library grooves at a tempo chosen here to
    spread the tempo bands. MMA writes a constant ``Tempo`` as the MIDI set_tempo. Each
    style family (swing, blues, country, ballad, rock, latin, waltz) is a source of its own.
``folk-ryans``
    Fiddle tunes (reels, hornpipes, clogs, strathspeys in simple meters) of *Ryan's Mammoth
    Collection* (1883, public domain), in the ABC transcriptions that the ``music21`` wheel
    (PyPI) ships in its corpus, converted with ``abc2midi`` (``abcmidi``, Debian main, GPL-2+)
    with a ``Q:`` tempo set here from the tune type's usual dance tempo, and played through
    two or three times (as at a session) so that each lasts at least 45 s.
``classical-music21``
    Movements in simple meters from the music21 corpus (Beethoven, Mozart, Haydn, Chopin,
    Joplin, C. Schumann, ...; compositions in the public domain, encodings distributed by
    music21 "with the permission of the encoders", some non-commercial: see
    ``music21/corpus/license.txt``), converted to MIDI with the music21 toolkit, installed
    with pip into a virtualenv of its own under ``bench/corpus/tempo/tools/`` (not the
    project's). Its tempo is what music21 writes as the MIDI set_tempo: from the score's
    metronome marks or tempo words, else its default ♩ = 120 (then known by construction;
    ``evidence`` says which). The MIDI, not the score, is the truth: for the Maple Leaf Rag
    music21 writes ♩ = 100 for the first eighth note only, then 120.

Planet Blupi's MIDI (part of the tuned corpus) is not used.

Every source is capped at ``--max-per-source`` pieces (25: it cuts Freedoom's 54 passing
lumps and OpenMSX's 29), chosen evenly over the source's pieces sorted by tempo.

Checks, per MIDI file (the truth is the MIDI tempo in quarter notes per minute):

* the tempo map is constant or nearly: one tempo (within 1 %) covers at least 90 % of the
  time up to the last note; its BPM is the piece's ``bpm``;
* the notes sit on the tempo grid: ``grid_share`` is the share of attacks (note-ons; the
  later notes of a chord or strum on one channel within 50 ms count as one attack) within
  ±30 ms of the grid of sixteenths and eighth-note triplets that the tempo map and the MIDI
  division imply. Since at fast tempos ±30 ms covers most of a beat by chance
  (``grid_chance``, the share of a beat within ±30 ms of the grid), a piece is kept when
  ``grid_share`` ≥ 0.85 *and* its excess over chance, (share − chance) / (1 − chance), is
  ≥ 0.5. What this separates, in the first build: the kept files score 0.86–1.00 (most
  ≥ 0.95); Freedoom's lumps converted from Doom's MUS format (division 89, a placeholder
  95 BPM) score at chance (0.51–0.64 against 0.55), its D_BUNNY 0.72 against 0.65; MMA
  grooves that strum and humanise heavily (Folk, FolkRock, EasySwing, CountryWaltz, ...)
  0.67–0.89 with an excess of 0.2–0.6; hornpipes with grace notes and 32nds ~0.8;
* the rendering lasts at least 45 s (FluidSynth's output is cut 4 s after the last note).

It writes ``bench/corpus/tempo/manifest.csv`` (paths relative to it; ``bench/corpus/`` is
git-ignored) with ``path, source, package, title, style, bpm, meter, grid_share,
grid_chance, tempo_share, duration_s, format, license, split, evidence, midi``, and
``excluded.csv`` beside it with the reason for every file left out. ``split`` is decided
per source: ``tuning`` (openmsx, folk-ryans, mma-swing, mma-blues, mma-country, mma-ballad)
or ``held_out`` (freedoom, classical-music21, mma-rock, mma-latin, mma-waltz), so a rule
tuned on one side is judged on sources it never saw.
"""

from __future__ import annotations

import argparse
import csv
import hashlib
import json
import math
import os
import struct
import subprocess
import sys
import tempfile
import time
import zipfile
from collections import Counter
from dataclasses import dataclass, field, replace
from multiprocessing import Pool
from pathlib import Path

import av
import corpus
import numpy as np
import soundfile as sf
import voices

TEMPO = corpus.CORPUS / "tempo"
MIDI = TEMPO / "midi"
AUDIO = TEMPO / "audio"
TOOLS = TEMPO / "tools"
FIELDS = (
    "path",
    "source",
    "package",
    "title",
    "style",
    "bpm",
    "meter",
    "grid_share",
    "grid_chance",
    "tempo_share",
    "duration_s",
    "format",
    "license",
    "split",
    "evidence",
    "midi",
)
EXCLUDED_FIELDS = ("midi", "source", "reason")
FORMATS = ("mp3", "ogg", "flac")
MIN_TEMPO_SHARE = 0.90
SAME_TEMPO = 0.01  # tempos within 1 % of the dominant one count as the same
GRID_TOLERANCE_S = 0.030
STRUM_S = 0.050  # later notes of a channel this close to an attack belong to it
MIN_GRID_SHARE = 0.85
MIN_GRID_EXCESS = 0.5
GRID_DIVISIONS = (4, 3)  # sixteenths and eighth-note triplets of a quarter-note beat
MUSIC21_VERSION = "10.5.1"

TUNING, HELD_OUT = "tuning", "held_out"
SPLITS = {
    "openmsx": TUNING,
    "folk-ryans": TUNING,
    "mma-swing": TUNING,
    "mma-blues": TUNING,
    "mma-country": TUNING,
    "mma-ballad": TUNING,
    "freedoom": HELD_OUT,
    "classical-music21": HELD_OUT,
    "mma-rock": HELD_OUT,
    "mma-latin": HELD_OUT,
    "mma-waltz": HELD_OUT,
}

OPENMSX = voices.OPENMSX
SOUND_FONT = voices.SOUND_FONT
FREEDOOM = corpus.Source("freedoom", ("freedoom",), ("usr/share/games/doom/*.wad",))
MMA = corpus.Source("mma", ("mma",), ("usr/share/mma/*", "usr/bin/mma"))
ABCMIDI = corpus.Source("abcmidi", ("abcmidi",), ("usr/bin/abc2midi",))


# --- MIDI analysis -------------------------------------------------------------------------


@dataclass
class Score:
    """What the checks need of a Standard MIDI File."""

    division: int  # ticks per quarter note
    tempos: list[tuple[int, int]]  # (tick, microseconds per quarter note)
    meters: list[tuple[int, int, int]]  # (tick, numerator, denominator)
    onsets: np.ndarray  # (tick, channel) of every note-on, by tick
    last_tick: int  # of the last note event

    def segments(self) -> list[tuple[int, int]]:
        """``(start tick, micros per quarter)`` of each tempo segment, from tick 0."""
        segments = [(0, 500_000)]  # the MIDI default, 120 BPM, until a set_tempo
        for tick, micros in self.tempos:
            if tick == segments[-1][0]:
                segments[-1] = (tick, micros)
            else:
                segments.append((tick, micros))
        return segments


def parse_midi(data: bytes) -> Score:
    """Tempo map, time signatures and note-ons of a Standard MIDI File (format 0 or 1)."""
    if data[:4] != b"MThd":
        raise ValueError("not a MIDI file")
    header_length = struct.unpack(">I", data[4:8])[0]
    track_count, division = struct.unpack(">HH", data[10:14])
    if division & 0x8000:
        raise ValueError("SMPTE time division")
    pos = 8 + header_length
    tempos: list[tuple[int, int]] = []
    meters: list[tuple[int, int, int]] = []
    onsets: list[tuple[int, int]] = []
    last = 0
    for _ in range(track_count):
        if data[pos : pos + 4] != b"MTrk":
            break
        length = struct.unpack(">I", data[pos + 4 : pos + 8])[0]
        last = max(last, _read_track(data, pos + 8, pos + 8 + length, tempos, meters, onsets))
        pos += 8 + length
    notes = np.array(sorted(onsets), dtype=np.int64).reshape(-1, 2)
    # Stable by tick: at one tick the last event in file (track) order wins, as in a player.
    tempos.sort(key=lambda event: event[0])
    meters.sort(key=lambda event: event[0])
    return Score(division, tempos, meters, notes, last)


def _read_track(
    data: bytes,
    pos: int,
    end: int,
    tempos: list[tuple[int, int]],
    meters: list[tuple[int, int, int]],
    onsets: list[tuple[int, int]],
) -> int:
    tick, status, last = 0, 0, 0
    end = min(end, len(data))
    while pos < end:
        delta, pos = corpus.read_varlen(data, pos)
        tick += delta
        kind = data[pos]
        if kind == 0xFF:  # meta event
            meta = data[pos + 1]
            length, pos = corpus.read_varlen(data, pos + 2)
            if meta == 0x51:
                tempos.append((tick, int.from_bytes(data[pos : pos + 3], "big")))
            elif meta == 0x58:
                meters.append((tick, data[pos], 2 ** data[pos + 1]))
            pos += length
            continue
        if kind in (0xF0, 0xF7):  # sysex
            length, pos = corpus.read_varlen(data, pos + 1)
            pos += length
            continue
        if kind & 0x80:  # else running status
            status, pos = kind, pos + 1
        event = status & 0xF0
        if event == 0x90 and data[pos + 1] > 0:
            onsets.append((tick, status & 0x0F))
        if event in (0x80, 0x90):
            last = tick
        pos += 1 if event in (0xC0, 0xD0) else 2
    return last


def dominant_tempo(score: Score) -> tuple[float, float, float, int]:
    """The tempo (BPM) covering most of the time, the share it covers (tempos within 1 %
    counted with it), the seconds up to the last note, and the number of distinct tempos."""
    seconds: Counter[float] = Counter()
    segments = score.segments()
    for i, (start, micros) in enumerate(segments):
        stop = min(
            segments[i + 1][0] if i + 1 < len(segments) else score.last_tick, score.last_tick
        )
        if stop > start:
            seconds[round(60e6 / micros, 3)] += (stop - start) / score.division * micros / 1e6
    total = sum(seconds.values())
    if not total:
        return 120.0, 0.0, 0.0, 0
    best = max(seconds, key=lambda bpm: seconds[bpm])
    near = sum(s for bpm, s in seconds.items() if abs(bpm - best) <= SAME_TEMPO * best)
    return best, near / total, total, len(seconds)


def grid_share(score: Score) -> float:
    """Share of attacks within ±30 ms of the sixteenth/eighth-triplet grid of the tempo map.

    An attack is a note-on, with the later notes of a chord or a strum on the same channel
    (within :data:`STRUM_S` of its first note) counted as one: MMA strums guitar chords
    over up to ~50 ms, and what places a chord in time is where it starts.
    """
    if not len(score.onsets):
        return 0.0
    ticks = score.onsets[:, 0].astype(float)
    channels = score.onsets[:, 1]
    starts = np.array([start for start, _ in score.segments()])
    micros = np.array([m for _, m in score.segments()], dtype=float)
    at = np.searchsorted(starts, ticks, side="right") - 1
    lengths = np.diff(starts) / score.division * micros[:-1] / 1e6
    seconds = np.concatenate([[0.0], np.cumsum(lengths)])[at]
    seconds += (ticks - starts[at]) / score.division * micros[at] / 1e6
    attack = np.zeros(len(ticks), dtype=bool)
    for channel in np.unique(channels):
        index = np.flatnonzero(channels == channel)
        first = -np.inf
        for i in index:
            if seconds[i] - first > STRUM_S:
                attack[i], first = True, seconds[i]
    ticks_off = np.full(len(ticks), np.inf)
    for parts in GRID_DIVISIONS:
        step = score.division / parts
        rest = np.mod(ticks, step)
        ticks_off = np.minimum(ticks_off, np.minimum(rest, step - rest))
    seconds_off = ticks_off * micros[at] / score.division / 1e6
    return float(np.mean(seconds_off[attack] <= GRID_TOLERANCE_S))


def grid_chance(bpm: float) -> float:
    """The share of a beat within ±30 ms of the grid: ``grid_share`` of random onsets."""
    beat = 60.0 / bpm
    points = np.array(sorted({k / p for p in GRID_DIVISIONS for k in range(p + 1)}))
    where = np.linspace(0.0, 1.0, 6001)[:-1]
    off = np.abs(where[:, None] - points[None, :]).min(axis=1) * beat
    return float(np.mean(off <= GRID_TOLERANCE_S))


def meter_of(score: Score, seconds: float) -> str:
    """The time signature covering most ticks (``4/4`` if none is given, as MIDI says)."""
    if not score.meters:
        return "4/4"
    ticks: Counter[str] = Counter()
    marks = [m for m in score.meters if m[0] <= score.last_tick] or score.meters[:1]
    for i, (tick, numerator, denominator) in enumerate(marks):
        stop = marks[i + 1][0] if i + 1 < len(marks) else max(score.last_tick, tick + 1)
        ticks[f"{numerator}/{denominator}"] += max(stop - tick, 1)
    found = ticks.most_common()
    if len(found) == 1 or found[0][1] >= 0.9 * sum(ticks.values()):
        return found[0][0]
    return "mixed " + "+".join(name for name, _ in found[:3])


# --- pieces --------------------------------------------------------------------------------


@dataclass
class Piece:
    """One candidate: a MIDI file and what is known about it."""

    midi: Path
    source: str
    package: str
    title: str
    style: str
    license: str
    origin: str  # where the MIDI comes from and how its tempo was set
    bpm: float = 0.0
    meter: str = ""
    grid: float = 0.0
    chance: float = 0.0
    tempo_share: float = 0.0
    midi_seconds: float = 0.0
    evidence: str = ""
    audio: Path | None = None
    fmt: str = ""
    duration_s: float = 0.0
    extra: dict[str, str] = field(default_factory=dict)

    def row(self) -> dict[str, str]:
        assert self.audio is not None
        return {
            "path": os.path.relpath(self.audio, TEMPO),
            "source": self.source,
            "package": self.package,
            "title": self.title,
            "style": self.style,
            "bpm": f"{self.bpm:g}",
            "meter": self.meter,
            "grid_share": f"{self.grid:.3f}",
            "grid_chance": f"{self.chance:.3f}",
            "tempo_share": f"{self.tempo_share:.3f}",
            "duration_s": f"{self.duration_s:.1f}",
            "format": self.fmt,
            "license": self.license,
            "split": SPLITS[self.source],
            "evidence": self.evidence,
            "midi": os.path.relpath(self.midi, TEMPO),
        }


@dataclass
class Excluded:
    midi: Path
    source: str
    reason: str

    def row(self) -> dict[str, str]:
        return {
            "midi": os.path.relpath(self.midi, TEMPO),
            "source": self.source,
            "reason": self.reason,
        }


def font_license() -> str:
    package = SOUND_FONT.packages[0]
    return corpus.read_copyright(package).license_of(SOUND_FONT.music[0])


def license_of(package: str, rel: str) -> str:
    return corpus.read_copyright(package).license_of(rel) or "see debian/copyright"


# --- openmsx and freedoom: MIDI files shipped as such ---------------------------------------


def openmsx_pieces() -> list[Piece]:
    package = OPENMSX.packages[0]
    root = corpus.raw_dir(package) / "usr/share/games/openttd/baseset/openmsx"
    names = voices.openmsx_names(root / "openmsx.obm")
    pieces = []
    for path in sorted(root.glob("*.mid")):
        rel = path.relative_to(corpus.raw_dir(package)).as_posix()
        pieces.append(
            Piece(
                midi=path,
                source="openmsx",
                package=package,
                title=names.get(path.name, path.stem),
                style="game",
                license=license_of(package, rel),
                origin=f"{path.name} as shipped in {package}",
            )
        )
    return pieces


def wad_lumps(wad: Path) -> list[tuple[str, bytes]]:
    """``(name, data)`` of every lump of a Doom WAD file."""
    data = wad.read_bytes()
    _, count, directory = struct.unpack("<4sii", data[:12])
    lumps = []
    for i in range(count):
        offset, size, name = struct.unpack(
            "<ii8s", data[directory + 16 * i : directory + 16 * i + 16]
        )
        lumps.append((name.rstrip(b"\0").decode("ascii", "replace"), data[offset : offset + size]))
    return lumps


def freedoom_pieces(excluded: list[Excluded]) -> list[Piece]:
    package = FREEDOOM.packages[0]
    root = corpus.raw_dir(package) / "usr/share/games/doom"
    target = MIDI / "freedoom"
    target.mkdir(parents=True, exist_ok=True)
    seen: dict[str, str] = {}
    pieces = []
    for wad in sorted(root.glob("freedoom*.wad")):
        rel = wad.relative_to(corpus.raw_dir(package)).as_posix()
        for name, data in wad_lumps(wad):
            if not name.startswith("D_"):
                continue
            path = target / f"{wad.stem}-{name}.mid"
            digest = hashlib.sha1(data, usedforsecurity=False).hexdigest()
            if digest in seen:
                excluded.append(Excluded(path, "freedoom", f"byte-identical to {seen[digest]}"))
                continue
            seen[digest] = f"{wad.name}:{name}"
            if data[:4] != b"MThd":
                excluded.append(Excluded(path, "freedoom", "not a MIDI lump (MUS)"))
                continue
            if not path.exists():
                path.write_bytes(data)
            pieces.append(
                Piece(
                    midi=path,
                    source="freedoom",
                    package=package,
                    title=f"{wad.stem} {name}",
                    style="game (rock/metal)",
                    license=license_of(package, rel),
                    origin=f"music lump {name} of {wad.name} in {package}",
                )
            )
    return pieces


# --- MMA songs -----------------------------------------------------------------------------

# Chord charts written for this set, one bar a line ("/" holds the chord for a beat).
CHARTS = {
    "jazz": (
        "Cmaj7\nAm7\nDm7\nG7\nEm7\nA7\nDm7 / G7 /\nCmaj7\n" * 2
        + "Gm7\nC7\nFmaj7\nFmaj7\nAm7\nD7\nDm7\nG7\n"
        + "Cmaj7\nAm7\nDm7\nG7\nEm7\nA7\nDm7 / G7 /\nC6\n"
    ),
    "blues": "F7\nBb7\nF7\nF7\nBb7\nBb7\nF7\nD7\nGm7\nC7\nF7 / D7 /\nGm7 / C7 /\n",
    "pop": "C\nG\nAm\nF\nC\nG\nF\nF\nAm\nF\nC\nG\nAm\nF\nG\nG\n",
    "latin": "Am\nAm\nDm\nDm\nE7\nE7\nAm\nAm\nDm\nG7\nCmaj7\nFmaj7\nBm7b5\nE7\nAm\nE7\n",
    "waltz": "C\nC\nG7\nG7\nG7\nG7\nC\nC\nF\nF\nC\nC\nD7\nD7\nG7\nG7\n",
}
# (family, groove, chart, tempo): tempos chosen to spread the tempo bands, within each
# groove's documented range; grooves MMA's docs say to play at "double tempo" are avoided.
# fmt: off
MMA_SONGS = (
    ("swing", "SlowJazz", "jazz", 70),
    ("swing", "SlowJazz", "blues", 84),
    ("swing", "EasySwing", "jazz", 96),
    ("swing", "Swing", "jazz", 128),
    ("swing", "JazzCombo", "jazz", 150),
    ("swing", "Swing", "jazz", 176),
    ("blues", "SlowBlues", "blues", 62),
    ("blues", "SlowBlues", "blues", 76),
    ("blues", "R&B", "blues", 84),
    ("blues", "Blues", "blues", 100),
    ("blues", "BVFunk", "blues", 106),
    ("blues", "ShuffleBoggie", "blues", 124),
    ("country", "SlowCountry", "pop", 76),
    ("country", "Folk", "pop", 108),
    ("country", "CountryWaltz", "waltz", 112),
    ("country", "WesternSwing", "pop", 120),
    ("country", "Zydeco", "pop", 146),
    ("country", "Bluegrass", "pop", 152),
    ("country", "CountrySwing", "pop", 164),
    ("ballad", "StringBallad", "pop", 60),
    ("ballad", "PianoBallad", "pop", 64),
    ("ballad", "Ballad", "jazz", 68),
    ("ballad", "PopBallad", "pop", 72),
    ("ballad", "GuitarBallad", "pop", 80),
    ("ballad", "RockBallad", "pop", 88),
    ("rock", "SoftRock", "pop", 86),
    ("rock", "SoftRock", "pop", 94),
    ("rock", "FolkRock", "pop", 112),
    ("rock", "BasicRock", "pop", 118),
    ("rock", "8Beat", "pop", 128),
    ("rock", "60sRock", "pop", 136),
    ("rock", "Twist", "pop", 156),
    ("rock", "50sRock", "blues", 172),
    ("latin", "SlowBolero", "latin", 72),
    ("latin", "Bolero", "latin", 78),
    ("latin", "Beguine", "latin", 104),
    ("latin", "Rhumba", "latin", 110),
    ("latin", "ChaCha", "latin", 118),
    ("latin", "Tango", "latin", 124),
    ("latin", "BossaNova", "latin", 132),
    ("latin", "Salsa", "latin", 176),
    ("latin", "Mambo", "latin", 184),
    ("waltz", "Waltz", "waltz", 72),
    ("waltz", "RockWaltz", "waltz", 84),
    ("waltz", "Waltz", "waltz", 96),
    ("waltz", "JazzWaltz", "waltz", 150),
    ("waltz", "FrenchWaltz", "waltz", 168),
    ("waltz", "FastWaltz", "waltz", 186),
)
# fmt: on
MMA_FAMILY_STYLES = {
    "swing": "jazz/swing",
    "blues": "blues/R&B",
    "country": "country/folk",
    "ballad": "ballad",
    "rock": "rock/pop",
    "latin": "latin",
    "waltz": "waltz",
}
SONG_SECONDS = 80.0  # each MMA song repeats its chart until it lasts about this long


def mma_home() -> Path:
    return corpus.raw_dir(MMA.packages[0]) / "usr/share/mma"


def run_mma(args: list[str], cwd: Path) -> subprocess.CompletedProcess[str]:
    script = corpus.raw_dir(MMA.packages[0]) / "usr/bin/mma"
    env = {**os.environ, "MMA_HOME": str(mma_home())}
    command = [sys.executable, str(script), *args]
    return subprocess.run(command, cwd=cwd, env=env, capture_output=True, text=True, check=False)


def mma_pieces(excluded: list[Excluded]) -> list[Piece]:
    package = MMA.packages[0]
    marker = mma_home() / "lib" / ".tempo-set-db"
    if not marker.exists():
        corpus.log("  building MMA's groove database (mma -G)")
        done = run_mma(["-G"], mma_home())
        if done.returncode != 0:
            raise RuntimeError(f"mma -G failed: {done.stderr[-500:]}")
        marker.write_text("built\n")
    license_ = license_of(package, "usr/share/mma/lib/stdlib/swing.mma")
    pieces = []
    for number, (family, groove, chart, tempo) in enumerate(MMA_SONGS, 1):
        source = f"mma-{family}"
        folder = MIDI / source
        folder.mkdir(parents=True, exist_ok=True)
        name = f"{groove.lower().replace('&', 'n')}-{tempo}"
        path = folder / f"{name}.mid"
        beats = 3 if chart == "waltz" else 4
        bars = CHARTS[chart].count("\n")
        passes = max(1, math.ceil(SONG_SECONDS / (bars * beats * 60.0 / tempo)))
        song = f"// {name}: chart '{chart}' x{passes}\nRndSeed {number}\nTempo {tempo}\n"
        song += f"Groove {groove}\n" + CHARTS[chart] * passes
        (folder / f"{name}.mma").write_text(song)
        if not path.exists():
            done = run_mma([f"{name}.mma", "-f", path.name], folder)
            if done.returncode != 0 or not path.exists():
                excluded.append(Excluded(path, source, f"mma failed: {done.stdout[-200:]}"))
                continue
        pieces.append(
            Piece(
                midi=path,
                source=source,
                package=package,
                title=f"{groove} at {tempo} ({chart} chart)",
                style=MMA_FAMILY_STYLES[family],
                license=f"{license_} (MMA grooves); chord chart written for this set",
                origin=(
                    f"generated by MMA 'Groove {groove}' with 'Tempo {tempo}' "
                    f"({name}.mma, {chart} chart x{passes})"
                ),
            )
        )
    return pieces


# --- music21's corpus: folk tunes (abc2midi) and classical movements (music21) ---------------


def music21_wheel() -> Path:
    """The music21 wheel (its corpus holds the ABC and MusicXML files), via pip download."""
    TOOLS.mkdir(parents=True, exist_ok=True)
    if found := sorted(TOOLS.glob(f"music21-{MUSIC21_VERSION}-*.whl")):
        return found[-1]
    corpus.log(f"  downloading the music21 {MUSIC21_VERSION} wheel with pip")
    command = [sys.executable, "-m", "pip", "download", "-q", "--no-deps", "-d", str(TOOLS)]
    subprocess.run([*command, f"music21=={MUSIC21_VERSION}"], check=True)
    return sorted(TOOLS.glob(f"music21-{MUSIC21_VERSION}-*.whl"))[-1]


# Tune type -> (metres kept, Q: unit, tempos in that unit spread over the tunes): the usual
# dance tempos of each type in that notation.
FOLK_TYPES = {
    "reel": {"2/4": ("1/4", (104, 112, 120)), "C|": ("1/2", (100, 108, 116))},
    "hornpipe": {"2/4": ("1/4", (80, 88)), "C|": ("1/2", (80, 88))},
    "clog": {"C|": ("1/2", (84, 92))},
    "strathspey": {"C": ("1/4", (120, 132))},
}
FOLK_PER_KIND = 2  # tunes per (type, metre)


def abc_field(text: str, key: str) -> str:
    for line in text.splitlines():
        if line.startswith(f"{key}:"):
            return line[2:].strip()
    return ""


def folk_pieces(excluded: list[Excluded]) -> list[Piece]:
    abc2midi = corpus.raw_dir(ABCMIDI.packages[0]) / "usr/bin/abc2midi"
    wheel = music21_wheel()
    folder = MIDI / "folk-ryans"
    folder.mkdir(parents=True, exist_ok=True)
    abcmidi_license = license_of(ABCMIDI.packages[0], "usr/bin/abc2midi")
    with zipfile.ZipFile(wheel) as bundle:
        names = sorted(n for n in bundle.namelist() if "/corpus/ryansMammoth/" in n)
        tunes = {n: bundle.read(n).decode("utf-8", "replace") for n in names if n.endswith(".abc")}
    chosen: Counter[tuple[str, str]] = Counter()
    pieces = []
    for name, text in tunes.items():
        if text.count("X:") != 1:
            continue
        kind = abc_field(text, "R").lower()
        metre = abc_field(text, "M").replace(" ", "")
        if kind not in FOLK_TYPES or metre not in FOLK_TYPES[kind]:
            continue
        if chosen[kind, metre] >= FOLK_PER_KIND or "Q:" in text:
            continue
        unit, tempos = FOLK_TYPES[kind][metre]
        tempo = tempos[chosen[kind, metre] % len(tempos)]
        chosen[kind, metre] += 1
        stem = Path(name).stem
        path = folder / f"{stem}.mid"
        header, body = split_abc(text)
        passes = 2
        for attempt in range(2):
            abc = header + f"Q:{unit}={tempo}\n%%MIDI program 40\nK:{abc_field(text, 'K')}\n"
            abc += body * passes
            (folder / f"{stem}.abc").write_text(abc)
            done = subprocess.run(
                [str(abc2midi), f"{stem}.abc", "-o", path.name, "-quiet", "-silent"],
                cwd=folder,
                capture_output=True,
                text=True,
                check=False,
            )
            if done.returncode != 0 or not path.exists():
                break
            _, _, seconds, _ = dominant_tempo(parse_midi(path.read_bytes()))
            if seconds >= 55 or attempt:
                break
            passes = max(3, math.ceil(60 / max(seconds / passes, 1)))
        if not path.exists():
            excluded.append(Excluded(path, "folk-ryans", f"abc2midi failed: {done.stderr[-200:]}"))
            continue
        title = abc_field(text, "T")
        transcriber = abc_field(text, "Z").replace(":", "@", 1) or "unnamed transcriber"
        pieces.append(
            Piece(
                midi=path,
                source="folk-ryans",
                package=f"music21 {MUSIC21_VERSION} (PyPI) + abcmidi",
                title=title,
                style=f"folk ({kind})",
                license=(
                    "public-domain tune (Ryan's Mammoth Collection, 1883); ABC transcription "
                    "from music21's corpus (music21/corpus/license.txt); "
                    f"abc2midi {abcmidi_license}"
                ),
                origin=(
                    f"{stem}.abc of music21's ryansMammoth ({transcriber}), M:{metre}, "
                    f"played {passes} times, "
                    f"Q:{unit}={tempo} set here (a usual {kind} tempo) and written by abc2midi"
                ),
            )
        )
    return pieces


def split_abc(text: str) -> tuple[str, str]:
    """The header lines up to (not including) ``K:``, and the tune body after it."""
    lines = text.splitlines()
    at = next(i for i, line in enumerate(lines) if line.startswith("K:"))
    header = "\n".join(line for line in lines[:at] if not line.startswith("Q:")) + "\n"
    body = "\n".join(lines[at + 1 :]).strip() + "\n"
    return header, body


# Movements in simple metres, converted by the music21 toolkit; the paths are corpus paths.
CLASSICAL = (
    "beethoven/opus18no1/movement1.krn",
    "beethoven/opus18no1/movement3.krn",
    "beethoven/opus18no1/movement4.krn",
    "chopin/mazurka06-2.krn",
    "joplin/maple_leaf_rag.mxl",
    "mozart/k155/movement1.mxl",
    "mozart/k155/movement2.mxl",
    "mozart/k155/movement3.mxl",
    "mozart/k156/movement2.mxl",
    "mozart/k458/movement2.mxl",
    "mozart/k458/movement3.mxl",
    "mozart/k80/movement2.mxl",
    "haydn/opus74no1/movement1.mxl",
    "haydn/opus74no1/movement3.mxl",
    "haydn/opus1no1/movement3.mxl",
    "schumann_clara/polonaise_op1n1.mxl",
)
CONVERTER = r"""
import json, sys
from music21 import corpus, tempo
out = sys.argv[1]
for name in sys.argv[2:]:
    try:
        score = corpus.parse(name)
        marks = [
            {"offset": float(m.offset), "number": m.number, "text": m.text,
             "implicit": bool(m.numberImplicit)}
            for m in score.flatten().getElementsByClass(tempo.MetronomeMark)
            if m.number is not None
        ]
        target = f"{out}/{name.replace('/', '__').rsplit('.', 1)[0]}.mid"
        score.write("midi", fp=target)
        print(json.dumps({"name": name, "midi": target, "marks": marks[:3]}), flush=True)
    except Exception as error:
        print(json.dumps({"name": name, "error": repr(error)}), flush=True)
"""


def music21_python() -> Path:
    """A virtualenv with the music21 toolkit, apart from the project's (made once)."""
    venv = TOOLS / "music21-venv"
    python = venv / "bin" / "python"
    if not python.exists():
        corpus.log("  installing music21 into bench/corpus/tempo/tools/music21-venv")
        subprocess.run([sys.executable, "-m", "venv", str(venv)], check=True)
        subprocess.run(
            [str(python), "-m", "pip", "install", "-q", f"music21=={MUSIC21_VERSION}"], check=True
        )
    return python


def classical_pieces(excluded: list[Excluded]) -> list[Piece]:
    folder = MIDI / "classical-music21"
    folder.mkdir(parents=True, exist_ok=True)
    info = folder / "converted.jsonl"
    if not info.exists():
        corpus.log(f"  converting {len(CLASSICAL)} movements with music21")
        done = subprocess.run(
            [str(music21_python()), "-c", CONVERTER, str(folder), *CLASSICAL],
            capture_output=True,
            text=True,
            check=False,
        )
        info.write_text(done.stdout)
    pieces = []
    for line in info.read_text().splitlines():
        item = json.loads(line)
        path = folder / f"{item['name'].replace('/', '__').rsplit('.', 1)[0]}.mid"
        if "error" in item:
            excluded.append(Excluded(path, "classical-music21", f"music21: {item['error']}"))
            continue
        marks = item["marks"]
        if marks:
            first = marks[0]
            said = f"'{first['text']}' " if first["text"] else ""
            how = "implied by the tempo word" if first["implicit"] else "given"
            mark = f"the score's first metronome mark: {said}♩={first['number']:g} ({how})"
        else:
            mark = "no numbered metronome mark in the score: the tempo is music21's choice"
        composer = item["name"].split("/")[0]
        pieces.append(
            Piece(
                midi=path,
                source="classical-music21",
                package=f"music21 {MUSIC21_VERSION} (PyPI)",
                title=item["name"].rsplit(".", 1)[0],
                style="classical (piano)" if composer in ("chopin", "joplin") else "classical",
                license=(
                    "public-domain composition; encoding from music21's corpus, distributed "
                    "with the encoders' permission, possibly non-commercial "
                    "(music21/corpus/license.txt); music21 BSD-3-Clause"
                ),
                origin=f"music21 corpus {item['name']} written as MIDI by music21 ({mark})",
            )
        )
    return pieces


# --- checks --------------------------------------------------------------------------------


def checked(piece: Piece) -> tuple[Piece | None, str]:
    """The piece with its tempo, metre and grid filled in, or None and why it is left out."""
    try:
        score = parse_midi(piece.midi.read_bytes())
    except (ValueError, IndexError, struct.error) as error:
        return None, f"unreadable MIDI: {error}"
    if not len(score.onsets):
        return None, "no notes"
    bpm, share, seconds, count = dominant_tempo(score)
    grid, chance = grid_share(score), grid_chance(bpm)
    excess = (grid - chance) / (1 - chance) if chance < 1 else 0.0
    piece = replace(
        piece,
        bpm=bpm,
        meter=meter_of(score, seconds),
        grid=grid,
        chance=chance,
        tempo_share=share,
        midi_seconds=seconds,
    )
    if share < MIN_TEMPO_SHARE:
        return None, f"tempo map not constant: {bpm:g} BPM covers {share:.0%} ({count} tempos)"
    if grid < MIN_GRID_SHARE or excess < MIN_GRID_EXCESS:
        return None, (
            f"notes off the tempo grid: {grid:.0%} within ±30 ms (chance {chance:.0%}, "
            f"excess {excess:.2f}) at {bpm:g} BPM, division {score.division}"
        )
    if seconds < corpus.MIN_SECONDS - 3:  # the rendering is checked again for 45 s
        return None, f"only {seconds:.0f} s of notes"
    tempos = "1 tempo" if count == 1 else f"{count} tempos, {bpm:g} covering {share:.0%}"
    piece.evidence = (
        f"{piece.origin}; MIDI set_tempo {bpm:g} BPM ({tempos} of {seconds:.0f} s), "
        f"division {score.division}, {len(score.onsets)} note-ons, {grid:.0%} of attacks "
        f"within ±30 ms of the 16th/8th-triplet grid (chance {chance:.0%}); meter "
        f"{piece.meter} from the MIDI"
        + (" time signature" if score.meters else " (no time signature: MIDI default)")
    )
    return piece, ""


def spread_by_tempo(pieces: list[Piece], count: int) -> list[Piece]:
    """At most ``count`` pieces, evenly spaced over the pieces sorted by tempo."""
    if len(pieces) <= count:
        return pieces
    ordered = sorted(pieces, key=lambda p: (p.bpm, p.midi.name))
    return [ordered[i * len(ordered) // count] for i in range(count)]


# --- rendering and encoding ----------------------------------------------------------------


TAIL_S = 4.0  # kept after the MIDI's last note: the release and reverb tail


def render(job: tuple[str, str, str, str, float]) -> tuple[str, float, str]:
    """Render one MIDI file with FluidSynth and encode it; ``(path, seconds, error)``.

    FluidSynth writes raw float samples, stopped and cut :data:`TAIL_S` after the last
    note: on some files (music21's string-quartet programs) its file renderer never ends.
    """
    binary, sound_font, midi, target, midi_seconds = job
    out = Path(target)
    if out.exists():
        return target, corpus.duration(out), ""
    out.parent.mkdir(parents=True, exist_ok=True)
    frames = int((midi_seconds + TAIL_S) * corpus.MIX_RATE)
    limit = frames * 2 * 4  # stereo float32
    with tempfile.TemporaryDirectory(dir=out.parent) as scratch:
        raw = Path(scratch) / "render.raw"
        command = [binary, "-ni", "-q", "-g", "0.5", "-r", str(corpus.MIX_RATE), "-O", "float"]
        command += ["-T", "raw", "-E", "little", "-F", str(raw), sound_font, midi]
        with subprocess.Popen(command, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE) as run:
            while run.poll() is None:
                if raw.exists() and raw.stat().st_size >= limit:
                    run.kill()
                    break
                time.sleep(0.1)
            run.wait()
            failed = run.returncode not in (0, -9) or not raw.exists()
            if failed:
                return target, 0.0, f"fluidsynth failed ({run.returncode})"
        samples = np.fromfile(raw, dtype="<f4")[: frames * 2].reshape(-1, 2)
        peak = float(np.abs(samples).max())
        if peak > 0.99:
            samples = samples * (0.99 / peak)
        if out.suffix == ".ogg":
            wav = Path(scratch) / "render.wav"
            sf.write(wav, samples, corpus.MIX_RATE, subtype="FLOAT")
            corpus.mix_down([wav], out)  # libsndfile's Vorbis encoder, as the corpus uses
        else:
            encode(samples, corpus.MIX_RATE, out)
    return target, corpus.duration(out), ""


def encode(samples: np.ndarray, rate: int, target: Path) -> None:
    """Encode (n, 2) float samples as MP3 (LAME, 192 kb/s) or 16-bit FLAC with PyAV."""
    partial = target.with_suffix(".part" + target.suffix)
    codec, fmt = ("libmp3lame", "fltp") if target.suffix == ".mp3" else ("flac", "s16")
    with av.open(str(partial), "w", format=target.suffix[1:]) as container:
        stream = container.add_stream(codec, rate=rate, layout="stereo")
        if codec == "libmp3lame":
            stream.bit_rate = 192_000
        block = 1152 * 32
        for start in range(0, len(samples), block):
            chunk = samples[start : start + block]
            if fmt == "s16":
                data = (np.clip(chunk, -1, 1) * 32767).astype(np.int16).reshape(1, -1)
            else:
                data = np.ascontiguousarray(chunk.T)
            frame = av.AudioFrame.from_ndarray(data, format=fmt, layout="stereo")
            frame.rate = rate
            for packet in stream.encode(frame):
                container.mux(packet)
        for packet in stream.encode(None):
            container.mux(packet)
    partial.rename(target)


# --- manifest and commands -----------------------------------------------------------------


def write_csv(path: Path, fields: tuple[str, ...], rows: list[dict[str, str]]) -> None:
    partial = path.with_suffix(".partial")
    with partial.open("w", newline="") as handle:
        writer = csv.DictWriter(handle, fieldnames=fields)
        writer.writeheader()
        writer.writerows(rows)
    partial.rename(path)


def band(bpm: float) -> str:
    return "<90" if bpm < 90 else ("90-140" if bpm <= 140 else ">140")


def summary(rows: list[dict[str, str]]) -> None:
    """Print the counts per source, split, band, meter, format and license."""
    corpus.log(f"{len(rows)} pieces")
    for column in ("split", "source", "style", "meter", "format", "license"):
        counts = Counter(r[column] for r in rows)
        corpus.log(f"by {column}: " + "; ".join(f"{k} {v}" for k, v in sorted(counts.items())))
    for split in (TUNING, HELD_OUT):
        part = [r for r in rows if r["split"] == split]
        counts = Counter(band(float(r["bpm"])) for r in part)
        corpus.log(
            f"{split} by band: " + ", ".join(f"{b} {counts[b]}" for b in ("<90", "90-140", ">140"))
        )
    counts = Counter(band(float(r["bpm"])) for r in rows)
    corpus.log("all by band: " + ", ".join(f"{b} {counts[b]}" for b in ("<90", "90-140", ">140")))


def build(max_per_source: int, keep_debs: bool, workers: int) -> None:
    started = time.monotonic()
    TEMPO.mkdir(parents=True, exist_ok=True)
    for source in (OPENMSX, SOUND_FONT, FREEDOOM, MMA, ABCMIDI):
        for package in source.packages:
            corpus.unpack(package, source, keep_debs)
    binary = voices.fluidsynth()
    if binary is None:
        sys.exit("fluidsynth is needed: apt-get install fluidsynth")
    sound_font = corpus.raw_dir(SOUND_FONT.packages[0]) / SOUND_FONT.music[0]
    excluded: list[Excluded] = []
    candidates: list[Piece] = []
    for name, make in (
        ("openmsx", lambda: openmsx_pieces()),
        ("freedoom", lambda: freedoom_pieces(excluded)),
        ("MMA songs", lambda: mma_pieces(excluded)),
        ("folk tunes", lambda: folk_pieces(excluded)),
        ("classical movements", lambda: classical_pieces(excluded)),
    ):
        corpus.log(f"collecting {name}")
        candidates += make()
    kept: dict[str, list[Piece]] = {}
    for piece in candidates:
        good, reason = checked(piece)
        if good is None:
            excluded.append(Excluded(piece.midi, piece.source, reason))
        else:
            kept.setdefault(good.source, []).append(good)
    pieces: list[Piece] = []
    for source, found in kept.items():
        chosen = spread_by_tempo(found, max_per_source)
        for piece in found:
            if piece not in chosen:
                reason = f"over the cap of {max_per_source} per source (spread over tempo)"
                excluded.append(Excluded(piece.midi, source, reason))
        pieces += chosen
    pieces.sort(key=lambda p: (SPLITS[p.source], p.source, p.midi.name))
    font = font_license()
    for number, piece in enumerate(pieces):
        piece.fmt = FORMATS[number % len(FORMATS)]
        piece.audio = AUDIO / piece.source / f"{piece.midi.stem}.{piece.fmt}"
        piece.license += f"; sound font FluidR3 GM: {font}"
    corpus.log(f"rendering {len(pieces)} pieces with {workers} workers")
    jobs = [(binary, str(sound_font), str(p.midi), str(p.audio), p.midi_seconds) for p in pieces]
    with Pool(workers) as pool:
        results = {path: (seconds, error) for path, seconds, error in pool.imap(render, jobs)}
    rows = []
    for piece in pieces:
        seconds, error = results[str(piece.audio)]
        if error:
            excluded.append(Excluded(piece.midi, piece.source, error))
            continue
        if seconds < corpus.MIN_SECONDS:
            excluded.append(Excluded(piece.midi, piece.source, f"rendering lasts {seconds:.0f} s"))
            continue
        piece.duration_s = seconds
        rows.append(piece.row())
    write_csv(TEMPO / "manifest.csv", FIELDS, rows)
    write_csv(TEMPO / "excluded.csv", EXCLUDED_FIELDS, [e.row() for e in excluded])
    summary(rows)
    reasons = Counter(e.reason.split(":")[0] for e in excluded)
    corpus.log(f"{len(excluded)} left out: " + "; ".join(f"{k} {v}" for k, v in reasons.items()))
    seconds = time.monotonic() - started
    corpus.log(f"wrote {len(rows)} pieces to {TEMPO / 'manifest.csv'} in {seconds:.0f} s")


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--list", action="store_true", help="print the manifest's counts")
    parser.add_argument(
        "--max-per-source", type=int, default=25, help="cap on pieces per source (default 25)"
    )
    parser.add_argument("--workers", type=int, default=2, help="rendering processes (default 2)")
    parser.add_argument(
        "--keep-debs", action="store_true", help="keep the downloaded .deb files in debs/"
    )
    args = parser.parse_args(argv)
    if args.list:
        rows = corpus.read_manifest(TEMPO / "manifest.csv")
        if not rows:
            sys.exit("No set yet: run `.venv/bin/python bench/tempo_set.py` first.")
        summary(rows)
    else:
        build(args.max_per_source, args.keep_debs, args.workers)


if __name__ == "__main__":
    sys.exit(main())

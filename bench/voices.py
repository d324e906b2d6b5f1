"""Build a labelled set of real music with and without a sung voice, from Debian packages.

The set is for checking TRACE's vocals/instrumental estimate against tracks whose answer is
known from evidence *outside* the audio: the analysis itself must not decide a label, so
nothing here runs MusiCNN (the model that estimate comes from) or any other classifier.

Run it from the repository root with the project's virtualenv (as root, like
``bench/corpus.py``, since it uses ``apt-get``)::

    .venv/bin/python bench/voices.py              # build (or update) the set
    .venv/bin/python bench/voices.py --list       # counts of the manifest already written

It writes ``bench/corpus/voices/manifest.csv`` (``bench/corpus/`` is git-ignored, nothing
is committed) with one row per track: ``path`` (relative to the manifest's folder),
``label`` (``voice`` or ``none``), ``evidence`` (how the label is known), ``evidence_level``
(``track`` when the evidence names this very track, ``album`` when it names its album),
``source``, ``package``, ``artist``, ``title``, ``duration_s``, ``license`` (from the
package's copyright file), and ``sung_from_s``/``sung_to_s`` where a timed lyrics file
shows a stretch that is surely sung (no package used here ships one, so they are empty).
Tracks looked at and left out are listed with the reason in ``excluded.csv`` beside it.

What it does, and skips when already done: ``apt-get download`` and unpack the packages
with ``bench/corpus.py``'s helpers into ``bench/corpus/raw/`` (shared with the corpus, so
packages the corpus already unpacked are not fetched again), render MIDI files with
FluidSynth (installed with ``apt-get`` if missing) into ``bench/corpus/voices/renders/``,
select the tracks by the rules below, and check that each file lasts at least 45 s and
decodes with PyAV.

Evidence rules. A track is labelled only when one of these holds; anything else is left
out, however likely its label:

``voice``
    The album is documented as sung. Only Obsidian Shell's songs in ``marsshooter-data``
    qualify: the files' tags name the band and album, the album *Elysia* (2008) is tagged
    genre "Female Fronted Metal" and was sung in Hungarian by the band's singer Alexandra
    Urbán (reviews at weblog.micha-schmidt.net/tag/female-fronted and spirit-of-metal.com's
    band biography); *Angelic Asylum* (2010) was sung in English (its lyrics are published
    at spirit-of-metal.com; hbbfreemusic.blogspot.com's review: "sung by a woman"). This is
    album-level evidence: a track may still hold long instrumental stretches, and no file
    says where the singing is.
``none``
    * A General-MIDI rendering whose MIDI file selects no voice program (0-based programs
      52-54 choir/voice/synth voice, 85 voice lead, 91 choir pad) and no bank other than 0
      on a melodic channel: a GM synthesiser cannot sing, so there is no voice. Planet
      Blupi's Ogg tracks were made from the MIDI files shipped beside them (their lengths
      agree, checked here); OpenMSX's MIDI files are rendered here with the FluidR3 GM
      sound font.
    * A Frets on Fire ``guitar.ogg`` stem: the song's guitar part alone (everything else
      is in ``song.ogg``), checked here not to be silent.
    * A recording of a work scored for orchestra alone, named by the file's tags: Grieg's
      *Peer Gynt* Suite No. 1, I. "Morning Mood", in ``unknown-horizons``.

Looked at and not used: Frets on Fire's ``song.ogg`` (whether Muldjord's and Sectoid's
songs are sung is documented nowhere in the packages), Debian has no UltraStar/Performous
song pack or other timed lyrics with audio (``apt-file`` searched for ``*.txt`` song
folders, ``*.lrc``, ``*.kar`` and lyrics paths), and spoken dialogue (``fillets-ng-data-*``,
``kajongg``, Hedgewars voices) is speech, not singing.
"""

from __future__ import annotations

import argparse
import csv
import os
import shutil
import struct
import subprocess
import sys
import tempfile
import time
from collections import Counter
from dataclasses import dataclass
from pathlib import Path

import av
import corpus
import mutagen
import numpy as np

VOICES = corpus.CORPUS / "voices"
RENDERS = VOICES / "renders"
FIELDS = (
    "path",
    "label",
    "evidence",
    "evidence_level",
    "source",
    "package",
    "artist",
    "title",
    "duration_s",
    "license",
    "sung_from_s",
    "sung_to_s",
)
EXCLUDED_FIELDS = ("path", "package", "reason")

# 0-based General MIDI programs that sound like a voice.
VOICE_PROGRAMS = {52: "Choir Aahs", 53: "Voice Oohs", 54: "Synth Voice", 85: "Lead 6 (voice)"}
VOICE_PROGRAMS |= {91: "Pad 4 (choir)"}
DRUM_CHANNEL = 9
SILENT_RMS = 10 ** (-45 / 20)  # a stem quieter than -45 dBFS overall counts as silent
TWIN_TOLERANCE_S = 5.0  # an Ogg made from a MIDI file lasts as long, give or take this

MARS = next(s for s in corpus.SOURCES if s.name == "mars")
BLUPI = next(s for s in corpus.SOURCES if s.name == "planetblupi")
FRETS = next(s for s in corpus.SOURCES if s.name == "fretsonfire")
OPENMSX = corpus.Source(
    "openmsx",
    ("openttd-openmsx",),
    ("usr/share/games/openttd/baseset/openmsx/*",),
)
HORIZONS = corpus.Source(
    "unknown-horizons",
    ("unknown-horizons",),
    ("usr/share/unknown-horizons/content/audio/music/Peer Gynt*",),
)
SOUND_FONT = corpus.Source(
    "fluid-soundfont-gm",
    ("fluid-soundfont-gm",),
    ("usr/share/sounds/sf2/FluidR3_GM.sf2",),
)
SOURCES = (MARS, BLUPI, FRETS, OPENMSX, HORIZONS, SOUND_FONT)
# The sound font's copyright file is not machine-readable: its license, read by hand, with a
# phrase that must still be there (checked by ``corpus.read_copyright``).
corpus.FALLBACK_LICENSES.setdefault(
    "fluid-soundfont-gm", ("Expat", r"release Fluid under the MIT license")
)

# What is documented about each Obsidian Shell album (see the module docstring).
SUNG_ALBUMS = {
    "Elysia": (
        "Obsidian Shell, album Elysia (2008, tagged genre 'Female Fronted Metal'): sung in "
        "Hungarian by the band's singer Alexandra Urbán, per reviews; no lyrics timing"
    ),
    "Angelic Asylum": (
        "Obsidian Shell, album Angelic Asylum (2010): female-fronted, sung in English, album "
        "lyrics published; no lyrics timing"
    ),
}
# Works known to be scored without a voice: (artist tag, title tag prefix) -> evidence.
ORCHESTRAL_WORKS = {
    ("Czech National Symphony Orchestra", "Peer Gynt Suite No. 1, Op. 46 - I. Morning"): (
        "Grieg's Peer Gynt Suite No. 1, I. Morning Mood is scored for orchestra alone "
        "(recording by the Czech National Symphony Orchestra, per the file's tags)"
    ),
}
# OpenMSX's composers, from its readme.txt credits (file-name suffixes name two of them).
OPENMSX_ARTISTS = {
    "_redfarn": "Jim Redfarn",
    "_imuh3": "imuh3",
    "train_filled_with_cash": "imuh3",
    "flying_scotsman": "imuh3",
    "chuggachugga": "imuh3",
    "busy_schedule": "mimm",
    "the_fast_route": "mimm",
    "modern_motion": "Kyle Timmerman",
    "keep_on_rolling": "Trolley Trev",
    "tttheme2": "-lucas-",
}


@dataclass
class Entry:
    """One manifest row."""

    path: Path
    label: str
    evidence: str
    evidence_level: str
    source: str
    package: str
    artist: str = ""
    title: str = ""
    duration_s: float = 0.0
    license: str = ""
    sung_from_s: float | None = None
    sung_to_s: float | None = None

    def row(self) -> dict[str, str]:
        def number(value: float | None) -> str:
            return "" if value is None else f"{value:.1f}"

        return {
            "path": os.path.relpath(self.path, VOICES),
            "label": self.label,
            "evidence": self.evidence,
            "evidence_level": self.evidence_level,
            "source": self.source,
            "package": self.package,
            "artist": self.artist,
            "title": self.title,
            "duration_s": f"{self.duration_s:.1f}",
            "license": self.license,
            "sung_from_s": number(self.sung_from_s),
            "sung_to_s": number(self.sung_to_s),
        }


@dataclass
class Excluded:
    path: Path
    package: str
    reason: str

    def row(self) -> dict[str, str]:
        return {
            "path": os.path.relpath(self.path, VOICES),
            "package": self.package,
            "reason": self.reason,
        }


# --- MIDI ----------------------------------------------------------------------------------


@dataclass(frozen=True)
class Midi:
    """What a MIDI file plays: melodic programs, non-zero banks, and its length."""

    programs: frozenset[int]  # 0-based programs on melodic channels (0 where none is set)
    banks: frozenset[int]  # non-zero bank-select values on melodic channels
    seconds: float

    def voices(self) -> list[str]:
        """Why the file may sound a voice: its voice programs, or a bank GM does not define."""
        found = [f"{p} {VOICE_PROGRAMS[p]}" for p in sorted(self.programs & VOICE_PROGRAMS.keys())]
        if self.banks:
            found.append(f"bank {sorted(self.banks)} (not General MIDI)")
        return found


def read_midi(path: Path) -> Midi:
    """Programs, banks and the length (tempo map applied) of a Standard MIDI File."""
    data = path.read_bytes()
    if data[:4] != b"MThd":
        raise ValueError(f"{path} is not a MIDI file")
    header_length = struct.unpack(">I", data[4:8])[0]
    track_count, division = struct.unpack(">HH", data[10:14])
    if division & 0x8000:
        raise ValueError(f"{path} uses SMPTE time, which this reader does not handle")
    pos = 8 + header_length
    programs: dict[int, set[int]] = {}
    sounding: set[int] = set()
    banks: set[int] = set()
    last_tick = 0
    for _ in range(track_count):
        length = struct.unpack(">I", data[pos + 4 : pos + 8])[0]
        end = pos + 8 + length
        last_tick = max(last_tick, read_track(data, pos + 8, end, programs, sounding, banks))
        pos = end
    melodic = {
        program
        for channel in sounding - {DRUM_CHANNEL}
        for program in (programs.get(channel) or {0})
    }
    tempos = corpus.midi_tempos(data)
    return Midi(frozenset(melodic), frozenset(banks), ticks_to_seconds(last_tick, division, tempos))


def read_track(
    data: bytes,
    pos: int,
    end: int,
    programs: dict[int, set[int]],
    sounding: set[int],
    banks: set[int],
) -> int:
    """Add one track's program changes, note channels and banks; the tick of its last note."""
    tick, status, last = 0, 0, 0
    while pos < end:
        delta, pos = corpus.read_varlen(data, pos)
        tick += delta
        kind = data[pos]
        if kind == 0xFF:  # meta event: type, length, data
            length, pos = corpus.read_varlen(data, pos + 2)
            pos += length
            continue
        if kind in (0xF0, 0xF7):  # sysex
            length, pos = corpus.read_varlen(data, pos + 1)
            pos += length
            continue
        if kind & 0x80:  # else running status
            status, pos = kind, pos + 1
        event, channel = status & 0xF0, status & 0x0F
        if event == 0xC0:
            programs.setdefault(channel, set()).add(data[pos])
        elif event == 0xB0 and data[pos] in (0, 32) and data[pos + 1] and channel != DRUM_CHANNEL:
            banks.add(data[pos + 1])
        elif event == 0x90 and data[pos + 1]:
            sounding.add(channel)
            last = tick
        pos += 1 if event in (0xC0, 0xD0) else 2
    return last


def ticks_to_seconds(ticks: int, division: int, tempos: list[tuple[int, int]]) -> float:
    seconds, tick, micros = 0.0, 0, 500_000
    for at, new in tempos:
        if at >= ticks:
            break
        seconds += (at - tick) / division * micros / 1e6
        tick, micros = at, new
    return seconds + (ticks - tick) / division * micros / 1e6


def midi_evidence(midi: Midi, made: str) -> str:
    programs = ", ".join(str(p) for p in sorted(midi.programs))
    return f"{made}; its General MIDI programs ({programs}) include no voice (52-54, 85, 91)"


# --- tools and rendering -------------------------------------------------------------------


def fluidsynth() -> str | None:
    """The FluidSynth binary, installed with apt-get when missing and running as root."""
    if found := shutil.which("fluidsynth"):
        return found
    if os.geteuid() == 0:
        corpus.log("  installing fluidsynth with apt-get")
        command = ["apt-get", *corpus.APT_OPTIONS, "install", "-y", "--no-install-recommends"]
        subprocess.run([*command, "fluidsynth"], check=False)
    return shutil.which("fluidsynth")


def render(binary: str, sound_font: Path, midi: Path, target: Path) -> None:
    """Render ``midi`` with FluidSynth into an Ogg Vorbis file (skipped when it exists)."""
    if target.exists():
        return
    target.parent.mkdir(parents=True, exist_ok=True)
    with tempfile.TemporaryDirectory(dir=target.parent) as scratch:
        wav = Path(scratch) / "render.wav"
        # Float samples cannot clip; mix_down then scales the peaks below full scale.
        command = [binary, "-ni", "-q", "-g", "0.5", "-r", str(corpus.MIX_RATE), "-O", "float"]
        command += ["-F", str(wav), str(sound_font), str(midi)]
        subprocess.run(command, check=True, stdout=subprocess.DEVNULL)
        corpus.mix_down([wav], target)  # a mix of one stem: decode, limit peaks, encode


# --- selection -----------------------------------------------------------------------------


def rel(path: Path, package: str) -> str:
    return path.relative_to(corpus.raw_dir(package)).as_posix()


def sung_songs() -> tuple[list[Entry], list[Excluded]]:
    """Obsidian Shell's songs in marsshooter-data, labelled by album."""
    package = MARS.packages[0]
    copyright_ = corpus.read_copyright(package)
    entries, excluded = [], []
    for path in corpus.candidate_files(MARS, package):
        found = corpus.tags(path)
        album = album_tag(path)
        if found.get("artist") != "Obsidian Shell" or album not in SUNG_ALBUMS:
            excluded.append(Excluded(path, package, f"no documented album (album tag {album!r})"))
            continue
        entries.append(
            Entry(
                path=path,
                label="voice",
                evidence=SUNG_ALBUMS[album],
                evidence_level="album",
                source="mars",
                package=package,
                artist=found["artist"],
                title=found.get("title", path.stem),
                license=copyright_.license_of(rel(path, package)),
            )
        )
    return entries, excluded


def album_tag(path: Path) -> str:
    try:
        info = mutagen.File(path, easy=True)
    except mutagen.MutagenError:
        return ""
    values = (info.tags or {}).get("album") if info is not None else None
    return str(values[0]).strip() if values else ""


def blupi_tracks() -> tuple[list[Entry], list[Excluded]]:
    """Planet Blupi's Ogg tracks whose MIDI originals sound no voice."""
    package, midi_package = BLUPI.packages
    copyright_ = corpus.read_copyright(package)
    entries, excluded = [], []
    for path in corpus.candidate_files(BLUPI, package):
        twin = corpus.raw_dir(midi_package) / Path(rel(path, package)).with_suffix(".mid")
        if not twin.exists():
            excluded.append(Excluded(path, package, "no MIDI original beside it"))
            continue
        midi, seconds = read_midi(twin), corpus.duration(path)
        if abs(midi.seconds - seconds) > TWIN_TOLERANCE_S:
            reason = f"length {seconds:.0f} s differs from {twin.name}'s {midi.seconds:.0f} s"
            excluded.append(Excluded(path, package, reason))
        elif voices := midi.voices():
            excluded.append(Excluded(path, package, f"{twin.name} uses {'; '.join(voices)}"))
        else:
            made = f"Made from {twin.name} (same length, {midi.seconds:.0f} s)"
            entries.append(
                Entry(
                    path=path,
                    label="none",
                    evidence=midi_evidence(midi, made),
                    evidence_level="track",
                    source="planetblupi",
                    package=package,
                    title=path.stem,
                    license=copyright_.license_of(rel(path, package)),
                )
            )
    return entries, excluded


def openmsx_renders(binary: str | None) -> tuple[list[Entry], list[Excluded]]:
    """OpenMSX's MIDI files that sound no voice, rendered with the FluidR3 GM sound font."""
    package = OPENMSX.packages[0]
    root = corpus.raw_dir(package) / "usr/share/games/openttd/baseset/openmsx"
    sound_font = corpus.raw_dir(SOUND_FONT.packages[0]) / SOUND_FONT.music[0]
    font_license = corpus.read_copyright(SOUND_FONT.packages[0]).license_of(SOUND_FONT.music[0])
    copyright_ = corpus.read_copyright(package)
    names = openmsx_names(root / "openmsx.obm")
    entries, excluded = [], []
    for midi_path in sorted(root.glob("*.mid")):
        midi = read_midi(midi_path)
        if voices := midi.voices():
            excluded.append(Excluded(midi_path, package, f"uses {'; '.join(voices)}"))
            continue
        if binary is None:
            excluded.append(Excluded(midi_path, package, "fluidsynth unavailable: not rendered"))
            continue
        target = RENDERS / "openmsx" / f"{midi_path.stem}.ogg"
        render(binary, sound_font, midi_path, target)
        made = f"Rendered here from {midi_path.name} with the FluidR3 GM sound font"
        entries.append(
            Entry(
                path=target,
                label="none",
                evidence=midi_evidence(midi, made),
                evidence_level="track",
                source="openmsx",
                package=package,
                artist=openmsx_artist(midi_path.stem),
                title=names.get(midi_path.name, midi_path.stem),
                license=(
                    f"{copyright_.license_of(rel(midi_path, package))} (MIDI); "
                    f"sound font FluidR3 GM: {font_license}"
                ),
            )
        )
    return entries, excluded


def openmsx_names(obm: Path) -> dict[str, str]:
    """The ``[names]`` section of OpenMSX's ``openmsx.obm``: file name -> title."""
    names, inside = {}, False
    for line in obm.read_text(errors="replace").splitlines():
        if line.startswith("["):
            inside = line.strip() == "[names]"
        elif inside and "=" in line:
            name, _, title = line.partition("=")
            names[name.strip()] = title.strip()
    return names


def openmsx_artist(stem: str) -> str:
    return next((a for key, a in OPENMSX_ARTISTS.items() if key in stem), "")


def guitar_stems() -> tuple[list[Entry], list[Excluded]]:
    """The ``guitar.ogg`` stem of each Frets on Fire song: one guitar, no voice."""
    entries, excluded = [], []
    for package in FRETS.packages:
        copyright_ = corpus.read_copyright(package)
        for path in sorted(corpus.raw_dir(package).rglob("guitar.ogg")):
            rms = float(np.sqrt(np.mean(np.square(corpus.decode(path)))))
            if rms < SILENT_RMS:
                excluded.append(Excluded(path, package, f"silent (RMS {rms:.1e})"))
                continue
            ini = corpus.song_ini(path.parent)
            artist = corpus.clean_artist(ini.get("artist", ""))
            entries.append(
                Entry(
                    path=path,
                    label="none",
                    evidence=(
                        "Frets on Fire guitar.ogg stem: the song's guitar part alone (the rest "
                        f"of the song is in song.ogg); RMS {20 * np.log10(rms):.0f} dBFS"
                    ),
                    evidence_level="track",
                    source="fretsonfire",
                    package=package,
                    artist=artist,
                    title=f"{ini.get('name') or path.parent.name} (guitar stem)",
                    license=copyright_.license_of(rel(path, package)),
                )
            )
    return entries, excluded


def orchestral_works() -> tuple[list[Entry], list[Excluded]]:
    """Recordings of works scored for orchestra alone, recognised by their tags."""
    package = HORIZONS.packages[0]
    copyright_ = corpus.read_copyright(package)
    entries, excluded = [], []
    for path in corpus.candidate_files(HORIZONS, package):
        found = corpus.tags(path)
        key = next(
            (
                (artist, title)
                for artist, title in ORCHESTRAL_WORKS
                if found.get("artist") == artist and found.get("title", "").startswith(title)
            ),
            None,
        )
        if key is None:
            excluded.append(Excluded(path, package, "tags name no known orchestral work"))
            continue
        entries.append(
            Entry(
                path=path,
                label="none",
                evidence=ORCHESTRAL_WORKS[key],
                evidence_level="track",
                source="unknown-horizons",
                package=package,
                artist=found["artist"],
                title=found["title"],
                license=copyright_.license_of(rel(path, package)),
            )
        )
    return entries, excluded


# --- checks, manifest and commands ---------------------------------------------------------


def checked(entries: list[Entry], excluded: list[Excluded]) -> list[Entry]:
    """The entries that last at least 45 s and decode with PyAV; the others are excluded."""
    kept = []
    for entry in entries:
        try:
            entry.duration_s = corpus.duration(entry.path)
            with av.open(str(entry.path)) as container:
                next(container.decode(audio=0))
        except (av.FFmpegError, StopIteration, OSError) as error:
            excluded.append(Excluded(entry.path, entry.package, f"does not decode: {error}"))
            continue
        if entry.duration_s < corpus.MIN_SECONDS:
            reason = f"only {entry.duration_s:.0f} s long"
            excluded.append(Excluded(entry.path, entry.package, reason))
            continue
        kept.append(entry)
    return kept


def write_csv(path: Path, fields: tuple[str, ...], rows: list[dict[str, str]]) -> None:
    partial = path.with_suffix(".partial")
    with partial.open("w", newline="") as handle:
        writer = csv.DictWriter(handle, fieldnames=fields)
        writer.writeheader()
        writer.writerows(rows)
    partial.rename(path)


def summary(rows: list[dict[str, str]]) -> None:
    """Print the counts per label and per label and package."""
    for label, count in sorted(Counter(r["label"] for r in rows).items()):
        corpus.log(f"{label:5} {count:3} tracks")
    for (label, package), count in sorted(
        Counter((r["label"], r["package"]) for r in rows).items()
    ):
        corpus.log(f"  {label:5} {package:28} {count:3}")


def build(keep_debs: bool) -> None:
    started = time.monotonic()
    VOICES.mkdir(parents=True, exist_ok=True)
    for source in SOURCES:
        for package in source.packages:
            corpus.unpack(package, source, keep_debs)
    binary = fluidsynth()
    if binary is None:
        corpus.log("  warning: no fluidsynth; the OpenMSX renders are left out")
    entries: list[Entry] = []
    excluded: list[Excluded] = []
    for name, select in (
        ("Obsidian Shell songs", sung_songs),
        ("Planet Blupi MIDI-made tracks", blupi_tracks),
        ("OpenMSX renders", lambda: openmsx_renders(binary)),
        ("Frets on Fire guitar stems", guitar_stems),
        ("orchestral works", orchestral_works),
    ):
        corpus.log(f"selecting {name}")
        found, left = select()
        entries += found
        excluded += left
    entries = checked(entries, excluded)
    rows = [entry.row() for entry in sorted(entries, key=lambda e: (e.label, e.source, e.path))]
    write_csv(VOICES / "manifest.csv", FIELDS, rows)
    write_csv(VOICES / "excluded.csv", EXCLUDED_FIELDS, [e.row() for e in excluded])
    summary(rows)
    corpus.log(f"{len(excluded)} files left out, listed in {VOICES / 'excluded.csv'}")
    corpus.log(
        f"wrote {len(rows)} tracks to {VOICES / 'manifest.csv'} "
        f"in {time.monotonic() - started:.0f} s"
    )


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--list", action="store_true", help="print the manifest's counts")
    parser.add_argument(
        "--keep-debs", action="store_true", help="keep the downloaded .deb files in debs/"
    )
    args = parser.parse_args(argv)
    if args.list:
        rows = corpus.read_manifest(VOICES / "manifest.csv")
        if not rows:
            sys.exit("No set yet: run `.venv/bin/python bench/voices.py` first.")
        summary(rows)
    else:
        build(args.keep_debs)


if __name__ == "__main__":
    sys.exit(main())

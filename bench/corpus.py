"""Build an offline corpus of real, freely licensed music from Debian packages.

The corpus is for evaluating the recommender and the audio-feature estimates on real
recordings without any network but the package registries. Every track comes from a
Debian ``main`` package whose copyright file was checked by hand: game soundtracks
(Wesnoth, SuperTux, Warzone 2100, Naev, ...), the Frets on Fire song packs, whose
MIDI tempo maps give a true tempo for each song, and Planet Blupi's music, shipped both as
Ogg recordings and as the MIDI files they were made from (the tempo again). A composer's
BPM tag counts as a true tempo too. Each game is a *source* with a style of
its own, which is what the recommender evaluation needs.

Run it from the repository root with the project's virtualenv::

    .venv/bin/python bench/corpus.py                      # build (or update) everything
    .venv/bin/python bench/corpus.py --list               # sources and their track counts
    .venv/bin/python bench/corpus.py --only naev --only wesnoth

What it does, and skips when already done:

1. ``apt-get download`` each package into ``bench/corpus/debs/`` (never installed) and
   unpack it with ``dpkg-deb -x``; only the music folders (and the copyright file) are
   kept in ``bench/corpus/raw/<package>/``, and the ``.deb`` is removed afterwards unless
   ``--keep-debs`` is given. Music inside Quake-style ``.pk3`` (zip) archives is unpacked.
2. Keep the tracks of at least 45 s (shorter files are jingles and sound effects), at most
   ``--max-per-source`` per source, spread evenly over the source's files; drop
   byte-identical duplicates.
3. Mix down Frets on Fire stems (``song.ogg`` is the backing track without the guitar)
   into ``bench/corpus/mixed/``.
4. Write ``bench/corpus/manifest.csv``: one row per track with ``path`` (relative to the
   manifest's folder), ``source``, ``style``, ``artist``, ``title``, ``duration_s``,
   ``bpm`` and ``bpm_source`` (only where the package ships a true tempo), ``license`` (from
   the package's copyright file, per file where it is machine-readable) and ``package``.

The audio is never committed: ``bench/corpus/`` is in ``.gitignore``.
"""

from __future__ import annotations

import argparse
import configparser
import csv
import fnmatch
import hashlib
import json
import re
import shutil
import struct
import subprocess
import sys
import time
import zipfile
from collections import Counter
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from pathlib import Path

import av
import mutagen
import numpy as np
import soundfile as sf

CORPUS = Path(__file__).resolve().parent / "corpus"
AUDIO_SUFFIXES = frozenset({".ogg", ".oga", ".opus", ".mp3", ".flac", ".wav"})
MIN_SECONDS = 45.0
MIX_RATE = 44100
FIELDS = (
    "path",
    "source",
    "style",
    "artist",
    "title",
    "duration_s",
    "bpm",
    "bpm_source",
    "license",
    "package",
)
# As root, apt would warn that its sandbox user cannot write into the corpus folder.
APT_OPTIONS = ("-o", "DPkg::Lock::Timeout=600", "-o", "APT::Sandbox::User=root")


@dataclass(frozen=True)
class Source:
    """A game (or song pack) whose music forms one style cluster."""

    name: str
    packages: tuple[str, ...]
    music: tuple[str, ...]  # globs, relative to a package root, of the files to keep
    style: str = ""  # the soundtrack's style, where one can honestly be given
    archives: tuple[str, ...] = ()  # zip/pk3 archives to unpack into ``<archive>.d/``
    exclude: tuple[str, ...] = ()  # file-name globs that are not music
    frets_on_fire: bool = False  # song folders with stems and a notes.mid tempo map
    midi_twins: bool = False  # each track has a MIDI file of the same name: its tempo map


SOURCES = (
    Source(
        "wesnoth",
        ("wesnoth-1.16-music",),
        ("usr/share/games/wesnoth/*/data/core/music/*",),
        style="Orchestral",
    ),
    Source("supertux", ("supertux-data",), ("usr/share/games/supertux2/music/*",)),
    Source(
        "warzone2100",
        ("warzone2100-music",),
        ("usr/share/games/warzone2100/music/*",),
        style="Electronic",
    ),
    Source("hedgewars", ("hedgewars-data",), ("usr/share/games/hedgewars/Data/Music/*",)),
    Source("colobot", ("colobot-common-sounds",), ("usr/share/games/colobot/music/*",)),
    Source(
        "nexuiz",
        ("nexuiz-music",),
        ("usr/share/games/nexuiz/data/music.pk3.d/sound/cdtracks/*",),
        style="Electronic",
        archives=("usr/share/games/nexuiz/data/music.pk3",),
        exclude=("thunder.*",),
    ),
    Source(
        "freedroidrpg",
        ("freedroidrpg-data",),
        ("usr/share/freedroidrpg/data/sound/music/*",),
        style="Electronic",
    ),
    Source("hyperrogue", ("hyperrogue-music",), ("usr/share/hyperrogue/music/*",)),
    Source("singularity", ("singularity-music",), ("usr/share/games/singularity/music/*",)),
    Source(
        "mars",
        ("marsshooter-data",),
        ("usr/share/games/marsshooter/audio/music/*", "usr/share/games/marsshooter/audio/*.ogg"),
        style="Metal",
    ),
    Source("widelands", ("widelands-data",), ("usr/share/games/widelands/data/music/*",)),
    Source("naev", ("naev-data",), ("usr/share/naev/dat/snd/music/*",)),
    Source(
        "ufoai",
        ("ufoai-music",),
        ("usr/share/games/ufoai/base/0music.pk3.d/music/*",),
        archives=("usr/share/games/ufoai/base/0music.pk3",),
        exclude=("dynamictest*",),
    ),
    Source(
        "planetblupi",
        ("planetblupi-music-ogg", "planetblupi-music-midi"),
        ("usr/share/planetblupi/music/*",),
        midi_twins=True,
    ),
    Source(
        "fretsonfire",
        ("fretsonfire-songs-muldjord", "fretsonfire-songs-sectoid"),
        ("usr/share/games/fretsonfire/data/songs/*",),
        style="Rock",
        frets_on_fire=True,
    ),
)

# Licenses of the packages whose copyright file is not machine-readable, read by hand,
# each with a phrase of the copyright file that must still be there.
FALLBACK_LICENSES = {
    "wesnoth-1.16-music": ("GPL-2+", r"General Public License version 2\s+or at your option"),
    "nexuiz-music": ("GPL-2+", r"either version 2\s+of the License, or"),
    "singularity-music": ("CC-BY-SA-3.0", r"Attribution-ShareAlike 3\.0"),
    "fretsonfire-songs-muldjord": ("CC-BY-SA-3.0", r"Attribution ShareAlike licence 3\.0"),
    "fretsonfire-songs-sectoid": ("Expat", r"Permission is hereby granted, free of charge"),
}
BPM_TAGS = ("bpm", "bpm (beats per minute)", "tbpm")
"""Tags in which a composer states a track's tempo (Vorbis comments, ID3 through easy tags)."""

# Genre tags mapped to a small vocabulary; tags that are no genre ("Soundtrack") are absent.
GENRE_STYLES = {
    "romantic classical": "Orchestral",
    "classical": "Orchestral",
    "orchestral": "Orchestral",
    "death metal": "Metal",
    "thrash metal": "Metal",
    "trash metal": "Metal",
    "female fronted metal": "Metal",
    "metal": "Metal",
    "rock": "Rock",
    "ambient": "Ambient",
    "electronic": "Electronic",
    "dnb": "Electronic",
    "psychedelic": "Electronic",
    "folk": "Folk",
}
NAME_STYLES = (("ambien", "Ambient"), ("orchestra", "Orchestral"))


@dataclass
class Track:
    """One manifest row."""

    path: Path
    source: str
    package: str
    duration_s: float
    style: str = ""
    artist: str = ""
    title: str = ""
    bpm: float | None = None
    bpm_source: str = ""
    license: str = ""
    digest: str = field(default="", repr=False)

    def row(self) -> dict[str, str]:
        return {
            "path": self.path.relative_to(CORPUS).as_posix(),
            "source": self.source,
            "style": self.style,
            "artist": self.artist,
            "title": self.title,
            "duration_s": f"{self.duration_s:.1f}",
            "bpm": "" if self.bpm is None else f"{self.bpm:g}",
            "bpm_source": self.bpm_source,
            "license": self.license,
            "package": self.package,
        }


def log(message: str) -> None:
    print(message, flush=True)


# --- fetching and unpacking ----------------------------------------------------------------


def raw_dir(package: str) -> Path:
    return CORPUS / "raw" / package


def is_unpacked(package: str) -> bool:
    return (raw_dir(package) / ".complete").exists()


def download(package: str, debs: Path) -> Path:
    """The package's ``.deb`` in ``debs``, fetched with ``apt-get download`` if missing."""
    if found := sorted(debs.glob(f"{package}_*.deb")):
        return found[-1]
    debs.mkdir(parents=True, exist_ok=True)
    log(f"  downloading {package}")
    command = ["apt-get", *APT_OPTIONS, "download", package]
    if subprocess.run(command, cwd=debs, check=False).returncode != 0:
        log("  apt-get download failed; running apt-get update once and retrying")
        subprocess.run(["apt-get", *APT_OPTIONS, "update"], check=True)
        subprocess.run(command, cwd=debs, check=True)
    return sorted(debs.glob(f"{package}_*.deb"))[-1]


def unpack_archives(root: Path, archives: Iterable[str]) -> None:
    """Unpack the audio inside each zip/pk3 archive matched by ``archives`` next to it."""
    for pattern in archives:
        for archive in root.glob(pattern):
            target = archive.with_name(archive.name + ".d")
            with zipfile.ZipFile(archive) as bundle:
                for member in bundle.namelist():
                    if Path(member).suffix.lower() in AUDIO_SUFFIXES:
                        bundle.extract(member, target)


def kept(rel: str, source: Source) -> bool:
    if rel.startswith("usr/share/doc/") and rel.endswith("/copyright"):
        return True
    return any(fnmatch.fnmatchcase(rel, pattern) for pattern in source.music)


def unpack(package: str, source: Source, keep_debs: bool) -> None:
    """Download and unpack ``package``, keeping its music folders and copyright file."""
    if is_unpacked(package):
        log(f"  {package}: already unpacked")
        return
    deb = download(package, CORPUS / "debs")
    staging = CORPUS / "raw" / f".staging-{package}"
    shutil.rmtree(staging, ignore_errors=True)
    staging.parent.mkdir(parents=True, exist_ok=True)
    log(f"  unpacking {deb.name}")
    subprocess.run(["dpkg-deb", "-x", str(deb), str(staging)], check=True)
    unpack_archives(staging, source.archives)
    target = raw_dir(package)
    shutil.rmtree(target, ignore_errors=True)
    for path in sorted(staging.rglob("*")):
        rel = path.relative_to(staging).as_posix()
        if (path.is_file() or path.is_symlink()) and kept(rel, source):
            (target / rel).parent.mkdir(parents=True, exist_ok=True)
            path.rename(target / rel)
    shutil.rmtree(staging)
    target.mkdir(parents=True, exist_ok=True)
    (target / ".complete").write_text(deb.name + "\n")
    if not keep_debs:
        deb.unlink()


# --- licenses ------------------------------------------------------------------------------


@dataclass(frozen=True)
class CopyrightFile:
    """A package's ``debian/copyright``: per-file licenses when it is machine-readable."""

    stanzas: tuple[tuple[tuple[str, ...], str], ...]  # (Files patterns, License), in order
    fallback: str

    def license_of(self, rel: str) -> str:
        """The license of the last stanza matching ``rel`` (as DEP-5 says), else fallback."""
        found = self.fallback
        for patterns, license_ in self.stanzas:
            if any(dep5_match(pattern, rel) for pattern in patterns):
                found = license_
        return found


def dep5_match(pattern: str, rel: str) -> bool:
    """Whether a ``Files:`` pattern (a path in the source tree) names installed file ``rel``.

    Installed paths differ from source paths, so the pattern also matches when a tail of it
    that starts with a literal folder matches the end of ``rel``: ``data/music/*`` matches
    ``usr/share/games/supertux2/music/forest.ogg``.
    """
    parts = pattern.removeprefix("./").strip("/").split("/")
    if parts == ["*"]:
        return True
    if len(parts) == 1:
        return not any(c in parts[0] for c in "*?[") and rel.rsplit("/", 1)[-1] == parts[0]
    tails = (
        "/".join(parts[i:]) for i in range(len(parts) - 1) if not re.search(r"[*?[]", parts[i])
    )
    return any(
        fnmatch.fnmatchcase(rel, tail) or fnmatch.fnmatchcase(rel, "*/" + tail) for tail in tails
    )


def paragraphs(text: str) -> Iterator[dict[str, str]]:
    """The fields of each paragraph of a Debian control-style file."""
    for block in re.split(r"\n\s*\n", text):
        fields: dict[str, str] = {}
        key = ""
        for line in block.splitlines():
            if line[:1] in (" ", "\t") and key:
                fields[key] += "\n" + line.strip()
            elif ":" in line:
                key, _, value = line.partition(":")
                key = key.strip()
                fields[key] = value.strip()
        yield fields


def read_copyright(package: str) -> CopyrightFile:
    path = raw_dir(package) / "usr/share/doc" / package / "copyright"
    text = path.read_text(errors="replace") if path.exists() else ""
    fallback, evidence = FALLBACK_LICENSES.get(package, ("", ""))
    if not text:
        log(f"  warning: {package} has no copyright file")
    elif evidence and not re.search(evidence, text):
        log(f"  warning: {package}'s copyright no longer says {fallback}; check it by hand")
    if "copyright-format" not in text.split("\n\n", 1)[0]:
        return CopyrightFile((), fallback)
    stanzas = tuple(
        (tuple(p["Files"].split()), p.get("License", "").split("\n")[0])
        for p in paragraphs(text)
        if "Files" in p and p.get("License") and not p["Files"].startswith("debian/")
    )
    return CopyrightFile(stanzas, fallback)


# --- audio metadata ------------------------------------------------------------------------


def duration(path: Path) -> float:
    try:
        info = mutagen.File(path)
        if info is not None and info.info.length:
            return float(info.info.length)
    except mutagen.MutagenError:
        pass
    with av.open(str(path)) as container:
        return float(container.duration or 0) / av.time_base


def tags(path: Path) -> dict[str, str]:
    """The first value of the ``artist``, ``title``, ``genre`` and ``bpm`` tags that are set."""
    try:
        info = mutagen.File(path, easy=True)
    except mutagen.MutagenError:
        return {}
    found = {}
    for key in ("artist", "title", "genre", *BPM_TAGS):
        values = (info.tags or {}).get(key) if info is not None else None
        if values and str(values[0]).strip():
            found["bpm" if key in BPM_TAGS else key] = str(values[0]).strip()
    return found


def tagged_bpm(found: dict[str, str]) -> float | None:
    """The composer's tempo from a BPM tag, if it is a plausible number."""
    try:
        bpm = float(found.get("bpm", ""))
    except ValueError:
        return None
    return bpm if 30 <= bpm <= 300 else None


def style_of(genre: str, name: str, default: str) -> str:
    if style := GENRE_STYLES.get(genre.lower()):
        return style
    lowered = name.lower()
    return next((style for word, style in NAME_STYLES if word in lowered), default)


def sidecar_credits(folder: Path) -> dict[str, str]:
    """``file.ogg=Artist`` lines of a ``credits.txt`` (Hedgewars), keyed by lower-case name."""
    credits = folder / "credits.txt"
    if not credits.exists():
        return {}
    found = {}
    for line in credits.read_text(errors="replace").splitlines():
        name, equals, artist = line.partition("=")
        if equals:
            found[name.strip().lower()] = artist.strip()
    return found


def sidecar_album(folder: Path) -> dict[str, dict[str, str]]:
    """Titles and authors of an ``album.json`` (Warzone 2100), keyed by file name."""
    album = folder / "album.json"
    if not album.exists():
        return {}
    tracks = json.loads(album.read_text()).get("tracks", [])
    return {
        t["filename"]: {"title": t.get("title", ""), "artist": t.get("author", "")} for t in tracks
    }


def describe(track: Track, source: Source, copyright_: CopyrightFile) -> Track:
    """Fill in style, artist, title and license from tags, sidecar files and copyright."""
    found = tags(track.path)
    name = track.path.name
    album = sidecar_album(track.path.parent).get(name, {})
    credited = sidecar_credits(track.path.parent).get(name.lower(), "")
    track.artist = clean_artist(found.get("artist") or album.get("artist") or credited)
    track.title = found.get("title") or album.get("title") or track.path.stem.replace("_", " ")
    track.style = style_of(found.get("genre", ""), track.path.stem, source.style)
    rel = track.path.relative_to(raw_dir(track.package)).as_posix()
    track.license = copyright_.license_of(rel)
    twins = [raw_dir(p) / Path(rel).with_suffix(".mid") for p in source.packages]
    if source.midi_twins and (twin := next((t for t in twins if t.exists()), None)):
        track.bpm, track.bpm_source = song_tempo(twin)
    elif (bpm := tagged_bpm(found)) is not None:
        track.bpm, track.bpm_source = bpm, "BPM tag"
    return track


# --- Frets on Fire songs -------------------------------------------------------------------


def midi_tempos(data: bytes) -> list[tuple[int, int]]:
    """``(tick, microseconds per quarter note)`` of every set_tempo event of a MIDI file."""
    if data[:4] != b"MThd":
        raise ValueError("not a MIDI file")
    header_length = struct.unpack(">I", data[4:8])[0]
    track_count = struct.unpack(">H", data[10:12])[0]
    pos, tempos = 8 + header_length, []
    for _ in range(track_count):
        length = struct.unpack(">I", data[pos + 4 : pos + 8])[0]
        tempos += track_tempos(data, pos + 8, pos + 8 + length)
        pos += 8 + length
    return sorted(tempos)


def read_varlen(data: bytes, pos: int) -> tuple[int, int]:
    value = 0
    while True:
        byte = data[pos]
        pos += 1
        value = (value << 7) | (byte & 0x7F)
        if byte < 0x80:
            return value, pos


def track_tempos(data: bytes, pos: int, end: int) -> list[tuple[int, int]]:
    tick, status, tempos = 0, 0, []
    while pos < end:
        delta, pos = read_varlen(data, pos)
        tick += delta
        kind = data[pos]
        if kind == 0xFF:  # meta event: type, length, data
            meta = data[pos + 1]
            length, pos = read_varlen(data, pos + 2)
            if meta == 0x51:
                tempos.append((tick, int.from_bytes(data[pos : pos + 3], "big")))
            pos += length
        elif kind in (0xF0, 0xF7):  # sysex
            length, pos = read_varlen(data, pos + 1)
            pos += length
        else:  # channel event, maybe in running status
            if kind & 0x80:
                status, pos = kind, pos + 1
            pos += 1 if status & 0xF0 in (0xC0, 0xD0) else 2
    return tempos


def song_tempo(notes: Path) -> tuple[float, str]:
    """The first tempo of a MIDI file in BPM, and a note on how constant its map is."""
    tempos = midi_tempos(notes.read_bytes())
    if not tempos:
        raise ValueError(f"{notes} has no tempo")
    bpms = sorted({round(60e6 / micros, 3) for _, micros in tempos})
    note = "constant" if len(bpms) == 1 else f"first of {len(bpms)}: {bpms[0]:g}-{bpms[-1]:g}"
    return round(60e6 / tempos[0][1], 3), f"{notes.name} set_tempo ({note})"


def decode(path: Path) -> np.ndarray:
    """The audio of ``path`` as float32 stereo at ``MIX_RATE``, shape (2, samples)."""
    resampler = av.AudioResampler(format="fltp", layout="stereo", rate=MIX_RATE)
    chunks = []
    with av.open(str(path)) as container:
        for frame in container.decode(audio=0):
            chunks += [out.to_ndarray() for out in resampler.resample(frame)]
    chunks += [out.to_ndarray() for out in resampler.resample(None)]
    return np.concatenate(chunks, axis=1)


def mix_down(stems: list[Path], target: Path) -> None:
    """Sum the stems into one Ogg Vorbis file, scaled down only if it would clip."""
    if target.exists():
        return
    log(f"  mixing {len(stems)} stems into {target.relative_to(CORPUS)}")
    signals = [decode(stem) for stem in stems]
    mix = np.zeros((2, max(s.shape[1] for s in signals)), dtype=np.float32)
    for signal in signals:
        mix[:, : signal.shape[1]] += signal
    peak = float(np.abs(mix).max())
    if peak > 0.99:
        mix *= 0.99 / peak
    target.parent.mkdir(parents=True, exist_ok=True)
    partial = target.with_suffix(".partial.ogg")
    # libsndfile's Vorbis encoder crashes on very large writes, so write in blocks.
    with sf.SoundFile(partial, "w", MIX_RATE, 2, format="OGG", subtype="VORBIS") as out:
        for start in range(0, mix.shape[1], 65536):
            out.write(mix[:, start : start + 65536].T)
    partial.rename(target)


def song_ini(folder: Path) -> dict[str, str]:
    parser = configparser.ConfigParser(interpolation=None, strict=False)
    parser.read(folder / "song.ini", encoding="utf-8")
    return dict(parser["song"]) if parser.has_section("song") else {}


def clean_artist(artist: str) -> str:
    """``Muldjord`` for ``Muldjord - www.muldjord.com``; no ``<address>`` nor ``<Unknown>``."""
    artist = re.sub(r"^composed and performed by\s+", "", artist, flags=re.IGNORECASE)
    artist = re.sub(r"\s*<[^>]*>", "", artist)
    return re.sub(r"\s+-\s+www\.\S+$", "", artist).strip()


def untag_copied_titles(tracks: list[Track]) -> list[Track]:
    """Use the file name where one title tag was copied onto several files of a source."""
    counts = Counter(track.title for track in tracks)
    for track in tracks:
        if counts[track.title] > 1:
            track.title = track.path.stem.replace("_", " ")
    return tracks


def frets_on_fire_songs(source: Source, package: str) -> Iterator[Track]:
    """Each song folder with a tempo map, its stems mixed down into one file."""
    copyright_ = read_copyright(package)
    for notes in sorted(raw_dir(package).rglob("notes.mid")):
        folder = notes.parent
        stems = [folder / f"{n}.ogg" for n in ("song", "guitar", "rhythm", "drums")]
        stems = [stem for stem in stems if stem.exists()]
        if not stems:
            continue
        target = CORPUS / "mixed" / source.name / f"{package}__{folder.name}.ogg"
        mix_down(stems, target)
        bpm, how = song_tempo(notes)
        ini, found = song_ini(folder), tags(stems[0])
        yield Track(
            path=target,
            source=source.name,
            package=package,
            duration_s=duration(target),
            style=style_of(found.get("genre", ""), "", source.style),
            artist=clean_artist(found.get("artist") or ini.get("artist", "")),
            title=ini.get("name") or found.get("title") or folder.name,
            bpm=bpm,
            bpm_source=how,
            license=copyright_.license_of(stems[0].relative_to(raw_dir(package)).as_posix()),
        )


# --- selection -----------------------------------------------------------------------------


def candidate_files(source: Source, package: str) -> list[Path]:
    root = raw_dir(package)
    found = []
    for path in sorted(root.rglob("*")):
        rel = path.relative_to(root).as_posix()
        if (
            path.is_file()
            and not path.is_symlink()
            and path.suffix.lower() in AUDIO_SUFFIXES
            and any(fnmatch.fnmatchcase(rel, pattern) for pattern in source.music)
            and not any(fnmatch.fnmatchcase(path.name, p) for p in source.exclude)
        ):
            found.append(path)
    return found


def source_tracks(source: Source) -> list[Track]:
    """All music of ``source`` (its packages must be unpacked), before the cap."""
    if source.frets_on_fire:
        return [t for package in source.packages for t in frets_on_fire_songs(source, package)]
    tracks = []
    for package in source.packages:
        copyright_ = read_copyright(package)
        for path in candidate_files(source, package):
            seconds = duration(path)
            if seconds >= MIN_SECONDS:
                track = Track(path=path, source=source.name, package=package, duration_s=seconds)
                tracks.append(describe(track, source, copyright_))
    return untag_copied_titles(tracks)


def spread(items: list[Track], count: int) -> list[Track]:
    """At most ``count`` of ``items``, evenly spaced over the list."""
    if len(items) <= count:
        return items
    return [items[i * len(items) // count] for i in range(count)]


def file_digest(path: Path) -> str:
    return hashlib.sha1(path.read_bytes(), usedforsecurity=False).hexdigest()


def select(tracks: list[Track], limit: int, seen: set[str]) -> list[Track]:
    """Drop byte-identical duplicates (also of earlier sources), then cap the count."""
    unique = []
    for track in tracks:
        track.digest = file_digest(track.path)
        if track.digest not in seen:
            seen.add(track.digest)
            unique.append(track)
    return spread(unique, limit)


# --- manifest and commands -----------------------------------------------------------------


def read_manifest(path: Path) -> list[dict[str, str]]:
    if not path.exists():
        return []
    with path.open(newline="") as handle:
        return list(csv.DictReader(handle))


def write_manifest(path: Path, rows: list[dict[str, str]]) -> None:
    order = {source.name: i for i, source in enumerate(SOURCES)}
    rows = sorted(rows, key=lambda r: (order.get(r["source"], len(order)), r["path"]))
    partial = path.with_suffix(".partial")
    with partial.open("w", newline="") as handle:
        writer = csv.DictWriter(handle, fieldnames=FIELDS, extrasaction="ignore")
        writer.writeheader()
        writer.writerows(rows)
    partial.rename(path)


def chosen(only: list[str] | None) -> list[Source]:
    if not only:
        return list(SOURCES)
    names = {source.name for source in SOURCES}
    if unknown := sorted(set(only) - names):
        raise SystemExit(f"unknown source(s) {', '.join(unknown)}; choose from {sorted(names)}")
    return [source for source in SOURCES if source.name in only]


def download_size(package: str) -> str:
    shown = subprocess.run(
        ["apt-cache", "show", "--no-all-versions", package],
        capture_output=True,
        text=True,
        check=False,
    ).stdout
    size = re.search(r"^Size: (\d+)", shown, flags=re.MULTILINE)
    return f"{int(size.group(1)) / 1e6:.0f} MB" if size else "not in apt's lists"


def list_sources(sources: list[Source], limit: int) -> None:
    """Print each source, its packages and how many tracks it gives (or would download)."""
    seen: set[str] = set()
    total = 0
    for source in sources:
        missing = [p for p in source.packages if not is_unpacked(p)]
        if missing:
            sizes = ", ".join(f"{p} {download_size(p)}" for p in missing)
            log(f"{source.name:13} not fetched yet ({sizes})")
            continue
        tracks = select(source_tracks(source), limit, seen)
        total += len(tracks)
        bpm = sum(t.bpm is not None for t in tracks)
        styles = sorted({t.style for t in tracks if t.style})
        licenses = sorted({t.license for t in tracks})
        log(
            f"{source.name:13} {len(tracks):3} tracks, {bpm:2} with bpm; "
            f"style {'/'.join(styles) or '-'}; {', '.join(licenses)}"
        )
    log(f"{'total':13} {total:3} tracks")


def build(sources: list[Source], limit: int, keep_debs: bool) -> None:
    started = time.monotonic()
    CORPUS.mkdir(parents=True, exist_ok=True)
    manifest = CORPUS / "manifest.csv"
    names = {source.name for source in sources}
    rows = [row for row in read_manifest(manifest) if row["source"] not in names]
    seen: set[str] = set()
    for number, source in enumerate(sources, 1):
        log(f"[{number}/{len(sources)}] {source.name}")
        for package in source.packages:
            unpack(package, source, keep_debs)
        tracks = select(source_tracks(source), limit, seen)
        log(f"  {len(tracks)} tracks, {sum(t.bpm is not None for t in tracks)} with a bpm")
        rows += [track.row() for track in tracks]
    write_manifest(manifest, rows)
    log(f"wrote {len(rows)} tracks to {manifest} in {time.monotonic() - started:.0f} s")


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--list", action="store_true", help="print the sources and their tracks")
    parser.add_argument(
        "--only", action="append", metavar="SOURCE", help="build only this source (repeatable)"
    )
    parser.add_argument(
        "--max-per-source", type=int, default=40, help="cap on tracks per source (default 40)"
    )
    parser.add_argument(
        "--keep-debs", action="store_true", help="keep the downloaded .deb files in debs/"
    )
    args = parser.parse_args(argv)
    sources = chosen(args.only)
    if args.list:
        list_sources(sources, args.max_per_source)
    else:
        build(sources, args.max_per_source, args.keep_debs)


if __name__ == "__main__":
    sys.exit(main())

"""A varied set of real music files for the extraction benchmark, built from the corpus.

    python bench/varied.py [--files 500] [--distinct-per-format 12]

Real libraries mix containers, codecs, sample rates, bit depths and lengths; the
corpus (``bench/corpus.py``) is mostly Ogg Vorbis of 45 s – 6 min. This script encodes
corpus tracks into MP3 (LAME, 44.1 kHz), AAC in MP4 (``.m4a``, FFmpeg's encoder, 44.1 or
48 kHz), Opus (48 kHz), Ogg Vorbis (44.1 kHz) and FLAC (16-bit 44.1 kHz, 24-bit 48 kHz
and 24-bit 96 kHz in turn), each file one track looped or cut to a length spread evenly
over 1–10 minutes. Encoding runs at 10–20× real time here (LAME, libopus): 500 such
files would take hours, so ``--distinct-per-format`` files per format are encoded and the
rest are copies of them carrying a title tag of their own: a different size, hence a
different content signature, so each is a track of its own for the scan and the
extractor (which keeps no cache across files). The set is kept in ``bench/varied/``
(git-ignored); a re-run keeps every file already there.
"""

from __future__ import annotations

import argparse
import csv
import json
import shutil
from dataclasses import asdict, dataclass
from pathlib import Path

import av
import common
import mutagen
import numpy as np
import soundfile as sf
import soxr

CORPUS = common.ROOT / "bench" / "corpus"
FOLDER = common.ROOT / "bench" / "varied"
MIN_SECONDS, MAX_SECONDS = 60.0, 600.0
FORMATS = ("mp3", "m4a", "opus", "ogg", "flac")
RECIPE = 1
"""Bump when the files a recipe makes change, so a cached set is rebuilt."""


@dataclass(frozen=True, slots=True)
class Planned:
    name: str
    fmt: str
    seconds: float
    rate: int
    bits: int
    source: str
    copy_of: str = ""
    copy: int = 0


def plan(files: int, distinct_per_format: int, sources: list[str]) -> list[Planned]:
    """Which files to make: lengths spread evenly over 1–10 min within each format."""
    rng = np.random.default_rng(18)
    distinct: list[Planned] = []
    for f, fmt in enumerate(FORMATS):
        lengths = np.linspace(MIN_SECONDS, MAX_SECONDS, distinct_per_format)
        rng.shuffle(lengths)
        for i, seconds in enumerate(lengths):
            rate, bits = _rate_and_bits(fmt, i)
            source = sources[(f * distinct_per_format + i) * 7 % len(sources)]
            name = f"{fmt}/{i:03d}.{fmt}"
            distinct.append(Planned(name, fmt, round(float(seconds), 1), rate, bits, source))
    planned = list(distinct)
    for n in range(files - len(distinct)):
        original = distinct[n % len(distinct)]
        copy = n // len(distinct) + 1
        name = original.name.replace(".", f"-copy{copy}.")
        fields = {**asdict(original), "name": name, "copy_of": original.name, "copy": copy}
        planned.append(Planned(**fields))
    return planned[:files]


def _rate_and_bits(fmt: str, i: int) -> tuple[int, int]:
    if fmt == "opus":
        return 48000, 16
    if fmt == "m4a":
        return (44100, 48000)[i % 2], 16
    if fmt == "flac":
        return ((44100, 16), (48000, 24), (96000, 24))[i % 3]
    return 44100, 16


def build(
    files: int = 500,
    distinct_per_format: int = 12,
    *,
    formats: tuple[str, ...] = FORMATS,
    log: bool = True,
) -> list[Planned]:
    """Make (or keep) the planned files of ``formats`` in :data:`FOLDER`; returns the plan."""
    with open(CORPUS / "manifest.csv", newline="") as handle:
        sources = [row["path"] for row in csv.DictReader(handle)]
    planned = plan(files, distinct_per_format, sources)
    index = FOLDER / "plan.json"
    if index.exists() and json.loads(index.read_text()).get("recipe") != RECIPE:
        shutil.rmtree(FOLDER)
    for fmt in FORMATS:
        (FOLDER / fmt).mkdir(parents=True, exist_ok=True)
    for number, item in enumerate(planned, 1):
        path = FOLDER / item.name
        if path.exists() or item.fmt not in formats:
            continue
        if item.copy_of:
            _tagged_copy(FOLDER / item.copy_of, path, item.copy)
        else:
            _encode(item, path)
        if log and number % 20 == 0:
            print(f"  made {number} of {len(planned)} files", flush=True)
    if formats == FORMATS:
        index.write_text(json.dumps({"recipe": RECIPE, "files": [asdict(p) for p in planned]}))
    return planned


def _encode(item: Planned, path: Path) -> None:
    samples, source_rate = sf.read(CORPUS / item.source, dtype="float32", always_2d=True)
    if samples.shape[1] == 1:
        samples = np.repeat(samples, 2, axis=1)
    samples = soxr.resample(samples[:, :2], source_rate, item.rate)
    wanted = round(item.seconds * item.rate)
    repeats = -(-wanted // len(samples))
    samples = np.ascontiguousarray(np.tile(samples, (repeats, 1))[:wanted], dtype=np.float32)
    partial = path.with_suffix(".part" + path.suffix)
    if item.fmt == "m4a":
        _write_aac(partial, samples, item.rate)
    else:
        fmt, subtype = {
            "mp3": ("MP3", "MPEG_LAYER_III"),
            "opus": ("OGG", "OPUS"),
            "ogg": ("OGG", "VORBIS"),
            "flac": ("FLAC", f"PCM_{item.bits}"),
        }[item.fmt]
        with sf.SoundFile(partial, "w", item.rate, 2, format=fmt, subtype=subtype) as out:
            for start in range(0, len(samples), 32768):  # libvorbis overflows on long writes
                out.write(samples[start : start + 32768])
    partial.rename(path)


def _write_aac(path: Path, samples: np.ndarray, rate: int) -> None:
    with av.open(str(path), "w", format="mp4") as container:
        stream = container.add_stream("aac", rate=rate, layout="stereo")
        stream.bit_rate = 192_000
        for start in range(0, len(samples), 1024 * 64):
            block = np.ascontiguousarray(samples[start : start + 1024 * 64].T)
            frame = av.AudioFrame.from_ndarray(block, format="fltp", layout="stereo")
            frame.rate = rate
            for packet in stream.encode(frame):
                container.mux(packet)
        for packet in stream.encode(None):
            container.mux(packet)


def _tagged_copy(original: Path, path: Path, copy: int) -> None:
    """A copy whose title tag (longer for each copy) gives it a size of its own."""
    partial = path.with_suffix(".part" + path.suffix)
    shutil.copyfile(original, partial)
    tagged = mutagen.File(partial, easy=True)
    if tagged.tags is None:
        tagged.add_tags()
    tagged["title"] = f"{path.stem} {'.' * copy}"
    tagged.save(padding=lambda info: 0)
    partial.rename(path)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--files", type=int, default=500)
    parser.add_argument("--distinct-per-format", type=int, default=12)
    parser.add_argument(
        "--format", action="append", choices=FORMATS, help="only these (to build in parallel)"
    )
    args = parser.parse_args()
    formats = tuple(args.format or FORMATS)
    planned = build(args.files, args.distinct_per_format, formats=formats)
    print(f"{len(planned)} files in {FOLDER}")


if __name__ == "__main__":
    main()

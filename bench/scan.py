"""Scan speed on a generated library of small tagged files.

    python bench/scan.py [--files 10000]

Reports the first scan (files per second) and a re-scan with nothing changed, whose
target is under 3 s for 10,000 files on a 2-core machine.
"""

from __future__ import annotations

import argparse
import shutil
import tempfile
import time
from pathlib import Path

import common
from audiofiles import make_track, tag_id3, tag_vorbis

from trace.library.scan import scan_library
from trace.store import Store

FORMATS = ("mp3", "flac", "ogg")


def generate(folder: Path, count: int) -> None:
    templates = {ext: make_track(folder / f"template.{ext}", seconds=1.0) for ext in FORMATS}
    for i in range(count):
        ext = FORMATS[i % len(FORMATS)]
        path = folder / f"artist {i % 97:02d}" / f"album {i % 13}" / f"{i:05d} - song.{ext}"
        path.parent.mkdir(parents=True, exist_ok=True)
        shutil.copyfile(templates[ext], path)
        tags = {
            "title": f"Song {i}",
            "artist": f"Artist {i % 97}",
            "album": f"Album {i % 13}",
            "genre": ["Rock", "Jazz", "Ambient"][i % 3],
            "date": str(1970 + i % 50),
        }
        if ext == "mp3":
            tag_id3(path, tags)
        else:
            tag_vorbis(path, tags)
    for template in templates.values():
        template.unlink()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--files", type=int, default=10_000)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        music = Path(tmp) / "music"
        started = time.perf_counter()
        generate(music, args.files)
        print(f"generated {args.files} files in {time.perf_counter() - started:.1f} s")
        with Store(Path(tmp) / "trace.sqlite3") as store:
            started = time.perf_counter()
            first = scan_library([music], store)
            first_s = time.perf_counter() - started
            started = time.perf_counter()
            again = scan_library([music], store)
            again_s = time.perf_counter() - started
        assert first.new == args.files and again.unchanged == args.files, (first, again)
    print(f"machine: {common.machine()}")
    rate = args.files / first_s
    print(f"| first scan | {args.files:,} files | {first_s:.1f} s | {rate:,.0f} files/s |")
    print(f"| unchanged re-scan | {args.files:,} files | {again_s:.2f} s | target < 3 s |")


if __name__ == "__main__":
    main()

"""Peak memory of scanning and extracting a big library, at two sizes, to show it flat.

    python bench/big_library.py [--scan-files 10000 100000] [--extract-files 1000 3000]

Each run is ``python -m trace scan`` or ``extract`` in a subprocess on a fresh TRACE
home, its resident memory (the command and every worker process under it) sampled
every 0.2 s. Scanning reads symbolic links to one tagged 1-s file (1,000 to a folder:
cheap to make at 100,000, and each is read and stored as a file of its own). Extraction
needs contents of its own, so it runs on copies of a 4-s FLAC, each with its own title
tag (files this small are fingerprinted whole).
"""

from __future__ import annotations

import argparse
import os
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import common
import numpy as np
from audiofiles import make_track, tag_vorbis, write_samples

from trace.audio import synth

PAGE_KB = os.sysconf("SC_PAGE_SIZE") // 1024


def _rss_kb(pid: int) -> int:
    try:
        with open(f"/proc/{pid}/statm") as handle:
            return int(handle.read().split()[1]) * PAGE_KB
    except OSError:
        return 0


def _children() -> dict[int, list[int]]:
    tree: dict[int, list[int]] = {}
    for name in os.listdir("/proc"):
        if name.isdigit():
            try:
                with open(f"/proc/{name}/stat") as handle:
                    parent = int(handle.read().rsplit(")", 1)[1].split()[1])
            except (OSError, IndexError, ValueError):
                continue
            tree.setdefault(parent, []).append(int(name))
    return tree


def run_measured(arguments: list[str], home: Path) -> tuple[float, int, int, str]:
    """Seconds, peak MB of the command itself, peak MB of it and its workers, last line."""
    env = {**os.environ, "TRACE_HOME": str(home), "TRACE_DEMO": "off"}
    command = [sys.executable, "-m", "trace", *arguments]
    started = time.perf_counter()
    process = subprocess.Popen(command, cwd=common.ROOT, env=env, stdout=subprocess.PIPE, text=True)
    own = total = 0
    while process.poll() is None:
        tree, pids, seen = _children(), [process.pid], []
        while pids:
            pid = pids.pop()
            seen.append(pid)
            pids.extend(tree.get(pid, []))
        own = max(own, _rss_kb(process.pid))
        total = max(total, sum(_rss_kb(pid) for pid in seen))
        time.sleep(0.2)
    output = process.stdout.read().strip().splitlines()
    seconds = time.perf_counter() - started
    return seconds, own // 1024, total // 1024, output[-1] if output else ""


def linked_library(folder: Path, count: int) -> Path:
    target = make_track(folder / "one.flac", {"title": "One", "artist": "Someone"}, seconds=1.0)
    music = folder / "music"
    for i in range(count):
        sub = music / f"{i // 1000:03d}"
        if i % 1000 == 0:
            sub.mkdir(parents=True)
        os.symlink(target, sub / f"{i:06d}.flac")
    return music


def distinct_library(folder: Path, count: int) -> Path:
    rng = np.random.default_rng(18)
    beat = synth.normalise(synth.drum_pattern(120, 4, rng))
    template = write_samples(folder / "template.flac", beat[:, None], synth.SR)
    music = folder / "music"
    for i in range(count):
        path = music / f"{i // 1000:03d}" / f"{i:06d}.flac"
        path.parent.mkdir(parents=True, exist_ok=True)
        shutil.copyfile(template, path)
        tag_vorbis(path, {"title": f"Song {i}"})
    return music


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--scan-files", type=int, nargs="+", default=[10_000, 100_000])
    parser.add_argument("--extract-files", type=int, nargs="+", default=[1_000, 3_000])
    args = parser.parse_args()
    print(f"machine: {common.machine()}")
    print("| run | files | time | peak RSS, command | peak RSS, with workers |")
    print("| --- | --- | --- | --- | --- |")
    for count in args.scan_files:
        with tempfile.TemporaryDirectory() as tmp:
            music = linked_library(Path(tmp), count)
            seconds, own, total, _ = run_measured(["scan", str(music)], Path(tmp) / "home")
            print(f"| scan | {count:,} | {seconds:.0f} s | {own} MB | {total} MB |", flush=True)
    for count in args.extract_files:
        with tempfile.TemporaryDirectory() as tmp:
            home = Path(tmp) / "home"
            music = distinct_library(Path(tmp), count)
            seconds, own, total, _ = run_measured(["scan", str(music)], home)
            print(f"| scan | {count:,} | {seconds:.0f} s | {own} MB | {total} MB |", flush=True)
            seconds, own, total, last = run_measured(["extract", "--workers", "2"], home)
            print(f"| extract | {count:,} | {seconds:.0f} s | {own} MB | {total} MB |", flush=True)
            print(f"  {last}")
    print(f"load after: {os.getloadavg()[0]:.2f}")


if __name__ == "__main__":
    main()

"""From choosing a track to its excerpt being playable in the browser.

Three-minute FLAC and MP3 files are synthesised (as the demo's are). A one-widget app —
a radio of the files and :func:`trace.ui.listen.player` — runs under ``streamlit run``;
Playwright in Debian's Chromium picks a file and times until the page's ``<audio>`` has
a new source with ``readyState >= 2`` (enough data to play). Cold: the excerpt cache is
emptied first, so the file is decoded, the excerpt chosen and encoded; warm: the excerpt
is cached. Run: ``python bench/listen.py [--rounds 5]``.
"""

from __future__ import annotations

import argparse
import os
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
import urllib.request
from pathlib import Path

import common
import numpy as np
from browser import IDLE, browser_page, free_port

from trace.audio import synth
from trace.demo.render import encode

APP = """
import streamlit as st
from trace.ui import listen
choice = st.radio("Track", {choices!r}, index=None)
if choice:
    listen.player(choice)
"""


def make_files(folder: Path) -> list[Path]:
    rng = np.random.default_rng(3)
    seconds = 180
    beat = synth.drum_pattern(118, seconds, rng, sr=synth.SR)
    pad = synth.tone(synth.midi_hz(57), seconds, sr=synth.SR)
    signal = synth.normalise(0.6 * beat + 0.3 * pad)
    paths = []
    for fmt in ("flac", "mp3"):
        path = folder / f"three-minutes.{fmt}"
        encode(path, signal, synth.SR, fmt=fmt)
        paths.append(path)
    return paths


def choose(page, label: str, previous: str) -> tuple[float, str]:
    """Click ``label``; seconds until a new audio source can play, and that source."""
    start = time.perf_counter()
    page.get_by_text(label, exact=True).click()
    page.wait_for_function(
        "prev => { const a = document.querySelector('audio');"
        " return a && a.src && a.src !== prev && a.readyState >= 2; }",
        arg=previous,
        timeout=30_000,
    )
    elapsed = time.perf_counter() - start
    return elapsed, page.locator("audio").first.evaluate("a => a.src")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--rounds", type=int, default=5)
    rounds = parser.parse_args().rounds
    with tempfile.TemporaryDirectory() as temporary:
        folder = Path(temporary)
        home = folder / "home"
        home.mkdir()
        files = make_files(folder)
        (folder / "app.py").write_text(APP.format(choices=[str(p) for p in files]))
        port = free_port()
        env = {**os.environ, "PYTHONPATH": str(common.ROOT), "TRACE_HOME": str(home)}
        server = subprocess.Popen(
            [sys.executable, "-m", "streamlit", "run", str(folder / "app.py"),
             "--server.port", str(port), "--server.headless", "true"],
            cwd=common.ROOT, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
        )  # fmt: skip
        try:
            url = f"http://127.0.0.1:{port}"
            for _ in range(300):
                try:
                    urllib.request.urlopen(f"{url}/_stcore/health", timeout=2).close()
                    break
                except OSError:
                    time.sleep(0.2)
            results = measure(url, files, home, rounds)
        finally:
            server.terminate()
            server.wait(timeout=10)
    print(common.machine())
    for (fmt, kind), times in results.items():
        print(
            f"{fmt} {kind}: median {statistics.median(times):.2f} s, "
            f"max {max(times):.2f} s over {len(times)}"
        )


def measure(url: str, files: list[Path], home: Path, rounds: int) -> dict:
    results: dict[tuple[str, str], list[float]] = {}
    with browser_page() as page:
        page.goto(url)
        page.wait_for_selector(IDLE, timeout=60_000)
        source, shown = "", None
        for _ in range(rounds):
            for path in files:
                other = files[1 - files.index(path)]
                if shown != other:  # so the next pick is a change
                    _, source = choose(page, str(other), source)
                shutil.rmtree(home / "excerpts", ignore_errors=True)
                cold, source = choose(page, str(path), source)
                _, source = choose(page, str(other), source)
                warm, source = choose(page, str(path), source)
                shown = path
                results.setdefault((path.suffix[1:], "cold"), []).append(cold)
                results.setdefault((path.suffix[1:], "warm"), []).append(warm)
    return results


if __name__ == "__main__":
    main()

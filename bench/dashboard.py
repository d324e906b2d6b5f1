"""The Taste map at 10,000 tracks, in a real browser.

    python bench/dashboard.py [--tracks 10000]

A TRACE home is filled with synthetic tracks — rows in the store with tags and 40
features drawn from 14 blobs, as `bench/analysis.py` uses (synthesising and analysing
10,000 audio files would take an hour and measure something else). The dashboard is
started the way the README's command starts it, the Taste map opened and drawn once
(UMAP is paid here), then:

- an HDBSCAN slider is moved (min_cluster_size +1, by keyboard) and the clock runs until
  the page's script is idle and the scatter is drawn again (target < 1.5 s);
- a warm page switch: Taste map → Library → Taste map through the sidebar, each until
  idle (target < 1 s each).

Each is repeated and the median reported.
"""

from __future__ import annotations

import argparse
import json
import statistics
import tempfile
import time
from pathlib import Path

import common
import numpy as np
from browser import IDLE, browser_page, dashboard, open_page, screenshot, wait_idle

NAMED = ("tempo", "energy", "danceability", "loudness", "acousticness", "spectral_centroid_mean")
CHART = "[data-testid='stVegaLiteChart']"


def fill(home: Path, n: int) -> None:
    """``n`` library tracks with tags, a file row each, and features."""
    from analysis import synthetic_table

    from trace.audio.windows import Windows, extractor_id
    from trace.store import Store, now

    table = synthetic_table(n)
    rng = np.random.default_rng(1)
    names = [*NAMED, *[f"mfcc_{i:02d}_mean" for i in range(1, 35)]]
    values = table.to_numpy().copy()
    values[:, 0] = 60 + 120 / (1 + np.exp(-values[:, 0] / 4))  # tempo in BPM
    values[:, 1:3] = 1 / (1 + np.exp(-values[:, 1:3] / 4))  # 0–1 estimates
    values[:, 3] = -30 + 25 / (1 + np.exp(-values[:, 3] / 4))  # LUFS
    values[:, 4] = 1 / (1 + np.exp(-values[:, 4] / 4))
    values[:, 5] = 500 + 4000 / (1 + np.exp(-values[:, 5] / 4))  # Hz
    stamp = now()
    extractor = extractor_id(Windows())
    with Store(home / "trace.sqlite3") as store, store.batch() as db:
        for i in range(n):
            artist = f"Artist {rng.integers(n // 8)}"
            db.execute(
                "INSERT INTO tracks (id, title, artists, album, genres, year, duration, "
                "added_at, updated_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)",
                (
                    i + 1,
                    f"Track {i}",
                    json.dumps([artist]),
                    f"Album {i // 10}",
                    json.dumps([f"Genre {i % 14}"]),
                    int(rng.integers(1970, 2026)),
                    float(rng.uniform(120, 400)),
                    f"2026-{1 + i % 11:02d}-01T00:00:00+00:00",
                    stamp,
                ),
            )
            path = f"/music/synthetic/{i}.flac"
            db.execute(
                "INSERT INTO files (path, display_path, track_id, size, mtime_ns, signature, "
                "format, status, first_seen_at, read_at) "
                "VALUES (?, ?, ?, 1, 1, ?, 'FLAC', 'ok', ?, ?)",
                (path.encode(), path, i + 1, f"sig{i}", stamp, stamp),
            )
            db.execute(
                "INSERT INTO features (signature, extractor, data, extracted_at) "
                "VALUES (?, ?, ?, ?)",
                (
                    f"sig{i}",
                    extractor,
                    json.dumps(dict(zip(names, values[i].tolist(), strict=True))),
                    stamp,
                ),
            )


PAINTED = "() => new Promise(r => requestAnimationFrame(() => requestAnimationFrame(r)))"


def until_idle(page, started: float) -> float:
    """Seconds from ``started`` until the script is idle, a chart is on the page and the
    browser has painted (two animation frames after the last change)."""
    page.wait_for_timeout(50)  # the rerun message reaches the server
    page.wait_for_selector(IDLE, timeout=120_000)
    page.wait_for_selector(CHART, timeout=60_000)
    page.evaluate(PAINTED)
    return time.perf_counter() - started


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--tracks", type=int, default=10_000)
    parser.add_argument("--repeats", type=int, default=5)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        home = Path(tmp)
        fill(home, args.tracks)
        with dashboard(home, timeout=120) as url, browser_page() as page:
            started = time.perf_counter()
            open_page(page, f"{url}/taste_map", timeout_ms=300_000)
            page.wait_for_selector(CHART, timeout=120_000)
            first = time.perf_counter() - started
            slider = page.get_by_role("slider", name="Smallest cluster (HDBSCAN min_cluster_size)")
            moves, switches = [], []
            for _ in range(args.repeats):
                slider.focus()
                started = time.perf_counter()
                page.keyboard.press("ArrowRight")
                moves.append(until_idle(page, started))
                page.wait_for_timeout(1000)  # a person looks before moving it again
            screenshot(page, "bench-taste-map-10k")
            nav = page.locator("[data-testid='stSidebarNav']")
            for _ in range(args.repeats):
                started = time.perf_counter()
                nav.get_by_text("Library", exact=True).click()
                page.wait_for_selector("h1:has-text('Library')", timeout=60_000)
                switches.append(until_idle(page, started))
                page.wait_for_timeout(1000)
                started = time.perf_counter()
                nav.get_by_text("Taste map", exact=True).click()
                page.wait_for_selector("h1:has-text('Taste map')", timeout=60_000)
                switches.append(until_idle(page, started))
                page.wait_for_timeout(1000)
                wait_idle(page)
    print(f"machine: {common.machine()}")
    print(f"first drawing of the Taste map ({args.tracks:,} tracks, UMAP included): {first:.1f} s")
    print(f"slider moves: {', '.join(f'{m:.2f}' for m in moves)} s")
    print(f"page switches: {', '.join(f'{s:.2f}' for s in switches)} s")
    print(
        f"| HDBSCAN slider → Taste map redrawn, {args.tracks:,} tracks (median) | "
        f"{statistics.median(moves):.2f} s | < 1.5 s |"
    )
    print(f"| warm page switch (median) | {statistics.median(switches):.2f} s | < 1 s |")


if __name__ == "__main__":
    main()

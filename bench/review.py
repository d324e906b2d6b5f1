"""A decision on Discover's review at 10,000 tracks, in a real browser.

    python bench/review.py [--tracks 10000] [--candidates 2000] [--decisions 6]

A TRACE home is filled as `bench/dashboard.py` fills it (synthetic tracks with tags and
40 features), the last ``--candidates`` of them made a candidate pool, and the plays of
a listener who lately turned to a few of the library's styles added. The dashboard is
started the way the README's command starts it, Discover opened and its map computed,
then Approve and Reject pressed in turn: each timed from the click until the page's
script is idle and the browser has painted — the whole page, re-ranked with the
decision, its list and its approvals (target of issue 15: the re-ranking under 1.5 s).
"""

from __future__ import annotations

import argparse
import statistics
import tempfile
import time
from pathlib import Path

import common
import numpy as np
from browser import IDLE, browser_page, dashboard, screenshot, wait_idle
from dashboard import PAINTED, fill

from trace.store import Store


def make_candidates_and_plays(home: Path, tracks: int, candidates: int) -> None:
    """The last ``candidates`` tracks become a pool; 3 plays a day over a year go to the
    library, the last 8 weeks mostly to the tracks with the highest ids' tenth."""
    rng = np.random.default_rng(7)
    library = tracks - candidates
    with Store(home / "trace.sqlite3") as store, store.batch() as db:
        db.execute("UPDATE tracks SET pool = 'bench' WHERE id > ?", (library,))
        rows = []
        for day in range(365):
            lately = day >= 365 - 56
            for _ in range(3):
                if lately and rng.random() < 0.8:
                    track = int(rng.integers(library * 9 // 10, library)) + 1
                else:
                    track = int(rng.integers(library)) + 1
                at = np.datetime64("2025-12-01") + np.timedelta64(day, "D")
                rows.append((track, f"{at}T12:00:00Z", 200_000))
        db.executemany(
            "INSERT OR IGNORE INTO plays (track_id, played_at, ms_played, source, skipped) "
            "VALUES (?, ?, ?, 'bench', 0)",
            rows,
        )


def decide(page, label: str) -> float:
    started = time.perf_counter()
    page.get_by_role("button", name=label).first.click()
    page.wait_for_timeout(50)  # the rerun message reaches the server
    page.wait_for_selector(IDLE, timeout=120_000)
    page.evaluate(PAINTED)
    return time.perf_counter() - started


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--tracks", type=int, default=10_000)
    parser.add_argument("--candidates", type=int, default=2_000)
    parser.add_argument("--decisions", type=int, default=6)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory(prefix="trace-bench-review-") as tmp:
        home = Path(tmp)
        fill(home, args.tracks)
        make_candidates_and_plays(home, args.tracks, args.candidates)
        with dashboard(home, timeout=120) as url, browser_page() as page:
            started = time.perf_counter()
            page.goto(f"{url}/discover")
            page.get_by_role("button", name="Approve").first.wait_for(timeout=900_000)
            wait_idle(page)
            first = time.perf_counter() - started
            times = [
                decide(page, "Approve" if i % 2 == 0 else "Reject") for i in range(args.decisions)
            ]
            screenshot(page, "bench-review")
        with Store(home / "trace.sqlite3") as store:
            decided = len(store.decisions())
    print(f"machine: {common.machine()}")
    print(
        f"{args.tracks - args.candidates:,} library tracks, {args.candidates:,} candidates; "
        f"Discover first drawn in {first:.1f} s (the map computed on the way)"
    )
    print(
        f"a decision → the whole page drawn again: median {statistics.median(times):.2f} s, "
        f"max {max(times):.2f} s over {len(times)} ({decided} stored)"
    )


if __name__ == "__main__":
    main()

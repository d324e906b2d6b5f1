"""Speed of the recommendations at 10,000 tracks: `analyse` in a fresh process, and the
re-ranking after a decision on Discover.

    python bench/ranking.py [--tracks 10000] [--candidates 2000]

A TRACE home is filled with synthetic tracks (as `bench/dashboard.py` does: rows with tags
and 40 features from 14 blobs); the last ``--candidates`` become a candidate pool. A
listener plays 18 months across the library, 20 plays a day, then 8 weeks leaning to one
blob. Measured:

- `python -m trace analyse` in a new process, start-up and imports included
  (target < 20 s);
- in one process with the map computed (a dashboard server): a candidate is approved,
  then the ranking is asked for again — what Discover does after a decision (target
  < 1.5 s); the median of 5 decisions.
"""

from __future__ import annotations

import argparse
import os
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import common
import numpy as np
import pandas as pd
from dashboard import fill


def listen(home: Path, library: int) -> int:
    """18 months of plays over the library, the last 8 weeks leaning to one blob."""
    from trace.store import Store

    rng = np.random.default_rng(3)
    end = pd.Timestamp("2026-11-01", tz="UTC")
    days = 540
    rows = []
    for day in range(days):
        at = end - pd.Timedelta(days=days - day)
        lean = day >= days - 56
        for _ in range(20):
            track = int(rng.integers(1, library + 1))
            if lean and rng.random() < 0.7:
                track = int(rng.integers(1, library // 14 + 1))  # the first blob's range
            stamp = (at + pd.Timedelta(seconds=int(rng.integers(86_400)))).isoformat()
            rows.append((track, stamp, 200_000))
    with Store(home / "trace.sqlite3") as store, store.batch() as db:
        db.executemany(
            "INSERT OR IGNORE INTO plays (track_id, played_at, ms_played, source) "
            "VALUES (?, ?, ?, 'bench')",
            rows,
        )
    return len(rows)


def analyse_fresh(home: Path) -> float:
    started = time.perf_counter()
    subprocess.run(
        [sys.executable, "-m", "trace", "analyse", "--json", str(home / "analysis.json")],
        check=True,
        capture_output=True,
        cwd=common.ROOT,
        env={**os.environ, "TRACE_HOME": str(home), "TRACE_DEMO": "off"},
    )
    return time.perf_counter() - started


def rerank_after_decisions(home: Path, decisions: int = 5) -> list[float]:
    from trace.analysis.pipeline import Inputs, Pipeline, StageCache, load_params
    from trace.store import Store

    cache = StageCache()
    with Store(home / "trace.sqlite3") as store:
        params = load_params(store)[0]
        pipe = Pipeline(Inputs.of(store), params, cache)
    pipe.ranking()  # the map, the forests and the first ranking: paid once
    seconds = []
    for _ in range(decisions):
        started = time.perf_counter()
        with Store(home / "trace.sqlite3") as store:
            top = pipe.ranking().proposed["track_id"].iloc[0]
            store.decide(int(top), "approved")
            pipe = Pipeline(Inputs.of(store), params, cache)
        ranking = pipe.ranking()
        seconds.append(time.perf_counter() - started)
        assert int(top) not in set(ranking.proposed["track_id"])
    return seconds


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--tracks", type=int, default=10_000)
    parser.add_argument("--candidates", type=int, default=2_000)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        home = Path(tmp)
        os.environ["TRACE_HOME"] = str(home)
        fill(home, args.tracks)
        library = args.tracks - args.candidates
        from trace.store import Store

        with Store(home / "trace.sqlite3") as store:
            store.execute("UPDATE tracks SET pool = 'bench' WHERE id > ?", (library,))
        plays = listen(home, library)
        fresh = [analyse_fresh(home) for _ in range(2)]
        reranks = rerank_after_decisions(home)
    print(f"machine: {common.machine()}")
    print(f"{library:,} library tracks, {args.candidates:,} candidates, {plays:,} plays")
    print("| step | time | target |")
    print("| --- | --- | --- |")
    print(
        f"| `python -m trace analyse --json` in a new process | "
        f"{min(fresh):.1f} s (runs: {', '.join(f'{s:.1f}' for s in fresh)}) | < 20 s |"
    )
    print(
        f"| a decision on Discover → re-ranked (median of {len(reranks)}) | "
        f"{statistics.median(reranks):.2f} s (max {max(reranks):.2f}) | < 1.5 s |"
    )


if __name__ == "__main__":
    main()

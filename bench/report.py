"""The listening report at scale, and whether "the picks stuck" tells listeners apart.

    python bench/report.py [--tracks 10000] [--plays 500000] [--years 10]

A TRACE home is filled with synthetic tracks (``bench/dashboard.py``'s ``fill``: tags and
40 features from 14 blobs); the last 2,000 are a candidate pool. A listener plays
``--plays`` plays over ``--years`` years (more in the evening than at night, their
evenings calmer: lower-energy tracks), with 300 candidates decided (half approved) a year
before the end. Two listeners share everything but what follows the decisions:

- **favours**: after the decisions, 1 play in 12 goes to an approved candidate;
- **ignores**: after the decisions, approved candidates get no more plays than rejected
  ones or never-proposed ones (1 play in 12 to any candidate, spread evenly).

Measured: ``python -m trace report`` on the first, in a new process, start-up and the map
included (target < 30 s, the map on disk from a first ``map`` run; also the time with
nothing on disk), the file's size (target < 10 MB), and the "picks stuck" table of both:
the report must tell them apart.
"""

from __future__ import annotations

import argparse
import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import common
import numpy as np
import pandas as pd
from dashboard import fill

END = pd.Timestamp("2026-11-30", tz="UTC")
CANDIDATES = 2000
DECIDED = 300


def history(home: Path, tracks: int, plays: int, years: int, favours: bool) -> None:
    """The plays and decisions of the module docstring, written into ``home``'s store."""
    from trace.store import Store

    rng = np.random.default_rng(7)
    library = tracks - CANDIDATES
    with Store(home / "trace.sqlite3") as store:
        energy = store.frame(
            "SELECT f.track_id, json_extract(x.data, '$.energy') AS energy FROM files f "
            "JOIN features x ON x.signature = f.signature"
        ).set_index("track_id")["energy"]
        with store.batch() as db:
            db.execute("UPDATE tracks SET pool = 'new' WHERE id > ?", (library,))
            db.execute(
                "UPDATE tracks SET added_at = ? WHERE pool IS NULL",
                ((END - pd.DateOffset(years=years)).isoformat(),),
            )
    start = END - pd.DateOffset(years=years)
    seconds = (END - start).total_seconds()
    at = start + pd.to_timedelta(np.sort(rng.uniform(0, seconds, plays)), unit="s")
    hour = at.hour
    calm = np.flatnonzero(energy.reindex(range(1, library + 1)).to_numpy() < 0.5) + 1
    track = rng.integers(1, library + 1, plays)
    evening = (hour >= 19) & (hour < 23)
    track[evening] = rng.choice(calm, int(evening.sum()))  # calmer evenings
    decided_at = END - pd.DateOffset(years=1)
    pool = np.arange(library + 1, tracks + 1)
    chosen = rng.choice(pool, DECIDED, replace=False)
    approved, rejected = chosen[: DECIDED // 2], chosen[DECIDED // 2 :]
    after = np.flatnonzero((at > decided_at) & (rng.random(plays) < 1 / 12))
    track[after] = rng.choice(approved if favours else pool, len(after))
    rows = [(int(t), a.isoformat(), 200_000) for t, a in zip(track, at, strict=True)]
    decided = [(int(t), "approved", decided_at.isoformat()) for t in approved]
    decided += [(int(t), "rejected", decided_at.isoformat()) for t in rejected]
    with Store(home / "trace.sqlite3") as store, store.batch() as db:
        db.executemany(
            "INSERT OR IGNORE INTO plays (track_id, played_at, ms_played, source) "
            "VALUES (?, ?, ?, 'bench')",
            rows,
        )
        db.executemany("INSERT INTO decisions VALUES (?, ?, ?)", decided)


def trace_run(home: Path, *args: str) -> tuple[float, str]:
    env = {**os.environ, "TRACE_HOME": str(home), "PYTHONPATH": str(common.ROOT)}
    started = time.perf_counter()
    done = subprocess.run(
        [sys.executable, "-m", "trace", *args], env=env, capture_output=True, text=True
    )
    if done.returncode:
        raise RuntimeError(done.stderr[-2000:])
    return time.perf_counter() - started, done.stdout


def picks(home: Path) -> str:
    from trace.analysis.outcomes import picks_outcomes
    from trace.store import Store

    with Store(home / "trace.sqlite3") as store:
        found = picks_outcomes(store)
    return found.sentence + "\n" + found.table.round(3).to_string()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--tracks", type=int, default=10_000)
    parser.add_argument("--plays", type=int, default=500_000)
    parser.add_argument("--years", type=int, default=10)
    args = parser.parse_args()
    print(f"machine: {common.machine()}")
    with tempfile.TemporaryDirectory() as folder:
        homes = {}
        for name, favours in (("favours", True), ("ignores", False)):
            home = Path(folder) / name
            home.mkdir()
            started = time.perf_counter()
            fill(home, args.tracks)
            history(home, args.tracks, args.plays, args.years, favours)
            homes[name] = home
            print(f"{name}: home filled in {time.perf_counter() - started:.0f} s")
        home = homes["favours"]
        out = Path(folder) / "report.html"
        cold, _ = trace_run(home, "report", str(out), "--timezone", "UTC")
        size = out.stat().st_size / 1e6
        warm, said = trace_run(home, "report", str(out), "--timezone", "UTC")
        first = (END - pd.DateOffset(years=args.years)).strftime("%Y-%m-%d")
        whole, said_all = trace_run(home, "report", str(out), "--from", first)
        whole_size = out.stat().st_size / 1e6
        print(
            f"| report of the last 12 months, {args.tracks:,} tracks, {args.plays:,} plays over "
            f"{args.years} years | {cold:.1f} s with nothing on disk; {warm:.1f} s with the map "
            f"on disk | {size:.1f} MB |"
        )
        print(
            f"| report of all {args.years} years | {whole:.1f} s (map on disk) | "
            f"{whole_size:.1f} MB |"
        )
        print(said.strip())
        print(said_all.strip())
        for name, folder_ in homes.items():
            print(f"\n{name}:\n{picks(folder_)}")


if __name__ == "__main__":
    main()

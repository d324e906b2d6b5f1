"""The Taste map at 10,000–100,000 tracks, in a real browser.

    python bench/dashboard.py [--tracks 50000] [--added 1000]
    python bench/dashboard.py --tracks 100000 --first-visits --home /tmp/trace-100k

``--first-visits`` times what a person feels once a week instead: a home with listening
history (``--plays`` plays over two years, a third of the last eight weeks' on every
fourteenth track, so Recent interest finds something to show) and MusiCNN-shaped
embeddings is mapped once (kept in ``--home`` between runs, so a second run starts there)
and every page seen once, as the
last session would. Then the server is restarted with the library unchanged, TRACE
opened on the Sources page (from the address in a new browser: Streamlit's own start in
the browser is most of it, 1.5–2 s on an empty home), and each page opened once in the
sidebar's order, two seconds apart, as a person would: the time from the click until the
page's script is idle and the browser has painted. Then the smallest-cluster slider
is moved to a setting no run clustered yet (its spanning tree prepared by the map job, as
for the person) and back, and the pages switched warm, as below. ``--repeats`` restarts,
the median reported.

A TRACE home is filled with synthetic tracks — rows in the store with tags and 40
features drawn from 14 blobs, as `bench/analysis.py` uses (synthesising and analysing
50,000 audio files would take days and measure something else). The dashboard is started
the way the README's command starts it and the Taste map opened:

- first drawing on a fresh home (UMAP and all computed, then kept on disk), and the
  sweep computed in the background afterwards;
- the server restarted, library unchanged: the Taste map drawn again (from disk;
  target ≤ 8 s at 50,000);
- an HDBSCAN slider moved (min_cluster_size +1, by keyboard) until the page's script is
  idle and the scatter drawn again (target < 1.5 s);
- a warm page switch: Taste map → Library → Taste map through the sidebar, each until
  idle (target < 1 s each);
- ``--added`` tracks added to the library, the Taste map opened again: the time until
  the last map is shown (marked out of date) and until the new one replaces it
  (target ≤ 60 s);
- the server's peak resident memory (VmHWM) over all of it.

Each timed step is repeated and the median reported.
"""

from __future__ import annotations

import argparse
import json
import os
import re
import statistics
import tempfile
import time
from pathlib import Path

import common
import numpy as np
from browser import IDLE, browser_page, dashboard, screenshot, wait_idle

NAMED = ("tempo", "energy", "danceability", "loudness", "acousticness", "spectral_centroid_mean")
CHART = "[data-testid='stVegaLiteChart']"


def fill(home: Path, n: int, *, start: int = 0, embeddings: bool = True) -> None:
    """``n`` library tracks with tags, a file row each, and features (ids after
    ``start``: more tracks from the same styles); with ``embeddings``, a MusiCNN-shaped
    embedding (200) and tags (50) each too, as extraction stores them, drawn around the
    track's features so they agree on the styles."""
    from analysis import synthetic_table

    from trace.audio import ear
    from trace.audio.windows import Windows, extractor_id
    from trace.store import Store, now

    table = synthetic_table(start + n).iloc[start:]
    rng = np.random.default_rng(1 + start)
    names = [*NAMED, *[f"mfcc_{i:02d}_mean" for i in range(1, 35)]]
    values = table.to_numpy().copy()
    values[:, 0] = 60 + 120 / (1 + np.exp(-values[:, 0] / 4))  # tempo in BPM
    values[:, 1:3] = 1 / (1 + np.exp(-values[:, 1:3] / 4))  # 0–1 estimates
    values[:, 3] = -30 + 25 / (1 + np.exp(-values[:, 3] / 4))  # LUFS
    values[:, 4] = 1 / (1 + np.exp(-values[:, 4] / 4))
    values[:, 5] = 500 + 4000 / (1 + np.exp(-values[:, 5] / 4))  # Hz
    mixing = rng.normal(size=(values.shape[1], 250)) / np.sqrt(values.shape[1])
    heard = table.to_numpy() @ mixing + rng.normal(0, 0.5, size=(n, 250))
    heard[:, 200:] = 1 / (1 + np.exp(-heard[:, 200:]))  # tag probabilities
    stamp = now()
    extractor = extractor_id(Windows())
    with Store(home / "trace.sqlite3") as store, store.batch() as db:
        for i in range(start, start + n):
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
                    json.dumps(dict(zip(names, values[i - start].tolist(), strict=True))),
                    stamp,
                ),
            )
            if embeddings:
                db.execute(
                    "INSERT INTO embeddings (signature, extractor, model, embedding, tags, "
                    "patches) VALUES (?, ?, ?, ?, ?, ?)",
                    (
                        f"sig{i}",
                        extractor,
                        ear.MODEL,
                        ear.to_blob(heard[i - start, :200]),
                        ear.to_blob(heard[i - start, 200:]),
                        6,
                    ),
                )


PAINTED = "() => new Promise(r => requestAnimationFrame(() => requestAnimationFrame(r)))"


def fill_plays(home: Path, tracks: int, plays: int) -> None:
    """``plays`` plays of the first ``tracks`` tracks over two years up to today; in the
    last eight weeks a third of them go to every fourteenth track (ids ``4 + 14k``),
    spread over the styles: a workload for the listening pages, not a model listener."""
    from datetime import UTC, datetime, timedelta

    from trace.store import Store

    rng = np.random.default_rng(7)
    today = datetime.now(UTC).replace(microsecond=0)
    days = rng.uniform(0, 730, plays)
    ids = rng.integers(1, tracks + 1, plays)
    recent = (days < 56) & (rng.random(plays) < 0.33)
    ids[recent] = 1 + 3 + 14 * rng.integers(0, (tracks - 4) // 14, recent.sum())
    rows = [
        (int(i), (today - timedelta(days=float(d))).isoformat(), 200_000, "bench", 0)
        for i, d in zip(ids, days, strict=True)
    ]
    with Store(home / "trace.sqlite3") as store, store.batch() as db:
        db.executemany(
            "INSERT OR IGNORE INTO plays (track_id, played_at, ms_played, source, skipped) "
            "VALUES (?, ?, ?, ?, ?)",
            rows,
        )


PAGES = ("Library", "Taste map", "Recent interest", "Discover", "Report", "Sources")


def visit(page, title: str) -> float:
    """Seconds from a click on ``title`` in the sidebar until that page's script is idle
    and the browser has painted (and, on a page with charts, the first chart drawn)."""
    nav = page.locator("[data-testid='stSidebarNav']")
    started = time.perf_counter()
    nav.get_by_text(title, exact=True).click()
    page.wait_for_selector(f"h1:has-text('{title}')", timeout=600_000)
    page.wait_for_timeout(50)
    page.wait_for_selector(IDLE, timeout=600_000)
    if title in ("Library", "Taste map", "Recent interest"):
        page.wait_for_selector(CHART, timeout=60_000)
    page.evaluate(PAINTED)
    return time.perf_counter() - started


def first_visits(home: Path, repeats: int) -> tuple[dict[str, list[float]], list, list, float]:
    """Per page, the first visit after each of ``repeats`` restarts; slider moves and warm
    switches after each; the server's peak memory (MB)."""
    visits: dict[str, list[float]] = {title: [] for title in PAGES}
    moves, switches, opened, peak = [], [], [], 0.0
    for restart in range(repeats):
        with dashboard(home, timeout=120) as url, browser_page() as page:
            started = time.perf_counter()  # TRACE opened on a page that reads no analysis
            page.goto(f"{url}/sources")
            wait_idle(page)
            page.evaluate(PAINTED)
            opened.append(time.perf_counter() - started)
            for title in PAGES:
                page.wait_for_timeout(LOOK_MS)
                visits[title].append(visit(page, title))
            visit(page, "Taste map")
            moves.append(new_setting(page, 3 + restart))
            _, more_switches = moves_and_switches(page, 1, back=True)
            switches += more_switches
            peak = max(peak, peak_mb(home, b"trace.ui.serve"))
    visits["TRACE opened (Sources, from the address)"] = opened
    return visits, moves, switches, peak


LOOK_MS = 2000
"""A person looks at a page before clicking the next."""


def new_setting(page, steps: int) -> float:
    """The smallest-cluster slider moved ``steps`` to the right (untimed but the last),
    to a setting no earlier run clustered (its spanning tree prepared by the map job,
    as the person's own map is: ``prepare_nearby``), and back; the last step's time."""
    slider = page.get_by_role("slider", name=re.compile(r"^Smallest cluster"))
    for key in ("ArrowRight", "ArrowLeft"):
        for step in range(steps):
            slider.focus()
            started = time.perf_counter()
            page.keyboard.press(key)
            took = until_idle(page, started)
            if key == "ArrowRight" and step == steps - 1:
                last = took
            page.wait_for_timeout(300)
    return last


def until_idle(page, started: float) -> float:
    """Seconds from ``started`` until the script is idle, a chart is on the page and the
    browser has painted (two animation frames after the last change)."""
    page.wait_for_timeout(50)  # the rerun message reaches the server
    page.wait_for_selector(IDLE, timeout=120_000)
    page.wait_for_selector(CHART, timeout=60_000)
    page.evaluate(PAINTED)
    return time.perf_counter() - started


OUT_OF_DATE = "text=is out of date"
SWEEPING = "text=in the background…"


def processes(home: Path, name: bytes) -> list[Path]:
    """The /proc folders of processes with ``name`` in their command line, for ``home``."""
    found = []
    for folder in Path("/proc").glob("[0-9]*"):
        try:
            environ = (folder / "environ").read_bytes().split(b"\0")
            command = (folder / "cmdline").read_bytes()
        except OSError:
            continue
        if name in command and f"TRACE_HOME={home}".encode() in environ:
            found.append(folder)
    return found


def peak_mb(home: Path, name: bytes) -> float:
    """Peak resident memory (VmHWM) of the process ``name`` serving ``home``."""
    for folder in processes(home, name):
        status = (folder / "status").read_text().splitlines()
        return int(next(x for x in status if x.startswith("VmHWM")).split()[1]) / 1024
    return float("nan")


def wait_for_jobs(home: Path) -> float:
    """Wait until the background map job is done; its peak memory in MB."""
    peaks = [0.0]
    while processes(home, b"jsonl\0map"):
        peaks.append(peak_mb(home, b"jsonl\0map"))
        time.sleep(0.5)
    return max(p for p in peaks if p == p)  # NaN when it ended between the two looks


def open_taste_map(page, url: str) -> float:
    """Seconds until the Taste map's scatter is drawn and the script idle."""
    started = time.perf_counter()
    page.goto(f"{url}/taste_map")
    page.wait_for_selector(CHART, timeout=600_000)
    return until_idle(page, started)


def moves_and_switches(
    page, repeats: int, *, back: bool = False
) -> tuple[list[float], list[float]]:
    """Slider moves (each one step right; with ``back``, each followed by one step left,
    timed too, so the saved settings end as they began) and warm page switches."""
    slider = page.get_by_role("slider", name=re.compile(r"^Smallest cluster"))
    moves, switches = [], []
    for _ in range(repeats):
        for key in ("ArrowRight", "ArrowLeft") if back else ("ArrowRight",):
            slider.focus()
            started = time.perf_counter()
            page.keyboard.press(key)
            moves.append(until_idle(page, started))
            page.wait_for_timeout(1000)  # a person looks before moving it again
    screenshot(page, "bench-taste-map")
    nav = page.locator("[data-testid='stSidebarNav']")
    for _ in range(repeats):
        for title in ("Library", "Taste map"):
            started = time.perf_counter()
            nav.get_by_text(title, exact=True).click()
            page.wait_for_selector(f"h1:has-text('{title}')", timeout=60_000)
            switches.append(until_idle(page, started))
            page.wait_for_timeout(1000)
            wait_idle(page)
    return moves, switches


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--tracks", type=int, default=10_000)
    parser.add_argument("--added", type=int, default=1_000)
    parser.add_argument("--repeats", type=int, default=5)
    parser.add_argument("--first-visits", action="store_true", help="time each page's first visit")
    parser.add_argument("--plays", type=int, default=300_000)
    parser.add_argument("--home", type=Path, help="keep the home here (and reuse it)")
    parser.add_argument(
        "--no-embeddings", action="store_true", help="features only, no MusiCNN embeddings"
    )
    args = parser.parse_args()
    if args.first_visits:
        return first_visits_main(args)
    with tempfile.TemporaryDirectory() as tmp:
        home = Path(tmp)
        fill(home, args.tracks)
        with dashboard(home, timeout=120) as url, browser_page() as page:
            cold = open_taste_map(page, url)
            started = time.perf_counter()
            page.wait_for_selector(SWEEPING, state="detached", timeout=900_000)
            sweep = time.perf_counter() - started
            job_peak = wait_for_jobs(home)
            first_peak = peak_mb(home, b"trace.ui.serve")
        with dashboard(home, timeout=120) as url, browser_page() as page:
            restart = open_taste_map(page, url)
            moves, switches = moves_and_switches(page, args.repeats)
            fill(home, args.added, start=args.tracks)
            started = time.perf_counter()
            page.goto(f"{url}/taste_map")
            page.wait_for_selector(OUT_OF_DATE, timeout=600_000)
            page.wait_for_selector(CHART, timeout=600_000)
            stale = time.perf_counter() - started
            page.wait_for_selector(OUT_OF_DATE, state="detached", timeout=900_000)
            fresh = until_idle(page, started)
            peak = peak_mb(home, b"trace.ui.serve")
            job_peak = max(job_peak, wait_for_jobs(home))
    n = f"{args.tracks:,}"
    print(f"machine: {common.machine()}; load {os.getloadavg()[0]:.1f}")
    print(f"first drawing on a fresh home, {n} tracks (UMAP included): {cold:.1f} s")
    print(f"sweep in the background after it: {sweep:.0f} s more")
    print(f"slider moves: {', '.join(f'{m:.2f}' for m in moves)} s")
    print(f"page switches: {', '.join(f'{s:.2f}' for s in switches)} s")
    print("| step | time | target |")
    print("| --- | --- | --- |")
    print(f"| Taste map after a server restart, library unchanged, {n} | {restart:.1f} s | ≤ 8 s |")
    print(
        f"| {args.added:,} tracks added → last map shown (out of date) | {stale:.1f} s | at once |"
    )
    print(f"| … → the new map drawn | {fresh:.1f} s | ≤ 60 s |")
    print(
        f"| HDBSCAN slider → Taste map redrawn (median) | "
        f"{statistics.median(moves):.2f} s (max {max(moves):.2f}) | < 1.5 s |"
    )
    print(
        f"| warm page switch (median) | {statistics.median(switches):.2f} s "
        f"(max {max(switches):.2f}) | < 1 s |"
    )
    print(
        f"| dashboard's peak resident memory | {max(first_peak, peak):.0f} MB "
        f"(first drawing {first_peak:.0f} MB) | < 3,000 MB at 100,000 |"
    )
    print(f"| background map job's peak resident memory | {job_peak:.0f} MB | |")


def first_visits_main(args: argparse.Namespace) -> None:
    home = args.home or Path(tempfile.mkdtemp(prefix="trace-bench-"))
    if not (home / "trace.sqlite3").exists():
        home.mkdir(parents=True, exist_ok=True)
        fill(home, args.tracks, embeddings=not args.no_embeddings)
        fill_plays(home, args.tracks, args.plays)
        with dashboard(home, timeout=120) as url, browser_page() as page:
            started = time.perf_counter()
            open_taste_map(page, url)
            page.wait_for_selector(SWEEPING, state="detached", timeout=1_800_000)
            wait_for_jobs(home)
            print(f"home made and mapped in {time.perf_counter() - started:.0f} s")
    with dashboard(home, timeout=120) as url, browser_page() as page:
        page.goto(f"{url}/sources")  # the last session: every page seen once, untimed
        wait_idle(page)
        for title in PAGES:
            visit(page, title)
    visits, moves, switches, peak = first_visits(home, args.repeats)
    n = f"{args.tracks:,}"
    print(f"machine: {common.machine()}; load {os.getloadavg()[0]:.1f}; {n} tracks")
    print(f"| page | first visit after a restart, {n} (median of {args.repeats}; all) |")
    print("| --- | --- |")
    steps = [*visits.items(), ("HDBSCAN slider → map, a new setting", moves)]
    steps.append(("warm switch", switches))
    for title, times in steps:
        every = ", ".join(f"{t:.2f}" for t in times)
        print(f"| {title} | {statistics.median(times):.2f} s ({every}) |")
    print(f"| server's peak resident memory | {peak:.0f} MB |")


if __name__ == "__main__":
    main()

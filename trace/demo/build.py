"""Building the demo: compose, scan, extract, record plays.

Deterministic from a seed and idempotent: files already composed are kept, the scan is
incremental and plays are unique, so running it again adds nothing.
"""

from __future__ import annotations

import os
from contextlib import nullcontext
from dataclasses import dataclass
from datetime import UTC, datetime

from trace.audio.extract import ExtractSummary, extract_library
from trace.audio.workers import worker_pool
from trace.demo import ACTIVE_SETTING, ANCHOR_SETTING, POOL_NAME, SEED, demo_folder
from trace.demo.catalogue import (
    TrackPlan,
    anchor_now,
    library_plan,
    listening_history,
    pool_plan,
)
from trace.demo.render import render_plan
from trace.library.scan import Progress, scan_library
from trace.store import Store

PARTS = ("library", "candidates", "all")


@dataclass
class DemoSummary:
    rendered: int
    library_tracks: int
    candidates: int
    plays: int
    extraction: ExtractSummary

    def __str__(self) -> str:
        return (
            f"Demo ready: {self.library_tracks} library tracks, {self.candidates} candidates, "
            f"{self.plays} plays; {self.rendered} files composed this time. {self.extraction}"
        )


def _anchor(store: Store) -> datetime:
    """The end of the demo's history: fixed at the first generation, so reruns match."""
    saved = store.get_setting(ANCHOR_SETTING)
    if saved:
        return datetime.fromisoformat(saved)
    anchor = anchor_now()
    store.set_setting(ANCHOR_SETTING, anchor.isoformat())
    return anchor


def plans(store: Store, *, seed: int = SEED) -> tuple[list[TrackPlan], list[TrackPlan]]:
    """The library and candidate plans, anchored at the first generation's date."""
    folder = demo_folder()
    return (
        library_plan(folder / "library", seed=seed, anchor=_anchor(store)),
        pool_plan(folder / "new music", seed=seed),
    )


def install_demo(
    store: Store,
    *,
    part: str = "all",
    seed: int = SEED,
    workers: int | None = None,
    progress: Progress | None = None,
) -> DemoSummary:
    """Compose, scan, extract and record the demo.

    ``part="library"`` builds the person's side (tracks, history) and is enough for the
    Library page; ``"candidates"`` adds the candidate pool; ``"all"`` does both.
    """
    if part not in PARTS:
        raise ValueError(f"part must be one of {PARTS}, got {part!r}")
    report = progress or (lambda done, total, message: None)
    library, pool = plans(store, seed=seed)
    chosen = (library if part != "candidates" else []) + (pool if part != "library" else [])
    rendered = _render(chosen, workers, report)
    report(0, 0, "Scanning the demo files…")
    if part != "candidates":
        scan_library([demo_folder() / "library"], store)
        _record_plays(store, library, seed)
        store.set_setting(ACTIVE_SETTING, "1")
    if part != "library":
        scan_library([demo_folder() / "new music"], store, pool=POOL_NAME)
    # The library's first pass leaves MusiCNN out, so the Library page comes quickly; the
    # candidates' pass (in the background on a first start) hears everything.
    extraction = extract_library(
        store,
        workers=workers,
        progress=lambda done, total, message: report(done, total, f"Audio features: {message}"),
        hear=part != "library",
    )
    counts = store.counts()
    return DemoSummary(
        rendered, counts["library_tracks"], counts["candidates"], counts["plays"], extraction
    )


def _render(plans_: list[TrackPlan], workers: int | None, report: Progress) -> int:
    todo = [plan for plan in plans_ if not plan.path.exists()]
    total = len(todo)
    if not todo:
        return 0
    workers = max(1, min(workers or os.cpu_count() or 1, total))
    report(0, total, f"Composing {total} demo tracks…")
    # The pool preloads trace.audio.warm so the analysis that follows starts warm.
    workers_or_none = (
        worker_pool(workers, preload=["trace.audio.warm"]) if workers > 1 else nullcontext()
    )
    with workers_or_none as pool:
        results = (
            map(render_plan, todo)
            if pool is None
            else pool.imap_unordered(render_plan, todo, chunksize=4)
        )
        for done, _ in enumerate(results, start=1):
            report(done, total, f"Composed {done} of {total} demo tracks")
    return total


def _record_plays(store: Store, library: list[TrackPlan], seed: int) -> None:
    """The demo's listening history as plays; unique, so recording twice adds nothing."""
    history = listening_history(library, seed=seed, anchor=_anchor(store))
    ids = {
        bytes(row[0]): row[1]
        for row in store.execute("SELECT path, track_id FROM files WHERE track_id IS NOT NULL")
    }
    rows = [
        (
            ids[os.fsencode(play.path)],
            play.played_at.astimezone(UTC).isoformat(),
            play.ms_played,
            "demo",
            int(play.skipped),
        )
        for play in history
        if os.fsencode(play.path) in ids
    ]
    with store.batch():
        store.connection.executemany(
            "INSERT OR IGNORE INTO plays (track_id, played_at, ms_played, source, skipped) "
            "VALUES (?, ?, ?, ?, ?)",
            rows,
        )

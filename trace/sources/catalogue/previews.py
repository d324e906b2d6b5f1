"""Previews: a catalogue's 30 s clip as the audio of every track that has no file.

For each track without a readable file — Spotify's saved tracks, playlists and history,
CSV imports, ListenBrainz and Last.fm listens, search and catalogue candidates — the
clip is looked up (:func:`find_preview`: the ISRC on Deezer, then Deezer's search by
artist and title, then iTunes), downloaded into ``<TRACE home>/previews/`` and analysed
by the same extractor as a file, in worker processes while the next batch is looked up.
Its features are stored under the clip's content signature like a file's; the
``previews`` table says which service and track the audio came from.

**Never another recording**: a track found by ISRC is that recording (a duration far
off still rejects it); one found by name must pass the rules that match a Spotify track
to a local file (:func:`trace.sources.matching.same_recording`): no live take, remix,
acoustic version, other artist's song of that name, or length far off.

A track not found is not asked again for :data:`NOT_FOUND_DAYS`; a failed one (the
network, the service) is asked again on the next run. Every batch is committed, so a
stopped run resumes where it stopped.
"""

from __future__ import annotations

import json
import os
import time
from collections.abc import Callable, Iterable, Sequence
from concurrent.futures import ThreadPoolExecutor
from contextlib import ExitStack
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from pathlib import Path

from trace.audio.windows import Windows, extractor_id
from trace.library.pace import Pace, with_pace
from trace.library.probe import content_signature
from trace.library.scan import Progress
from trace.library.text import plural
from trace.sources.catalogue.clips import bound_clips, clip_path
from trace.sources.catalogue.service import (
    CatalogueError,
    ExpiredPreviewError,
    Notify,
    QuotaError,
    UnreachableError,
)
from trace.sources.catalogue.services import CatalogueTrack, Deezer, ITunes
from trace.sources.matching import MAX_DURATION_GAP_S, same_recording
from trace.store import Store, now

NOT_FOUND_DAYS = 30
BATCH = 24
LOOKUP_THREADS = 4
HOW = ("isrc", "search", "itunes", "discover")
DEFAULT = object()
"""``hear_previews``' iTunes client when none is given: one of its own."""


@dataclass(frozen=True, slots=True)
class Wanted:
    """A track that needs a preview; ``service``/``service_id`` when one is known."""

    track_id: int
    artist: str | None
    title: str | None
    duration: float | None
    isrc: str | None
    service: str | None = None
    service_id: str | None = None
    how: str | None = None

    @property
    def name(self) -> str:
        return f"{self.artist or 'unknown artist'} – {self.title or 'untitled'}"


@dataclass
class Heard:
    """What became of one wanted track in this run."""

    wanted: Wanted
    status: str  # 'found', 'not found', 'failed'
    how: str | None = None
    track: CatalogueTrack | None = None
    clip: Path | None = None
    signature: str | None = None
    reason: str = ""


@dataclass
class PreviewSummary:
    """What a previews run did, for the terminal and the Sources page."""

    found: dict[str, int] = field(default_factory=lambda: dict.fromkeys(HOW, 0))
    not_found: int = 0
    failed: int = 0
    analysed: int = 0
    unanalysable: int = 0
    remembered: int = 0
    seconds: float = 0.0
    waited: float = 0.0
    stopped: str = ""
    problems: list[tuple[str, str]] = field(default_factory=list)

    def __str__(self) -> str:
        found = sum(self.found.values())
        ways = ", ".join(
            f"{count:,} {label}"
            for label, count in (
                ("by ISRC", self.found["isrc"]),
                ("by Deezer search", self.found["search"]),
                ("on iTunes", self.found["itunes"]),
                ("from discovery", self.found["discover"]),
            )
            if count
        )
        text = (
            f"Previews: {found:,} found"
            + (f" ({ways})" if ways else "")
            + f"; {self.not_found:,} not found; {self.failed:,} failed; "
            f"{self.analysed:,} analysed, {self.unanalysable:,} could not be analysed"
            f" — in {self.seconds:.0f} s, {self.waited:.0f} s of it waiting for the "
            "catalogues' rate limits."
        )
        if self.remembered:
            text += (
                f" {plural(self.remembered, 'track')} not found in the last "
                f"{NOT_FOUND_DAYS} days were not asked again."
            )
        if self.stopped:
            text += f" Stopped early: {self.stopped}"
        return text


def pending(
    store: Store, extractor: str, *, track_ids: Sequence[int] | None = None
) -> tuple[list[Wanted], int]:
    """The tracks that need a preview, most played first (library before candidates),
    and how many were not found lately and are not asked again."""
    cutoff = (datetime.now(UTC) - timedelta(days=NOT_FOUND_DAYS)).isoformat(timespec="seconds")
    only = ""
    if track_ids is not None:
        only = f"AND t.id IN ({','.join(str(int(i)) for i in track_ids) or 'NULL'})"
    rows = store.execute(
        f"""SELECT t.id, t.artists, t.title, t.duration, t.isrc, p.status, p.service,
                   p.service_id, p.how, p.looked_up_at,
                   p.signature IS NOT NULL AND (
                       EXISTS (SELECT 1 FROM features x
                               WHERE x.signature = p.signature AND x.extractor = ?)
                       OR EXISTS (SELECT 1 FROM feature_errors e
                                  WHERE e.signature = p.signature AND e.extractor = ?)) AS done
            FROM tracks t
            LEFT JOIN previews p ON p.track_id = t.id
            LEFT JOIN (SELECT track_id, count(*) AS n FROM plays GROUP BY track_id) c
                   ON c.track_id = t.id
            WHERE NOT EXISTS (SELECT 1 FROM files f WHERE f.track_id = t.id AND f.status = 'ok')
            {only}
            ORDER BY t.pool IS NOT NULL, coalesce(c.n, 0) DESC, t.id""",
        (extractor, extractor),
    ).fetchall()
    wanted, remembered = [], 0
    for row in rows:
        status, done = row["status"], row["done"]
        if status == "found" and done:
            continue
        if status == "not found" and row["looked_up_at"] >= cutoff:
            remembered += 1
            continue
        artists = json.loads(row["artists"] or "[]")
        known = status == "found" or row["how"] == "discover"
        wanted.append(
            Wanted(
                int(row["id"]),
                artists[0] if artists else None,
                row["title"],
                row["duration"],
                row["isrc"],
                row["service"] if known else None,
                row["service_id"] if known else None,
                row["how"] if known else None,
            )
        )
    return wanted, remembered


def find_preview(
    wanted: Wanted, deezer: Deezer, itunes: ITunes | None
) -> tuple[str | None, CatalogueTrack | None]:
    """``(how, track)``: the catalogue track with a preview that is ``wanted``'s recording,
    looked up by ISRC on Deezer, then by Deezer's search, then on iTunes; ``(None, None)``
    when none is."""
    if wanted.isrc:
        track = deezer.track_by_isrc(wanted.isrc)
        if track is not None and track.preview and _length_agrees(wanted, track):
            return "isrc", track
    if not (wanted.artist and wanted.title):
        return None, None
    for how, service in (("search", deezer), ("itunes", itunes)):
        if service is None:
            continue
        for track in service.search_tracks(wanted.artist, wanted.title):
            if track.preview and _same(wanted, track):
                return how, track
    return None, None


def _length_agrees(wanted: Wanted, track: CatalogueTrack) -> bool:
    if wanted.duration is None or track.duration is None:
        return True
    gap = abs(wanted.duration - track.duration)
    return gap <= max(MAX_DURATION_GAP_S, 0.03 * max(wanted.duration, track.duration))


def _same(wanted: Wanted, track: CatalogueTrack) -> bool:
    return same_recording(
        wanted.artist, wanted.title, wanted.duration, track.artist, track.title, track.duration
    )


class Hearing:
    """One run's catalogue clients and its fetching of clips (used from threads)."""

    def __init__(self, deezer: Deezer, itunes: ITunes | None) -> None:
        self.deezer = deezer
        self.itunes = itunes
        self.stopped = ""  # set by a quota that never lifts or a service down

    def fetch(self, wanted: Wanted) -> Heard:
        if self.stopped:
            return Heard(wanted, "skipped")
        try:
            return self._fetch(wanted)
        except (QuotaError, UnreachableError) as error:
            self.stopped = self.stopped or str(error)
            return Heard(wanted, "skipped")
        except CatalogueError as error:
            return Heard(wanted, "failed", reason=str(error))

    def _fetch(self, wanted: Wanted) -> Heard:
        if wanted.service and wanted.service_id:
            how, track = wanted.how or "search", None
            path = clip_path(wanted.service, wanted.service_id)
            if path.exists():
                return self._heard(wanted, how, None, path, wanted.service, wanted.service_id)
            if wanted.service == "deezer":
                track = self.deezer.track(wanted.service_id)
            else:  # iTunes has no lookup by id that gives a fresh preview: search again
                how, track = find_preview(wanted, self.deezer, self.itunes)
        else:
            how, track = find_preview(wanted, self.deezer, self.itunes)
        if track is None or not track.preview:
            return Heard(wanted, "not found", reason=_not_found_reason(wanted))
        service = self.deezer if track.service == "deezer" else self.itunes
        try:
            data = service.download(track.preview, what=wanted.name)
        except ExpiredPreviewError:
            if track.service != "deezer":
                raise
            fresh = self.deezer.track(track.id)
            if fresh is None or not fresh.preview:
                return Heard(wanted, "not found", reason="the catalogue no longer has it")
            track = fresh
            data = self.deezer.download(track.preview, what=wanted.name)
        path = clip_path(track.service, track.id)
        partial = path.with_suffix(path.suffix + ".part")
        partial.write_bytes(data)
        os.replace(partial, path)
        return self._heard(wanted, how, track, path, track.service, track.id)

    @staticmethod
    def _heard(wanted, how, track, path: Path, service: str, service_id: str) -> Heard:
        with path.open("rb") as clip:
            signature = content_signature(clip, path.stat().st_size)
        if track is None:
            track = CatalogueTrack(service, service_id, "", "", "", None, None, "", "")
        return Heard(wanted, "found", how, track, path, signature)


def _not_found_reason(wanted: Wanted) -> str:
    if not (wanted.artist and wanted.title) and not wanted.isrc:
        return "no artist and title to look for"
    return "no preview of this recording on Deezer or iTunes"


def hear_previews(
    store: Store,
    *,
    deezer: Deezer | None = None,
    itunes: ITunes | object | None = DEFAULT,
    track_ids: Sequence[int] | None = None,
    windows: Windows | None = None,
    workers: int | None = None,
    progress: Progress | None = None,
    notify: Notify | None = None,
) -> PreviewSummary:
    """Find, fetch and analyse a preview for every track without audio (or for
    ``track_ids``); see the module docstring. ``itunes=None`` asks Deezer alone."""
    windows = windows or Windows()
    extractor = extractor_id(windows)
    report = progress or (lambda done, total, message: None)
    deezer = deezer or Deezer(notify=notify)
    itunes = ITunes(notify=notify) if itunes is DEFAULT else itunes
    clients = [c for c in (deezer, itunes) if c is not None]
    waited_before = sum(c.window.waited for c in clients)
    summary = PreviewSummary()
    started = time.perf_counter()
    wanted, summary.remembered = pending(store, extractor, track_ids=track_ids)
    total = len(wanted)
    if not wanted:
        report(0, 0, "Every track without a file has a preview or was looked up lately.")
        summary.seconds = time.perf_counter() - started
        return summary
    hearing, pace = Hearing(deezer, itunes), Pace()
    report(0, total, f"Looking up previews of {plural(total, 'track')}…")
    with ExitStack() as stack:
        threads = stack.enter_context(ThreadPoolExecutor(LOOKUP_THREADS))
        analyser = _Analyser(stack, windows, workers, total)
        waiting: tuple[list[Heard], object] | None = None
        try:
            for batch in _batches(wanted, BATCH):
                heard = list(threads.map(hearing.fetch, batch))
                if waiting is not None:
                    _store(store, extractor, *waiting, summary)
                waiting = (heard, analyser.start(heard))
                done = sum(summary.found.values()) + summary.not_found + summary.failed
                report(
                    done,
                    total,
                    with_pace(f"Looked up {done:,} of {total:,}", pace.text(done, total)),
                )
                if hearing.stopped:
                    summary.stopped = hearing.stopped
                    break
        finally:
            if waiting is not None:
                _store(store, extractor, *waiting, summary)
    bound_clips()
    summary.waited = sum(c.window.waited for c in clients) - waited_before
    summary.seconds = time.perf_counter() - started
    report(total, total, str(summary))
    return summary


def _batches(items: list[Wanted], size: int) -> Iterable[list[Wanted]]:
    for start in range(0, len(items), size):
        yield items[start : start + size]


class _Analyser:
    """The extractor over fetched clips: in a worker pool started on first need (kept for
    the run), or in this process for a handful of clips."""

    def __init__(self, stack: ExitStack, windows: Windows, workers: int | None, total: int):
        self.stack = stack
        self.windows = windows
        self.workers = max(1, min(workers or os.cpu_count() or 1, total))
        self.pool = None

    def start(self, heard: list[Heard]) -> Callable[[], list]:
        from trace.audio import extract  # librosa loads only when there is a clip to analyse

        jobs = [
            extract.Job(h.signature, os.fsencode(h.clip), f"preview of {h.wanted.name}")
            for h in heard
            if h.status == "found" and h.signature
        ]
        if not jobs:
            return list
        if self.workers == 1:
            outcomes = [extract.run_job(job, self.windows) for job in jobs]
            return lambda: outcomes
        if self.pool is None:
            from trace.audio.workers import worker_pool

            self.pool = self.stack.enter_context(
                worker_pool(self.workers, preload=["trace.audio.warm"])
            )
        pending_result = self.pool.map_async(
            extract.run_job_with_windows, [(job, self.windows) for job in jobs]
        )
        return pending_result.get


def _store(
    store: Store,
    extractor: str,
    heard: list[Heard],
    outcomes: Callable[[], list],
    summary: PreviewSummary,
) -> None:
    from trace.audio import extract

    results = outcomes()
    counts = extract.ExtractSummary()
    extract.write_outcomes(store, extractor, results, counts)
    summary.analysed += counts.extracted
    summary.unanalysable += counts.failed
    summary.problems.extend(counts.problems)
    at = now()
    rows = []
    for h in heard:
        if h.status == "skipped":  # not asked: the run stopped first
            continue
        if h.status == "found":
            summary.found[h.how or "search"] += 1
        elif h.status == "not found":
            summary.not_found += 1
        else:
            summary.failed += 1
            summary.problems.append((h.wanted.name, h.reason))
        track = h.track
        rows.append(
            (
                h.wanted.track_id,
                h.status,
                h.how,
                track.service if track else h.wanted.service,
                track.id if track else h.wanted.service_id,
                (track.link or None) if track else None,
                h.signature,
                h.reason,
                at,
            )
        )
    with store.batch():
        store.connection.executemany(
            """INSERT INTO previews (track_id, status, how, service, service_id, link,
                                     signature, reason, looked_up_at)
               VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)
               ON CONFLICT (track_id) DO UPDATE SET status = excluded.status,
                   how = coalesce(excluded.how, how),
                   service = coalesce(excluded.service, service),
                   service_id = coalesce(excluded.service_id, service_id),
                   link = coalesce(excluded.link, link), signature = excluded.signature,
                   reason = excluded.reason, looked_up_at = excluded.looked_up_at""",
            rows,
        )

"""Running the feature extractor over the library, in parallel, resumably.

Work is every readable file whose content signature has no features (and no recorded
failure) for the current extractor — its version and analysis windows. Worker processes
are forked from a server that has already imported and warmed up librosa (see
:mod:`trace.audio.warm`), so start-up is paid once per process, not per worker or track.
Results are written in batches, one transaction each: a run killed half-way keeps what
it committed and the next run does only the rest.
"""

from __future__ import annotations

import json
import logging
import os
import time
from collections.abc import Iterator
from dataclasses import dataclass, field

from threadpoolctl import threadpool_limits

from trace.audio import ear
from trace.audio.decode import Decoded, DecodeFailure, decode_windows
from trace.audio.features import analyse
from trace.audio.windows import Windows, extractor_id
from trace.audio.workers import worker_pool
from trace.errors import INTERNAL_ERROR, internal_error_detail
from trace.library.pace import Pace, with_pace
from trace.library.scan import Progress
from trace.store import Store, now

log = logging.getLogger(__name__)

BATCH_SIZE = 16
BATCH_SECONDS = 2.0


@dataclass(frozen=True, slots=True)
class Job:
    signature: str
    path: bytes
    display_path: str
    features: bool = True
    """Whether the features are wanted; False: only MusiCNN's embedding is missing."""
    hear: bool = True
    """Whether MusiCNN listens too (:mod:`trace.audio.ear`)."""


@dataclass(frozen=True, slots=True)
class Outcome:
    job: Job
    features: dict[str, float] | None
    reason: str = ""
    detail: str = ""
    decoder: str = ""
    heard: ear.Heard | None = None
    """MusiCNN's embedding and tags (:mod:`trace.audio.ear`); None if the model failed
    where the features did not (the features are kept, the failure is logged)."""


@dataclass
class ExtractSummary:
    """What an extraction run did."""

    extracted: int = 0
    failed: int = 0
    already: int = 0
    seconds: float = 0.0
    problems: list[tuple[str, str]] = field(default_factory=list)

    def __str__(self) -> str:
        rate = self.extracted / self.seconds * 60 if self.seconds and self.extracted else 0.0
        return (
            f"Extracted features of {self.extracted} tracks in {self.seconds:.0f} s "
            f"({rate:.0f} per minute); {self.failed} could not be analysed; "
            f"{self.already} were already done."
        )


def pending_jobs(store: Store, extractor: str, *, hear: bool = True) -> list[Job]:
    """Files whose content has neither features nor a failure for ``extractor`` — and,
    with ``hear``, files with features but no embedding (a run with ``hear=False``
    before), for MusiCNN alone."""
    rows = store.execute(
        """SELECT f.signature, min(f.path), min(f.display_path),
                  NOT EXISTS (SELECT 1 FROM features x
                              WHERE x.signature = f.signature AND x.extractor = :x) AS missing
           FROM files f
           WHERE f.status = 'ok' AND f.signature IS NOT NULL
             AND NOT EXISTS (SELECT 1 FROM feature_errors e
                             WHERE e.signature = f.signature AND e.extractor = :x)
             AND (NOT EXISTS (SELECT 1 FROM features x
                              WHERE x.signature = f.signature AND x.extractor = :x)
                  OR (:hear AND NOT EXISTS (SELECT 1 FROM embeddings m
                                            WHERE m.signature = f.signature
                                              AND m.extractor = :x)))
           GROUP BY f.signature ORDER BY min(f.display_path)""",
        {"x": extractor, "hear": hear},
    ).fetchall()
    return [Job(row[0], bytes(row[1]), row[2], bool(row[3]), hear) for row in rows]


def extract_library(
    store: Store,
    *,
    windows: Windows | None = None,
    workers: int | None = None,
    progress: Progress | None = None,
    hear: bool = True,
) -> ExtractSummary:
    """Extract features of every file that lacks them; see the module docstring.
    ``hear=False`` leaves MusiCNN out (the demo's first pass, for a quick first page); a
    later run with it on hears what was left."""
    windows = windows or Windows()
    extractor = extractor_id(windows)
    report = progress or (lambda done, total, message: None)
    started = time.perf_counter()
    summary = ExtractSummary()
    summary.already = store.execute(
        "SELECT count(DISTINCT signature) FROM features WHERE extractor = ?", (extractor,)
    ).fetchone()[0]
    jobs = pending_jobs(store, extractor, hear=hear)
    total = len(jobs)
    if not jobs:
        report(0, 0, "Every track already has features.")
        return summary
    workers = max(1, min(workers or os.cpu_count() or 1, total))
    report(0, total, f"Starting {workers} worker{'s' if workers > 1 else ''}…")
    batch: list[Outcome] = []
    pace = Pace()
    last_write = time.monotonic()
    for outcome in _outcomes(jobs, windows, workers):
        batch.append(outcome)
        if len(batch) >= BATCH_SIZE or time.monotonic() - last_write > BATCH_SECONDS:
            write_outcomes(store, extractor, batch, summary)
            batch, last_write = [], time.monotonic()
            done = summary.extracted + summary.failed
            message = f"Analysed {done:,} of {total:,} tracks"
            report(done, total, with_pace(message, pace.text(done, total)))
    write_outcomes(store, extractor, batch, summary)
    summary.seconds = time.perf_counter() - started
    report(total, total, str(summary))
    return summary


def _outcomes(jobs: list[Job], windows: Windows, workers: int) -> Iterator[Outcome]:
    if workers == 1:
        with threadpool_limits(limits=1):  # see trace.audio.warm
            yield from (run_job(job, windows) for job in jobs)
        return
    # The fork server imports trace.audio.warm once, so each worker forked from it starts with
    # librosa imported and numba's functions compiled (about 4.5 s saved per worker).
    with worker_pool(workers, preload=["trace.audio.warm"]) as pool:
        # On an exception (Ctrl-C included) the pool is terminated; written batches stay.
        yield from pool.imap_unordered(run_job_with_windows, ((job, windows) for job in jobs))


def run_job_with_windows(item: tuple[Job, Windows]) -> Outcome:
    return run_job(*item)


def run_job(job: Job, windows: Windows) -> Outcome:
    try:
        decoded = decode_windows(job.path, windows=windows)
        features = analyse(decoded) if job.features else None
        heard = _hear(job, decoded) if job.hear else None
        return Outcome(job, features, decoder=decoded.decoder, heard=heard)
    except DecodeFailure as failure:
        return Outcome(job, None, failure.reason, failure.detail)
    except MemoryError:
        return Outcome(job, None, "too large", "the decoded audio does not fit in memory")
    except Exception as error:  # one file must not stop the run
        internal = internal_error_detail(error)
        if internal:
            return Outcome(job, None, INTERNAL_ERROR, internal)
        return Outcome(job, None, "analysis failed", f"{type(error).__name__}: {error}")


def _hear(job: Job, decoded: Decoded) -> ear.Heard | None:
    try:
        return ear.hear(decoded.mono, rate=decoded.rate, bounds=decoded.bounds)
    except Exception as error:  # the features stand without it
        log.warning("MusiCNN failed on %s: %s: %s", job.display_path, type(error).__name__, error)
        return None


def write_outcomes(
    store: Store, extractor: str, outcomes: list[Outcome], summary: ExtractSummary
) -> None:
    if not outcomes:
        return
    with store.batch():
        for outcome in outcomes:
            job = outcome.job
            if outcome.features is not None:
                summary.extracted += 1
                store.execute(
                    "INSERT OR REPLACE INTO features (signature, extractor, data, extracted_at, "
                    "decoder) VALUES (?, ?, ?, ?, ?)",
                    (
                        job.signature,
                        extractor,
                        json.dumps(outcome.features),
                        now(),
                        outcome.decoder,
                    ),
                )
            elif job.features:
                summary.failed += 1
                summary.problems.append((job.display_path, f"{outcome.reason} ({outcome.detail})"))
                store.execute(
                    "INSERT OR REPLACE INTO feature_errors (signature, extractor, display_path, "
                    "reason, detail, at) VALUES (?, ?, ?, ?, ?, ?)",
                    (
                        job.signature,
                        extractor,
                        job.display_path,
                        outcome.reason,
                        outcome.detail,
                        now(),
                    ),
                )
            elif outcome.heard is None:  # only MusiCNN was wanted, and it failed: told, kept
                summary.problems.append(
                    (job.display_path, f"MusiCNN could not hear it ({outcome.reason or 'failed'})")
                )
            else:
                summary.extracted += 1
            if outcome.heard is not None:
                store.execute(
                    "INSERT OR REPLACE INTO embeddings (signature, extractor, model, "
                    "embedding, tags, patches) VALUES (?, ?, ?, ?, ?, ?)",
                    (
                        job.signature,
                        extractor,
                        ear.MODEL,
                        ear.to_blob(outcome.heard.embedding),
                        ear.to_blob(outcome.heard.tags),
                        outcome.heard.patches,
                    ),
                )

"""The map computed in the background while the person looks at the last one.

When the library has changed since it was last mapped (or the sweep of cluster settings
is not on disk yet), ``python -m trace map`` runs as a low-priority subprocess: it writes
every stage the Taste map needs, then the sweep, to the results folder in the TRACE home,
and reports its progress as JSON lines. A subprocess, not a thread: UMAP and HDBSCAN hold
Python's lock for long stretches, and the pages must stay quick meanwhile. The pages draw
the last map, marked out of date, and poll (:func:`progress`) until the new one is on
disk.
"""

from __future__ import annotations

import sys
import threading
from dataclasses import dataclass, field

import streamlit as st

from trace.ui.jobs import run_with_progress

POLL_S = 1.0


@dataclass
class MapJob:
    """One ``python -m trace map`` run: where it is, and how it ended."""

    fingerprint: str
    fraction: float = 0.0
    message: str = "Starting…"
    finished: bool = False
    ok: bool = True
    error: str = ""
    thread: threading.Thread | None = field(default=None, repr=False)

    def run(self) -> None:
        command = [sys.executable, "-m", "trace", "--background", "--progress", "jsonl", "map"]
        try:
            result = run_with_progress(command, self._progress)
            self.ok, self.error = result.ok, result.error
        except OSError as error:  # the interpreter cannot be started: the page maps itself
            self.ok, self.error = False, str(error)
        self.finished = True

    def _progress(self, fraction: float, message: str) -> None:
        self.fraction, self.message = fraction, message


@st.cache_resource(show_spinner=False)
def _jobs() -> dict[str, MapJob]:
    """This server's map jobs, by the library content they map."""
    return {}


def map_job(fingerprint: str) -> MapJob:
    """The background job mapping the library content ``fingerprint``: started on the
    first call, the same (running or finished) on every later one, so a job that could
    not give what a page wanted is not started again and again."""
    jobs = _jobs()
    job = jobs.get(fingerprint)
    if job is None:
        job = jobs[fingerprint] = MapJob(fingerprint)
        job.thread = threading.Thread(target=job.run, name="trace-map-job", daemon=True)
        job.thread.start()
    return job

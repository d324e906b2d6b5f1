"""Worker process pools that never re-run the caller's script.

Python's multiprocessing (forkserver and spawn) re-imports the parent's ``__main__`` in
each worker. When ``__main__`` is a Streamlit page — in the dashboard, or after Streamlit's
``AppTest`` in a test run — that means running the dashboard again in every worker,
which once started a second demo build behind our back. The pool's processes are
therefore started while ``__main__`` is a bare module: workers import only what their
task needs (pickled functions name their own modules).
"""

from __future__ import annotations

import multiprocessing
import sys
import types
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from multiprocessing.pool import Pool


@contextmanager
def worker_pool(workers: int, *, preload: Sequence[str] = ()) -> Iterator[Pool]:
    """A forkserver pool of ``workers`` processes; ``preload`` modules are imported once
    in the fork server, so every worker starts with them loaded."""
    context = multiprocessing.get_context("forkserver")
    if preload:
        context.set_forkserver_preload(list(preload))
    real_main = sys.modules["__main__"]
    sys.modules["__main__"] = types.ModuleType("__main__")
    try:
        pool = context.Pool(workers)  # starts the fork server and every worker now
    finally:
        sys.modules["__main__"] = real_main
    with pool:
        yield pool

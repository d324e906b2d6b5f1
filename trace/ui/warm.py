"""The analysis warm-up in the dashboard's server: once per process, in the background."""

from __future__ import annotations

import threading
import time

import streamlit as st

BROWSER_DRAWS_S = 5.0
"""The browser draws the first page's charts after the script ends; the compilation waits
that long so the two do not share the CPU."""


def _map_at_hand() -> bool:
    """Whether the Taste map of the saved settings is already kept on disk: then nothing
    in this server needs UMAP until a map setting changes."""
    from trace.analysis import pipeline
    from trace.store import Store

    with Store() as store:
        inputs = pipeline.Inputs.of(store)
        params, _ = pipeline.load_params(store)
        disk = pipeline.DiskResults.beside(store.path)
    return pipeline.Pipeline(inputs, params, pipeline.StageCache(disk)).map_is_computed()


def _warm() -> None:
    from trace.analysis import pipeline

    time.sleep(BROWSER_DRAWS_S)
    if not _map_at_hand():
        pipeline.warm_up()


@st.cache_resource(show_spinner=False)
def warm_in_background() -> threading.Thread:
    """Start compiling umap-learn's numba code (about 10 s, once per server process) so
    the Taste map's first drawing does not wait for it. Called after a page is drawn;
    skipped when the map is already on disk (a restart with the library unchanged), where
    the compilation would only take the CPU from the person's first clicks."""
    thread = threading.Thread(target=_warm, name="trace-analysis-warm-up", daemon=True)
    thread.start()
    return thread

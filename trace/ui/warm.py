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


PAGE_MODULES = (
    "trace.analysis.taste",
    "trace.analysis.hours",
    "trace.ui.interest_charts",
    "trace.ui.map_charts",
    "trace.ui.discover",
    "trace.report",
)
"""What the pages import beyond the first one (scikit-learn's clustering among them,
about a second in all): imported here, after the first page, so the next visits find
them loaded."""


def _warm() -> None:
    import importlib

    from trace.analysis import pipeline

    # the analysis pages' fingerprints (remembered until the store changes) and modules:
    # a second of one core, which the browser drawing the first page barely notices
    at_hand = _map_at_hand()
    for name in PAGE_MODULES:
        importlib.import_module(name)
    if not at_hand:
        time.sleep(BROWSER_DRAWS_S)
        pipeline.warm_up()


@st.cache_resource(show_spinner=False)
def warm_in_background() -> threading.Thread:
    """Work out the fingerprints the analysis pages are keyed by (0.3 s at 100,000
    tracks, then remembered until the store changes) and import the modules they need,
    then compile umap-learn's numba code (about 10 s, once per server process) so the
    Taste map's first drawing does not wait for it. Called after a page is drawn; the
    compilation is skipped when the map is already on disk (a restart with the library
    unchanged), where it would only take the CPU from the person's first clicks."""
    thread = threading.Thread(target=_warm, name="trace-analysis-warm-up", daemon=True)
    thread.start()
    return thread

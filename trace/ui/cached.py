"""The analysis stages for the pages: :class:`trace.analysis.pipeline.Pipeline` over one
stage cache for the whole server.

The stages and their keys are the pipeline's (the same as the command line's and the
weekly job's): moving an HDBSCAN slider re-clusters without re-running UMAP, a layout
setting redraws the 2-D map while reusing the cluster space, approving a candidate
re-ranks without touching either. Results (arrays, fitted models, tables) are shared,
not copied on every rerun: the pages only read them.

The settings live in ``st.session_state`` (so they survive page switches) and are saved
in the store on every change (so the batch job uses what the person chose).
"""

from __future__ import annotations

from dataclasses import replace
from typing import Any

import streamlit as st

from trace.analysis import pipeline
from trace.analysis.pipeline import Inputs, Pipeline, StageCache
from trace.errors import ParameterError
from trace.store import Store
from trace.ui import data, map_charts

PARAMS_KEY = "trace.params"


# -- settings shared by every page -----------------------------------------------------


def params() -> pipeline.AnalysisParams:
    """The session's analysis settings, read from the store on the session's first use."""
    if PARAMS_KEY not in st.session_state:
        with Store() as store:
            loaded, problem = pipeline.load_params(store)
        st.session_state[PARAMS_KEY] = loaded
        if problem:
            st.session_state["trace.params_problem"] = problem
    return st.session_state[PARAMS_KEY]


def set_params(new: pipeline.AnalysisParams) -> None:
    st.session_state[PARAMS_KEY] = new
    with Store() as store:
        pipeline.save_params(store, new)


def _changed(group: str, name: str, key: str, convert: Any) -> None:
    current = params()
    value = convert(st.session_state[key])
    try:
        part = replace(getattr(current, group), **{name: value})
    except ParameterError as error:
        st.session_state["trace.params_problem"] = str(error)
        return
    set_params(replace(current, **{group: part}))


def setting(
    widget: Any,
    label: str,
    group: str,
    name: str,
    *,
    convert: Any = None,
    shown: Any = None,
    **kwargs: Any,
):
    """A widget bound to one analysis setting: it shows the current value and saves
    every change. ``widget`` is e.g. ``st.slider``; ``convert`` maps the widget's value to
    the setting's and ``shown`` the setting's to the widget's."""
    key = f"setting.{group}.{name}"
    convert = convert or (lambda value: value)
    value = getattr(getattr(params(), group), name)
    if shown is not None:
        value = shown(value)
    if widget.__name__ in ("selectbox", "radio"):
        options = list(kwargs.pop("options"))
        kwargs["index"] = options.index(value) if value in options else 0
        return widget(
            label, options, key=key, on_change=_changed, args=(group, name, key, convert), **kwargs
        )
    return widget(
        label, value=value, key=key, on_change=_changed, args=(group, name, key, convert), **kwargs
    )


def show_settings_problem() -> None:
    problem = st.session_state.pop("trace.params_problem", None)
    if problem:
        st.warning(problem)


# -- the pipeline ----------------------------------------------------------------------


@st.cache_resource(show_spinner=False)
def _stages() -> StageCache:
    """The server's stage cache, shared by every session (cleared with Streamlit's cache)."""
    return StageCache()


def keys() -> Inputs:
    """The store's fingerprints for this run: the store's part of every stage's key."""
    database, _ = data.library_key()
    with Store(database) as store:
        return Inputs.of(store)


def stages(inputs: Inputs, p: pipeline.AnalysisParams | None = None) -> Pipeline:
    """The analysis for these inputs and the session's settings (or ``p``)."""
    return Pipeline(inputs, p or params(), _stages())


@st.cache_data(show_spinner=False, max_entries=6)
def _sweep_spec(key: tuple, _grid) -> dict:
    return map_charts.sweep_heatmap(_grid).to_dict()


def sweep_spec(pipe: Pipeline) -> dict:
    """The sweep grid's heat map as a Vega-Lite spec, built (and validated) once."""
    return _sweep_spec(pipe.key("sweep"), pipe.sweep())


def map_with_progress(pipe: Pipeline) -> bool:
    """Compute the map's stages, UMAP with a visible status; False (with a message) when
    the library is too small to map. Once the UMAP stages of these settings are computed
    no status box is drawn at all: re-clustering alone takes a fraction of a second."""
    try:
        if not (pipe.is_computed("space") and pipe.is_computed("layout")):
            box = st.empty()
            with box.status("Mapping your library…", expanded=False) as status:
                status.update(label="Scaling the features…")
                pipe.scaled()
                status.update(label="UMAP: the cluster space (a few seconds)…")
                pipe.space()
                status.update(label="UMAP: the 2-D map…")
                pipe.layout()
            box.empty()
        pipe.clustering()
    except ParameterError as error:
        st.info(
            f"Not enough to map yet: {error}. Scan and analyse more music on the **Sources** page."
        )
        return False
    return True


def mapped(inputs: Inputs) -> Pipeline:
    """The session's analysis, with the map computed; stops the page (after saying why)
    when the library is too small to map."""
    pipe = stages(inputs)
    if not map_with_progress(pipe):
        st.stop()
    return pipe

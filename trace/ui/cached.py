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

import pandas as pd
import streamlit as st

from trace.analysis import pipeline
from trace.analysis.pipeline import Inputs, Pipeline
from trace.analysis.results import digest
from trace.errors import ParameterError
from trace.store import Store
from trace.ui import background, data, map_charts

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


def forget_widgets(group: str) -> None:
    """Let the sidebar's widgets of ``group`` show the settings anew (after a change made
    by a button rather than by them)."""
    for key in [k for k in st.session_state if str(k).startswith(f"setting.{group}.")]:
        del st.session_state[key]


def set_cluster(min_cluster_size: int, min_samples: int) -> None:
    """Apply (and save) a cluster setting, as the suggestion's button does."""
    current = params()
    part = replace(current.cluster, min_cluster_size=min_cluster_size, min_samples=min_samples)
    set_params(replace(current, cluster=part))
    forget_widgets("cluster")


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


def keys() -> Inputs:
    """The store's fingerprints for this run: the store's part of every stage's key."""
    database, _ = data.library_key()
    with Store(database) as store:
        return Inputs.of(store)


def stages(inputs: Inputs, p: pipeline.AnalysisParams | None = None) -> Pipeline:
    """The analysis for these inputs and the session's settings (or ``p``)."""
    return Pipeline(inputs, p or params(), data.stages())


@st.cache_data(show_spinner=False, max_entries=6)
def _sweep_spec(key: tuple, _grid) -> dict:
    return map_charts.sweep_heatmap(_grid).to_dict()


def sweep_spec(pipe: Pipeline) -> dict:
    """The sweep grid's heat map as a Vega-Lite spec, built (and validated) once."""
    return _sweep_spec(pipe.key("sweep"), pipe.sweep())


@st.cache_resource(show_spinner=False, max_entries=8)
def _map_frame(key: str, colour: str, _pipe: Pipeline) -> pd.DataFrame:
    return map_charts.map_frame(
        _pipe.library(), _pipe.layout(), _pipe.clustering().labels, _pipe.names(), colour
    )


def map_frame(pipe: Pipeline, colour: str) -> pd.DataFrame:
    """The Taste map's table (:func:`trace.ui.map_charts.map_frame`), built once per map
    and colour: a page switch or a click does not build 50,000 rows again. Shared, not
    copied: pages only read it."""
    key = digest("map", (pipe.key("layout"), pipe.key("clustering")))
    return _map_frame(key, colour, pipe)


@st.cache_resource(show_spinner=False, max_entries=8)
def _map_chart(key: str, colour: str, colour_title: str, _frame: pd.DataFrame):
    return map_charts.taste_map(map_charts.drawn(_frame), colour, colour_title=colour_title)


def map_chart(pipe: Pipeline, frame: pd.DataFrame, colour: str, *, colour_title: str):
    """The Taste map's chart of ``frame`` (a sample above
    :data:`~trace.ui.map_charts.MAP_POINTS` tracks), built once per map and colour."""
    key = digest("map", (pipe.key("layout"), pipe.key("clustering")))
    return _map_chart(key, colour, colour_title, frame)


def map_with_progress(pipe: Pipeline) -> bool:
    """Compute the map's stages, UMAP with a visible status; False (with a message) when
    the library is too small to map. Once the map of these settings is at hand (in
    memory or on disk) no status box is drawn at all."""
    try:
        if pipe.map_is_computed():
            pipe.map()
        else:
            box = st.empty()
            with box.status("Mapping your library…", expanded=False) as status:
                pipe.map(lambda done, total, message: status.update(label=f"{message}…"))
            box.empty()
    except ParameterError as error:
        st.info(
            f"Not enough to map yet: {error}. Scan and analyse more music on the **Sources** page."
        )
        return False
    return True


def mapped(inputs: Inputs) -> Pipeline:
    """The session's analysis, with the map computed; stops the page (after saying why)
    when the library is too small to map.

    When the library has changed since it was last mapped and that map is on disk, the
    new map is computed in the background and the last one returned at once, marked out
    of date (:func:`out_of_date`); the page is rerun when the new one is ready."""
    pipe = stages(inputs)
    if not pipe.map_is_computed():
        earlier = pipe.previous()
        if earlier is not None and not background.map_job(inputs.features).finished:
            _remapping(inputs)
            return earlier
    if not map_with_progress(pipe):
        st.stop()
    return pipe


def out_of_date(pipe: Pipeline, inputs: Inputs) -> bool:
    """Whether ``pipe`` (from :func:`mapped`) is an earlier library's map."""
    return pipe.inputs != inputs


@st.fragment(run_every=background.POLL_S)
def _remapping(inputs: Inputs) -> None:
    job = background.map_job(inputs.features)
    if job.finished or stages(inputs).map_is_computed():
        st.rerun()
    st.warning(
        "Your library has changed since this map was drawn (tracks added or removed, tags "
        "or features updated), so it is **out of date**: what changed is not on it yet. "
        "TRACE is mapping the library again in the background; the new map replaces this "
        "one by itself.",
        icon=":material/update:",
    )
    st.progress(job.fraction, text=job.message)


SWEEP_SETTINGS = 15
SWEEP_HERE = 5_000
"""Up to this many tracks the sweep (15 HDBSCAN runs) is computed as the page is drawn;
above, by the background job after the map, so it never delays the map."""


def sweep(pipe: Pipeline) -> pd.DataFrame | None:
    """The sweep of cluster settings when at hand; else None, with a note that updates
    itself while the background job computes it, or a button to compute it now."""
    if pipe.is_computed("sweep") or len(pipe.library()) <= SWEEP_HERE:
        return pipe.sweep()
    job = background.map_job(pipe.inputs.features)
    if not job.finished:
        _sweeping(pipe.inputs)
        return None
    if st.button(f"Try {SWEEP_SETTINGS} cluster settings now (about a minute)"):
        with st.spinner("Trying cluster settings…"):
            return pipe.sweep()
    return None


@st.fragment(run_every=background.POLL_S)
def _sweeping(inputs: Inputs) -> None:
    job = background.map_job(inputs.features)
    if job.finished or stages(inputs).is_computed("sweep"):
        st.rerun()
    st.caption(f"Trying {SWEEP_SETTINGS} cluster settings in the background… ({job.message})")

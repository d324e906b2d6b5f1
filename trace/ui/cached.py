"""The analysis stages for the pages, each cached by exactly what it depends on.

The map stages are keyed by the database, the *feature* fingerprint (tracks, files,
features, imports — not plays or decisions) and only the settings each stage reads:
moving an HDBSCAN slider re-clusters without re-running UMAP, a layout setting redraws
the 2-D map while reusing the cluster space, approving a candidate re-ranks without
touching either. Heavy results (arrays, fitted models) are kept as shared resources, not
copied on every rerun; the pages only read them.

The settings live in ``st.session_state`` (so they survive page switches) and are saved
in the store on every change (so the batch job uses what the person chose).
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from typing import Any

import numpy as np
import pandas as pd
import streamlit as st

from trace import analysis
from trace.classify import ClusterModel, fit_cluster_model
from trace.cluster import Clustering, cluster_space, sweep
from trace.embed import Scaled, scale
from trace.errors import ParameterError
from trace.genre import GenreModel, fit_genre
from trace.interest import listening_events, monthly_timeline, recent_interest
from trace.params import ClusterParams, EmbedParams, FeatureParams
from trace.preference import PreferenceModel, learn_preference
from trace.profiles import ClusterProfile, profile_clusters
from trace.recommend import Ranking, rank_candidates
from trace.store import Store
from trace.table import feature_table
from trace.ui import data, map_charts
from trace.windows import Windows, extractor_id

PARAMS_KEY = "trace.params"


# -- settings shared by every page -----------------------------------------------------


def params() -> analysis.AnalysisParams:
    """The session's analysis settings, read from the store on the session's first use."""
    if PARAMS_KEY not in st.session_state:
        with Store() as store:
            loaded, problem = analysis.load_params(store)
        st.session_state[PARAMS_KEY] = loaded
        if problem:
            st.session_state["trace.params_problem"] = problem
    return st.session_state[PARAMS_KEY]


def set_params(new: analysis.AnalysisParams) -> None:
    st.session_state[PARAMS_KEY] = new
    with Store() as store:
        analysis.save_params(store, new)


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


# -- keys -------------------------------------------------------------------------------


@dataclass(frozen=True)
class Keys:
    database: str
    features: str
    plays: str
    decisions: str


def keys() -> Keys:
    """The cache keys of this run: the database and the fingerprints the stages use."""
    database, _ = data.library_key()
    with Store(database) as store:
        return Keys(
            database,
            store.fingerprint(*Store.FEATURE_PARTS),
            store.fingerprint("plays", "tracks"),
            store.fingerprint("decisions"),
        )


# -- the stages --------------------------------------------------------------------------


@st.cache_data(show_spinner=False, max_entries=2)
def library(database: str, fingerprint: str) -> pd.DataFrame:
    """Library tracks that have features, in map order."""
    return _with_features(database, candidates=False)


@st.cache_data(show_spinner=False, max_entries=2)
def candidates(database: str, fingerprint: str) -> pd.DataFrame:
    return _with_features(database, candidates=True)


def _with_features(database: str, *, candidates: bool) -> pd.DataFrame:
    with Store(database) as store:
        table = feature_table(store, extractor=extractor_id(Windows()), candidates=candidates)
    table = table[table["feature_source"] != "none"].reset_index(drop=True)
    table["added_at"] = pd.to_datetime(table["added_at"], utc=True, errors="coerce")
    return table


@st.cache_resource(show_spinner=False, max_entries=4)
def scaled(database: str, fingerprint: str, features: FeatureParams) -> Scaled:
    return scale(library(database, fingerprint), features)


def _space_params(embed: EmbedParams) -> EmbedParams:
    return replace(embed, layout_min_dist=EmbedParams().layout_min_dist)


def _layout_params(embed: EmbedParams) -> EmbedParams:
    return replace(embed, n_components=EmbedParams().n_components)


@st.cache_resource(show_spinner=False, max_entries=6)
def _space(database: str, fingerprint: str, features: FeatureParams, embed: EmbedParams):
    return analysis.cluster_space_of(scaled(database, fingerprint, features), embed)


@st.cache_resource(show_spinner=False, max_entries=6)
def _layout(database: str, fingerprint: str, features: FeatureParams, embed: EmbedParams):
    return analysis.layout_of(scaled(database, fingerprint, features), embed)


def space(keys: Keys, p: analysis.AnalysisParams) -> np.ndarray:
    """The cluster space; independent of the 2-D layout's settings."""
    return _space(keys.database, keys.features, p.features, _space_params(p.embed))


def layout(keys: Keys, p: analysis.AnalysisParams) -> np.ndarray:
    """The 2-D map; independent of the cluster space's size."""
    return _layout(keys.database, keys.features, p.features, _layout_params(p.embed))


@st.cache_resource(show_spinner=False, max_entries=16)
def _clusters(database, fingerprint, features, embed, cluster: ClusterParams) -> Clustering:
    return cluster_space(_space(database, fingerprint, features, embed), cluster)


def clusters(keys: Keys, p: analysis.AnalysisParams) -> Clustering:
    return _clusters(keys.database, keys.features, p.features, _space_params(p.embed), p.cluster)


@st.cache_data(show_spinner=False, max_entries=6)
def _sweep(database, fingerprint, features, embed, method: str, epsilon: float) -> pd.DataFrame:
    base = ClusterParams(cluster_selection_method=method, cluster_selection_epsilon=epsilon)
    return sweep(_space(database, fingerprint, features, embed), base=base)


def _sweep_key(keys: Keys, p: analysis.AnalysisParams) -> tuple:
    """What the sweep depends on: not min_cluster_size or min_samples, which it varies."""
    return (
        keys.database,
        keys.features,
        p.features,
        _space_params(p.embed),
        p.cluster.cluster_selection_method,
        p.cluster.cluster_selection_epsilon,
    )


def sweep_grid(keys: Keys, p: analysis.AnalysisParams) -> pd.DataFrame:
    """Quality over min_cluster_size × min_samples; not redone when those change."""
    return _sweep(*_sweep_key(keys, p))


@st.cache_data(show_spinner=False, max_entries=6)
def _sweep_spec(database, fingerprint, features, embed, method: str, epsilon: float) -> dict:
    grid = _sweep(database, fingerprint, features, embed, method, epsilon)
    return map_charts.sweep_heatmap(grid).to_dict()


def sweep_spec(keys: Keys, p: analysis.AnalysisParams) -> dict:
    """The sweep grid's heat map as a Vega-Lite spec, built (and validated) once."""
    return _sweep_spec(*_sweep_key(keys, p))


@st.cache_resource(show_spinner=False, max_entries=8)
def _profiles(database, fingerprint, features, embed, cluster) -> list[ClusterProfile]:
    labels = _clusters(database, fingerprint, features, embed, cluster).labels
    space_ = _space(database, fingerprint, features, embed)
    return profile_clusters(library(database, fingerprint), labels, space_)


def profiles(keys: Keys, p: analysis.AnalysisParams) -> list[ClusterProfile]:
    return _profiles(keys.database, keys.features, p.features, _space_params(p.embed), p.cluster)


def names(keys: Keys, p: analysis.AnalysisParams) -> dict[int, str]:
    """Cluster → readable name; −1 is "no cluster"."""
    return {-1: "no cluster", **{q.cluster: q.name for q in profiles(keys, p)}}


@st.cache_resource(show_spinner=False, max_entries=8)
def _model(database, fingerprint, features, embed, cluster) -> ClusterModel | str:
    labels = _clusters(database, fingerprint, features, embed, cluster).labels
    values = scaled(database, fingerprint, features)
    try:
        return fit_cluster_model(values.values, labels, values.columns, seed=embed.seed)
    except ParameterError as error:
        return str(error)


def model(keys: Keys, p: analysis.AnalysisParams) -> ClusterModel | str:
    """The fitted forest, or why there is none."""
    return _model(keys.database, keys.features, p.features, _space_params(p.embed), p.cluster)


@st.cache_data(show_spinner=False, max_entries=4)
def events(database: str, fingerprint: str) -> pd.DataFrame:
    with Store(database) as store:
        return listening_events(store)


@st.cache_data(show_spinner=False, max_entries=16)
def _interest(database, features_fp, plays_fp, features, embed, cluster, interest):
    labels = _clusters(database, features_fp, features, embed, cluster).labels
    cluster_of = pd.Series(labels, index=library(database, features_fp)["id"])
    found = events(database, plays_fp)
    return recent_interest(found, cluster_of, interest), monthly_timeline(found, cluster_of)


def interest(keys: Keys, p: analysis.AnalysisParams) -> tuple[pd.DataFrame, pd.DataFrame]:
    """Recent interest per cluster, and the monthly timeline."""
    return _interest(
        keys.database,
        keys.features,
        keys.plays,
        p.features,
        _space_params(p.embed),
        p.cluster,
        p.interest,
    )


@st.cache_data(show_spinner=False, max_entries=8)
def _ranking(database, features_fp, plays_fp, decisions_fp, p: analysis.AnalysisParams):
    embed = _space_params(p.embed)
    fitted = _model(database, features_fp, p.features, embed, p.cluster)
    pool = candidates(database, features_fp)
    if isinstance(fitted, str) or pool.empty:
        return None
    values = scaled(database, features_fp, p.features)
    labels = _clusters(database, features_fp, p.features, embed, p.cluster).labels
    with Store(database) as store:
        decided = set(store.decisions()["track_id"].astype(int))
    found, _ = _interest(database, features_fp, plays_fp, p.features, embed, p.cluster, p.interest)
    liking = None
    if p.ranking.preference_weight > 0:
        liking = _preference(database, features_fp, plays_fp, decisions_fp, p.features)[1]
    return rank_candidates(
        library(database, features_fp),
        values.values,
        labels,
        pool,
        values.apply(pool),
        fitted,
        found,
        decided=decided,
        params=p.ranking,
        preference=liking,
    )


@st.cache_resource(show_spinner="Learning what you like…", max_entries=4)
def _preference(database, features_fp, plays_fp, decisions_fp, features: FeatureParams):
    values = scaled(database, features_fp, features)
    pool = candidates(database, features_fp)
    with Store(database) as store:
        return learn_preference(
            store,
            library(database, features_fp)["id"].to_numpy(),
            values.values,
            pool["id"].to_numpy(),
            values.apply(pool) if len(pool) else np.zeros((0, values.values.shape[1])),
        )


def preference(keys: Keys, p: analysis.AnalysisParams) -> PreferenceModel | str:
    """The preference forest of the current evidence, decisions included (or why none)."""
    return _preference(keys.database, keys.features, keys.plays, keys.decisions, p.features)[0]


@st.cache_resource(show_spinner="Learning your genres…", max_entries=4)
def _genre(database, features_fp, features: FeatureParams) -> GenreModel | str:
    return fit_genre(
        library(database, features_fp)["genre"], scaled(database, features_fp, features).values
    )


def genre(keys: Keys, p: analysis.AnalysisParams) -> GenreModel | str:
    """The genre forest trained on the library's own tags (or why there is none)."""
    return _genre(keys.database, keys.features, p.features)


def genre_guesses(keys: Keys, p: analysis.AnalysisParams, frame: pd.DataFrame) -> pd.DataFrame:
    """``genre`` and ``probability`` for each row of a feature table (none: empty)."""
    fitted = genre(keys, p)
    if isinstance(fitted, str) or frame.empty:
        return pd.DataFrame({"genre": [None] * len(frame), "probability": np.nan})
    return fitted.predict(scaled(keys.database, keys.features, p.features).apply(frame))


def ranking(keys: Keys, p: analysis.AnalysisParams) -> Ranking | None:
    """Ranked candidates (``None`` without candidates or without a fitted forest)."""
    # The layout's settings do not change a ranking: keyed without them.
    return _ranking(
        keys.database,
        keys.features,
        keys.plays,
        keys.decisions,
        replace(p, embed=_space_params(p.embed)),
    )


@st.cache_resource(show_spinner=False)
def _mapped() -> set[tuple]:
    """The (keys, settings) whose map stages are already computed in this server."""
    return set()


def map_with_progress(keys: Keys, p: analysis.AnalysisParams) -> bool:
    """Compute the map's stages, UMAP with a visible status; False (with a message) when
    the library is too small to map. Once the UMAP stages of these settings are computed
    no status box is drawn at all: re-clustering alone takes a fraction of a second."""
    done = (keys.features, p.features, _space_params(p.embed), _layout_params(p.embed))
    try:
        if done not in _mapped():
            box = st.empty()
            with box.status("Mapping your library…", expanded=False) as status:
                status.update(label="Scaling the features…")
                scaled(keys.database, keys.features, p.features)
                status.update(label="UMAP: the cluster space (a few seconds)…")
                space(keys, p)
                status.update(label="UMAP: the 2-D map…")
                layout(keys, p)
            box.empty()
            _mapped().add(done)
        clusters(keys, p)
    except ParameterError as error:
        st.info(
            f"Not enough to map yet: {error}. Scan and analyse more music on the **Sources** page."
        )
        return False
    return True


def mapped(keys: Keys) -> analysis.AnalysisParams:
    """The session's settings, with the map computed for them; stops the page (after
    saying why) when the library is too small to map."""
    p = params()
    if not map_with_progress(keys, p):
        st.stop()
    return p

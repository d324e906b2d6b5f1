"""The whole analysis in one place: from the store and the settings to ranked candidates.

Stages, each a pure function of what came before and its own settings, so a caller (the
dashboard) can cache each by its key and recompute only what a changed setting touches:

    feature table ─ scale (FeatureParams) ─ k-NN graph (n_neighbors, metric)
      ├─ UMAP cluster space (n_components, min_dist 0) ─ HDBSCAN (ClusterParams)
      │     ├─ profiles · Random Forest → candidates placed · recent interest (half-life)
      │     └─ ranking (RankingParams)
      └─ UMAP 2-D layout (layout_min_dist)

:func:`knn_for` keeps the last few k-NN graphs, so a change of layout settings alone
reuses the graph. :func:`analyse` runs every stage for the command line and the batch
job; the settings the person chose in the dashboard are saved in the store
(:func:`save_params`) and read back by :func:`load_params`.
"""

from __future__ import annotations

import dataclasses
import hashlib
import json
from collections import OrderedDict
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

import numpy as np
import pandas as pd

from trace.analysis.classify import ClusterModel, fit_cluster_model, place_candidates
from trace.analysis.cluster import Clustering, cluster_space
from trace.analysis.embed import Scaled, knn_graph, scale, umap_embed
from trace.analysis.genre import GenreModel, fit_genre
from trace.analysis.interest import (
    InterestParams,
    listening_events,
    monthly_timeline,
    recent_interest,
)
from trace.analysis.params import ClusterParams, EmbedParams, FeatureParams, RankingParams
from trace.analysis.preference import PreferenceModel, learn_preference
from trace.analysis.profiles import ClusterProfile, profile_clusters
from trace.analysis.recommend import Ranking, rank_candidates
from trace.analysis.table import feature_table
from trace.audio.windows import Windows, extractor_id
from trace.errors import ParameterError
from trace.store import Store

PARAMS_SETTING = "analysis.params"
Progress = Callable[[int, int, str], None]


@dataclass(frozen=True, slots=True)
class AnalysisParams:
    """Every analysis setting, as the dashboard's sidebar and the batch job share them."""

    features: FeatureParams = field(default_factory=FeatureParams)
    embed: EmbedParams = field(default_factory=EmbedParams)
    cluster: ClusterParams = field(default_factory=ClusterParams)
    interest: InterestParams = field(default_factory=InterestParams)
    ranking: RankingParams = field(default_factory=RankingParams)

    def to_dict(self) -> dict[str, dict[str, Any]]:
        return {f.name: dataclasses.asdict(getattr(self, f.name)) for f in dataclasses.fields(self)}

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> AnalysisParams:
        """Settings from :meth:`to_dict`'s shape; missing parts take their defaults,
        unknown names and bad values raise :class:`ParameterError` naming them."""
        parts = {f.name: f.default_factory() for f in dataclasses.fields(cls)}
        for name, values in data.items():
            if name not in parts:
                raise ParameterError(f"unknown analysis setting group {name!r}")
            kind = type(parts[name])
            known = {f.name for f in dataclasses.fields(kind)}
            unknown = set(values) - known
            if unknown:
                raise ParameterError(f"unknown {name} setting(s): {', '.join(sorted(unknown))}")
            if "columns" in values:
                values = {**values, "columns": tuple(values["columns"])}
            parts[name] = kind(**values)
        return cls(**parts)


def load_params(store: Store) -> tuple[AnalysisParams, str | None]:
    """The saved settings, or the defaults; the second value explains why saved ones
    could not be used (they are left in the store untouched)."""
    raw = store.get_setting(PARAMS_SETTING)
    if raw is None:
        return AnalysisParams(), None
    try:
        return AnalysisParams.from_dict(json.loads(raw)), None
    except (ValueError, TypeError, ParameterError) as error:
        return (
            AnalysisParams(),
            f"the saved analysis settings could not be used ({error}); using the defaults",
        )


def save_params(store: Store, params: AnalysisParams) -> None:
    store.set_setting(PARAMS_SETTING, json.dumps(params.to_dict(), sort_keys=True))


# -- the k-NN graph, kept for reuse -----------------------------------------------------

_KNN_CACHE: OrderedDict[tuple, tuple[np.ndarray, np.ndarray]] = OrderedDict()
KNN_CACHE_SIZE = 4


def knn_for(values: np.ndarray, params: EmbedParams) -> tuple[np.ndarray, np.ndarray]:
    """The k-NN graph of ``values``, computed once per (values, n_neighbors, metric)."""
    digest = hashlib.blake2b(np.ascontiguousarray(values).tobytes(), digest_size=16).digest()
    key = (digest, values.shape, params.n_neighbors, params.metric)
    if key in _KNN_CACHE:
        _KNN_CACHE.move_to_end(key)
        return _KNN_CACHE[key]
    graph = knn_graph(values, n_neighbors=params.n_neighbors, metric=params.metric)
    _KNN_CACHE[key] = graph
    while len(_KNN_CACHE) > KNN_CACHE_SIZE:
        _KNN_CACHE.popitem(last=False)
    return graph


def cluster_space_of(scaled: Scaled, params: EmbedParams) -> np.ndarray:
    """UMAP to the cluster space: ``n_components`` dimensions, min_dist 0."""
    return umap_embed(
        scaled.values,
        knn_for(scaled.values, params),
        params,
        n_components=params.n_components,
        min_dist=0.0,
        n_epochs=params.n_epochs,
        init="pca",  # the clusters, not the global arrangement, matter here
    )


def layout_of(scaled: Scaled, params: EmbedParams) -> np.ndarray:
    """UMAP to 2-D for display, with ``layout_min_dist``."""
    return umap_embed(
        scaled.values,
        knn_for(scaled.values, params),
        params,
        n_components=2,
        min_dist=params.layout_min_dist,
        n_epochs=params.n_epochs,
    )


def warm_up() -> None:
    """Compile umap-learn's numba functions (about 10 s in a fresh process) on toy data,
    so a long-lived process (the dashboard's server) pays it before anyone waits."""
    points = np.random.default_rng(0).normal(size=(300, 8))
    params = EmbedParams(n_neighbors=10)
    umap_embed(
        points,
        knn_graph(points, n_neighbors=10, metric="euclidean"),
        params,
        n_components=2,
        min_dist=0.1,
    )


# -- the whole analysis -------------------------------------------------------------------


@dataclass(frozen=True)
class Analysis:
    params: AnalysisParams
    library: pd.DataFrame
    """Library tracks with features, plus ``cluster`` (−1 noise), ``x``, ``y``."""
    scaled: Scaled
    space: np.ndarray
    clustering: Clustering
    profiles: list[ClusterProfile]
    model: ClusterModel | None
    """``None`` when there are fewer than 2 clusters to tell apart."""
    interest: pd.DataFrame
    timeline: pd.DataFrame
    candidates: pd.DataFrame
    """Candidates with features, plus ``cluster``, ``confidence``, ``unlike``."""
    ranking: Ranking
    left_without_features: int
    notes: list[str]
    preference: PreferenceModel | str | None = None
    """The preference forest, or why there is none."""
    genre: GenreModel | str | None = None
    """The genre forest, or why there is none."""


def place(model: ClusterModel, values: np.ndarray) -> pd.DataFrame:
    """Cluster, confidence and the "unlike anything" flag of each candidate row."""
    placed = place_candidates(model, values)
    return placed.rename(columns={"probability": "confidence"})


def analyse(
    store: Store,
    params: AnalysisParams | None = None,
    *,
    progress: Progress | None = None,
    extractor: str | None = None,
) -> Analysis:
    """Every stage on the store's current library and candidates."""
    params = params or load_params(store)[0]
    report = progress or (lambda done, total, message: None)
    steps = 7
    extractor = extractor or extractor_id(Windows())
    report(0, steps, "Reading the library")
    everything = feature_table(store, extractor=extractor)
    library = everything[everything["feature_source"] != "none"].reset_index(drop=True)
    notes = []
    if len(library) < len(everything):
        notes.append(
            f"{len(everything) - len(library)} library tracks have no features yet "
            "and are left out of the map"
        )
    report(1, steps, "Scaling the features")
    scaled = scale(library, params.features)
    report(2, steps, "Mapping the cluster space (UMAP)")
    space = cluster_space_of(scaled, params.embed)
    report(3, steps, "Drawing the 2-D map (UMAP)")
    layout = layout_of(scaled, params.embed)
    report(4, steps, "Finding clusters (HDBSCAN)")
    clustering = cluster_space(space, params.cluster)
    library = library.assign(cluster=clustering.labels, x=layout[:, 0], y=layout[:, 1])
    profiles = profile_clusters(library, clustering.labels, space)
    report(5, steps, "Recent interest")
    events = listening_events(store)
    cluster_of = library.set_index("id")["cluster"]
    interest = recent_interest(events, cluster_of, params.interest)
    timeline = monthly_timeline(events, cluster_of)

    report(6, steps, "Placing and ranking candidates")
    pool = feature_table(store, extractor=extractor, candidates=True)
    candidates = pool[pool["feature_source"] != "none"].reset_index(drop=True)
    model = None
    ranking = Ranking(pd.DataFrame(), {}, ())
    if clustering.n_clusters >= 2:
        try:
            model = fit_cluster_model(
                scaled.values, clustering.labels, scaled.columns, seed=params.embed.seed
            )
        except ParameterError as error:
            notes.append(str(error))
    else:
        notes.append("fewer than 2 clusters: candidates cannot be placed; lower min_cluster_size")
    values = scaled.apply(candidates) if len(candidates) else np.zeros((0, scaled.values.shape[1]))
    preference, liking = learn_preference(
        store, library["id"].to_numpy(), scaled.values, candidates["id"].to_numpy(), values
    )
    genre = fit_genre(library["genre"], scaled.values)
    if not isinstance(genre, str) and len(candidates):
        guessed = genre.predict(values)
        candidates = candidates.assign(
            predicted_genre=guessed["genre"].to_numpy(),
            genre_probability=guessed["probability"].to_numpy(),
        )
    if model is not None and len(candidates):
        candidates = pd.concat([candidates, place(model, values)], axis=1)
        ranking = rank_candidates(
            library,
            scaled.values,
            clustering.labels,
            candidates,
            values,
            model,
            interest,
            decided=set(store.decisions()["track_id"].astype(int)),
            params=params.ranking,
            preference=liking,
        )
    report(steps, steps, "Analysis done")
    return Analysis(
        params=params,
        library=library,
        scaled=scaled,
        space=space,
        clustering=clustering,
        profiles=profiles,
        model=model,
        interest=interest,
        timeline=timeline,
        candidates=candidates,
        ranking=ranking,
        left_without_features=len(pool) - len(candidates),
        notes=notes,
        preference=preference,
        genre=genre,
    )


def interest_artists(analysis: Analysis, *, per_cluster: int = 3) -> list[str]:
    """The most frequent artists of each recent-interest cluster (strongest lift first):
    whom to search around for candidates."""
    if analysis.interest.empty:
        return []
    recent = analysis.interest[analysis.interest["recent_interest"]]
    top = {p.cluster: p.top_artists[:per_cluster] for p in analysis.profiles}
    strongest_first = recent.sort_values("lift", ascending=False)["cluster"]
    return list(dict.fromkeys(a for c in strongest_first for a in top.get(c, [])))

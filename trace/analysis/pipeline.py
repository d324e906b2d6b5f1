"""The analysis stages, defined once: their order, their inputs and their cache keys.

    library, pool (feature tables) ─ scaled (FeatureParams) ─ k-NN graph (n_neighbors, metric)
      ├─ space: UMAP cluster space (n_components, min_dist 0) ─ clustering (ClusterParams)
      │     ├─ profiles · model (Random Forest) → placed candidates · sweep
      │     ├─ interest (events, InterestParams)
      │     └─ ranking (+ decisions, preference, RankingParams)
      └─ layout: UMAP 2-D map (layout_min_dist)

A :class:`Pipeline` is the store's fingerprints (:class:`Inputs`) and the settings
(:class:`AnalysisParams`); each stage is a method whose result is kept in a
:class:`StageCache` (in memory and, for the expensive stages and what the Taste map is
drawn from, on disk in the TRACE home: :mod:`trace.analysis.results`) under exactly
what it reads, so moving an HDBSCAN slider re-clusters
without re-running UMAP, a layout setting redraws the 2-D map alone, and a decision
re-ranks without touching either. The command line and the weekly job call
:func:`analyse`; the dashboard keeps one cache for its server and calls the stages it
draws. Both run the same code, so they give the same list for the same store and the
saved settings (:func:`save_params`, :func:`load_params`).
"""

from __future__ import annotations

from dataclasses import dataclass, replace

import numpy as np
import pandas as pd

from trace.analysis.classify import ClusterModel
from trace.analysis.cluster import Clustering, clusters_poorly, suggestion
from trace.analysis.embed import Scaled
from trace.analysis.embed import cluster_space_of as cluster_space_of
from trace.analysis.embed import knn_for as knn_for
from trace.analysis.embed import layout_of as layout_of
from trace.analysis.embed import warm_up as warm_up
from trace.analysis.genre import GenreModel
from trace.analysis.hours import context_lift
from trace.analysis.interest import (
    listening_events,
    monthly_timeline,
    recent_interest,
)
from trace.analysis.naming import describe
from trace.analysis.preference import PreferenceModel, learn_preference
from trace.analysis.profiles import ClusterProfile
from trace.analysis.recommend import Evidence, Ranking, rank_candidates
from trace.analysis.results import DiskResults as DiskResults
from trace.analysis.results import StageCache as StageCache
from trace.analysis.settings import PARAMS_SETTING as PARAMS_SETTING
from trace.analysis.settings import AnalysisParams, load_params
from trace.analysis.settings import save_params as save_params
from trace.analysis.settings import settings_saved as settings_saved
from trace.analysis.stages import Inputs as Inputs
from trace.analysis.stages import MapStages, Progress
from trace.analysis.table import feature_table
from trace.analysis.taste import (
    Interest,
    ShiftModel,
    TasteWeights,
    clusters_of,
    find_interests,
    fit_shift,
    tag_codes,
    taste_weights,
)
from trace.store import Store


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
    """Per cluster: recent and usual share, lift, whether it holds a recent interest."""
    interests: pd.DataFrame
    """The recent interests (:func:`trace.analysis.naming.describe`)."""
    timeline: pd.DataFrame
    candidates: pd.DataFrame
    """Candidates with features, plus ``cluster``, ``confidence``, ``unlike`` and the
    guessed genre."""
    ranking: Ranking
    left_without_features: int
    notes: list[str]
    preference: PreferenceModel | str | None = None
    """The preference forest, or why there is none."""
    genre: GenreModel | str | None = None
    """The genre forest, or why there is none."""


class Pipeline(MapStages):
    """Every stage of the analysis for one store state and one set of settings: the
    map's (:class:`~trace.analysis.stages.MapStages`), the listening and the ranking.

    A stage's result is kept in ``cache`` under the fingerprints and settings it reads,
    and nothing else: see :meth:`key`. Without a ``cache`` the pipeline keeps its own,
    for one run.
    """

    # -- listening ------------------------------------------------------------------------

    def events(self) -> pd.DataFrame:
        """Plays and additions of library tracks (:func:`listening_events`)."""

        def read() -> pd.DataFrame:
            with self._store() as store:
                return listening_events(store)

        return self._stage("events", read)

    def interest(self) -> tuple[pd.DataFrame, pd.DataFrame]:
        """Recent and usual share per cluster (``recent_interest``: the cluster holds
        most of a recent interest's tracks), and the monthly timeline."""

        def compute() -> tuple[pd.DataFrame, pd.DataFrame]:
            labels = self.clustering().labels
            cluster_of = pd.Series(labels, index=self.library()["id"])
            events = self.events()
            table = recent_interest(events, cluster_of, self.params.interest)
            holding = clusters_of(self.taste()[1], labels)
            return (
                table.assign(recent_interest=table["cluster"].isin(holding)),
                monthly_timeline(events, cluster_of),
            )

        return self._stage("interest", compute)

    def interests(self) -> pd.DataFrame:
        """The recent interests in the words of the map (:func:`describe`)."""
        return self._stage(
            "interests",
            lambda: describe(
                self.taste()[1],
                self.library(),
                self.clustering().labels,
                self.names(),
                scale=self.sound_scale(),
            ),
        )

    def taste(self) -> tuple[TasteWeights, tuple[Interest, ...]]:
        """Each library track's recent and usual share, and the recent interests found
        in its neighbourhoods (:mod:`trace.analysis.taste`)."""

        def compute() -> tuple[TasteWeights, tuple[Interest, ...]]:
            weights = taste_weights(
                self.events(), self.library()["id"].to_numpy(), self.params.interest.half_life_days
            )
            values = self.scaled().values
            neighbours, _ = self.knn()
            tags = tag_codes(self.library())
            return weights, tuple(find_interests(weights, neighbours, values, tags=tags))

        return self._stage("taste", compute)

    def _context(self) -> np.ndarray | None:
        """The time context's lift per library row (:func:`context_lift`), or None."""
        ranking = self.params.ranking
        events = self.events()
        return context_lift(
            events[events["kind"] == "play"],
            self.library()["id"].to_numpy(),
            hours=ranking.hours,
            day=ranking.day,
            zone=ranking.timezone,
        )

    def shift(self) -> ShiftModel | None:
        """The forest that tells recent listening from usual by the audio (None without
        history): what the ranking scores candidates with."""
        return self._stage(
            "shift",
            lambda: fit_shift(self.scaled().values, self.taste()[0], seed=self.params.embed.seed),
        )

    def preference(self) -> tuple[PreferenceModel | str, np.ndarray | None]:
        """The preference forest of the current evidence, decisions included (or why none),
        and its prediction for each pool row."""

        def learn() -> tuple[PreferenceModel | str, np.ndarray | None]:
            with self._store() as store:
                return learn_preference(
                    store,
                    self.library()["id"].to_numpy(),
                    self.scaled().values,
                    self.pool()["id"].to_numpy(),
                    self.pool_values(),
                )

        return self._stage("preference", learn)

    def ranking(self) -> Ranking:
        """Ranked candidates with reasons; empty without candidates or without a forest."""

        def rank() -> Ranking:
            model, candidates = self.model(), self.placed()
            if isinstance(model, str) or candidates.empty:
                return Ranking(pd.DataFrame(), {}, ())
            with self._store() as store:
                decisions = store.decisions()
            weights, interests = self.taste()
            verdict = dict(
                zip(decisions["track_id"].astype(int), decisions["decision"], strict=True)
            )
            evidence = Evidence(
                weights,
                interests,
                self.shift(),
                approved=frozenset(t for t, d in verdict.items() if d == "approved"),
                rejected=frozenset(t for t, d in verdict.items() if d == "rejected"),
                interest_names=tuple(self.interests()["name"]),
                cluster_names=self.names(),
                context=self._context(),
            )
            liking = None
            if self.params.ranking.preference_weight > 0:
                liking = self.preference()[1]
            return rank_candidates(
                self.library(),
                self.scaled().values,
                self.clustering().labels,
                candidates,
                self.pool_values(),
                model,
                evidence,
                params=self.params.ranking,
                preference=liking,
            )

        return self._stage("ranking", rank)

    # -- all of it ------------------------------------------------------------------------

    def analysis(self, progress: Progress | None = None) -> Analysis:
        """Every stage, for the command line and the weekly job."""
        report = progress or (lambda done, total, message: None)
        steps = [
            ("Mapping the library", self.map),
            ("Recent interest", self.interest),
            ("Placing and ranking candidates", self.ranking),
        ]
        for done, (message, stage) in enumerate(steps):
            report(done, len(steps), message)
            stage()
        report(len(steps), len(steps), "Analysis done")
        with self._store() as store:
            everything = feature_table(store, extractor=self.inputs.extractor)
            pool_size = len(feature_table(store, extractor=self.inputs.extractor, candidates=True))
        notes = []
        library = self.library()
        if len(library) < len(everything):
            notes.append(
                f"{len(everything) - len(library)} library tracks have no features yet "
                "and are left out of the map"
            )
        model = self.model()
        if isinstance(model, str):
            notes.append(model)
        layout, clustering = self.layout(), self.clustering()
        interest, timeline = self.interest()
        return Analysis(
            params=self.params,
            library=library.assign(cluster=clustering.labels, x=layout[:, 0], y=layout[:, 1]),
            scaled=self.scaled(),
            space=self.space(),
            clustering=clustering,
            profiles=self.profiles(),
            model=None if isinstance(model, str) else model,
            interest=interest,
            interests=self.interests(),
            timeline=timeline,
            candidates=self.placed(),
            ranking=self.ranking(),
            left_without_features=pool_size - len(self.pool()),
            notes=notes,
            preference=self.preference()[0],
            genre=self.genre(),
        )


def analyse(
    store: Store,
    params: AnalysisParams | None = None,
    *,
    progress: Progress | None = None,
    extractor: str | None = None,
    cache: StageCache | None = None,
) -> Analysis:
    """Every stage on the store's current library and candidates, with the saved
    settings unless ``params`` are given. The map's stages are read from and kept in
    the results folder beside the store (:class:`DiskResults`) unless ``cache`` is given."""
    cache = cache if cache is not None else StageCache(DiskResults.beside(store.path))
    inputs = Inputs.of(store, extractor)
    if params is None:
        params = load_params(store)[0]
        if not settings_saved(store):
            params = first_map_params(Pipeline(inputs, params, cache))
    return Pipeline(inputs, params, cache).analysis(progress)


def first_map_params(pipe: Pipeline) -> AnalysisParams:
    """The settings of a library's first map: the defaults, or — when they cluster it
    poorly (:func:`~trace.analysis.cluster.clusters_poorly`) — the sweep's suggestion.
    The dashboard, ``analyse`` and the weekly job choose alike until the person saves
    settings of their own."""
    clustering = pipe.clustering()
    if not clusters_poorly(clustering.n_clusters, clustering.noise_share, clustering.dbcv):
        return pipe.params
    chosen = suggestion(pipe.sweep())
    if chosen is None:
        return pipe.params
    size, samples = chosen
    part = replace(pipe.params.cluster, min_cluster_size=size, min_samples=samples)
    return replace(pipe.params, cluster=part)


def interest_artists(analysis: Analysis, *, per_interest: int = 3) -> list[str]:
    """The most frequent artists of each recent interest (strongest first): whom to
    search around for candidates."""
    return list(
        dict.fromkeys(
            a for artists in analysis.interests["artists"] for a in artists[:per_interest]
        )
    )

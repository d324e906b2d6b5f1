"""The map's stages of the :class:`~trace.analysis.pipeline.Pipeline`: each one's cache
key, the feature tables, the scaled features, the k-NN graph, the two UMAPs, HDBSCAN, the
cluster profiles and the forests that place candidates. The listening stages and the
ranking build on them in :mod:`trace.analysis.pipeline`.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Callable
from dataclasses import dataclass
from typing import TypeVar

import numpy as np
import pandas as pd
from joblib import Memory

from trace.analysis.classify import ClusterModel, fit_cluster_model, place_candidates
from trace.analysis.cluster import Clustering, cluster_space, sweep
from trace.analysis.embed import Scaled, cluster_space_of, knn_for, layout_of, scale, warm_start
from trace.analysis.genre import GenreModel, fit_genre
from trace.analysis.params import ClusterParams, EmbedParams
from trace.analysis.profiles import ClusterProfile, SoundScale, profile_clusters
from trace.analysis.recommend import already_known
from trace.analysis.results import StageCache
from trace.analysis.settings import AnalysisParams
from trace.analysis.table import library_table
from trace.audio.reanalysis import shown_extractor
from trace.errors import ParameterError
from trace.store import Store

Progress = Callable[[int, int, str], None]
T = TypeVar("T")


@dataclass(frozen=True, slots=True)
class Inputs:
    """What the stages read from the store, as fingerprints: the store's part of every
    cache key. ``features`` covers the library's tracks, files, features and imports (not
    plays or decisions), so listening and deciding never redo the map; ``pool`` the same
    for the candidates, so candidates arriving never redo it either."""

    database: str
    features: str
    plays: str
    decisions: str
    extractor: str
    pool: str = ""

    @classmethod
    def of(cls, store: Store, extractor: str | None = None) -> Inputs:
        library, pool = store.side_fingerprints()
        return cls(
            str(store.path),
            library,
            store.fingerprint("plays", "tracks"),
            store.fingerprint("decisions"),
            # mid re-analysis after an extractor change, the complete previous version
            extractor or shown_extractor(store),
            pool,
        )


def _with_features(table: pd.DataFrame) -> pd.DataFrame:
    return table[table["feature_source"] != "none"].reset_index(drop=True)


def place(model: ClusterModel, values: np.ndarray) -> pd.DataFrame:
    """Cluster, confidence and the "unlike anything" flag of each candidate row."""
    placed = place_candidates(model, values)
    return placed.rename(columns={"probability": "confidence"})


DRAWN = ("library", "layout", "clustering", "profiles")
"""What the Taste map is drawn from (:meth:`MapStages.map`)."""
DEPENDS = {
    "library": (),
    "scaled": ("library",),
    "knn": ("scaled",),
    "space": ("scaled", "knn"),
    "layout": ("scaled", "knn"),
    "clustering": ("space",),
    "profiles": ("library", "clustering", "space"),
}
"""What each of the map's stages is computed from."""


class MapStages:
    """The map's stages for one store state and one set of settings.

    A stage's result is kept in ``cache`` under the fingerprints and settings it reads,
    and nothing else: see each method's key. Without a ``cache`` the pipeline keeps its
    own, for one run.
    """

    def __init__(
        self, inputs: Inputs, params: AnalysisParams, cache: StageCache | None = None
    ) -> None:
        self.inputs = inputs
        self.params = params
        self.cache = cache if cache is not None else StageCache()

    # the settings each stage reads: the map's UMAP settings without the layout's, and
    # the layout's without the cluster space's size
    @property
    def space_embed(self) -> EmbedParams:
        return dataclasses.replace(self.params.embed, layout_min_dist=EmbedParams().layout_min_dist)

    @property
    def layout_embed(self) -> EmbedParams:
        return dataclasses.replace(self.params.embed, n_components=EmbedParams().n_components)

    def key(self, stage: str) -> tuple:
        """The cache key of ``stage``: the fingerprints and settings it reads."""
        i, p, cluster = self.inputs, self.params, self.params.cluster
        table = (i.database, i.features, i.extractor)
        space = (*table, p.features, self.space_embed)
        knn = (p.embed.n_neighbors, p.embed.metric)
        pool = (i.database, i.pool, i.extractor)
        keys = {
            "table": table,
            "library": table,
            "scale": table,
            "pool": pool,
            "scaled": (*table, p.features),
            "knn": (*table, p.features, knn),
            "space": space,
            "layout": (*table, p.features, self.layout_embed),
            "clustering": (*space, p.cluster),
            "sweep": (*space, cluster.cluster_selection_method, cluster.cluster_selection_epsilon),
            "profiles": (*space, p.cluster),
            "model": (*space, p.cluster),
            "genre": (*table, p.features),
            "placed": (*space, p.cluster, pool),
            "events": (i.database, i.plays),
            "interest": (*space, p.cluster, knn, i.plays, p.interest),
            "interests": (*space, p.cluster, knn, i.plays, p.interest),
            "taste": (*table, p.features, knn, i.plays, p.interest),
            "shift": (*table, p.features, i.plays, p.interest, p.embed.seed),
            "preference": (*table, p.features, i.plays, i.decisions, pool),
            "ranking": (*space, p.cluster, pool, i.plays, p.interest, i.decisions, p.ranking),
        }
        return keys[stage]

    def _stage(self, stage: str, compute: Callable[[], T]) -> T:
        return self.cache.get(stage, self.key(stage), compute)

    def is_computed(self, stage: str) -> bool:
        return self.cache.has(stage, self.key(stage))

    def _store(self) -> Store:
        return Store(self.inputs.database)

    def _table(self, *, candidates: bool) -> pd.DataFrame:
        with self._store() as store:
            return library_table(store, extractor=self.inputs.extractor, candidates=candidates)

    def table(self) -> pd.DataFrame:
        """Every library track with its tags and features (or none): the Library page's
        table, and the map's before tracks without features are left out."""
        return self._stage("table", lambda: self._table(candidates=False))

    def every_track(self) -> pd.DataFrame:
        """Every library track and candidate, with features or without (not kept: the
        report reads it once)."""
        return pd.concat([self.table(), self._table(candidates=True)], ignore_index=True)

    # -- the map --------------------------------------------------------------------------

    def library(self) -> pd.DataFrame:
        """Library tracks that have features, in map order."""
        return self._stage("library", lambda: _with_features(self.table()))

    def pool(self) -> pd.DataFrame:
        """Candidates that have features."""
        return self._stage("pool", lambda: _with_features(self._table(candidates=True)))

    def scaled(self) -> Scaled:
        return self._stage("scaled", lambda: scale(self.library(), self.params.features))

    def knn(self) -> tuple[np.ndarray, np.ndarray]:
        """Each library track's nearest neighbours in the scaled features (itself first)."""
        return self._stage("knn", lambda: knn_for(self.scaled().values, self.space_embed))

    def space(self) -> np.ndarray:
        """The cluster space; independent of the 2-D layout's settings."""
        return self._stage(
            "space",
            lambda: cluster_space_of(
                self.scaled(), self.space_embed, self.knn(), self._warm_start("space")
            ),
        )

    def layout(self) -> np.ndarray:
        """The 2-D map; independent of the cluster space's size."""
        return self._stage(
            "layout",
            lambda: layout_of(
                self.scaled(), self.layout_embed, self.knn(), self._warm_start("layout")
            ),
        )

    def _warm_start(self, stage: str) -> np.ndarray | None:
        """Where the previous map of this library (:meth:`previous`) had each track, new
        tracks beside their nearest old ones, when that map is on disk and held most of
        the tracks: a re-map after a week's additions then runs a fraction of UMAP's
        epochs, and the map keeps its shape from week to week."""
        earlier = self.previous()
        if earlier is None or not earlier.is_computed(stage):
            return None
        return warm_start(
            self.library()["id"].to_numpy(),
            earlier.library()["id"].to_numpy(),
            getattr(earlier, stage)(),
            self.knn()[0],
        )

    @property
    def _trees(self) -> Memory | None:
        return self.cache.disk.trees if self.cache.disk is not None else None

    def clustering(self) -> Clustering:
        return self._stage(
            "clustering",
            lambda: cluster_space(self.space(), self.params.cluster, memory=self._trees),
        )

    NEARBY = 5
    """How many ``min_samples`` values on each side :meth:`prepare_nearby` prepares."""

    def prepare_nearby(self) -> None:
        """Build HDBSCAN's spanning trees for the densities next to the current one (its
        slowest part), so that moving a cluster slider a few steps is quick."""
        cluster = self.params.cluster
        current = cluster.min_samples or cluster.min_cluster_size
        for step in range(1, self.NEARBY + 1):
            for min_samples in (current + step, current - step):
                if min_samples >= 1:
                    nearby = dataclasses.replace(cluster, min_samples=min_samples)
                    cluster_space(self.space(), nearby, memory=self._trees)

    def sweep(self) -> pd.DataFrame:
        """Quality over min_cluster_size × min_samples; not redone when those change."""
        cluster = self.params.cluster
        base = ClusterParams(
            cluster_selection_method=cluster.cluster_selection_method,
            cluster_selection_epsilon=cluster.cluster_selection_epsilon,
        )
        return self._stage("sweep", lambda: sweep(self.space(), base=base, memory=self._trees))

    def sound_scale(self) -> SoundScale:
        """The library's trusted feature values and statistics, which cluster and
        interest names are measured against; computed once per library, not per
        clustering."""
        return self._stage("scale", lambda: SoundScale.of(self.library()))

    def profiles(self) -> list[ClusterProfile]:
        return self._stage(
            "profiles",
            lambda: profile_clusters(
                self.library(), self.clustering().labels, self.space(), scale=self.sound_scale()
            ),
        )

    def names(self) -> dict[int, str]:
        """Cluster → readable name; −1 is "no cluster"."""
        return {-1: "no cluster", **{q.cluster: q.name for q in self.profiles()}}

    def model(self) -> ClusterModel | str:
        """The forest that places candidates in clusters, or why there is none."""

        def fit() -> ClusterModel | str:
            clustering = self.clustering()
            if clustering.n_clusters < 2:
                return "fewer than 2 clusters: candidates cannot be placed; lower min_cluster_size"
            scaled = self.scaled()
            try:
                return fit_cluster_model(
                    scaled.values, clustering.labels, scaled.names, seed=self.params.embed.seed
                )
            except ParameterError as error:
                return str(error)

        return self._stage("model", fit)

    def genre(self) -> GenreModel | str:
        """The genre forest trained on the library's own tags (or why there is none)."""
        return self._stage(
            "genre", lambda: fit_genre(self.library()["genre"], self.scaled().values)
        )

    def genre_guesses(self, frame: pd.DataFrame) -> pd.DataFrame:
        """``genre`` and ``probability`` for each row of a feature table (none: empty)."""
        fitted = self.genre()
        if isinstance(fitted, str) or frame.empty:
            return pd.DataFrame({"genre": [None] * len(frame), "probability": np.nan})
        return fitted.predict(self.scaled().apply(frame))

    def pool_values(self) -> np.ndarray:
        pool = self.pool()
        scaled = self.scaled()
        return scaled.apply(pool) if len(pool) else np.zeros((0, scaled.values.shape[1]))

    def placed(self) -> pd.DataFrame:
        """The pool with the guessed genre and, given a forest, the cluster it is placed
        in, the confidence and the "unlike anything" flag."""

        def compute() -> pd.DataFrame:
            candidates = self.pool()
            if candidates.empty:
                return candidates
            # matching names is slow at 10k tracks and no decision changes it
            candidates = candidates.assign(
                in_library=already_known(self.library(), candidates).to_numpy()
            )
            guesses = self.genre_guesses(candidates)
            if not isinstance(self.genre(), str):
                candidates = candidates.assign(
                    predicted_genre=guesses["genre"].to_numpy(),
                    genre_probability=guesses["probability"].to_numpy(),
                )
            model = self.model()
            if isinstance(model, str):
                return candidates
            return pd.concat([candidates, place(model, self.pool_values())], axis=1)

        return self._stage("placed", compute)

    MAP_STAGES = ("table", *DRAWN[1:])
    """What the Taste map is drawn from, as kept on disk (the library is the table's
    tracks with features, derived in memory)."""

    def map(self, progress: Progress | None = None) -> None:
        """Compute (or find on disk) every stage the Taste map draws, and note this
        library content as the one mapped last (:meth:`previous`)."""
        report = progress or (lambda done, total, message: None)
        needed = self._needed()
        steps = [(text, stage) for text, stage in self.map_steps() if stage.__name__ in needed]
        for done, (text, stage) in enumerate(steps):
            if not self.is_computed(stage.__name__):
                report(done, len(steps), text)
            stage()
        report(len(steps), len(steps), "The map is ready")
        disk = self.cache.disk
        if disk is not None and disk.latest(self._scope) != self.inputs.features:
            disk.remember(self._scope, self.inputs.features)

    def _needed(self) -> set[str]:
        """The map's stages to read or compute: what the map is drawn from, and what a
        stage among them that is not at hand is computed from. A restart with the map on
        disk, or a new cluster setting, need not read the scaled table and the k-NN graph
        (216 MB of pickles at 100,000 tracks)."""
        needed, todo = set(), list(DRAWN)
        while todo:
            name = todo.pop()
            if name not in needed:
                needed.add(name)
                if not self.is_computed(name):
                    todo.extend(DEPENDS[name])
        return needed

    def map_steps(self) -> list[tuple[str, Callable[[], object]]]:
        return [
            ("Reading the library", self.library),
            ("Scaling the features", self.scaled),
            ("Finding each track's nearest neighbours", self.knn),
            ("UMAP: the cluster space", self.space),
            ("UMAP: the 2-D map", self.layout),
            ("Finding clusters (HDBSCAN)", self.clustering),
            ("Describing the clusters", self.profiles),
        ]

    @property
    def _scope(self) -> tuple:
        return ("map", self.inputs.database, self.inputs.extractor)

    def map_is_computed(self) -> bool:
        return all(self.is_computed(stage) for stage in self.MAP_STAGES)

    def previous(self) -> MapStages | None:
        """The map of this library as it was when last mapped, with these settings, when
        the library has changed since and that map is still on disk; else None."""
        disk = self.cache.disk
        mapped = disk.latest(self._scope) if disk is not None else None
        if mapped is None or mapped == self.inputs.features:
            return None
        earlier = type(self)(
            dataclasses.replace(self.inputs, features=mapped), self.params, self.cache
        )
        return earlier if earlier.map_is_computed() else None

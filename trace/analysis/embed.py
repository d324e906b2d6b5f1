"""From a feature table to points: select, impute, scale, k-NN graph, UMAP.

Missing values (a feature an imported track lacks) are filled with the column's median
over the library, after which every column is standardised (zero mean, unit variance);
columns missing for more than half the tracks, or constant, are left out. MusiCNN's
embedding (``emb_*``, :mod:`trace.audio.ear`) joins as a second block when at least
:data:`LEARNED_SHARE` of the tracks have it, its columns standardised alike and then
scaled so that the block's total variance equals the features' ("equal blocks": the
weighting that won on held-out sources, docs/PERFORMANCE.md). The k-NN graph
is computed once with scikit-learn's exact ``NearestNeighbors`` — fast at 10–80
dimensions and free of numba's first-call cost — and handed to UMAP as
``precomputed_knn``, so changing only layout settings reuses it.
"""

from __future__ import annotations

import hashlib
import warnings
from collections import OrderedDict
from dataclasses import dataclass, field, replace

import numpy as np
import pandas as pd
from sklearn.neighbors import NearestNeighbors
from sklearn.preprocessing import StandardScaler

from trace.analysis import heard
from trace.analysis.params import IMPORT_ONLY, SPOTIFY_FEATURES, EmbedParams, FeatureParams
from trace.audio.ear import EMBEDDING_COLUMNS
from trace.errors import ParameterError

MIN_TRACKS = 10
WARM_SHARE = 0.8
"""A map starts from the previous one when at least this share of its tracks were on it."""
WARM_EPOCHS = 0.3
"""A warm-started UMAP runs this share of the settings' epochs: the tracks that were on the
previous map have settled already, and only the new ones and their neighbours move."""
NOT_FOR_MAPS = frozenset(
    {
        "duration_ms",
        "key",
        "mode",
        "key_confidence",
        "time_signature",
        *heard.WORDS,
    }
)
"""Length says nothing of how a track sounds; key is circular and mode binary; the words
from MusiCNN's tags (:mod:`trace.analysis.heard`) reach the map through its embedding."""
LEARNED_SHARE = 0.9
"""The embedding joins the map when at least this share of its tracks have one: fewer
(tracks with imported features only, or a library half re-analysed) would put the rest
together at the block's medians."""


def select_columns(table: pd.DataFrame, params: FeatureParams) -> list[str]:
    """The ``f_`` columns the feature set names, present for at least half the tracks."""
    available = [c.removeprefix("f_") for c in table.columns if c.startswith("f_")]
    if params.feature_set == "custom":
        wanted = [c for c in params.columns if c in available]
    elif params.feature_set == "spotify":
        wanted = [
            c
            for c in available
            if c in SPOTIFY_FEATURES
            or c in ("valence", "speechiness", "liveness", "instrumentalness")
        ]
    elif params.feature_set == "timbre":
        wanted = [c for c in available if c not in SPOTIFY_FEATURES and c not in IMPORT_ONLY]
    else:
        wanted = available
    columns = []
    for name in wanted:
        values = table[f"f_{name}"].astype(float)
        if name not in NOT_FOR_MAPS and values.notna().mean() >= 0.5 and values.std() > 0:
            columns.append(name)
    return columns


@dataclass(frozen=True)
class Block:
    """One block of the map's columns: imputed with medians, standardised, weighted."""

    names: list[str]
    """The table's column names."""
    medians: pd.Series
    scaler: StandardScaler
    weight: float = 1.0

    @classmethod
    def fit(cls, table: pd.DataFrame, names: list[str]) -> Block:
        frame = table[names].astype(float)
        medians = frame.median()
        return cls(names, medians, StandardScaler().fit(frame.fillna(medians).to_numpy()))

    def apply(self, table: pd.DataFrame) -> np.ndarray:
        frame = table[self.names].astype(float).fillna(self.medians).to_numpy()
        return self.scaler.transform(frame) * self.weight


@dataclass(frozen=True)
class Scaled:
    """The map's matrix and what made it, to apply to candidates too: the features
    (``columns``) and, when the library has it, MusiCNN's embedding (``learned``)."""

    values: np.ndarray
    columns: list[str]
    blocks: tuple[Block, ...]
    learned: list[str] = field(default_factory=list)
    """The embedding's columns in the map (``emb_*``), or none."""

    def apply(self, table: pd.DataFrame) -> np.ndarray:
        """The same imputation and scaling applied to other tracks (candidates)."""
        return np.hstack([block.apply(table) for block in self.blocks])

    @property
    def names(self) -> list[str]:
        """Every column of :attr:`values`: the features, then the embedding's."""
        return [*self.columns, *self.learned]


def learned_columns(table: pd.DataFrame) -> list[str]:
    """The embedding's columns, when enough tracks have it (:data:`LEARNED_SHARE`)."""
    columns = [c for c in EMBEDDING_COLUMNS if c in table]
    if not columns or table[columns[0]].notna().mean() < LEARNED_SHARE:
        return []
    return [c for c in columns if table[c].std() > 0]


def scale(table: pd.DataFrame, params: FeatureParams) -> Scaled:
    columns = select_columns(table, params)
    if len(table) < MIN_TRACKS or not columns:
        raise ParameterError(
            f"a map needs at least {MIN_TRACKS} tracks with features, and features to use "
            f"(got {len(table)} tracks, {len(columns)} usable features)"
        )
    blocks = [Block.fit(table, [f"f_{c}" for c in columns])]
    learned = learned_columns(table) if params.learned else []
    if learned:
        # equal blocks: every standardised column has variance 1, so the weight makes the
        # embedding's total variance the features' (docs/PERFORMANCE.md)
        weight = float(np.sqrt(len(columns) / len(learned)))
        blocks.append(replace(Block.fit(table, learned), weight=weight))
    values = np.hstack([block.apply(table) for block in blocks])
    return Scaled(values, columns, tuple(blocks), learned)


def knn_graph(
    points: np.ndarray, *, n_neighbors: int, metric: str
) -> tuple[np.ndarray, np.ndarray]:
    """``(indices, distances)`` of each point's ``n_neighbors`` nearest, itself first."""
    k = min(n_neighbors, len(points))
    model = NearestNeighbors(n_neighbors=k, metric=metric, algorithm="auto").fit(points)
    distances, indices = model.kneighbors(points)
    return indices, distances


def warm_start(
    ids: np.ndarray, earlier_ids: np.ndarray, earlier: np.ndarray, neighbours: np.ndarray
) -> np.ndarray | None:
    """A starting embedding for the tracks ``ids`` from an earlier map of ``earlier_ids``:
    each track that was on it where it was, each new one at the mean of its nearest
    tracks (rows of ``neighbours``, the k-NN graph) that were. None when fewer than
    :data:`WARM_SHARE` of the tracks were on it: then UMAP starts afresh."""
    position = pd.Index(earlier_ids).get_indexer(ids)
    known = position >= 0
    if not len(ids) or known.mean() < WARM_SHARE:
        return None
    start = np.empty((len(ids), earlier.shape[1]), np.float32)
    start[known] = earlier[position[known]]
    new = np.flatnonzero(~known)
    if len(new):
        near = neighbours[new]
        weight = known[near].astype(np.float32)
        # a new track none of whose neighbours was mapped starts at the map's centre
        alone = weight.sum(axis=1) == 0
        weight[alone] = 1.0
        placed = np.where(known[near][..., None], start[near], start[known].mean(axis=0))
        start[new] = (placed * weight[..., None]).sum(axis=1) / weight.sum(axis=1)[:, None]
    return start


def umap_embed(
    points: np.ndarray,
    knn: tuple[np.ndarray, np.ndarray],
    params: EmbedParams,
    *,
    n_components: int,
    min_dist: float,
    n_epochs: int | None = None,
    init: str | np.ndarray = "spectral",
) -> np.ndarray:
    """UMAP of ``points`` using the precomputed k-NN graph ``knn``; ``init`` is umap-learn's
    (``"spectral"``, its default, or ``"pca"``, a second faster at 10,000 points) or a
    starting embedding (:func:`warm_start`), run for :data:`WARM_EPOCHS` of the epochs."""
    if not isinstance(init, str):
        n_epochs = max(10, round((n_epochs or params.n_epochs) * WARM_EPOCHS))
    import umap  # heavy (numba); imported where it is used

    model = umap.UMAP(
        n_neighbors=min(params.n_neighbors, len(points) - 1),
        n_components=n_components,
        min_dist=min_dist,
        metric=params.metric,
        random_state=params.seed,
        precomputed_knn=knn,
        n_epochs=n_epochs,
        init=init if not isinstance(init, str) or len(points) > n_components + 1 else "random",
    )
    with warnings.catch_warnings():
        # No search index: fine, TRACE never transforms new points with UMAP itself.
        warnings.filterwarnings("ignore", message=".*knn_search_index.*")
        warnings.filterwarnings("ignore", message=".*n_jobs value.*")
        return model.fit_transform(points).astype(np.float32)


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


def cluster_space_of(
    scaled: Scaled,
    params: EmbedParams,
    knn: tuple[np.ndarray, np.ndarray] | None = None,
    start: np.ndarray | None = None,
) -> np.ndarray:
    """UMAP to the cluster space: ``n_components`` dimensions, min_dist 0; from ``start``
    (:func:`~trace.analysis.embed.warm_start`) when given."""
    return umap_embed(
        scaled.values,
        knn or knn_for(scaled.values, params),
        params,
        n_components=params.n_components,
        min_dist=0.0,
        n_epochs=params.n_epochs,
        init="pca" if start is None else start,  # the clusters, not the arrangement, matter
    )


def layout_of(
    scaled: Scaled,
    params: EmbedParams,
    knn: tuple[np.ndarray, np.ndarray] | None = None,
    start: np.ndarray | None = None,
) -> np.ndarray:
    """UMAP to 2-D for display, with ``layout_min_dist``; from ``start`` when given."""
    return umap_embed(
        scaled.values,
        knn or knn_for(scaled.values, params),
        params,
        n_components=2,
        min_dist=params.layout_min_dist,
        n_epochs=params.n_epochs,
        init="spectral" if start is None else start,
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

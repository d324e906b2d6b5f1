"""Placing candidates in the person's clusters with a Random Forest.

The forest learns cluster labels from the clustered (non-noise) library tracks, on the
same scaled features the clusters came from; candidates go through that same fitted
imputation and scaling (:meth:`trace.analysis.embed.Scaled.apply`). Its quality is shown
as out-of-bag accuracy and balanced accuracy (each track judged only by the trees that
never saw it: a held-out estimate for the price of one fit, where 5-fold cross-validation
cost six), a confusion matrix and permutation importances (scikit-learn's method, by
groups of columns, which its ``permutation_importance`` does not do). A candidate farther from its
nearest library track than 95 % of library tracks are from theirs is flagged "unlike
anything in your library" and gets no cluster.
"""

from __future__ import annotations

import warnings
from dataclasses import dataclass, field

import numpy as np
import pandas as pd
from sklearn.ensemble import RandomForestClassifier
from sklearn.metrics import confusion_matrix
from sklearn.neighbors import NearestNeighbors

from trace.errors import ParameterError

UNLIKE_QUANTILE = 0.95
TREES = 200
SAMPLES = 4000
"""Each tree sees at most this many tracks (drawn with replacement): at 10,000 tracks the
fit takes about half the time, and the clusters are told apart as well."""
IMPORTANCE_ROWS = 1000
IMPORTANCE_REPEATS = 3
LEARNED_NAME = "learned sound (MusiCNN)"
"""The name MusiCNN's embedding goes by among the importances: its 200 dimensions are
shuffled together (one by one they would each look unimportant, and cost 200 passes)."""


@dataclass(frozen=True)
class ClusterModel:
    """A fitted forest with its quality figures and the library's neighbour distances."""

    forest: RandomForestClassifier
    accuracy: float
    balanced_accuracy: float
    confusion: pd.DataFrame
    library_index: NearestNeighbors
    unlike_distance: float
    columns: list[str]
    x: np.ndarray = field(repr=False)
    y: np.ndarray = field(repr=False)
    seed: int = 42
    _importances: list[pd.Series] = field(default_factory=list, repr=False)

    @property
    def importances(self) -> pd.Series:
        """Mean drop in accuracy when each feature is shuffled, largest first; MusiCNN's
        embedding (``emb_*``) is shuffled as one block, named :data:`LEARNED_NAME`.

        Computed when first asked for (it costs one prediction per feature and repeat),
        on at most :data:`IMPORTANCE_ROWS` tracks."""
        if not self._importances:
            rng = np.random.default_rng(self.seed)
            rows = rng.permutation(len(self.y))[:IMPORTANCE_ROWS]
            x, y = self.x[rows], self.y[rows]
            groups: dict[str, list[int]] = {}
            for position, name in enumerate(self.columns):
                key = LEARNED_NAME if name.startswith("emb_") else name
                groups.setdefault(key, []).append(position)
            base = float((self.forest.predict(x) == y).mean())
            drops = {}
            for name, positions in groups.items():
                scores = []
                for _ in range(IMPORTANCE_REPEATS):
                    shuffled = x.copy()
                    shuffled[:, positions] = x[rng.permutation(len(x))][:, positions]
                    scores.append(float((self.forest.predict(shuffled) == y).mean()))
                drops[name] = base - float(np.mean(scores))
            self._importances.append(pd.Series(drops).sort_values(ascending=False))
        return self._importances[0]


def fit_cluster_model(
    values: np.ndarray, labels: np.ndarray, columns: list[str], *, seed: int = 42
) -> ClusterModel:
    """Train on the clustered rows of ``values`` (scaled library features)."""
    clustered = labels >= 0
    x, y = values[clustered], labels[clustered]
    counts = np.bincount(y) if len(y) else np.array([])
    if len(set(y)) < 2 or counts[counts > 0].min() < 2:
        raise ParameterError(
            "placing candidates needs at least 2 clusters of at least 2 tracks each; "
            "lower min_cluster_size on the Taste map"
        )
    forest = RandomForestClassifier(
        n_estimators=TREES,
        class_weight="balanced",
        max_samples=min(1.0, SAMPLES / len(y)),
        oob_score=True,
        random_state=seed,
        n_jobs=-1,
    )
    with warnings.catch_warnings():
        # a track every tree saw has no out-of-bag vote: out_of_bag_labels leaves it out
        warnings.filterwarnings("ignore", "Some inputs do not have OOB scores")
        forest.fit(x, y)
    predicted, judged = out_of_bag_labels(forest)
    classes = np.unique(y)
    matrix = confusion_matrix(y[judged], predicted[judged], labels=classes)
    recalls = np.diag(matrix) / np.maximum(matrix.sum(axis=1), 1)
    index = NearestNeighbors(n_neighbors=2).fit(values)
    own_distances = index.kneighbors(values)[0][:, 1]  # [:, 0] is the track itself
    return ClusterModel(
        forest=forest,
        accuracy=float((predicted == y)[judged].mean()),
        balanced_accuracy=float(recalls.mean()),
        confusion=pd.DataFrame(matrix, index=classes, columns=classes),
        library_index=index,
        unlike_distance=float(np.quantile(own_distances, UNLIKE_QUANTILE)),
        columns=list(columns),
        x=x,
        y=y,
        seed=seed,
    )


def out_of_bag_labels(forest: RandomForestClassifier) -> tuple[np.ndarray, np.ndarray]:
    """Each training row's class as voted by the trees that never saw it, and which rows
    had such a tree (with enough trees, all of them)."""
    votes = forest.oob_decision_function_
    judged = ~np.isnan(votes).any(axis=1)
    return forest.classes_[np.nan_to_num(votes).argmax(axis=1)], judged


def place_candidates(model: ClusterModel, values: np.ndarray) -> pd.DataFrame:
    """Per candidate row: ``cluster`` (−1 when unlike), ``probability``, ``distance``
    to the nearest library track, and ``unlike``."""
    if len(values) == 0:
        return pd.DataFrame(columns=["cluster", "probability", "distance", "unlike"])
    probabilities = model.forest.predict_proba(values)
    best = probabilities.argmax(axis=1)
    distance = model.library_index.kneighbors(values, n_neighbors=1)[0][:, 0]
    unlike = distance > model.unlike_distance
    return pd.DataFrame(
        {
            "cluster": np.where(unlike, -1, model.forest.classes_[best]),
            "probability": np.where(unlike, 0.0, probabilities.max(axis=1)),
            "distance": distance,
            "unlike": unlike,
        }
    )

"""Genre from audio features: a Random Forest trained on the library's own genre tags.

Each tagged track counts under its first genre; only genres with at least
:data:`MIN_TRACKS` tracks are learnt (fewer cannot be judged honestly). The forest's
quality is its out-of-bag accuracy (each track judged by the trees that never saw it),
balanced accuracy and confusion matrix. It then offers a genre, with its probability, for
untagged tracks and for candidates — a suggestion, never written into anyone's tags.
"""

from __future__ import annotations

import warnings
from dataclasses import dataclass

import numpy as np
import pandas as pd
from sklearn.ensemble import RandomForestClassifier
from sklearn.metrics import balanced_accuracy_score, confusion_matrix
from sklearn.model_selection import train_test_split

from trace.analysis.classify import out_of_bag_labels

MIN_TRACKS = 8
MIN_ACCURACY = 0.6
"""Below this held-out accuracy the guesses are not shown at all: wrong too often."""
SURE = 0.5
"""A guess less probable than this is shown as unsure."""
TREES = 100
MAX_ROWS = 3000
"""The forest learns from at most this many tagged tracks (a stratified sample): at
10,000 tracks the full fit took 36 s on two cores, the sample about a tenth of it."""


def first_genre(genres: pd.Series) -> pd.Series:
    """The first genre of each track's genre text ("Rock; Pop" → "Rock"), or NA."""
    first = genres.fillna("").astype(str).str.split(r"\s*[;,/]\s*", regex=True).str[0]
    return first.str.strip().replace("", pd.NA)


@dataclass(frozen=True)
class GenreModel:
    forest: RandomForestClassifier
    accuracy: float
    balanced_accuracy: float
    confusion: pd.DataFrame  # rows: tagged genre, columns: predicted
    counts: pd.Series  # tracks per learnt genre

    def predict(self, values: np.ndarray) -> pd.DataFrame:
        """``genre`` and ``probability`` per row."""
        if not len(values):
            return pd.DataFrame({"genre": [], "probability": []})
        probabilities = self.forest.predict_proba(values)
        best = probabilities.argmax(axis=1)
        return pd.DataFrame(
            {"genre": self.forest.classes_[best], "probability": probabilities.max(axis=1)}
        )


def guess_text(guesses: pd.DataFrame, model: GenreModel | str | None) -> pd.Series:
    """Each guess as shown: "Metal (62 %)", "Metal? (31 %)" when unsure, "" with no model
    or one below :data:`MIN_ACCURACY`."""
    if not isinstance(model, GenreModel) or model.accuracy < MIN_ACCURACY or guesses.empty:
        return pd.Series("", index=guesses.index, dtype=object)
    sure = guesses["probability"] >= SURE
    return (
        guesses["genre"].astype(str)
        + np.where(sure, "", "?")
        + " ("
        + (guesses["probability"] * 100).round().astype(int).astype(str)
        + " %)"
    )


def hidden_note(model: GenreModel | str | None) -> str:
    """Why the guesses are hidden, or ``""`` when they are shown."""
    if isinstance(model, GenreModel) and model.accuracy < MIN_ACCURACY:
        return (
            f"Genre guesses are hidden: the genre model is right on only {model.accuracy:.0%} "
            "of the tracks it was tested on."
        )
    return ""


def fit_genre(genres: pd.Series, values: np.ndarray, *, seed: int = 42) -> GenreModel | str:
    """The forest for tracks whose genre text is ``genres`` (aligned with ``values``)."""
    labels = first_genre(genres.reset_index(drop=True))
    counts = labels.value_counts()
    kept = counts[counts >= MIN_TRACKS]
    if len(kept) < 2:
        return (
            f"fewer than two genres have {MIN_TRACKS} or more tagged tracks "
            f"({', '.join(f'{g}: {n}' for g, n in counts.head(5).items()) or 'no genre tags'})"
        )
    rows = np.flatnonzero(labels.isin(kept.index).to_numpy())
    if len(rows) > MAX_ROWS:  # a stratified sample: every genre keeps its share
        rows, _ = train_test_split(
            rows, train_size=MAX_ROWS, stratify=labels.iloc[rows], random_state=seed
        )
    x, y = values[rows], labels.iloc[rows].to_numpy()
    forest = RandomForestClassifier(
        n_estimators=TREES,
        class_weight="balanced",
        max_samples=0.5,
        oob_score=True,
        random_state=seed,
        n_jobs=-1,
    )
    with warnings.catch_warnings():
        # a track every tree saw has no out-of-bag vote: out_of_bag_labels leaves it out
        warnings.filterwarnings("ignore", "Some inputs do not have OOB scores")
        forest.fit(x, y)
    predicted, judged = out_of_bag_labels(forest)
    y, predicted = y[judged], predicted[judged]
    order = list(kept.index)
    return GenreModel(
        forest=forest,
        accuracy=float((predicted == y).mean()),
        balanced_accuracy=float(balanced_accuracy_score(y, predicted)),
        confusion=pd.DataFrame(
            confusion_matrix(y, predicted, labels=order), index=order, columns=order
        ),
        counts=kept,
    )

"""The reason given for each proposed candidate.

It names the tracks played most lately that the candidate is closest to, and the
interest it serves: "Close to 6 of the tracks you played most lately: A – X, B – Y,
C – Z", then the features in which it differs most from that interest (else its
cluster, else its neighbours): "— but faster, brighter".
"""

from __future__ import annotations

import warnings

import numpy as np
import pandas as pd

from trace.analysis.taste import Interest, TasteWeights

COMPARATIVES: dict[str, tuple[str, str]] = {
    "tempo": ("faster", "slower"),
    "loudness": ("louder", "quieter"),
    "energy": ("more energetic", "calmer"),
    "danceability": ("more danceable", "less danceable"),
    "acousticness": ("more acoustic", "more synthetic"),
    "valence": ("happier", "sadder"),
    "spectral_centroid_mean": ("brighter", "darker"),
    "onset_rate": ("busier", "sparser"),
    "spectral_flatness_mean": ("noisier", "more tonal"),
    "pulse_clarity": ("steadier beat", "looser rhythm"),
}
"""Feature → (word when the candidate is above its neighbours, word when below)."""
NAMED = 3
"""How many of the candidate's nearest library tracks its reason names."""
TOP_RECENT = 0.5
"""The tracks "played most lately": those holding this share of the recent weight."""
MIN_DIFFERENCE = 0.5
"""How many spreads a feature must differ by to be named ("— but faster")."""


def _label(frame: pd.DataFrame) -> pd.Series:
    artist = frame["artist"].fillna("").replace("", "Unknown artist")
    return artist + " – " + frame["title"].fillna("")


def _stands_out(
    candidate: np.ndarray, centre: np.ndarray, spread: np.ndarray, features: list[str]
) -> list[str]:
    """The (at most two) words for the features in which ``candidate`` differs most from
    ``centre``, by at least :data:`MIN_DIFFERENCE` spreads; NaN differences say nothing."""
    differences = (candidate - centre) / spread
    named = [
        (abs(d), f, d)
        for f, d in zip(features, differences, strict=True)
        if f in COMPARATIVES and abs(d) >= MIN_DIFFERENCE  # False for NaN
    ]
    strongest = sorted(named, key=lambda item: -item[0])[:2]
    return [COMPARATIVES[f][0 if d > 0 else 1] for _, f, d in strongest]


def _top_recent(weights: TasteWeights) -> np.ndarray:
    """Library rows of the tracks played most lately: the fewest holding
    :data:`TOP_RECENT` of the recent weight."""
    order = np.argsort(-weights.recent, kind="stable")
    held = np.cumsum(weights.recent[order])
    count = int(np.searchsorted(held, TOP_RECENT * held[-1])) + 1 if held[-1] > 0 else 0
    top = np.zeros(len(weights.recent), bool)
    top[order[:count]] = True
    return top


def explain(
    chosen: pd.DataFrame,
    nearest_rows: np.ndarray,
    library: pd.DataFrame,
    weights: TasteWeights,
    interests: tuple[Interest, ...],
    labels: np.ndarray,
) -> pd.DataFrame:
    """``close_to``, ``neighbours`` (and their ``neighbour_ids``), ``stands_out`` and
    ``reason`` of each chosen row (``chosen["_row"]``: its row in ``nearest_rows``, the
    library rows nearest each candidate, nearest first). What stands
    out is measured against the interest it serves, else its cluster, else its neighbours."""
    n = len(library)
    names = _label(library).to_numpy()
    ids = library["id"].astype(int).to_numpy()
    top = _top_recent(weights)
    columns = [c for c in library.columns if c.startswith("f_")]
    features = library[columns].to_numpy(float)
    spread = np.nanstd(features, axis=0, ddof=1)
    spread[spread == 0] = np.nan
    words = [c.removeprefix("f_") for c in columns]
    centres: dict[tuple[int, int], np.ndarray] = {}  # (interest, cluster) → mean features
    rows = []
    for row_number, served, cluster, own in zip(
        chosen["_row"],
        chosen["interest"],
        chosen["cluster"],
        chosen[columns].to_numpy(float),
        strict=True,
    ):
        nearest = nearest_rows[row_number]
        library_rows = nearest[nearest < n]
        if served:
            centre, key = interests[served - 1].rows, (served, -1)
        elif cluster >= 0:
            centre, key = np.flatnonzero(labels == cluster), (0, cluster)
        else:
            centre, key = library_rows, None
        mean = centres.get(key) if key else None
        if mean is None:
            with warnings.catch_warnings():  # a feature no track in the centre has
                warnings.simplefilter("ignore", RuntimeWarning)
                mean = np.nanmean(features[centre], axis=0)
            if key:
                centres[key] = mean
        stands_out = _stands_out(own, mean, spread, words)
        close = [r for r in library_rows if top[r]]
        shown = close[:NAMED] or list(library_rows[:NAMED])
        neighbours = [str(names[r]) for r in shown]
        if close:
            reason = f"Close to {len(close)} of the tracks you played most lately: " + "; ".join(
                neighbours
            )
        else:
            reason = "Sounds like " + "; ".join(neighbours)
        if served and len(interests) > 1:
            reason = f"For your recent interest {served}. " + reason
        if stands_out:
            reason += " — but " + ", ".join(stands_out)
        rows.append((len(close), neighbours, [int(ids[r]) for r in shown], stands_out, reason))
    return pd.DataFrame(
        rows, columns=["close_to", "neighbours", "neighbour_ids", "stands_out", "reason"]
    )

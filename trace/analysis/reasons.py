"""The reason given for each proposed candidate, in words a person can check.

It names the interest the candidate serves, by the interest's name, and the tracks
played most lately that it is closest to: "For The Battle for Wesnoth OST · calm: close
to 6 of the tracks you played most lately: A – X; B – Y; C – Z", then the features in
which it differs most from that interest (else its cluster, else its neighbours): "—
but faster, brighter". A candidate close to only one recent track says it is a weaker
match; one that serves no interest says which of your tracks it sounds like and why it
is shown at all.
"""

from __future__ import annotations

import warnings
from dataclasses import dataclass, field

import numpy as np
import pandas as pd

from trace.analysis.taste import Interest, TasteWeights


@dataclass(frozen=True)
class Names:
    """The words the reasons use: the interests' names, in order, and the clusters'."""

    interests: tuple[str, ...] = ()
    clusters: dict[int, str] = field(default_factory=dict)

    def interest(self, number: int) -> str:
        if 0 < number <= len(self.interests):
            return self.interests[number - 1]
        return f"your recent interest {number}"


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
    *,
    names: Names | None = None,
) -> pd.DataFrame:
    """``close_to``, ``neighbours`` (and their ``neighbour_ids``), ``stands_out`` and
    ``reason`` of each chosen row (``chosen["_row"]``: its row in ``nearest_rows``, the
    library rows nearest each candidate, nearest first). What stands
    out is measured against the interest it serves, else its cluster, else its neighbours."""
    n = len(library)
    words = names or Names()
    names = _label(library).to_numpy()
    ids = library["id"].astype(int).to_numpy()
    top = _top_recent(weights)
    columns = [c for c in library.columns if c.startswith("f_")]
    features = library[columns].to_numpy(float)
    spread = np.nanstd(features, axis=0, ddof=1)
    spread[spread == 0] = np.nan
    features_named = [c.removeprefix("f_") for c in columns]
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
        stands_out = _stands_out(own, mean, spread, features_named)
        close = [r for r in library_rows if top[r]]
        shown = close[:NAMED] or list(library_rows[:NAMED])
        neighbours = [str(names[r]) for r in shown]
        reason = _reason(served, cluster, close, neighbours, words, stands_out)
        rows.append((len(close), neighbours, [int(ids[r]) for r in shown], stands_out, reason))
    return pd.DataFrame(
        rows, columns=["close_to", "neighbours", "neighbour_ids", "stands_out", "reason"]
    )


def _reason(
    served: int,
    cluster: int,
    close: list,
    neighbours: list[str],
    names: Names,
    stands_out: list[str],
) -> str:
    """The words of a reason (see the module docstring)."""
    tracks = "; ".join(neighbours)
    but = f" — but {', '.join(stands_out)}" if stands_out else ""
    if len(close) > 1:
        body = f"close to {len(close)} of the tracks you played most lately: {tracks}"
    elif close:
        body = f"a weaker match — close to only one track you played lately: {tracks}"
    else:
        body = f"sounds like {tracks}"
    if served:
        return f"For {names.interest(served)}: {body}{but}"
    where = names.clusters.get(int(cluster)) if cluster >= 0 else None
    group = f" (your {where} tracks)" if where else ""
    return (
        f"{body[0].upper()}{body[1:]}{group}{but}. Shown because it is close to what you "
        "play, though not to one recent interest."
    )

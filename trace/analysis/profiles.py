"""What each cluster is: feature statistics against the library, who and when, a name.

A cluster's name is made of the words of its most distinctive features: for each named
feature, the difference between the cluster's mean and the library's, in library
standard deviations (a z-score); the three largest beyond half a standard deviation
give the words, strongest first ("fast · loud · minor"). Only trusted values count
(:mod:`trace.audio.trust`): a tempo without beats one could tap, or a key without a clear
fit, is left out of the statistics, and a feature known for fewer than half of a
cluster's tracks does not name it — no cluster is called "fast" on tempos nobody would
tap.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd

from trace.audio.trust import trusted

DESCRIPTIVE_WORDS: dict[str, tuple[str, str]] = {
    "tempo": ("fast", "slow"),
    "loudness": ("loud", "quiet"),
    "energy": ("energetic", "calm"),
    "danceability": ("danceable", "beatless"),
    "acousticness": ("acoustic", "synthetic"),
    "mode": ("major", "minor"),
    "valence": ("happy", "sad"),
    "spectral_centroid_mean": ("bright", "dark"),
    "onset_rate": ("busy", "sparse"),
    "spectral_flatness_mean": ("noisy", "tonal"),
    "pulse_clarity": ("steady beat", "loose rhythm"),
}
"""Feature → (word when the cluster is above the library, word when below)."""
MIN_Z = 0.5
WORDS_PER_NAME = 3
MIN_KNOWN = 0.5
"""A feature names a cluster only if at least this share of its tracks has a trusted value."""


@dataclass(frozen=True)
class ClusterProfile:
    cluster: int
    name: str
    size: int
    stats: pd.DataFrame
    """Per feature: cluster mean and median, library mean and median, z-score."""
    top_artists: list[str]
    top_genres: list[str]
    years: tuple[int, int] | None
    """The middle half of the cluster's release years (25th–75th percentile)."""
    medoids: list[int]
    """Positions (rows of the table) of the tracks nearest the cluster's centre."""


def _top_values(table: pd.DataFrame, column: str, labels: np.ndarray, top: int) -> dict:
    """Cluster → its ``top`` most common values of a ``"; "``-separated column."""
    if column not in table:
        return {}
    values = table[column].fillna("").astype(str)
    frame = pd.DataFrame({"cluster": labels, "value": values.to_numpy()})
    several = values.str.contains("; ", regex=False).to_numpy()
    if several.any():  # split only the few with several values
        split = frame[several].assign(value=values[several].str.split("; ").to_numpy())
        frame = pd.concat([frame[~several], split.explode("value")], ignore_index=True)
        frame["value"] = frame["value"].str.strip()
    frame = frame[(frame["value"] != "") & (frame["cluster"] >= 0)]
    counts = frame.groupby(["cluster", "value"]).size().sort_values(ascending=False)
    return {
        cluster: list(group.index.get_level_values("value")[:top])
        for cluster, group in counts.groupby(level="cluster", sort=False)
    }


def cluster_name(z_scores: pd.Series) -> str:
    """The words of the strongest z-scores beyond :data:`MIN_Z`, or "mixed"."""
    named = z_scores[[f for f in z_scores.index if f in DESCRIPTIVE_WORDS]].dropna()
    strongest = named[named.abs() >= MIN_Z].abs().sort_values(ascending=False)
    words = [
        DESCRIPTIVE_WORDS[feature][0 if z_scores[feature] > 0 else 1]
        for feature in strongest.index[:WORDS_PER_NAME]
    ]
    return " · ".join(words) if words else "mixed"


def profile_clusters(
    table: pd.DataFrame, labels: np.ndarray, space: np.ndarray, *, medoids: int = 3
) -> list[ClusterProfile]:
    """One profile per cluster (noise, label −1, has none), largest first.

    ``table`` is a :func:`trace.analysis.table.feature_table`; ``space`` the cluster space the
    labels came from (its rows aligned with the table's).
    """
    features = trusted(table)[[c for c in table.columns if c.startswith("f_")]].astype(float)
    features.columns = [c.removeprefix("f_") for c in features.columns]
    library_mean, library_median = features.mean(), features.median()
    library_std = features.std().replace(0, np.nan)
    clustered = labels >= 0
    groups = features[clustered].groupby(labels[clustered])  # one pass for every cluster
    means, medians = groups.mean(), groups.median()
    known = groups.count().div(groups.size(), axis=0)
    artists = _top_values(table, "artist", labels, 3)
    genres = _top_values(table, "genre", labels, 3)
    profiles = []
    names_seen: dict[str, int] = {}
    for cluster in sorted(set(labels[labels >= 0]), key=lambda c: -(labels == c).sum()):
        inside = labels == cluster
        z_scores = (means.loc[cluster] - library_mean) / library_std
        stats = pd.DataFrame(
            {
                "cluster_mean": means.loc[cluster],
                "cluster_median": medians.loc[cluster],
                "library_mean": library_mean,
                "library_median": library_median,
                "z": z_scores,
            }
        )
        name = cluster_name(z_scores.where(known.loc[cluster] >= MIN_KNOWN))
        names_seen[name] = names_seen.get(name, 0) + 1
        if names_seen[name] > 1:
            name = f"{name} ({names_seen[name]})"
        centre = space[inside].mean(axis=0)
        positions = np.flatnonzero(inside)
        nearest = positions[np.argsort(np.linalg.norm(space[inside] - centre, axis=1))]
        years = table.loc[inside, "year"].dropna() if "year" in table else pd.Series()
        profiles.append(
            ClusterProfile(
                cluster=int(cluster),
                name=name,
                size=int(inside.sum()),
                stats=stats,
                top_artists=artists.get(cluster, []),
                top_genres=genres.get(cluster, []),
                years=(int(years.quantile(0.25)), int(years.quantile(0.75)))
                if len(years)
                else None,
                medoids=[int(p) for p in nearest[:medoids]],
            )
        )
    return profiles

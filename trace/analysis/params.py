"""Analysis settings: frozen dataclasses with defaults and validation.

They are the cache keys of the dashboard and what the batch job reads back, so every
field is a plain hashable value and every check names the setting and its range.
"""

from __future__ import annotations

from dataclasses import dataclass

from trace.errors import ParameterError

FEATURE_SETS = ("spotify", "timbre", "all", "custom")
SPOTIFY_FEATURES = (
    "tempo",
    "loudness",
    "energy",
    "danceability",
    "key",
    "mode",
    "acousticness",
    "duration_ms",
)
"""The Spotify-named estimates TRACE computes; ``key_confidence`` travels with key."""
IMPORT_ONLY = ("valence", "speechiness", "liveness", "instrumentalness")
"""Spotify's features TRACE does not estimate; they come only from imports."""
METRICS = ("euclidean", "manhattan", "cosine")
CONTEXT_HOURS = ("", "mornings", "afternoons", "evenings", "nights")
"""The parts of the day of :data:`trace.analysis.hours.PARTS`."""
CONTEXT_DAYS = ("", "Mon", "Tue", "Wed", "Thu", "Fri", "Sat", "Sun")
SELECTION_METHODS = ("eom", "leaf")


def _check_range(name: str, value: float, low: float, high: float) -> None:
    if not low <= value <= high:
        raise ParameterError(f"{name} must be between {low:g} and {high:g}, got {value!r}")


@dataclass(frozen=True, slots=True)
class FeatureParams:
    """Which features feed the map.

    ``spotify``: the Spotify-named estimates; ``timbre``: the raw descriptors (spectral
    shape, MFCC, chroma, rhythm); ``all``: both; ``custom``: exactly ``columns``.
    ``learned``: MusiCNN's embedding joins them, where the library has it
    (:func:`trace.analysis.embed.scale`).
    """

    feature_set: str = "all"
    columns: tuple[str, ...] = ()
    learned: bool = True

    def __post_init__(self) -> None:
        if self.feature_set not in FEATURE_SETS:
            raise ParameterError(
                f"feature_set must be one of {FEATURE_SETS}, got {self.feature_set!r}"
            )
        if self.feature_set == "custom" and not self.columns:
            raise ParameterError("a custom feature set needs at least one column")


@dataclass(frozen=True, slots=True)
class EmbedParams:
    """UMAP settings: a cluster space of ``n_components`` dimensions (min_dist 0, so
    clusters stay dense) and a 2-D layout for display with ``layout_min_dist``.

    ``n_epochs`` 100 rather than umap-learn's 500 below 10,000 points (200 above): the
    clusters have settled by then — on the demo and on 10,000 synthetic tracks in 14
    blobs the clusters are the same as at 200 or 500 epochs (adjusted Rand index 1.0) —
    and a fit takes about a fifth of the time (bench/analysis.py).
    """

    n_neighbors: int = 15
    metric: str = "euclidean"
    n_components: int = 5
    layout_min_dist: float = 0.1
    n_epochs: int = 100
    seed: int = 42

    def __post_init__(self) -> None:
        _check_range("n_neighbors", self.n_neighbors, 2, 200)
        _check_range("n_components", self.n_components, 2, 20)
        _check_range("layout_min_dist", self.layout_min_dist, 0.0, 1.0)
        _check_range("n_epochs", self.n_epochs, 10, 1000)
        if self.metric not in METRICS:
            raise ParameterError(f"metric must be one of {METRICS}, got {self.metric!r}")


@dataclass(frozen=True, slots=True)
class ClusterParams:
    """HDBSCAN settings; ``min_samples`` ``None`` means equal to ``min_cluster_size``."""

    min_cluster_size: int = 10
    min_samples: int | None = None
    cluster_selection_epsilon: float = 0.0
    cluster_selection_method: str = "eom"

    def __post_init__(self) -> None:
        _check_range("min_cluster_size", self.min_cluster_size, 2, 10_000)
        if self.min_samples is not None:
            _check_range("min_samples", self.min_samples, 1, 10_000)
        _check_range("cluster_selection_epsilon", self.cluster_selection_epsilon, 0.0, 100.0)
        if self.cluster_selection_method not in SELECTION_METHODS:
            raise ParameterError(
                f"cluster_selection_method must be one of {SELECTION_METHODS}, "
                f"got {self.cluster_selection_method!r}"
            )


MOODS = ("", "calm", "happy", "energetic", "tense")
"""The mood contexts: any, or one of the regions in :data:`trace.analysis.mood.REGIONS`."""


@dataclass(frozen=True, slots=True)
class RankingParams:
    """How many candidates to propose, at most how many per artist and per album, the
    least placement confidence (the forest's probability for the candidate's cluster),
    how much of the predicted preference to blend into the order (0: none, 1: only it),
    a mood context ("" for any, else a region of :data:`trace.analysis.mood.REGIONS`), and
    the ranges of valence (or its stand-in) and energy a candidate must lie in."""

    candidates: int = 25
    per_artist: int = 3
    per_album: int = 3
    min_confidence: float = 0.35
    preference_weight: float = 0.0
    mood: str = ""
    valence_range: tuple[float, float] = (0.0, 1.0)
    energy_range: tuple[float, float] = (0.0, 1.0)
    hours: str = ""
    """A time context: "" (none), else a part of the day (:data:`CONTEXT_HOURS`): rank
    candidates by closeness to what the person plays then."""
    day: str = ""
    """… and "" (any day) or a weekday (:data:`CONTEXT_DAYS`): what they play on that day."""
    timezone: str = ""
    """The zone the context's hours are read in ("": UTC)."""

    def __post_init__(self) -> None:
        for name in ("valence_range", "energy_range"):
            low, high = getattr(self, name)
            _check_range(f"{name}'s low end", low, 0.0, 1.0)
            _check_range(f"{name}'s high end", high, low, 1.0)
        _check_range("candidates", self.candidates, 1, 1000)
        _check_range("per_artist", self.per_artist, 1, 100)
        _check_range("per_album", self.per_album, 1, 100)
        _check_range("min_confidence", self.min_confidence, 0.0, 1.0)
        _check_range("preference_weight", self.preference_weight, 0.0, 1.0)
        if self.hours not in CONTEXT_HOURS or self.day not in CONTEXT_DAYS:
            raise ParameterError(
                f"hours must be one of {CONTEXT_HOURS} and day one of {CONTEXT_DAYS}, "
                f"got {self.hours!r} and {self.day!r}"
            )
        if self.mood not in MOODS:
            raise ParameterError(
                f"mood must be one of {', '.join(repr(m) for m in MOODS)}, got {self.mood!r}"
            )

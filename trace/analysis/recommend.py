"""Ranking candidates for the person's recent interests, each with a reason.

**Score.** A forest trained to tell the recent listening from the usual by the audio
(:class:`trace.analysis.taste.ShiftModel`) gives each candidate the probability that it
belongs to the recent listening: the density ratio of recent to usual around it, in the
features that moved. On real recordings this beat every fixed-distance rule we tried,
TRACE's earlier cluster lift included (docs/PERFORMANCE.md). Ties, and the order without
a forest, go by the *recent affinity*: the mean recent share of the candidate's nearest
library tracks (Gaussian weights on the distance). With no listening history the surest
placements come first.

**Decisions teach it.** A candidate like an approved one is lifted, up to double, and
one like a rejected one lowered, down to half: the score is multiplied by
``(1 + a) / (1 + r)``, ``a`` and ``r`` its similarity to the nearest approved and the
nearest rejected candidate (1 for the same sound, 0 far away). Decided candidates are
left out and teach the preference forest (:mod:`trace.analysis.preference`) too. On real
recordings, with a page of 25 decided each round, the rejections are what teaches: the
lift alone changed nothing, the pair raised the third round (docs/PERFORMANCE.md, the
deciding listener); a pull that could drop a score to zero dragged the rest of the
interest down with the rejected look-alikes.

**Never proposed:** a candidate unlike anything in the library, one already in it (the
same file, ISRC, or normalised artist and title), one already decided, one the forest
places with less than the least confidence, one outside the mood or the ranges.
Per-artist and per-album caps keep the list varied.

**The reason** (:mod:`trace.analysis.reasons`) names the recent tracks the candidate
is closest to, and the interest it serves: "Close to 6 of the tracks you played most
lately: A – X, B – Y, C – Z", then the features in which it differs most from them
("— but faster, brighter").
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field

import numpy as np
import pandas as pd
from sklearn.neighbors import NearestNeighbors

from trace.analysis.classify import ClusterModel
from trace.analysis.hours import context_words
from trace.analysis.mood import REGIONS, in_ranges, mood_axes
from trace.analysis.params import RankingParams
from trace.analysis.reasons import Names, explain
from trace.analysis.taste import Interest, ShiftModel, TasteWeights, clusters_of
from trace.library.text import match_key

NEIGHBOURS = 10
SERVES = 0.15
"""A candidate serves an interest when the interest holds this share of its nearest
tracks (by weight): two of ten, roughly. On real music an interest's tracks mingle with
others, and a third left most candidates "for" none."""
"""How many reference tracks a candidate is compared with."""
APPROVED_BOOST = 1.0
"""A candidate that sounds the same as an approved one scores up to (1 + this) times."""
REJECTED_PULL = 1.0
"""… and one that sounds the same as a rejected one, 1 / (1 + this) times."""
CONTEXT_WEIGHT = 0.75
"""With a time context, the order is three quarters the closeness to what the person plays
then and a quarter the usual order (ranks of each): the person asked for the hour."""
CONTEXT_FITS = 1.2
"""A candidate whose nearest tracks are played this much more in the context than usually
"fits" it, and its reason says so."""
EXCLUSIONS = ("in your library", "already decided", "unlike anything", "low confidence")
COLUMNS = [
    "track_id",
    "artist",
    "title",
    "album",
    "location",
    "cluster",
    "confidence",
    "score",
    "interest",
    "close_to",
    "neighbours",
    "neighbour_ids",
    "stands_out",
    "reason",
    "preference",
    "pool",
]


@dataclass(frozen=True)
class Ranking:
    """The proposed candidates, best first, and what was left out and why."""

    proposed: pd.DataFrame
    """One row per proposed candidate: ``track_id``, ``artist``, ``title``, ``album``,
    ``location`` (path or Spotify URI), ``cluster``, ``confidence``, ``score``,
    ``interest`` (the number of the interest it serves, from 1; 0 for none),
    ``close_to`` (how many of its nearest tracks are among those played most lately),
    ``neighbours`` (the named ones, "Artist – Title"), ``neighbour_ids`` (their track
    ids, in the same order), ``stands_out`` (words),
    ``reason``, ``preference``."""
    left_out: dict[str, int] = field(default_factory=dict)
    """Reason → how many candidates it kept out (including those beyond the caps)."""
    recent_clusters: tuple[int, ...] = ()
    """The clusters the recent interests lie in most, strongest interest first."""
    interests: tuple[Interest, ...] = ()


@dataclass(frozen=True)
class Evidence:
    """What the ranking knows of the person: the library's recent and usual shares, the
    recent interests, and the decisions taken."""

    weights: TasteWeights
    interests: tuple[Interest, ...] = ()
    shift: ShiftModel | None = None
    interest_names: tuple[str, ...] = ()
    """The interests' names (:mod:`trace.analysis.naming`), for the reasons."""
    cluster_names: dict[int, str] = field(default_factory=dict)
    approved: frozenset[int] = frozenset()
    rejected: frozenset[int] = frozenset()
    context: np.ndarray | None = None
    """Per library row, how much more it is played in the ranking's time context than
    usually (:func:`trace.analysis.hours.context_lift`); None without a context."""

    @property
    def decided(self) -> frozenset[int]:
        return self.approved | self.rejected


def _keys(frame: pd.DataFrame) -> pd.Series:
    return pd.Series(
        [match_key(a, t) for a, t in zip(frame["artist"], frame["title"], strict=True)],
        index=frame.index,
    )


def already_known(library: pd.DataFrame, candidates: pd.DataFrame) -> pd.Series:
    """True for each candidate already in the library: same file, ISRC, or artist+title."""
    same_file = candidates["signature"].notna() & candidates["signature"].isin(
        set(library["signature"].dropna())
    )
    same_path = candidates["path"].notna() & candidates["path"].isin(set(library["path"].dropna()))
    isrcs = set(library["isrc"].dropna().str.upper())
    same_isrc = candidates["isrc"].fillna("").str.upper().isin(isrcs - {""})
    keys = set(_keys(library).dropna())
    same_name = _keys(candidates).isin(keys - {None})
    return same_file | same_path | same_isrc | same_name


# -- scoring ----------------------------------------------------------------------------


@dataclass(frozen=True)
class Affinity:
    """Per candidate: its nearest reference rows, their weights, and the affinities."""

    rows: np.ndarray
    weights: np.ndarray
    recent: np.ndarray
    usual: np.ndarray
    approved: np.ndarray
    """Similarity (0–1) to the nearest approved candidate."""
    rejected: np.ndarray
    """Similarity (0–1) to the nearest rejected candidate."""

    def taught(self, score: np.ndarray) -> np.ndarray:
        """``score`` lifted near approved candidates and lowered near rejected ones."""
        return (
            score * (1.0 + APPROVED_BOOST * self.approved) / (1.0 + REJECTED_PULL * self.rejected)
        )


def affinity(
    library_values: np.ndarray,
    candidates: pd.DataFrame,
    candidate_values: np.ndarray,
    evidence: Evidence,
) -> Affinity:
    """Each candidate against its :data:`NEIGHBOURS` nearest library tracks, and its
    similarity to the nearest approved and the nearest rejected candidate (itself left
    out)."""
    weights = evidence.weights
    k = min(NEIGHBOURS, len(library_values))
    distances, rows = (
        NearestNeighbors(n_neighbors=k).fit(library_values).kneighbors(candidate_values)
    )
    scale = float(np.median(distances[:, -1])) or 1.0
    nearest = distances[:, :1]  # relative to the nearest, so a far candidate has weights too
    kernel = np.exp(-0.5 * ((distances / scale) ** 2 - (nearest / scale) ** 2))
    kernel /= kernel.sum(axis=1, keepdims=True)
    ids = candidates["id"].to_numpy()
    return Affinity(
        rows=rows,
        weights=kernel,
        recent=(kernel * weights.recent[rows]).sum(axis=1),
        usual=(kernel * weights.usual[rows]).sum(axis=1),
        approved=_similarity(candidate_values, np.isin(ids, list(evidence.approved)), scale),
        rejected=_similarity(candidate_values, np.isin(ids, list(evidence.rejected)), scale),
    )


def _similarity(values: np.ndarray, chosen: np.ndarray, scale: float) -> np.ndarray:
    """Each row's similarity, exp(−d²/2s²), to the nearest ``chosen`` row other than
    itself (0 when there is none)."""
    if chosen.sum() == 0 or (chosen.sum() == 1 and len(values) == 1):
        return np.zeros(len(values))
    k = min(2, int(chosen.sum()))
    distances, rows = NearestNeighbors(n_neighbors=k).fit(values[chosen]).kneighbors(values)
    itself = np.full(len(values), -1)
    itself[chosen] = np.arange(int(chosen.sum()))
    nearest = np.where(rows[:, 0] == itself, distances[:, -1], distances[:, 0])
    if k == 1:
        nearest = np.where(itself >= 0, np.inf, nearest)
    return np.exp(-0.5 * (nearest / scale) ** 2)


def served_interest(near: Affinity, interests: tuple[Interest, ...], n: int) -> np.ndarray:
    """Per candidate: 1 + the index of the interest most of its nearest tracks belong to
    (by weight), or 0 when none holds :data:`SERVES` of them."""
    served = np.zeros(len(near.rows), int)
    best = np.zeros(len(near.rows))
    for number, interest in enumerate(interests, start=1):
        member = np.zeros(n, bool)
        member[interest.rows] = True
        share = (near.weights * member[near.rows]).sum(axis=1)
        better = (share > best) & (share >= SERVES)
        served[better], best[better] = number, share[better]
    return served


# -- filtering and caps ------------------------------------------------------------------


def exclusions(
    library: pd.DataFrame,
    candidates: pd.DataFrame,
    candidate_values: np.ndarray,
    model: ClusterModel,
    confidence: np.ndarray,
    decided: frozenset[int],
    params: RankingParams,
) -> dict[str, np.ndarray]:
    """Reason → which candidates it keeps out, in the order they are counted."""
    reasons = {
        "in your library": _given_or(
            candidates, "in_library", lambda: already_known(library, candidates).to_numpy()
        ),
        "already decided": candidates["id"].isin(decided).to_numpy(),
        "unlike anything": _given_or(
            candidates,
            "unlike",
            lambda: (
                model.library_index.kneighbors(candidate_values, n_neighbors=1)[0][:, 0]
                > model.unlike_distance
            ),
        ),
        "low confidence": confidence < params.min_confidence,
    }
    axes = mood_axes(candidates.reset_index(drop=True))
    if params.mood:
        reasons[f"outside the mood '{params.mood}'"] = ~in_ranges(
            axes, *REGIONS[params.mood]
        ).to_numpy()
    if params.valence_range != (0.0, 1.0) or params.energy_range != (0.0, 1.0):
        inside = in_ranges(axes, params.valence_range, params.energy_range)
        reasons["outside the valence and energy ranges"] = ~inside.to_numpy()
    return reasons


def _capped(order: pd.DataFrame, params: RankingParams) -> tuple[list[int], int]:
    """Rows of ``order`` (best first) kept under the caps, and how many the caps dropped."""
    per_artist: dict[str, int] = {}
    per_album: dict[tuple[str, str], int] = {}
    kept: list[int] = []
    dropped = 0
    for position, artist_name, album_name in zip(
        order.index, order["artist"], order["album"], strict=True
    ):
        artist = str(artist_name or "").casefold()
        album = (artist, str(album_name or "").casefold())
        if per_artist.get(artist, 0) >= params.per_artist or (
            album_name and per_album.get(album, 0) >= params.per_album
        ):
            dropped += 1
            continue
        per_artist[artist] = per_artist.get(artist, 0) + 1
        per_album[album] = per_album.get(album, 0) + 1
        kept.append(position)
        if len(kept) == params.candidates:
            break
    return kept, dropped


# -- the ranking -------------------------------------------------------------------------


def _given_or(candidates: pd.DataFrame, column: str, compute: Callable[[], np.ndarray]):
    """A flag the pipeline works out once per library (:meth:`Pipeline.placed`), else
    computed here; no decision changes it."""
    return candidates[column].to_numpy(bool) if column in candidates else compute()


def rank_candidates(
    library: pd.DataFrame,
    library_values: np.ndarray,
    labels: np.ndarray,
    candidates: pd.DataFrame,
    candidate_values: np.ndarray,
    model: ClusterModel,
    evidence: Evidence,
    *,
    params: RankingParams | None = None,
    preference: np.ndarray | None = None,
) -> Ranking:
    """Score, filter, cap and explain the candidates.

    ``library``/``candidates`` are feature tables (:func:`trace.analysis.table.feature_table`)
    whose rows align with ``library_values``/``candidate_values`` (the same fitted
    scaling); ``labels`` the library's clusters; ``preference`` the predicted preference
    of each candidate (:mod:`trace.analysis.preference`), blended into the order by
    ``params.preference_weight``: ``(1 − w) × rank of score + w × rank of preference``.
    """
    params = params or RankingParams()
    interests = evidence.interests
    recent_clusters = clusters_of(interests, labels)
    if candidates.empty:
        return Ranking(pd.DataFrame(columns=COLUMNS), {}, recent_clusters, interests)

    probabilities = model.forest.predict_proba(candidate_values)
    cluster = model.forest.classes_[probabilities.argmax(axis=1)]
    confidence = probabilities.max(axis=1)
    near = affinity(library_values, candidates, candidate_values, evidence)
    if evidence.shift is not None:
        score = near.taught(evidence.shift.recent_probability(candidate_values))
        fallback = near.taught(near.recent)
    else:  # no history: the surest placements first
        score = fallback = near.taught(confidence)

    left_out: dict[str, int] = {}
    eligible = np.ones(len(candidates), bool)
    reasons = exclusions(
        library, candidates, candidate_values, model, confidence, evidence.decided, params
    )
    for reason, mask in reasons.items():
        hit = mask & eligible
        if hit.any():
            left_out[reason] = int(hit.sum())
        eligible &= ~mask

    liking = np.full(len(candidates), np.nan) if preference is None else preference
    frame = candidates.assign(
        cluster=cluster,
        confidence=confidence,
        score=score,
        _fallback=fallback,
        preference=liking,
        interest=served_interest(near, interests, len(library)),
        _row=np.arange(len(candidates)),
    )[eligible]
    weight = params.preference_weight if preference is not None else 0.0
    frame["_order"] = (1 - weight) * frame["score"].rank(pct=True)
    if weight:
        frame["_order"] += weight * frame["preference"].rank(pct=True)
    fits = None
    if evidence.context is not None:
        fits = (near.weights * evidence.context[near.rows]).sum(axis=1)
        fit = pd.Series(fits, index=candidates.index)[frame.index]
        frame["_order"] = (1 - CONTEXT_WEIGHT) * frame["_order"] + CONTEXT_WEIGHT * fit.rank(
            pct=True
        )
    order = frame.sort_values(  # last ties: the track stored first, however it was loaded
        ["_order", "_fallback", "confidence", "id"],
        ascending=[False, False, False, True],
        kind="stable",
    )
    kept, dropped = _capped(order, params)
    if dropped:
        left_out["beyond the per-artist or per-album cap"] = dropped
    chosen = order.loc[kept]
    if chosen.empty:
        return Ranking(pd.DataFrame(columns=COLUMNS), left_out, recent_clusters, interests)
    told = explain(
        chosen,
        near.rows,
        library,
        evidence.weights,
        interests,
        labels,
        names=Names(evidence.interest_names, evidence.cluster_names),
    )
    location = chosen["path"].where(chosen["path"].notna(), chosen.get("spotify_uri"))
    proposed = pd.DataFrame(
        {
            "track_id": chosen["id"].astype(int).to_numpy(),
            "artist": chosen["artist"].to_numpy(),
            "title": chosen["title"].to_numpy(),
            "album": chosen["album"].to_numpy(),
            "location": location.to_numpy(),
            "cluster": chosen["cluster"].astype(int).to_numpy(),
            "confidence": chosen["confidence"].to_numpy(),
            "score": chosen["score"].to_numpy(),
            "interest": chosen["interest"].astype(int).to_numpy(),
            **{c: told[c].to_numpy() for c in told.columns},
            "preference": chosen["preference"].to_numpy(),
            "pool": chosen["pool"].to_numpy() if "pool" in chosen else None,
        }
    )
    if fits is not None:
        fitting = fits[chosen["_row"].to_numpy()] >= CONTEXT_FITS
        words = context_words(params.hours, params.day)
        proposed.loc[fitting, "reason"] = proposed.loc[fitting, "reason"] + f" It fits {words}."
    return Ranking(proposed[COLUMNS], left_out, recent_clusters, interests)

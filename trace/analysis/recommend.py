"""Ranking candidates for the person's recent interests, each with a reason.

A candidate's score is the chance the forest gives it of belonging to each
recent-interest cluster, weighted by that cluster's lift and summed. Candidates the
forest places (most probably) in a recent-interest cluster, with at least the minimum
confidence, come first; after them, those of *rising* clusters — lift above 1 without
yet meeting the recent-interest rule — so a list is not cut short when one interest has
few candidates (their reason says so). With no listening history to tell what is
recent, every cluster counts and the surest placements come first.

Never proposed: a candidate "unlike anything in your library", one already in it (the
same file, the same ISRC, or the same normalised artist and title), or one already
approved or rejected. Per-artist and per-album caps keep the
list varied; the best-scored tracks of an artist come first.

The reason: the three library tracks of its cluster nearest to it in the scaled feature
space, and the features in which it differs most from that cluster (in library standard
deviations), e.g. "Sounds like A – X, B – Y; faster, brighter".
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np
import pandas as pd
from sklearn.neighbors import NearestNeighbors

from trace.analysis.classify import ClusterModel
from trace.analysis.mood import REGIONS, in_ranges, mood_axes
from trace.analysis.params import RankingParams
from trace.library.text import match_key

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
"""Feature → (word when the candidate is above its cluster, word when below)."""
NEIGHBOURS = 3
MIN_DIFFERENCE = 0.5
EXCLUSIONS = ("in your library", "already decided", "unlike anything", "low confidence")


@dataclass(frozen=True)
class Ranking:
    """The proposed candidates, best first, and what was left out and why."""

    proposed: pd.DataFrame
    """One row per proposed candidate: ``track_id``, ``artist``, ``title``, ``album``,
    ``location`` (path or Spotify URI), ``cluster``, ``confidence``, ``score``,
    ``neighbours`` (list of "Artist – Title"), ``stands_out`` (list of words), ``reason``."""
    left_out: dict[str, int] = field(default_factory=dict)
    """Reason → how many candidates it kept out (including those beyond the caps)."""
    recent_clusters: tuple[int, ...] = ()


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


def _label(frame: pd.DataFrame) -> pd.Series:
    artist = frame["artist"].fillna("").replace("", "Unknown artist")
    return artist + " – " + frame["title"].fillna("")


def _stands_out(candidate: pd.Series, centre: pd.Series, spread: pd.Series) -> list[str]:
    differences = ((candidate - centre) / spread).dropna()
    differences.index = [str(f).removeprefix("f_") for f in differences.index]
    named = differences[[f for f in differences.index if f in COMPARATIVES]]
    strongest = named[named.abs() >= MIN_DIFFERENCE].abs().sort_values(ascending=False)
    return [COMPARATIVES[f][0 if named[f] > 0 else 1] for f in strongest.index[:2]]


def _capped(order: pd.DataFrame, params: RankingParams) -> tuple[list[int], int]:
    """Rows of ``order`` (best first) kept under the caps, and how many the caps dropped."""
    per_artist: dict[str, int] = {}
    per_album: dict[tuple[str, str], int] = {}
    kept: list[int] = []
    dropped = 0
    for position, row in order.iterrows():
        artist = str(row["artist"] or "").casefold()
        album = (artist, str(row["album"] or "").casefold())
        if per_artist.get(artist, 0) >= params.per_artist or (
            row["album"] and per_album.get(album, 0) >= params.per_album
        ):
            dropped += 1
            continue
        per_artist[artist] = per_artist.get(artist, 0) + 1
        per_album[album] = per_album.get(album, 0) + 1
        kept.append(position)
        if len(kept) == params.candidates:
            break
    return kept, dropped


def rank_candidates(
    library: pd.DataFrame,
    library_values: np.ndarray,
    labels: np.ndarray,
    candidates: pd.DataFrame,
    candidate_values: np.ndarray,
    model: ClusterModel,
    interest: pd.DataFrame,
    *,
    decided: set[int] | frozenset[int] = frozenset(),
    params: RankingParams | None = None,
    preference: np.ndarray | None = None,
) -> Ranking:
    """Score, filter, cap and explain the candidates.

    ``library``/``candidates`` are feature tables (:func:`trace.analysis.table.feature_table`)
    whose rows align with ``library_values``/``candidate_values`` (the same fitted
    scaling); ``labels`` the library's clusters; ``interest`` the result of
    :func:`trace.analysis.interest.recent_interest`; ``decided`` the track ids already approved
    or rejected; ``preference`` the predicted preference of each candidate
    (:mod:`trace.analysis.preference`), blended into the order by ``params.preference_weight``:
    within each tier the order follows ``(1 − w) × rank of score + w × rank of
    preference``. ``params.mood`` keeps only candidates in that region of the mood plane.
    """
    params = params or RankingParams()
    empty = pd.DataFrame(
        columns=[
            "track_id",
            "artist",
            "title",
            "album",
            "location",
            "cluster",
            "confidence",
            "score",
            "neighbours",
            "stands_out",
            "reason",
            "preference",
        ]
    )
    recent = interest[interest["recent_interest"]] if len(interest) else interest
    lifts = dict(zip(recent["cluster"], recent["lift"], strict=True)) if len(recent) else {}
    rising = (
        {
            c: lift
            for c, lift in zip(interest["cluster"], interest["lift"], strict=True)
            if lift > 1.0 and c not in lifts
        }
        if lifts
        else {}
    )
    if candidates.empty:
        return Ranking(empty, {}, tuple(lifts))

    probabilities = model.forest.predict_proba(candidate_values)
    classes = model.forest.classes_
    best = probabilities.argmax(axis=1)
    cluster = classes[best]
    confidence = probabilities.max(axis=1)
    distance = model.library_index.kneighbors(candidate_values, n_neighbors=1)[0][:, 0]
    tier = np.zeros(len(cluster), int)  # 0: a recent interest, 1: rising, 2: neither
    if lifts:
        weights = np.array([lifts.get(c, rising.get(c, 0.0)) for c in classes])
        score = probabilities @ weights
        tier[~np.isin(cluster, list(lifts))] = 1
        tier[~np.isin(cluster, [*lifts, *rising])] = 2
    else:  # no history: every cluster counts, the surest placements first
        score = confidence.copy()
    in_focus = tier < 2

    reasons = {
        "in your library": already_known(library, candidates).to_numpy(),
        "already decided": candidates["id"].isin(decided).to_numpy(),
        "unlike anything": distance > model.unlike_distance,
        "low confidence": confidence < params.min_confidence,
    }
    axes = mood_axes(candidates.reset_index(drop=True))
    if params.mood:
        inside = in_ranges(axes, *REGIONS[params.mood])
        reasons[f"outside the mood '{params.mood}'"] = ~inside.to_numpy()
    if params.valence_range != (0.0, 1.0) or params.energy_range != (0.0, 1.0):
        inside = in_ranges(axes, params.valence_range, params.energy_range)
        reasons["outside the valence and energy ranges"] = ~inside.to_numpy()
    left_out: dict[str, int] = {}
    eligible = np.ones(len(candidates), bool)
    for reason, mask in reasons.items():
        hit = mask & eligible
        if hit.any():
            left_out[reason] = int(hit.sum())
        eligible &= ~mask
    if lifts:
        outside = eligible & ~in_focus
        if outside.any():
            left_out["not in a recent-interest or rising cluster"] = int(outside.sum())
        eligible &= in_focus

    liking = np.full(len(candidates), np.nan) if preference is None else preference
    frame = candidates.assign(
        cluster=cluster,
        confidence=confidence,
        score=score,
        preference=liking,
        _tier=tier,
        _row=np.arange(len(candidates)),
    )[eligible]
    weight = params.preference_weight if preference is not None else 0.0
    frame["_order"] = (1 - weight) * frame["score"].rank(pct=True)
    if weight:
        frame["_order"] += weight * frame["preference"].rank(pct=True)
    order = frame.sort_values(  # ties: the track stored first, however the frame was loaded
        ["_tier", "_order", "confidence", "id"],
        ascending=[True, False, False, True],
        kind="stable",
    )
    kept, dropped = _capped(order, params)
    if dropped:
        left_out["beyond the per-artist or per-album cap"] = dropped
    chosen = order.loc[kept]
    if chosen.empty:
        return Ranking(empty, left_out, tuple(lifts))

    names = _label(library).to_numpy()
    features = library[[c for c in library.columns if c.startswith("f_")]].astype(float)
    spread = features.std().replace(0, np.nan)
    rows = []
    for _, row in chosen.iterrows():
        members = np.flatnonzero(labels == row["cluster"])
        k = min(NEIGHBOURS, len(members))
        index = NearestNeighbors(n_neighbors=k).fit(library_values[members])
        nearest = members[index.kneighbors(candidate_values[[row["_row"]]])[1][0]]
        neighbours = [str(n) for n in names[nearest]]
        own = row[features.columns].astype(float)
        stands_out = _stands_out(own, features.iloc[members].mean(), spread)
        reason = "Sounds like " + "; ".join(neighbours)
        if row["_tier"] == 1:
            reason = "From a rising interest. " + reason
        if stands_out:
            reason += " — but " + ", ".join(stands_out)
        rows.append((neighbours, stands_out, reason))
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
            "neighbours": [r[0] for r in rows],
            "stands_out": [r[1] for r in rows],
            "reason": [r[2] for r in rows],
            "preference": chosen["preference"].to_numpy(),
        }
    )
    return Ranking(proposed, left_out, tuple(lifts))

"""Ordering a playlist along a tempo or energy curve, never the same artist twice in a row.

``rising`` sorts from low to high, ``falling`` from high to low, and ``steady`` keeps
each step as small as it can: it starts at the track nearest the median and always goes
on to the nearest remaining value. Then the artist rule: wherever a track follows one by
the same artist, the nearest later track by another artist is moved up in its place, so
the curve bends as little as possible; when only that artist is left, the track goes
back to the latest place between two other artists. When one artist has more than half
the tracks the rule cannot hold everywhere; :func:`order_tracks` reports the repeats.
Tracks without the value keep their relative order at the end.

``harmonic`` orders as DJs mix (:func:`harmonic_order`): each next track is, where it can
be, a neighbour in key on the Camelot wheel — the same key, one step round the wheel, or
the relative major/minor — and close in tempo. A key TRACE is unsure of
(``key_confidence`` below :data:`trace.audio.trust.CONFIDENT`) or a tempo it is unsure of
is left out of the choice and the other decides; :func:`compatible_share` says what share
of the adjacent pairs with sure keys mix well.
"""

from __future__ import annotations

import itertools

import numpy as np
import pandas as pd

CURVES = ("rising", "falling", "steady")
HARMONIC = "harmonic"
TEMPO_STEP = 8.0
"""BPM apart that weigh as much as a key that does not mix (DJs pitch a track by a few %)."""


def _curve(values: pd.Series, curve: str) -> list:
    known = values.dropna()
    if curve == "rising":
        order = list(known.sort_values(kind="stable").index)
    elif curve == "falling":
        order = list(known.sort_values(ascending=False, kind="stable").index)
    elif curve == "steady":
        order, left = [], known.copy()
        if len(left):
            current = (left - left.median()).abs().idxmin()
            while True:
                order.append(current)
                value = left.pop(current)
                if left.empty:
                    break
                current = (left - value).abs().idxmin()
    else:
        raise ValueError(f"curve must be one of {', '.join(CURVES)}, got {curve!r}")
    return order + list(values.index[values.isna()])


def _spread_artists(order: list, artists: pd.Series) -> tuple[list, int]:
    order = list(order)
    for i in range(1, len(order)):
        if artists[order[i]] != artists[order[i - 1]]:
            continue
        later = next(
            (j for j in range(i + 1, len(order)) if artists[order[j]] != artists[order[i - 1]]),
            None,
        )
        if later is not None:
            order.insert(i, order.pop(later))
            continue
        # Only this artist is left: put the track back where it sits between two others.
        artist = artists[order[i]]
        for k in range(i - 1, -1, -1):
            before = artists[order[k - 1]] if k else None
            if before != artist and artists[order[k]] != artist:
                order.insert(k, order.pop(i))
                break
    repeats = sum(artists[a] == artists[b] for a, b in itertools.pairwise(order))
    return order, int(repeats)


def order_tracks(
    tracks: pd.DataFrame, *, by: str = "tempo", curve: str = "rising"
) -> tuple[pd.DataFrame, int]:
    """``tracks`` reordered; and how many same-artist neighbours could not be avoided.

    ``by`` is a feature name (``tempo``, ``energy``…; the ``f_`` column), ``artist``
    the artist column.
    """
    if by == HARMONIC:
        order = harmonic_order(tracks)
        artists = tracks["artist"].fillna("").astype(str).str.casefold()
        order, repeats = _spread_artists(order, artists)
        return tracks.loc[order].reset_index(drop=True), repeats
    column = by if by in tracks else f"f_{by}"
    values = pd.to_numeric(tracks[column], errors="coerce") if column in tracks else None
    if values is None:
        values = pd.Series(np.nan, index=tracks.index)
    order = _curve(values, curve)
    artists = tracks["artist"].fillna("").astype(str).str.casefold()
    order, repeats = _spread_artists(order, artists)
    return tracks.loc[order].reset_index(drop=True), repeats


def camelot(key: float, mode: float) -> tuple[int, str] | None:
    """The Camelot code of a pitch class (0 = C) and mode (1 major, 0 minor): C major is
    ``(8, "B")``, A minor ``(8, "A")``; None when either is unknown."""
    if pd.isna(key) or pd.isna(mode):
        return None
    major = int(key) % 12 if mode >= 0.5 else (int(key) + 3) % 12  # minor: its relative major
    return (major * 7 + 7) % 12 + 1, "B" if mode >= 0.5 else "A"


def mixes(a: tuple[int, str] | None, b: tuple[int, str] | None) -> bool | None:
    """Whether two Camelot codes mix: the same, one step round the wheel in the same
    letter, or the same number in the other letter. None when either is unknown."""
    if a is None or b is None:
        return None
    step = (a[0] - b[0]) % 12
    return (a[1] == b[1] and step in (0, 1, 11)) or (a[0] == b[0])


def _sure(tracks: pd.DataFrame, name: str, guard: str) -> pd.Series:
    from trace.audio.trust import CONFIDENT

    if f"f_{name}" not in tracks:
        return pd.Series(np.nan, index=tracks.index)
    values = pd.to_numeric(tracks[f"f_{name}"], errors="coerce")
    if f"f_{guard}" not in tracks:
        return values
    confidence = pd.to_numeric(tracks[f"f_{guard}"], errors="coerce")
    return values.where(~(confidence < CONFIDENT))


def codes(tracks: pd.DataFrame) -> pd.Series:
    """Each track's Camelot code where its key is sure, else None."""
    key = _sure(tracks, "key", "key_confidence")
    mode = _sure(tracks, "mode", "key_confidence")
    return pd.Series([camelot(k, m) for k, m in zip(key, mode, strict=True)], index=tracks.index)


def harmonic_order(tracks: pd.DataFrame) -> list:
    """From the track nearest the median tempo, each next the remaining one that mixes
    best: a key that mixes counts as :data:`TEMPO_STEP` BPM closer; an unknown key or
    tempo is left out of the choice."""
    if tracks.empty:
        return []
    code = codes(tracks)
    tempo = _sure(tracks, "tempo", "tempo_confidence")
    left = list(tracks.index)
    known = tempo.dropna()
    current = (known - known.median()).abs().idxmin() if len(known) else left[0]
    order = []
    while True:
        order.append(current)
        left.remove(current)
        if not left:
            return order
        gap = (tempo[left] - tempo[current]).abs().fillna(0) / TEMPO_STEP
        clash = pd.Series([mixes(code[current], code[i]) is False for i in left], index=left)
        cost = gap.clip(upper=1.0) + clash.astype(float)
        current = cost.idxmin()


def compatible_share(tracks: pd.DataFrame) -> tuple[float, int]:
    """The share of adjacent pairs (both keys sure) whose keys mix, and how many pairs."""
    code = codes(tracks).tolist()
    judged = [mixes(a, b) for a, b in itertools.pairwise(code)]
    judged = [j for j in judged if j is not None]
    return (sum(judged) / len(judged) if judged else float("nan")), len(judged)


def random_share(tracks: pd.DataFrame, *, repeats: int = 200, seed: int = 0) -> float:
    """:func:`compatible_share` of a random order, averaged over ``repeats`` shuffles."""
    rng = np.random.default_rng(seed)
    shares = [
        compatible_share(tracks.iloc[rng.permutation(len(tracks))])[0] for _ in range(repeats)
    ]
    return float(np.nanmean(shares)) if shares else float("nan")

"""Ordering a playlist along a tempo or energy curve, never the same artist twice in a row.

``rising`` sorts from low to high, ``falling`` from high to low, and ``steady`` keeps
each step as small as it can: it starts at the track nearest the median and always goes
on to the nearest remaining value. Then the artist rule: wherever a track follows one by
the same artist, the nearest later track by another artist is moved up in its place, so
the curve bends as little as possible; when only that artist is left, the track goes
back to the latest place between two other artists. When one artist has more than half
the tracks the rule cannot hold everywhere; :func:`order_tracks` reports the repeats.
Tracks without the value keep their relative order at the end.
"""

from __future__ import annotations

import itertools

import numpy as np
import pandas as pd

CURVES = ("rising", "falling", "steady")


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
    column = by if by in tracks else f"f_{by}"
    values = pd.to_numeric(tracks[column], errors="coerce") if column in tracks else None
    if values is None:
        values = pd.Series(np.nan, index=tracks.index)
    order = _curve(values, curve)
    artists = tracks["artist"].fillna("").astype(str).str.casefold()
    order, repeats = _spread_artists(order, artists)
    return tracks.loc[order].reset_index(drop=True), repeats

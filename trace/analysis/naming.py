"""The recent interests in words: named from what they hold, in the sound words true of
most of their tracks.

An interest is named after the album, artist or genre that holds most of its tracks —
"The Battle for Wesnoth OST", whatever composers its tracks are tagged with — else the
two or three holding most, followed by at most two sound words that most of its tracks
bear out (the rule cluster names follow, :mod:`trace.analysis.profiles`). No two
interests share a name; the same name is used on every page, in the reasons and in
``analyse --json``.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from trace.analysis.profiles import SoundScale
from trace.analysis.taste import Interest

HOLDS_MOST = 0.5
"""One album, artist or genre holding at least this share of an interest's tracks names it."""


def describe(
    interests: tuple[Interest, ...] | list[Interest],
    library: pd.DataFrame,
    labels: np.ndarray,
    names: dict[int, str],
    *,
    shown: int = 5,
    scale: SoundScale | None = None,
) -> pd.DataFrame:
    """One row per interest, named from what it holds: ``name`` — the album, artist or
    genre holding most of its tracks (else the two or three holding most), then up to
    two sound words true of most of its tracks ("The Battle for Wesnoth OST · calm ·
    tonal"); never two interests of one name —, ``lift``, ``recent_share``,
    ``usual_share``, ``tracks``, ``top_tracks`` (the ``shown`` played most lately,
    "Artist – Title"), ``artists``, ``genres``, ``albums`` and ``clusters`` (names, most
    tracks first)."""
    scale = scale if scale is not None or not len(interests) else SoundScale.of(library)
    rows = []
    for number, interest in enumerate(interests, start=1):
        members = library.iloc[interest.rows]
        clusters = pd.Series(labels[interest.rows]).value_counts()
        artist = members["artist"].fillna("").replace("", "Unknown artist")
        genres = members["genre"].fillna("").str.split("; ").str[0]
        words = scale.words(interest.rows)[:2]
        rows.append(
            {
                "number": number,
                "name": " · ".join([_holder(members), *words]),
                "lift": interest.lift,
                "recent_share": interest.recent_share,
                "usual_share": interest.usual_share,
                "tracks": len(interest.rows),
                "top_tracks": list((artist + " – " + members["title"].fillna("")).head(shown)),
                "artists": list(artist.value_counts().index[:shown]),
                "genres": [g for g in genres.value_counts().index if g][:shown],
                "albums": _ranked(members, "album")[:shown],
                "clusters": [names.get(int(c), "no cluster") for c in clusters.index],
            }
        )
    columns = ["number", "name", "lift", "recent_share", "usual_share", "tracks",
               "top_tracks", "artists", "genres", "albums", "clusters"]  # fmt: skip
    frame = pd.DataFrame(rows, columns=columns)
    frame["name"] = _distinct(frame)
    return frame


def _ranked(members: pd.DataFrame, column: str) -> list[str]:
    """The values of ``column`` among ``members``, most tracks first (one per track: the
    first of several genres)."""
    if column not in members:
        return []
    values = members[column].fillna("").astype(str).str.split("; ").str[0].str.strip()
    return [v for v in values.value_counts().index if v]


def _holder(members: pd.DataFrame) -> str:
    """What holds most of ``members``: one album, artist or genre holding at least
    :data:`HOLDS_MOST` of them, else the two or three albums (or artists) holding most."""
    for column in ("album", "artist", "genre"):
        ranked = _ranked(members, column)
        if ranked:
            values = members[column].fillna("").astype(str).str.split("; ").str[0].str.strip()
            if (values == ranked[0]).mean() >= HOLDS_MOST:
                return ranked[0]
    for column in ("album", "artist"):
        ranked = _ranked(members, column)
        if len(ranked) > 1:
            top = ranked[:3]
            return ", ".join(top[:-1]) + " & " + top[-1]
        if ranked:
            return ranked[0]
    return "Tracks without names"


def _distinct(frame: pd.DataFrame) -> list[str]:
    """The names, a repeated one told apart by its next artist or album, else a number."""
    names = frame["name"].tolist()
    for name in {n for n in names if names.count(n) > 1}:
        same = [i for i, n in enumerate(names) if n == name]
        for i in same:
            extra = next(
                (v for v in [*frame.at[i, "albums"], *frame.at[i, "artists"]] if v not in name),
                None,
            )
            names[i] = f"{name} · with {extra}" if extra else name
    for name in {n for n in names if names.count(n) > 1}:
        for k, i in enumerate([i for i, n in enumerate(names) if n == name], start=1):
            names[i] = f"{name} ({k})"
    return names

"""Which stored track an outside record means: a Spotify URI, an ISRC, or artist + title.

Shared by everything that brings tracks in without audio — feature CSVs, Spotify's API,
the streaming-history export — so one song is one track however it arrived.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field

from trace.library.text import match_key
from trace.store import Store, now


@dataclass
class Identity:
    """What an outside record says about a track."""

    title: str
    artists: list[str] = field(default_factory=list)
    uri: str | None = None  # spotify:track:…
    isrc: str | None = None
    album: str | None = None
    genres: list[str] = field(default_factory=list)
    duration: float | None = None  # seconds
    date: str | None = None

    @property
    def key(self) -> str | None:
        return match_key(self.artists[0] if self.artists else None, self.title)


_NO_FILE = "AND NOT EXISTS (SELECT 1 FROM files f WHERE f.track_id = t.id)"


def track_for(
    store: Store,
    identity: Identity,
    pool: str | None,
    *,
    added_at: str | None = None,
    files: bool = True,
) -> tuple[int, bool]:
    """The id of the track ``identity`` describes, creating it if needed; and whether it was.

    Looks up the Spotify URI, then the ISRC, then the normalised artist + title, the
    person's library before candidate pools. A found track gains the URI if it had none.
    A new track goes to ``pool`` (``None``: the library), joined at ``added_at`` (now).
    ``files=False`` leaves tracks with local files to :mod:`trace.sources.matching`, which also
    compares durations and reports what it matched.
    """
    isrc = (identity.isrc or "").upper().replace("-", "") or None
    for column, value in (
        ("spotify_uri", identity.uri),
        ("isrc", isrc),
        ("match_key", identity.key),
    ):
        if value:
            row = store.execute(
                f"SELECT id FROM tracks t WHERE {column} = ? "
                f"{'' if files or column == 'spotify_uri' else _NO_FILE} "
                "ORDER BY pool IS NOT NULL LIMIT 1",
                (value,),
            ).fetchone()
            if row:
                if identity.uri:
                    store.execute(
                        "UPDATE tracks SET spotify_uri = coalesce(spotify_uri, ?), "
                        "isrc = coalesce(isrc, ?) WHERE id = ? "
                        "AND NOT EXISTS (SELECT 1 FROM tracks WHERE spotify_uri = ?)",
                        (identity.uri, isrc, row[0], identity.uri),
                    )
                return int(row[0]), False
    stamp = now()
    cursor = store.execute(
        """INSERT INTO tracks (title, artists, album, genres, date, isrc, spotify_uri,
                               match_key, duration, pool, added_at, updated_at)
           VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)""",
        (
            identity.title,
            json.dumps(identity.artists, ensure_ascii=False),
            identity.album,
            json.dumps(identity.genres, ensure_ascii=False),
            identity.date,
            isrc,
            identity.uri,
            identity.key,
            identity.duration,
            pool,
            added_at or stamp,
            stamp,
        ),
    )
    return int(cursor.lastrowid or 0), True

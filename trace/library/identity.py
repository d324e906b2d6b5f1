"""Which stored track an outside record means: a MusicBrainz recording id, a Spotify URI,
an ISRC, or artist + title.

Shared by everything that brings tracks in without audio — feature CSVs, Spotify's API,
the streaming-history export, scrobbles — so one song is one track however it arrived.
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
    recording_mbid: str | None = None  # MusicBrainz recording id, lower case

    @property
    def key(self) -> str | None:
        return match_key(self.artists[0] if self.artists else None, self.title)


_NO_FILE = "AND NOT EXISTS (SELECT 1 FROM files f WHERE f.track_id = t.id)"
_EXACT = ("recording_mbid", "spotify_uri")
"""Identities that name one recording, so a track with a file is found by them too."""
_FILE_FIRST = ", NOT EXISTS (SELECT 1 FROM files f WHERE f.track_id = t.id AND f.status = 'ok')"
"""Two files of one recording (an album track and its compilation copy): a listen goes to
a file rather than to a track without audio."""


def _find(store: Store, column: str, value: str, *, files: bool) -> int | None:
    order = _FILE_FIRST if column == "recording_mbid" else ""
    row = store.execute(
        f"SELECT id FROM tracks t WHERE {column} = ? {'' if files else _NO_FILE} "
        f"ORDER BY pool IS NOT NULL{order} LIMIT 1",
        (value,),
    ).fetchone()
    return int(row[0]) if row else None


def _file_by_name(store: Store, identity: Identity) -> int | None:
    """A local file of the same normalised name whose length and recording id agree."""
    if not identity.key:
        return None
    row = store.execute(
        """SELECT id FROM tracks t WHERE match_key = :key AND pool IS NULL
               AND EXISTS (SELECT 1 FROM files f WHERE f.track_id = t.id AND f.status = 'ok')
               AND (recording_mbid IS NULL OR :mbid IS NULL OR recording_mbid = :mbid)
               AND (duration IS NULL OR :length IS NULL
                    OR abs(duration - :length) <= max(3.0, 0.03 * max(duration, :length)))
           LIMIT 1""",
        {"key": identity.key, "mbid": identity.recording_mbid, "length": identity.duration},
    ).fetchone()
    return int(row[0]) if row else None


def _complete(store: Store, track_id: int, identity: Identity, isrc: str | None) -> None:
    """Give a found track the URI and the recording id it lacked (each names one track)."""
    if identity.uri:
        store.execute(
            "UPDATE tracks SET spotify_uri = coalesce(spotify_uri, ?), "
            "isrc = coalesce(isrc, ?) WHERE id = ? "
            "AND NOT EXISTS (SELECT 1 FROM tracks WHERE spotify_uri = ?)",
            (identity.uri, isrc, track_id, identity.uri),
        )
    if identity.recording_mbid:
        store.execute(
            "UPDATE tracks SET recording_mbid = coalesce(recording_mbid, ?) WHERE id = ?",
            (identity.recording_mbid, track_id),
        )


def track_for(
    store: Store,
    identity: Identity,
    pool: str | None,
    *,
    added_at: str | None = None,
    files: bool = True,
    names_on_files: bool = False,
) -> tuple[int, bool]:
    """The id of the track ``identity`` describes, creating it if needed; and whether it was.

    Looks up the MusicBrainz recording id, then the Spotify URI, then the ISRC, then the
    normalised artist + title, the person's library before candidate pools. A recording id
    is exact, so it finds a track with a local file even with ``files=False``. A found
    track gains the URI and the recording id if it had none.
    A new track goes to ``pool`` (``None``: the library), joined at ``added_at`` (now).
    ``files=False`` leaves tracks with local files to :mod:`trace.sources.matching`, which also
    compares durations and reports what it matched; ``names_on_files=True`` still takes a
    local file of exactly the same normalised artist + title and length, as matching would,
    so that a listen imported again finds the file its first import was matched to.
    """
    isrc = (identity.isrc or "").upper().replace("-", "") or None
    for column, value in (
        ("recording_mbid", identity.recording_mbid),
        ("spotify_uri", identity.uri),
        ("isrc", isrc),
        ("match_key", identity.key),
    ):
        found = _find(store, column, value, files=files or column in _EXACT) if value else None
        if found is None and column == "isrc" and names_on_files:
            found = _file_by_name(store, identity)
        if found is not None:
            _complete(store, found, identity, isrc)
            return found, False
    stamp = now()
    cursor = store.execute(
        """INSERT INTO tracks (title, artists, album, genres, date, isrc, spotify_uri,
                               match_key, duration, pool, added_at, updated_at, recording_mbid)
           VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)""",
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
            identity.recording_mbid,
        ),
    )
    return int(cursor.lastrowid or 0), True

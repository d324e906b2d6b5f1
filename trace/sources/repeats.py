"""When two rows of ``plays`` are one listen.

- **The same source** again (an export imported twice): the same track at the same
  second — or the same minute, where Spotify's account-data file knows only the minute —
  is *already imported*.
- **Another source** (a player that scrobbles to both ListenBrainz and Last.fm, or
  Spotify scrobbling to Last.fm): the same track starting within :data:`SAME_LISTEN_S`
  seconds is the *same listen*. Scrobbles are stamped when the track started; Spotify's
  rows when playback ended, so their start is ``played_at`` minus ``ms_played``.

:class:`PlayIndex` holds the plays of the tracks an import touches in memory, so that a
history of 200,000 listens is checked without a query per listen.
"""

from __future__ import annotations

import bisect
from collections.abc import Iterable
from datetime import datetime

from trace.store import Store

SAME_LISTEN_S = 60
"""Two reports of one track whose starts are this close (seconds) are one listen."""
ENDS_AT = frozenset({"spotify"})
"""Sources whose ``played_at`` is when playback ended, not when it started."""
ALREADY, ELSEWHERE = "already", "elsewhere"
"""Stored already from this source; stored already from another source."""
CHUNK = 500


def start_of(played_at: str, ms_played: int | None, source: str) -> float:
    """When a play started, in Unix seconds."""
    start = datetime.fromisoformat(played_at).timestamp()
    return start - (ms_played or 0) / 1000 if source in ENDS_AT else start


def _minute_row(played_at: str) -> str:
    """``played_at`` with the seconds set to 0: how a minute-only entry is stored."""
    return played_at[:17] + "00" + played_at[19:]


class PlayIndex:
    """The stored plays of some tracks, to tell whether a listen is there already."""

    def __init__(self) -> None:
        self.exact: dict[tuple[int, str, str], int] = {}
        self.minutes: dict[tuple[int, str, str], int] = {}
        self.starts: dict[int, list[tuple[float, int, str]]] = {}

    @classmethod
    def load(cls, store: Store, track_ids: Iterable[int]) -> PlayIndex:
        index = cls()
        ids = sorted(set(track_ids))
        if len(ids) > CHUNK:  # most of the library: one pass over every play is quicker
            wanted = set(ids)
            rows = store.execute("SELECT id, track_id, played_at, ms_played, source FROM plays")
            for play_id, track_id, played_at, ms_played, source in rows:
                if track_id in wanted:
                    index.remember(play_id, track_id, played_at, ms_played, source)
            return index
        for first in range(0, len(ids), CHUNK):
            chunk = ids[first : first + CHUNK]
            rows = store.execute(
                "SELECT id, track_id, played_at, ms_played, source FROM plays "
                f"WHERE track_id IN ({', '.join('?' * len(chunk))})",
                chunk,
            )
            for play_id, track_id, played_at, ms_played, source in rows:
                index.remember(play_id, track_id, played_at, ms_played, source)
        return index

    def remember(
        self, play_id: int, track_id: int, played_at: str, ms_played: int | None, source: str
    ) -> None:
        self.exact.setdefault((track_id, source, played_at), play_id)
        self.minutes.setdefault((track_id, source, played_at[:16]), play_id)
        starts = self.starts.setdefault(track_id, [])
        bisect.insort(starts, (start_of(played_at, ms_played, source), play_id, source))

    def find(
        self,
        track_id: int,
        played_at: str,
        ms_played: int | None,
        source: str,
        *,
        minute_only: bool = False,
    ) -> tuple[int, str] | None:
        """``(play id, ALREADY | ELSEWHERE)`` of the stored report of this listen, if any."""
        if minute_only:
            same = self.minutes.get((track_id, source, played_at[:16]))
        else:
            same = self.exact.get((track_id, source, played_at)) or self.exact.get(
                (track_id, source, _minute_row(played_at))
            )
        if same is not None:
            return same, ALREADY
        start = start_of(played_at, ms_played, source)
        starts = self.starts.get(track_id, [])
        position = bisect.bisect_left(starts, (start - SAME_LISTEN_S,))
        for other_start, play_id, other in starts[position:]:
            if other_start > start + SAME_LISTEN_S:
                break
            if other != source:
                return play_id, ELSEWHERE
        return None


def fold_repeats(store: Store) -> dict[int, int]:
    """Remove the later report of every listen two sources hold on one track.

    Returns ``{removed play id: kept play id}``. Only tracks with plays from more than
    one source are read, so a history from one service costs one query.
    """
    rows = store.execute(
        """SELECT id, track_id, played_at, ms_played, source FROM plays
           WHERE track_id IN (SELECT track_id FROM plays GROUP BY track_id
                              HAVING count(DISTINCT source) > 1)
           ORDER BY id"""
    ).fetchall()
    kept = PlayIndex()
    folded: dict[int, int] = {}
    for play_id, track_id, played_at, ms_played, source in rows:
        twin = kept.find(track_id, played_at, ms_played, source)
        if twin is not None and twin[1] == ELSEWHERE:
            folded[play_id] = twin[0]
        else:
            kept.remember(play_id, track_id, played_at, ms_played, source)
    with store.batch():
        store.connection.executemany(
            "DELETE FROM plays WHERE id = ?", [(play_id,) for play_id in folded]
        )
    return folded

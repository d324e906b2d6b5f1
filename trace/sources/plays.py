"""Plays however they arrive: what every listening-history importer shares.

Spotify's export (:mod:`~trace.sources.history`), ListenBrainz and Last.fm
(:mod:`~trace.sources.listens`) and Spotify's recently-played list all end here, so that
one listen is one row of ``plays`` whichever service reported it:

- **the same source** again (an export imported twice): the same track at the same
  second — or the same minute, where Spotify's account-data file knows only the minute —
  is *already imported*;
- **another source** (a player that scrobbles to both ListenBrainz and Last.fm, or
  Spotify scrobbling to Last.fm): the same track starting within :data:`SAME_LISTEN_S`
  seconds is the *same listen*, counted once. Scrobbles are stamped when the track
  started; Spotify's rows when playback ended, so their start is ``played_at`` minus
  ``ms_played``.

The first report of a listen is the one kept. A listen whose track was not known yet is
stored on a track of its own, which :mod:`~trace.sources.matching` may later fold into
a local file that already holds the other service's report: :func:`fold_repeats` runs
after matching and removes such repeats. Doing this where plays are stored keeps every
reader of ``plays`` (recent interest, preference) free of double counts.
"""

from __future__ import annotations

import zipfile
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import NamedTuple

from trace.errors import SourceError
from trace.library.identity import Identity, track_for
from trace.sources.matching import MatchReport, match_spotify_to_local
from trace.store import Store

SAME_LISTEN_S = 60
"""Two reports of one track whose starts are this close (seconds) are one listen."""
ENDS_AT = frozenset({"spotify"})
"""Sources whose ``played_at`` is when playback ended, not when it started."""
LONGEST_PLAY = timedelta(hours=3)
"""How far after a listen's start another source's end time is looked for."""
MAX_PROBLEMS = 50

ADDED, ALREADY, ELSEWHERE = "added", "already", "elsewhere"
"""What became of a play: stored; already stored from this source; or from another."""


@dataclass
class ImportTally:
    """What an import read, stored and passed over; each importer's summary extends it."""

    files: list[str] = field(default_factory=list)
    entries: int = 0
    added: int = 0
    already: int = 0
    new_tracks: int = 0
    problems: list[str] = field(default_factory=list)

    def problem(self, text: str) -> None:
        if len(self.problems) < MAX_PROBLEMS:
            self.problems.append(text)


@dataclass(frozen=True)
class Play:
    """One entry of a listening history, whatever its source's shape."""

    identity: Identity
    at: datetime  # as the source stamps it (see ENDS_AT)
    ms_played: int | None = None  # None: a scrobble, which is a play by the service's rules
    skipped: bool = False
    minute_only: bool = False


class Stored(NamedTuple):
    """Where one entry of a history ended up."""

    play_id: int  # the row that holds this listen (its own, or the earlier report)
    outcome: str  # ADDED, ALREADY or ELSEWHERE
    track_id: int
    played_at: str
    source: str


def stamp(at: datetime) -> str:
    """A time as ``plays.played_at`` stores it: ISO 8601 in UTC, to the second."""
    return at.astimezone(UTC).isoformat(timespec="seconds")


def export_files(
    paths: Iterable[Path],
    *,
    keep: Callable[[str, bytes], bool],
    suffixes: tuple[str, ...],
) -> Iterator[tuple[str, bytes]]:
    """``(name, content)`` of the export files in ``paths``: files, folders and zips.

    A file named directly is read if its suffix is one of ``suffixes`` (its problems are
    then reported); a file found in a folder or a zip only if ``keep(name, content)``,
    so the other files of an export (profiles, settings) pass silently.
    """
    for path in map(Path, paths):
        if path.is_dir():
            for found in sorted(path.rglob("*")):
                if found.is_file() and found.suffix.lower() in (*suffixes, ".zip"):
                    yield from _contained(found, keep, suffixes)
        elif path.suffix.lower() == ".zip":
            yield from _zip_members(path, keep, suffixes)
        elif path.suffix.lower() in suffixes:
            yield path.name, _read(path)


def _contained(
    path: Path, keep: Callable[[str, bytes], bool], suffixes: tuple[str, ...]
) -> Iterator[tuple[str, bytes]]:
    if path.suffix.lower() == ".zip":
        yield from _zip_members(path, keep, suffixes)
        return
    content = _read(path)
    if keep(path.name, content):
        yield path.name, content


def _zip_members(
    path: Path, keep: Callable[[str, bytes], bool], suffixes: tuple[str, ...]
) -> Iterator[tuple[str, bytes]]:
    try:
        with zipfile.ZipFile(path) as archive:
            for member in sorted(archive.namelist()):
                if not member.lower().endswith(suffixes):
                    continue
                content = archive.read(member)
                if keep(member, content):
                    yield f"{path.name}:{member}", content
    except (zipfile.BadZipFile, OSError) as error:
        raise SourceError(f"{path.name} is not a readable zip file: {error}") from error


def _read(path: Path) -> bytes:
    try:
        return path.read_bytes()
    except OSError as error:
        raise SourceError(f"{path} cannot be read: {error.strerror}") from error


def store_plays(
    store: Store, plays: list[Play], tally: ImportTally, *, source: str
) -> list[Stored]:
    """Store ``plays`` (one transaction) and say where each one ended up.

    Tracks with a local file are found only by an exact identity (recording id, Spotify
    URI); the others are left to :mod:`trace.sources.matching`. A track first met here
    joined the library when it was first heard.
    """
    track_ids: dict[tuple[object, ...], int] = {}
    first_heard: dict[int, str] = {}
    outcomes = []
    with store.batch():
        for play in plays:
            identity = play.identity
            cache_key = (identity.recording_mbid, identity.uri, identity.isrc, identity.key)
            track_id = track_ids.get(cache_key)
            if track_id is None:
                track_id, created = track_for(
                    store, identity, None, added_at=stamp(play.at), files=False
                )
                track_ids[cache_key] = track_id
                tally.new_tracks += created
                if created:
                    first_heard[track_id] = stamp(play.at)
            elif track_id in first_heard:
                first_heard[track_id] = min(first_heard[track_id], stamp(play.at))
            play_id, outcome = add_play(
                store,
                track_id,
                play.at,
                play.ms_played,
                play.skipped,
                source=source,
                minute_only=play.minute_only,
            )
            outcomes.append(Stored(play_id, outcome, track_id, stamp(play.at), source))
        store.connection.executemany(
            "UPDATE tracks SET added_at = min(added_at, ?) WHERE id = ?",
            [(at, track_id) for track_id, at in first_heard.items()],
        )
    return outcomes


def add_play(
    store: Store,
    track_id: int,
    at: datetime,
    ms_played: int | None,
    skipped: bool,
    *,
    source: str,
    minute_only: bool = False,
) -> tuple[int, str]:
    """Store one play unless it is stored already (see the module docstring).

    Returns the id of the row that holds this listen, and what happened.
    """
    at = at.astimezone(UTC).replace(microsecond=0)
    existing = _from_same_source(store, track_id, at, source, minute_only)
    if existing is not None:
        return existing, ALREADY
    start = at - timedelta(milliseconds=ms_played or 0) if source in ENDS_AT else at
    existing = _from_other_source(store, track_id, start, source)
    if existing is not None:
        return existing, ELSEWHERE
    cursor = store.execute(
        "INSERT INTO plays (track_id, played_at, ms_played, source, skipped) "
        "VALUES (?, ?, ?, ?, ?)",
        (track_id, stamp(at), ms_played, source, int(skipped)),
    )
    return int(cursor.lastrowid or 0), ADDED


def _from_same_source(
    store: Store, track_id: int, at: datetime, source: str, minute_only: bool
) -> int | None:
    """A minute-only entry matches any second of its minute, and a second a minute row."""
    if minute_only:
        sql, parameters = (
            "played_at BETWEEN ? AND ?",
            (stamp(at), stamp(at + timedelta(seconds=59))),
        )
    else:
        sql, parameters = "played_at IN (?, ?)", (stamp(at), stamp(at.replace(second=0)))
    row = store.execute(
        f"SELECT id FROM plays WHERE track_id = ? AND source = ? AND {sql} LIMIT 1",
        (track_id, source, *parameters),
    ).fetchone()
    return None if row is None else int(row[0])


def _from_other_source(store: Store, track_id: int, start: datetime, source: str) -> int | None:
    window = timedelta(seconds=SAME_LISTEN_S)
    rows = store.execute(
        "SELECT id, played_at, ms_played, source FROM plays "
        "WHERE track_id = ? AND played_at BETWEEN ? AND ? AND source != ?",
        (track_id, stamp(start - window), stamp(start + window + LONGEST_PLAY), source),
    ).fetchall()
    for play_id, played_at, ms_played, other in rows:
        other_start = datetime.fromisoformat(played_at)
        if other in ENDS_AT:
            other_start -= timedelta(milliseconds=ms_played or 0)
        if abs(other_start - start) <= window:
            return int(play_id)
    return None


def settle(store: Store, stored: list[Stored]) -> tuple[list[Stored], MatchReport]:
    """Match new tracks to local files, then say again where each entry ended up.

    A listen stored on a track of its own may turn out, once that track is merged into a
    local file, to be one the file already held — from the same source (the export
    imported again) or from another (:func:`fold_repeats`).
    """
    report = match_spotify_to_local(store)
    stored = [_after_merge(store, entry, report.merged) for entry in stored]
    folded = fold_repeats(store)
    settled = [
        entry._replace(play_id=folded[entry.play_id], outcome=ELSEWHERE)
        if entry.play_id in folded
        else entry
        for entry in stored
    ]
    return settled, report


def _after_merge(store: Store, entry: Stored, merged: dict[int, int]) -> Stored:
    local_id = merged.get(entry.track_id)
    if local_id is None:
        return entry
    entry = entry._replace(track_id=local_id)
    if store.execute("SELECT 1 FROM plays WHERE id = ?", (entry.play_id,)).fetchone():
        return entry
    # The merge met the same row on the file (same time and source) and dropped this one.
    row = store.execute(
        "SELECT id FROM plays WHERE track_id = ? AND played_at = ? AND source = ?",
        (local_id, entry.played_at, entry.source),
    ).fetchone()
    return entry._replace(play_id=int(row[0]) if row else entry.play_id, outcome=ALREADY)


def fold_repeats(store: Store) -> dict[int, int]:
    """Remove the later report of every listen two sources hold on one track.

    Returns ``{removed play id: kept play id}``. Only tracks with plays from more than
    one source are read, so a history from one service costs one query.
    """
    rows = store.execute(
        """SELECT id, track_id, played_at, ms_played, source FROM plays
           WHERE track_id IN (SELECT track_id FROM plays GROUP BY track_id
                              HAVING count(DISTINCT source) > 1)
           ORDER BY track_id"""
    ).fetchall()
    folded: dict[int, int] = {}
    window = timedelta(seconds=SAME_LISTEN_S)
    by_track: dict[int, list[tuple[datetime, int, str]]] = {}
    for play_id, track_id, played_at, ms_played, source in rows:
        start = datetime.fromisoformat(played_at)
        if source in ENDS_AT:
            start -= timedelta(milliseconds=ms_played or 0)
        by_track.setdefault(track_id, []).append((start, play_id, source))
    for track_plays in by_track.values():
        kept: list[tuple[datetime, int, str]] = []
        for start, play_id, source in sorted(track_plays, key=lambda play: play[1]):
            twin = next((k for k in kept if k[2] != source and abs(k[0] - start) <= window), None)
            if twin is None:
                kept.append((start, play_id, source))
            else:
                folded[play_id] = twin[1]
    with store.batch():
        store.connection.executemany(
            "DELETE FROM plays WHERE id = ?", [(play_id,) for play_id in folded]
        )
    return folded

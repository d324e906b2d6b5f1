"""Plays however they arrive: what every listening-history importer shares.

Spotify's export (:mod:`~trace.sources.history`), ListenBrainz and Last.fm
(:mod:`~trace.sources.listens`) and Spotify's recently-played list all end here, so that
one listen is one row of ``plays`` whichever service reported it; :mod:`.repeats` says
when two reports are one listen. The first report of a listen is the one kept.

A listen whose track was not known yet is stored on a track of its own, which
:mod:`~trace.sources.matching` may later fold into a local file that already holds
another report of it: :func:`settle` runs matching and then removes such repeats. Doing
this where plays are stored keeps every reader of ``plays`` (recent interest,
preference) free of double counts.
"""

from __future__ import annotations

import zipfile
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import NamedTuple

import pandas as pd

from trace.errors import SourceError
from trace.library.identity import Identity, track_for
from trace.sources.matching import MatchReport, match_spotify_to_local
from trace.sources.repeats import ALREADY, ELSEWHERE, PlayIndex, fold_repeats
from trace.store import Store

MAX_PROBLEMS = 50

ADDED = "added"
"""What became of a play: stored (or ALREADY or ELSEWHERE, see :mod:`.repeats`)."""


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
    store: Store, plays: list[Play], tally: ImportTally, *, source: str, by_name: bool = False
) -> list[Stored]:
    """Store ``plays`` (one transaction) and say where each one ended up.

    Tracks with a local file are found only by an exact identity (recording id, Spotify
    URI); the others are left to :mod:`trace.sources.matching`. A track first met here
    joined the library when it was first heard. ``by_name``: a local file of exactly the
    same artist, title and length is found too (see :func:`track_for`).
    """
    with store.batch():
        heard = [stamp(play.at) for play in plays]
        track_ids = _tracks_of(store, plays, heard, tally, by_name)
        index = PlayIndex.load(store, track_ids)
        outcomes = [
            _place(store, index, track_id, play, played_at, source)
            for play, track_id, played_at in zip(plays, track_ids, heard, strict=True)
        ]
    return outcomes


def _tracks_of(
    store: Store, plays: list[Play], stamps: list[str], tally: ImportTally, by_name: bool
) -> list[int]:
    """The track of each play, asking the store once per distinct identity."""
    known: dict[tuple[object, ...], int] = {}
    first_heard: dict[int, str] = {}
    track_ids = []
    for play, heard in zip(plays, stamps, strict=True):
        identity = play.identity
        artist = identity.artists[0] if identity.artists else None
        key = (identity.recording_mbid, identity.uri, identity.isrc, identity.title, artist)
        track_id = known.get(key)
        if track_id is None:
            track_id, created = _matched_before(store, identity) or track_for(
                store, identity, None, added_at=heard, files=False, names_on_files=by_name
            )
            known[key] = track_id
            tally.new_tracks += created
            if created:
                first_heard[track_id] = heard
        if track_id in first_heard:
            first_heard[track_id] = min(first_heard[track_id], heard)
        track_ids.append(track_id)
    store.connection.executemany(
        "UPDATE tracks SET added_at = min(added_at, ?) WHERE id = ?",
        [(at, track_id) for track_id, at in first_heard.items()],
    )
    return track_ids


def _matched_before(store: Store, identity: Identity) -> tuple[int, bool] | None:
    """The local file an earlier import's plays of this name were matched to, if any:
    without it, importing the same export again would count its plays as new."""
    if identity.uri or identity.recording_mbid or not identity.key:
        return None
    row = store.execute(
        "SELECT t.id FROM tracks t WHERE t.match_key = ? "
        "AND EXISTS (SELECT 1 FROM files f WHERE f.track_id = t.id) "
        "AND EXISTS (SELECT 1 FROM plays p WHERE p.track_id = t.id) LIMIT 1",
        (identity.key,),
    ).fetchone()
    return (int(row[0]), False) if row else None


def _place(
    store: Store, index: PlayIndex, track_id: int, play: Play, played_at: str, source: str
) -> Stored:
    found = index.find(track_id, played_at, play.ms_played, source, minute_only=play.minute_only)
    if found is not None:
        return Stored(found[0], found[1], track_id, played_at, source)
    cursor = store.execute(
        "INSERT INTO plays (track_id, played_at, ms_played, source, skipped) "
        "VALUES (?, ?, ?, ?, ?)",
        (track_id, played_at, play.ms_played, source, int(play.skipped)),
    )
    play_id = int(cursor.lastrowid or 0)
    index.remember(play_id, track_id, played_at, play.ms_played, source)
    return Stored(play_id, ADDED, track_id, played_at, source)


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
    """Store one play of a known track unless it is stored already (see :mod:`.repeats`).

    Returns the id of the row that holds this listen, and what happened.
    """
    play = Play(Identity(title=""), at.astimezone(UTC), ms_played, skipped, minute_only=minute_only)
    index = PlayIndex.load(store, [track_id])
    stored = _place(store, index, track_id, play, stamp(play.at), source)
    return stored.play_id, stored.outcome


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


SOURCE_NAMES = {
    "spotify": "Spotify",
    "spotify-recent": "Spotify (recently played)",
    "listenbrainz": "ListenBrainz",
    "lastfm": "Last.fm",
    "scrobbles": "scrobbles (CSV)",
    "demo": "the demo",
}


def history_summary(store: Store) -> pd.DataFrame:
    """One row per source of plays: ``source`` (readable), ``plays`` (skips included),
    ``first`` and ``last`` (dates), ``tracks``, and ``heard``: how many of those tracks
    TRACE can hear — a readable file, or a catalogue preview — and so can map."""
    frame = store.frame(
        """SELECT p.source, count(*) AS plays, min(p.played_at) AS first,
                  max(p.played_at) AS last, count(DISTINCT p.track_id) AS tracks,
                  count(DISTINCT CASE WHEN EXISTS (
                      SELECT 1 FROM files f WHERE f.track_id = p.track_id AND f.status = 'ok')
                    OR EXISTS (SELECT 1 FROM previews v WHERE v.track_id = p.track_id
                               AND v.signature IS NOT NULL)
                  THEN p.track_id END) AS heard
           FROM plays p GROUP BY p.source ORDER BY plays DESC"""
    )
    if frame.empty:
        return frame
    frame["source"] = frame["source"].map(lambda s: SOURCE_NAMES.get(s, s))
    for column in ("first", "last"):
        frame[column] = frame[column].str[:10]
    return frame

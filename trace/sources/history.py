"""Listening history from Spotify's personal data export.

Three shapes of file are read, as files, as a folder, or as the whole zip Spotify sends:

- ``Streaming_History_Audio_*.json`` (extended history) and the older ``endsong_*.json``:
  ``ts`` (when playback ended), ``ms_played``, ``master_metadata_track_name``,
  ``master_metadata_album_artist_name``, ``master_metadata_album_album_name``,
  ``spotify_track_uri``, ``skipped``, ``reason_end`` …
- ``StreamingHistory_music_*.json`` (account data): ``endTime`` ("2024-03-01 21:14", UTC,
  to the minute), ``artistName``, ``trackName``, ``msPlayed``.

Every entry is kept as a row of ``plays`` with its length and a skip flag: short plays
(under 30 s) and skips (``skipped`` true, or ended by the forward button) are signals of
their own, and the analysis does not count them as plays. Podcast episodes and other
entries without a track are counted and left out. Importing the same export twice adds
nothing: an entry already stored — to the second, or to the minute where the account-data
file only knows the minute — is passed over, and so is a play another service already
reported (:mod:`trace.sources.plays`). A file that is not valid JSON is reported with its
line and column and the other files are still imported.
"""

from __future__ import annotations

import json
import re
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path

from trace.errors import SourceError
from trace.library.identity import Identity
from trace.library.text import clean_text
from trace.sources import plays
from trace.sources.csv_import import spotify_uri
from trace.store import MIN_PLAY_MS, Store

SOURCE = "spotify"
"""``plays.source`` of Spotify's plays, from the export and from the API alike."""

EXTENDED = re.compile(r"(Streaming_History_Audio|endsong)[^/]*\.json$", re.IGNORECASE)
ACCOUNT = re.compile(r"StreamingHistory_?music[^/]*\.json$|StreamingHistory\d*\.json$", re.I)
SKIP_REASONS = frozenset({"fwdbtn"})


@dataclass
class HistorySummary(plays.ImportTally):
    """What an import read, stored and passed over."""

    plays: int = 0  # of the added: at least 30 s and not skipped
    skips: int = 0
    short: int = 0
    not_music: int = 0

    def __str__(self) -> str:
        parts = [
            f"{self.entries:,} entries in {len(self.files)} file(s)",
            f"{self.added:,} added ({self.plays:,} plays, {self.skips:,} skips, "
            f"{self.short:,} under 30 s)",
            f"{self.already:,} already imported",
        ]
        if self.not_music:
            parts.append(f"{self.not_music:,} podcast or video entries left out")
        if self.new_tracks:
            parts.append(f"{self.new_tracks:,} tracks new to TRACE")
        if self.problems:
            parts.append(f"{len(self.problems)} problem(s)")
        return "; ".join(parts)


@dataclass(frozen=True)
class Entry:
    """One play of a track, whatever the file's shape."""

    at: datetime
    ms_played: int
    title: str
    artist: str
    album: str | None
    uri: str | None
    skipped: bool
    minute_only: bool


def history_files(paths: Iterable[Path]) -> Iterator[tuple[str, bytes]]:
    """``(name, content)`` of every streaming-history file in ``paths`` (files, folders, zips)."""
    return plays.export_files(
        paths, keep=lambda name, content: _kind(name) is not None, suffixes=(".json",)
    )


def _kind(name: str) -> str | None:
    base = name.rsplit("/", 1)[-1]
    if EXTENDED.search(base):
        return "extended"
    if ACCOUNT.search(base):
        return "account"
    return None


def parse(name: str, content: bytes, summary: HistorySummary) -> list[Entry]:
    """The entries of one file; problems go to ``summary``, good entries are kept."""
    try:
        records = json.loads(content.decode("utf-8-sig"))
    except UnicodeDecodeError as error:
        summary.problem(f"{name}: not UTF-8 text (byte {error.start}); file skipped")
        return []
    except json.JSONDecodeError as error:
        summary.problem(
            f"{name}: not valid JSON at line {error.lineno}, column {error.colno} "
            f"({error.msg}); file skipped"
        )
        return []
    if not isinstance(records, list):
        summary.problem(f"{name}: expected a list of plays, found a JSON {type(records).__name__}")
        return []
    entries: list[Entry] = []
    for position, record in enumerate(records, start=1):
        summary.entries += 1
        try:
            entry = _entry(record)
        except ValueError as why:
            summary.problem(f"{name}: entry {position}: {why}")
            continue
        if entry is None:
            summary.not_music += 1
        else:
            entries.append(entry)
    return entries


def _entry(record: object) -> Entry | None:
    if not isinstance(record, dict):
        raise ValueError(f"expected an object, found {type(record).__name__}")
    if "ts" in record:  # extended history and endsong
        title = clean_text(record.get("master_metadata_track_name"))
        artist = clean_text(record.get("master_metadata_album_artist_name"))
        if not title or not artist:
            return None  # a podcast episode, an audiobook chapter or a video
        reason_end = record.get("reason_end")
        return Entry(
            at=_time(record["ts"], "ts"),
            ms_played=_ms(record.get("ms_played"), "ms_played"),
            title=title,
            artist=artist,
            album=clean_text(record.get("master_metadata_album_album_name")),
            uri=spotify_uri(record.get("spotify_track_uri")),
            skipped=bool(record.get("skipped")) or reason_end in SKIP_REASONS,
            minute_only=False,
        )
    if "endTime" in record:  # account data
        title, artist = clean_text(record.get("trackName")), clean_text(record.get("artistName"))
        if not title or not artist or title == "Unknown Track":
            return None
        return Entry(
            at=_time(record["endTime"], "endTime"),
            ms_played=_ms(record.get("msPlayed"), "msPlayed"),
            title=title,
            artist=artist,
            album=None,
            uri=None,
            skipped=False,
            minute_only=True,
        )
    raise ValueError("neither 'ts' nor 'endTime': not a streaming-history entry")


def _time(value: object, name: str) -> datetime:
    try:
        at = datetime.fromisoformat(str(value).replace("Z", "+00:00"))
    except ValueError:
        raise ValueError(f"{name} is not a date and time: {str(value)[:40]!r}") from None
    return (at if at.tzinfo else at.replace(tzinfo=UTC)).astimezone(UTC)


def _ms(value: object, name: str) -> int:
    if isinstance(value, bool) or not isinstance(value, int | float) or value < 0:
        raise ValueError(f"{name} is not a length in milliseconds: {value!r}")
    return int(value)


def store_entries(store: Store, entries: list[Entry], summary: HistorySummary) -> None:
    """Add ``entries`` as plays (one transaction); entries already stored are passed over."""
    found = [
        plays.Play(
            identity=Identity(
                title=entry.title, artists=[entry.artist], album=entry.album, uri=entry.uri
            ),
            at=entry.at,
            ms_played=entry.ms_played,
            skipped=entry.skipped,
            minute_only=entry.minute_only,
        )
        for entry in entries
    ]
    stored = plays.store_plays(store, found, summary, source=SOURCE)
    for entry, outcome in zip(entries, (s.outcome for s in stored), strict=True):
        if outcome != plays.ADDED:
            summary.already += 1
        elif entry.skipped:
            summary.skips += 1
        elif entry.ms_played < MIN_PLAY_MS:
            summary.short += 1
        else:
            summary.plays += 1
    summary.added += sum(s.outcome == plays.ADDED for s in stored)


def add_play(
    store: Store,
    track_id: int,
    at: datetime,
    ms_played: int | None,
    skipped: bool,
    *,
    minute_only: bool = False,
) -> bool:
    """Store one Spotify play unless this listen is stored already; whether it was added."""
    _, outcome = plays.add_play(
        store, track_id, at, ms_played, skipped, source=SOURCE, minute_only=minute_only
    )
    return outcome == plays.ADDED


def import_history(
    paths: Iterable[Path],
    store: Store,
    *,
    progress: Callable[[int, int, str], None] | None = None,
) -> HistorySummary:
    """Import the streaming history in ``paths``; see the module docstring."""
    summary = HistorySummary()
    files = list(history_files(paths))
    if not files:
        raise SourceError(
            "No streaming-history files found. Spotify's export names them "
            "Streaming_History_Audio_*.json, StreamingHistory_music_*.json or endsong_*.json."
        )
    for done, (name, content) in enumerate(files, start=1):
        summary.files.append(name)
        entries = parse(name, content, summary)
        store_entries(store, entries, summary)
        if progress:
            progress(done, len(files), f"Imported {name}")
    return summary

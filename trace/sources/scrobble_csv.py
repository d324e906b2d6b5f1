"""Scrobbles as CSV: Last.fm exports and plain ``timestamp, artist, title`` files.

The common Last.fm export tools write one scrobble a line, in one of these shapes:

- ``artist, album, track, date`` with no header (lastfm-to-csv and its followers), the
  date as text ("31 Jan 2021 17:45") or as Unix seconds;
- a header naming the columns, e.g. ``uts, utc_time, artist, artist_mbid, album,
  album_mbid, track, track_mbid`` (its ``track_mbid`` is the MusicBrainz recording id);
- ``timestamp, artist, title``, with or without a header.

Dates without a zone are taken as UTC, as Last.fm gives them. The shape is read from the
first line, so a CSV of audio features (:mod:`~trace.sources.csv_import`) is never taken
for scrobbles: it has no date column. A line that cannot be read is reported with its
number; the other lines are imported.
"""

from __future__ import annotations

import csv
import io
from dataclasses import dataclass
from datetime import UTC, datetime

from trace.library.identity import Identity
from trace.library.tag_families import musicbrainz_id
from trace.library.text import clean_text
from trace.sources.csv_import import RANGES, canonical
from trace.sources.plays import ImportTally, Play

LASTFM, SCROBBLES = "lastfm", "scrobbles"
"""``plays.source`` of a Last.fm-shaped CSV, and of a plain ``timestamp, artist, title`` one."""

HEADER_ALIASES: dict[str, tuple[str, ...]] = {
    # ours: the canonical header names that mean it, preferred first
    "at": ("uts", "timestamp", "listened_at", "played_at", "date", "utc_time", "time", "datetime"),
    "artist": ("artist", "artist_name", "artistname"),
    "title": ("track", "title", "track_name", "trackname", "name", "song"),
    "album": ("album", "album_name", "release", "release_name"),
    "mbid": ("track_mbid", "recording_mbid", "mbid"),
}
TEXT_DATES = ("%d %b %Y %H:%M", "%d %b %Y, %H:%M", "%d %b %Y %H:%M:%S", "%Y-%m-%d %H:%M:%S")
EARLIEST = datetime(1990, 1, 1, tzinfo=UTC)
"""Before this a "date" is a number that is not a time (an artist called "1979")."""
LATEST = datetime(2100, 1, 1, tzinfo=UTC)


@dataclass(frozen=True)
class Layout:
    """Which column holds what; ``header`` says whether the first line names them."""

    columns: dict[str, int]
    header: bool
    source: str


def parse_time(text: str) -> datetime:
    """A scrobble time from Unix seconds (or milliseconds), ISO 8601 or Last.fm's text."""
    value = text.strip()
    if value.isdigit():
        return unix_time(int(value))
    try:
        at = _text_time(value)
    except ValueError:
        at = None
    if at is None or not EARLIEST <= at <= LATEST:
        raise ValueError(f"not a date and time: {value[:40]!r}")
    return at


def unix_time(number: int) -> datetime:
    """Unix seconds, or milliseconds where the number is too large for seconds."""
    seconds = number / 1000 if number > 10**11 else number
    if not EARLIEST.timestamp() <= seconds <= LATEST.timestamp():
        raise ValueError(f"not a date and time: {number!r}")
    return datetime.fromtimestamp(seconds, UTC)


def _text_time(value: str) -> datetime | None:
    try:
        at = datetime.fromisoformat(value.replace("Z", "+00:00"))
    except ValueError:
        at = None
        for form in TEXT_DATES:
            try:
                at = datetime.strptime(value, form)
                break
            except ValueError:
                continue
    if at is None:
        return None
    return (at if at.tzinfo else at.replace(tzinfo=UTC)).astimezone(UTC)


def _is_time(text: str) -> bool:
    try:
        parse_time(text)
    except ValueError:
        return False
    return True


def layout_of(first_row: list[str]) -> Layout | None:
    """The layout a CSV's first line shows, or ``None`` when it is not scrobbles."""
    names = [canonical(cell) for cell in first_row]
    if set(names) & set(RANGES):
        return None  # audio features, for csv_import
    columns = {}
    for ours, aliases in HEADER_ALIASES.items():
        for alias in aliases:
            if alias in names:
                columns[ours] = names.index(alias)
                break
    if {"at", "artist", "title"} <= set(columns):
        source = LASTFM if "album" in columns or columns["at"] > 0 else SCROBBLES
        return Layout(columns, header=True, source=source)
    return _headerless(first_row)


def _headerless(row: list[str]) -> Layout | None:
    if len(row) == 4 and _is_time(row[3]):
        return Layout({"artist": 0, "album": 1, "title": 2, "at": 3}, False, LASTFM)
    if len(row) == 3 and _is_time(row[2]):
        return Layout({"artist": 0, "title": 1, "at": 2}, False, LASTFM)
    if len(row) in (3, 4) and _is_time(row[0]):
        return Layout({"at": 0, "artist": 1, "title": 2}, False, SCROBBLES)
    return None


def decode(content: bytes) -> str:
    try:
        return content.decode("utf-8-sig")
    except UnicodeDecodeError:
        return content.decode("cp1252", errors="replace")


def _rows(text: str) -> csv.reader:
    first_line = text.split("\n", 1)[0]
    delimiter = "\t" if first_line.count("\t") > first_line.count(",") else ","
    return csv.reader(io.StringIO(text, newline=""), delimiter=delimiter)


def is_scrobble_csv(content: bytes) -> bool:
    """Whether ``content`` reads as scrobbles (judged from its first line)."""
    try:
        first = next(_rows(decode(content[:4096])), None)
    except csv.Error:
        return False
    return bool(first) and layout_of(first) is not None


def parse(name: str, content: bytes, tally: ImportTally) -> tuple[str, list[Play]]:
    """``(source, plays)`` of one CSV; bad lines go to ``tally`` with their number."""
    reader = _rows(decode(content))
    try:
        first = next(reader, None)
    except csv.Error as error:
        tally.problem(f"{name}: not a readable CSV file ({error}); file skipped")
        return LASTFM, []
    layout = layout_of(first) if first else None
    if layout is None:
        tally.problem(
            f"{name}: line 1: neither a header naming artist, track and date "
            "nor a scrobble; file skipped"
        )
        return LASTFM, []
    rows = [] if layout.header else [(1, first)]
    plays: list[Play] = []
    try:
        for row in reader:
            rows.append((reader.line_num, row))
    except csv.Error as error:
        tally.problem(f"{name}: line {reader.line_num}: the CSV breaks off here ({error})")
    for line, row in rows:
        if not any(cell.strip() for cell in row):
            continue
        tally.entries += 1
        try:
            plays.append(_play(row, layout))
        except ValueError as why:
            tally.problem(f"{name}: line {line}: {why}")
    return layout.source, plays


def _play(row: list[str], layout: Layout) -> Play:
    width = max(layout.columns.values()) + 1
    if len(row) < width:
        raise ValueError(f"{len(row)} field(s), expected at least {width}")

    def cell(ours: str) -> str | None:
        index = layout.columns.get(ours)
        return clean_text(row[index]) if index is not None else None

    artist, title = cell("artist"), cell("title")
    if not artist or not title:
        raise ValueError("no artist or no track name")
    identity = Identity(
        title=title,
        artists=[artist],
        album=cell("album"),
        recording_mbid=musicbrainz_id(cell("mbid")),
    )
    return Play(identity=identity, at=parse_time(row[layout.columns["at"]]))

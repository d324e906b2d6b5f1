"""Listening history from scrobbles: ListenBrainz exports and Last.fm CSVs.

ListenBrainz gives a zip of JSON-lines files (``listens/<year>/<month>.jsonl``, beside
``user.json`` and ``feedback.jsonl``); its older export was one JSON array. Each listen
has ``listened_at`` (Unix seconds, when the track started) and ``track_metadata``:
``artist_name``, ``track_name``, ``release_name``, ``additional_info``
(``recording_mbid``, ``isrc``, ``duration_ms`` or ``duration``, ``spotify_id`` …) and,
where ListenBrainz found the recording itself, ``mbid_mapping`` (``recording_mbid``).
Last.fm CSVs are read by :mod:`~trace.sources.scrobble_csv`.

Files are recognised by their content, not their names. A listen lands on the track of
its MusicBrainz recording id when one in the library has it — on that file, always;
otherwise it is matched like a Spotify play (ISRC, then artist + title + duration, by
:mod:`~trace.sources.matching`). A scrobble is a play by the service's own rules (half
the track or four minutes), so it is stored without a length and counts as one. Importing
twice adds nothing, and a listen another service already reported is counted once
(:mod:`~trace.sources.plays`). A malformed line is reported with its file and line.
"""

from __future__ import annotations

import functools
import json
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path

import pandas as pd

from trace.errors import SourceError
from trace.library.identity import Identity
from trace.library.tag_families import musicbrainz_id
from trace.library.text import clean_text
from trace.sources import plays, scrobble_csv
from trace.sources.csv_import import spotify_uri
from trace.store import Store

LISTENBRAINZ = "listenbrainz"
"""``plays.source`` of ListenBrainz listens."""
SUFFIXES = (".json", ".jsonl", ".csv")


@dataclass
class ListenSummary(plays.ImportTally):
    """What an import of listens read, added and matched, in plain words."""

    elsewhere: int = 0  # the same listen, already there from another service
    matched: int = 0  # different listens read that are of a track with a local file
    unmatched: pd.DataFrame = field(default_factory=pd.DataFrame)
    """``artist``, ``title``, ``listens``: tracks listened to with no local file."""

    def __str__(self) -> str:
        text = (
            f"Read {self.entries:,} listens from {len(self.files)} file(s): "
            f"{self.added:,} added, {self.already:,} already imported"
        )
        if self.elsewhere:
            text += f", {self.elsewhere:,} already there from another service (counted once)"
        left = int(self.unmatched["listens"].sum()) if len(self.unmatched) else 0
        text += (
            f". {self.matched:,} are of tracks in your music folders; {left:,} listens of "
            f"{len(self.unmatched):,} tracks have no local file"
        )
        if self.problems:
            text += f". {len(self.problems)} line(s) could not be read; the rest was imported"
        return text + "."


def is_listenbrainz(content: bytes) -> bool:
    """Whether ``content`` is ListenBrainz listens (JSON lines or a JSON array)."""
    head = content[:8192]
    return b'"listened_at"' in head and b'"track_metadata"' in head


def is_listen_file(name: str, content: bytes) -> bool:
    """Whether a file of an export holds listens this module reads."""
    if name.lower().endswith(".csv"):
        return scrobble_csv.is_scrobble_csv(content)
    return is_listenbrainz(content)


def listen_files(paths: Iterable[Path]) -> Iterator[tuple[str, bytes]]:
    """``(name, content)`` of every file of listens in ``paths`` (files, folders, zips)."""
    return plays.export_files(paths, keep=is_listen_file, suffixes=SUFFIXES)


def parse(name: str, content: bytes, tally: plays.ImportTally) -> tuple[str, list[plays.Play]]:
    """``(source, plays)`` of one file; problems go to ``tally``, good listens are kept."""
    if name.lower().endswith(".csv"):
        return scrobble_csv.parse(name, content, tally)
    try:
        text = content.decode("utf-8-sig")
    except UnicodeDecodeError as error:
        tally.problem(f"{name}: not UTF-8 text (byte {error.start}); file skipped")
        return LISTENBRAINZ, []
    records = _json_array(name, text, tally)
    if records is None:
        return LISTENBRAINZ, _json_lines(name, text, tally)
    found = []
    for position, record in enumerate(records, start=1):
        tally.entries += 1
        try:
            found.append(_listen(record))
        except ValueError as why:
            tally.problem(f"{name}: entry {position}: {why}")
    return LISTENBRAINZ, found


def _json_array(name: str, text: str, tally: plays.ImportTally) -> list[object] | None:
    """The listens of the older export (a JSON array, or the API's ``payload``); ``None``
    when the file is JSON lines."""
    stripped = text.lstrip()
    if not stripped.startswith("["):
        if not stripped.startswith("{") or "\n{" in stripped.rstrip():
            return None  # JSON lines: one listen a line
        try:
            whole = json.loads(stripped)
        except json.JSONDecodeError:
            return None
        listens = whole.get("payload", {}).get("listens") if isinstance(whole, dict) else None
        return listens if isinstance(listens, list) else [whole]
    try:
        return json.loads(stripped)
    except json.JSONDecodeError as error:
        line = error.lineno + text[: len(text) - len(stripped)].count("\n")
        tally.problem(
            f"{name}: not valid JSON at line {line}, column {error.colno} "
            f"({error.msg}); file skipped"
        )
        return []


def _json_lines(name: str, text: str, tally: plays.ImportTally) -> list[plays.Play]:
    found = []
    for line_number, line in enumerate(text.splitlines(), start=1):
        if not line.strip():
            continue
        tally.entries += 1
        try:
            found.append(_listen(json.loads(line)))
        except json.JSONDecodeError as error:
            tally.problem(f"{name}: line {line_number}: not valid JSON ({error.msg})")
        except ValueError as why:
            tally.problem(f"{name}: line {line_number}: {why}")
    return found


def _listen(record: object) -> plays.Play:
    """One listen; raises ``ValueError`` saying what is wrong with it."""
    if not isinstance(record, dict):
        raise ValueError(f"expected a listen, found a JSON {type(record).__name__}")
    meta = record.get("track_metadata")
    if not isinstance(meta, dict):
        raise ValueError("no track_metadata")
    info = meta.get("additional_info") if isinstance(meta.get("additional_info"), dict) else {}
    mapping = meta.get("mbid_mapping") if isinstance(meta.get("mbid_mapping"), dict) else {}
    fields = (
        meta.get("artist_name"),
        meta.get("track_name"),
        meta.get("release_name"),
        info.get("recording_mbid"),
        mapping.get("recording_mbid"),
        info.get("isrc"),
        info.get("spotify_id"),
        _duration(info),
    )
    identity = _identity(*(f if isinstance(f, str | int | float) else None for f in fields))
    return plays.Play(identity=identity, at=_listened_at(record.get("listened_at")))


@functools.lru_cache(maxsize=65_536)
def _identity(
    artist: object,
    title: object,
    release: object,
    recording: object,
    mapped: object,
    isrc: object,
    spotify_id: object,
    duration: float | None,
) -> Identity:
    """The track a listen names. Cached: ten years of listens name a few thousand tracks
    over and over, and cleaning their text is most of the work of reading them."""
    artist, title = clean_text(artist), clean_text(title)
    if not artist or not title:
        raise ValueError("no artist_name or no track_name")
    return Identity(
        title=title,
        artists=[artist],
        album=clean_text(release),
        isrc=clean_text(isrc),
        uri=spotify_uri(str(spotify_id or "")),
        duration=duration,
        # What the player read from the file's tags first, then ListenBrainz's own match.
        recording_mbid=musicbrainz_id(recording) or musicbrainz_id(mapped),
    )


def _listened_at(value: object) -> datetime:
    if isinstance(value, int | float) and not isinstance(value, bool):
        return scrobble_csv.unix_time(int(value))
    if not isinstance(value, str):
        raise ValueError(f"listened_at is not a time: {value!r}")
    return scrobble_csv.parse_time(value)


def _duration(info: dict) -> float | None:
    """Seconds, from ``duration_ms`` or ``duration`` (seconds); ``None`` if neither fits."""
    for key, scale in (("duration_ms", 1000), ("duration", 1)):
        value = info.get(key)
        if isinstance(value, int | float) and not isinstance(value, bool) and value > 0:
            return value / scale
    return None


def import_listens(
    paths: Iterable[Path],
    store: Store,
    *,
    progress: Callable[[int, int, str], None] | None = None,
) -> ListenSummary:
    """Import the listens in ``paths``, match them to local files; see the module docstring."""
    summary = ListenSummary()
    files = list(listen_files(paths))
    if not files:
        raise SourceError(
            "No listens found. TRACE reads ListenBrainz's export (the zip, its .jsonl files, "
            "or the older .json) and Last.fm scrobbles as CSV (artist, album, track, date)."
        )
    # Tracks met before and since scanned are merged first, so a listen finds its file.
    plays.settle(store, [])
    by_source: dict[str, list[plays.Play]] = {}
    for done, (name, content) in enumerate(files, start=1):
        summary.files.append(name)
        source, found = parse(name, content, summary)
        by_source.setdefault(source, []).extend(found)
        if progress:
            progress(done, len(files), f"Read {name}")
    stored: list[plays.Stored] = []
    for source, found in by_source.items():
        stored += plays.store_plays(store, found, summary, source=source, by_name=True)
    stored, _ = plays.settle(store, stored)
    for entry in stored:
        summary.added += entry.outcome == plays.ADDED
        summary.already += entry.outcome == plays.ALREADY
        summary.elsewhere += entry.outcome == plays.ELSEWHERE
    _count_matches(store, [entry.play_id for entry in stored], summary)
    return summary


def _count_matches(store: Store, play_ids: list[int], summary: ListenSummary) -> None:
    """How many of the listens read are now of a track with a local file; and the rest.

    A listen read twice (imported again, or from two services) is one listen here."""
    store.execute("CREATE TEMP TABLE IF NOT EXISTS read_listens (play_id INTEGER)")
    with store.batch():
        store.execute("DELETE FROM read_listens")
        store.connection.executemany(
            "INSERT INTO read_listens VALUES (?)", [(play_id,) for play_id in play_ids]
        )
    has_file = "EXISTS (SELECT 1 FROM files f WHERE f.track_id = t.id AND f.status = 'ok')"
    listened = """FROM read_listens r JOIN plays p ON p.id = r.play_id
                  JOIN tracks t ON t.id = p.track_id"""
    summary.matched = store.execute(
        f"SELECT count(DISTINCT p.id) {listened} WHERE {has_file}"
    ).fetchone()[0]
    frame = store.frame(
        f"""SELECT t.artists, t.title, count(DISTINCT p.id) AS listens {listened}
            WHERE NOT {has_file}
            GROUP BY t.id ORDER BY listens DESC, t.title"""
    )
    store.execute("DROP TABLE read_listens")
    artists = frame["artists"].map(lambda text: ", ".join(json.loads(text or "[]")))
    summary.unmatched = pd.DataFrame(
        {"artist": artists, "title": frame["title"], "listens": frame["listens"]}
    )

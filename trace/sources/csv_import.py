"""Importing audio features from CSV: Exportify exports and public datasets.

Columns are recognised by Spotify's feature names in any spelling ("Danceability",
"duration (ms)", "duration_ms") plus a track identity: a Spotify URI or id, or artist and
title. Every row is checked — types and Spotify's ranges — and a bad row is reported
with its line number while the good rows are kept. A row that matches a track already
in the store (same Spotify URI, same ISRC, or same normalised artist + title) adds its
features to that track; other rows become tracks of their own, without audio.
"""

from __future__ import annotations

import csv
import io
import json
import math
import re
from dataclasses import dataclass, field
from pathlib import Path

from trace.errors import SourceError
from trace.library.identity import Identity, track_for
from trace.library.text import clean_text
from trace.store import Store, now

RANGES: dict[str, tuple[float, float]] = {
    "danceability": (0.0, 1.0),
    "energy": (0.0, 1.0),
    "speechiness": (0.0, 1.0),
    "acousticness": (0.0, 1.0),
    "instrumentalness": (0.0, 1.0),
    "liveness": (0.0, 1.0),
    "valence": (0.0, 1.0),
    "loudness": (-60.0, 5.0),
    "tempo": (0.0, 300.0),
    "key": (-1.0, 11.0),
    "mode": (0.0, 1.0),
    "duration_ms": (1.0, 86_400_000.0),
    "time_signature": (0.0, 7.0),
}
INTEGER = frozenset({"key", "mode", "time_signature"})
IDENTITY_ALIASES: dict[str, tuple[str, ...]] = {
    "uri": ("track_uri", "spotify_uri", "uri", "spotify_track_uri"),
    "id": ("track_id", "spotify_id", "id"),
    "title": ("track_name", "name", "title", "song", "song_name", "track"),
    "artist": ("artist_name_s", "artist_names", "artists", "artist", "artist_name"),
    "album": ("album_name", "album"),
    "isrc": ("isrc",),
    "genre": ("genres", "track_genre", "genre", "artist_genres"),
}
_SPOTIFY_ID = re.compile(r"^[0-9A-Za-z]{22}$")


@dataclass
class ImportSummary:
    rows: int = 0
    matched: int = 0
    created: int = 0
    problems: list[tuple[int, str]] = field(default_factory=list)
    """``(line number, what is wrong)`` of every row left out."""

    def __str__(self) -> str:
        kept = self.matched + self.created
        return (
            f"Read {self.rows} rows: {kept} imported ({self.matched} matched to tracks you "
            f"have, {self.created} new), {len(self.problems)} left out."
        )


def canonical(header: str) -> str:
    """``"Duration (ms)"`` → ``"duration_ms"``; ``"Artist Name(s)"`` → ``"artist_name_s"``."""
    return re.sub(r"[^a-z0-9]+", "_", header.strip().lower()).strip("_")


def spotify_uri(value: str | None) -> str | None:
    """A Spotify track URI from a URI, an open.spotify.com link or a bare id."""
    text = (value or "").strip()
    if text.startswith("spotify:track:"):
        text = text.removeprefix("spotify:track:")
    elif "open.spotify.com/track/" in text:
        text = text.split("open.spotify.com/track/")[1].split("?")[0].split("/")[0]
    return f"spotify:track:{text}" if _SPOTIFY_ID.match(text) else None


def _read_text(path: Path) -> str:
    try:
        data = path.read_bytes()
    except OSError as error:
        raise SourceError(f"Cannot read {path}: {error.strerror or error}") from error
    try:
        return data.decode("utf-8-sig")
    except UnicodeDecodeError:
        return data.decode("cp1252", errors="replace")


def _columns(fieldnames: list[str], path: Path) -> dict[str, str]:
    """Our name → the file's header, for every column we recognise."""
    by_canonical = {canonical(name): name for name in fieldnames if name}
    found = {name: by_canonical[name] for name in RANGES if name in by_canonical}
    for ours, aliases in IDENTITY_ALIASES.items():
        for alias in aliases:
            if alias in by_canonical:
                found[ours] = by_canonical[alias]
                break
    if not set(found) & set(RANGES):
        raise SourceError(
            f"{path.name} has no audio feature columns. Expected Spotify's names "
            "(danceability, energy, key, loudness, mode, speechiness, acousticness, "
            "instrumentalness, liveness, valence, tempo, duration_ms)."
        )
    if not ({"uri", "id"} & set(found) or {"title", "artist"} <= set(found)):
        raise SourceError(
            f"{path.name} names no tracks: it needs a track URI or id column, or both "
            "an artist and a track name column."
        )
    return found


def _parse_row(row: dict[str, str], columns: dict[str, str]) -> tuple[Identity, dict[str, float]]:
    """``(identity, features)`` of one row; raises ``ValueError`` saying what is wrong."""
    if None in row:
        raise ValueError("more fields than the header has")
    features: dict[str, float] = {}
    for name, (low, high) in RANGES.items():
        raw = (row.get(columns.get(name, ""), "") or "").strip()
        if name not in columns or raw == "":
            continue
        try:
            value = float(raw)
        except ValueError:
            raise ValueError(f"{name} is not a number: {raw[:40]!r}") from None
        if not math.isfinite(value) or not low <= value <= high:
            raise ValueError(f"{name} = {raw} is outside {low:g}…{high:g}")
        if name in INTEGER and value != int(value):
            raise ValueError(f"{name} = {raw} is not a whole number")
        if name == "key" and value == -1:
            continue  # Spotify's "no key detected"
        features[name] = value
    if not features:
        raise ValueError("no feature values")
    get = {
        ours: clean_text(row.get(theirs)) for ours, theirs in columns.items() if ours not in RANGES
    }
    uri = spotify_uri(get.get("uri")) or spotify_uri(get.get("id"))
    if (get.get("uri") or get.get("id")) and uri is None and not get.get("title"):
        raise ValueError(f"not a Spotify track URI or id: {get.get('uri') or get.get('id')!r}")
    artists = [a.strip() for a in (get.get("artist") or "").split(";") if a.strip()]
    if uri is None and not (artists and get.get("title")):
        raise ValueError("no track URI and no artist + title")
    identity = Identity(
        uri=uri,
        title=get.get("title") or uri,
        artists=artists,
        album=get.get("album"),
        isrc=get.get("isrc"),
        genres=[g.strip() for g in re.split(r"[;,]", get.get("genre") or "") if g.strip()],
        duration=features.get("duration_ms", 0) / 1000 or None,
    )
    return identity, features


def import_feature_csv(path: Path, store: Store, *, pool: str | None = None) -> ImportSummary:
    """Import the features in the CSV at ``path``; see the module docstring."""
    reader = csv.DictReader(io.StringIO(_read_text(path), newline=""))
    try:
        columns = _columns(list(reader.fieldnames or []), path)
    except csv.Error as error:
        raise SourceError(f"{path.name} is not a readable CSV file: {error}") from error
    summary = ImportSummary()
    source = f"csv:{path.name}"
    parsed: list[tuple[Identity, dict[str, float]]] = []
    try:
        for row in reader:
            summary.rows += 1
            try:
                parsed.append(_parse_row(row, columns))
            except ValueError as problem:
                summary.problems.append((reader.line_num, str(problem)))
    except csv.Error as error:
        summary.problems.append((reader.line_num, f"the CSV breaks off here: {error}"))
    with store.batch():
        for identity, features in parsed:
            track_id, created = track_for(store, identity, pool)
            summary.created += created
            summary.matched += not created
            store.execute(
                "INSERT OR REPLACE INTO imported_features (track_id, source, data, imported_at) "
                "VALUES (?, ?, ?, ?)",
                (track_id, source, json.dumps(features), now()),
            )
    return summary

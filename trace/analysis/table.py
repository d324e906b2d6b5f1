"""The track × feature table: tags, file facts and features, one row per track.

A track's features are its own, extracted from its audio by the current extractor: its
file's, or else its catalogue preview's (a 30 s clip, one window). Columns its audio
cannot give (valence, speechiness, liveness, instrumentalness) and tracks without audio
are filled from imported features (CSV, Spotify) where there are any.
``feature_source`` says where each row's features came from (``audio``, ``preview``,
``imported`` or ``none``), ``audio_service`` and ``audio_id`` which catalogue track a
preview is.
"""

from __future__ import annotations

import json
from pathlib import Path

import pandas as pd

from trace.library.names import readable_names
from trace.store import Store

TAG_COLUMNS = (
    "title",
    "artist",
    "album",
    "album_artist",
    "genre",
    "year",
    "date",
    "track_number",
    "disc_number",
    "isrc",
    "label",
    "comment",
    "rating",
    "play_count",
    "duration",
    "spotify_uri",
    "pool",
    "added_at",
)


def _joined(value: str) -> str:
    return "; ".join(json.loads(value)) if value else ""


def _expand(frame: pd.DataFrame, column: str) -> pd.DataFrame:
    """The JSON objects in ``column`` as columns of their own, aligned to ``frame``."""
    parsed = [json.loads(v) if isinstance(v, str) else {} for v in frame[column]]
    return pd.DataFrame.from_records(parsed, index=frame.index)


def feature_table(store: Store, *, extractor: str, candidates: bool = False) -> pd.DataFrame:
    """Every library track (or every candidate) with its tags and features; an untagged
    track's artist, album and title as its path tells them
    (:func:`trace.library.names.readable_names`)."""
    tracks = store.tracks(candidates=candidates)
    tracks["artist"] = tracks["artists"].map(_joined)
    tracks["genre"] = tracks["genres"].map(_joined)
    tracks = readable_names(tracks)
    own = store.frame(
        "SELECT signature, data FROM features WHERE extractor = ?", (extractor,)
    ).set_index("signature")["data"]
    tracks["own"] = tracks["signature"].map(own)
    previews = store.frame(
        "SELECT track_id, service, service_id, signature FROM previews WHERE status = 'found'"
    ).set_index("track_id")
    preview = tracks["id"].map(previews["signature"]).map(own)
    from_preview = tracks["own"].isna() & preview.notna()
    tracks["own"] = tracks["own"].where(~from_preview, preview)
    imported = (
        store.frame("SELECT track_id, data FROM imported_features ORDER BY imported_at")
        .drop_duplicates("track_id", keep="last")
        .set_index("track_id")["data"]
    )
    tracks["imported"] = tracks["id"].map(imported)

    own_features = _expand(tracks, "own")
    imported_features = _expand(tracks, "imported")
    features = own_features.combine_first(imported_features)
    source = pd.Series("none", index=tracks.index)
    source[tracks["imported"].notna()] = "imported"
    source[tracks["own"].notna()] = "audio"
    source[from_preview] = "preview"
    table = tracks.drop(columns=["own", "imported", "artists", "genres"])
    table = pd.concat([table, features.add_prefix("f_")], axis=1)
    table["feature_source"] = source
    table["audio_service"] = tracks["id"].map(previews["service"]).where(from_preview)
    table["audio_id"] = tracks["id"].map(previews["service_id"]).where(from_preview)
    return table


def library_table(store: Store, *, extractor: str, candidates: bool = False) -> pd.DataFrame:
    """:func:`feature_table` with ``added_at`` as UTC timestamps: what the pages and the
    map read (kept on disk by the analysis results, so read from the store once per
    library state — 10 s of JSON at 50,000 tracks)."""
    table = feature_table(store, extractor=extractor, candidates=candidates)
    table["added_at"] = pd.to_datetime(table["added_at"], utc=True, errors="coerce")
    return table


def feature_columns(table: pd.DataFrame) -> list[str]:
    """The feature columns of a :func:`feature_table`, without their ``f_`` prefix."""
    return [c.removeprefix("f_") for c in table.columns if c.startswith("f_")]


def export_csv(store: Store, path: Path, *, extractor: str, candidates: bool = False) -> int:
    """Write the table as CSV: location, tags, then every feature. Returns the row count."""
    table = feature_table(store, extractor=extractor, candidates=candidates)
    location = table["path"].where(table["path"].notna(), table["spotify_uri"])
    out = pd.concat(
        [
            location.rename("location"),
            table[list(TAG_COLUMNS)],
            table["feature_source"],
            table[[c for c in table.columns if c.startswith("f_")]].rename(
                columns=lambda c: c.removeprefix("f_")
            ),
        ],
        axis=1,
    )
    out.to_csv(path, index=False)
    return len(out)

"""The track × feature table: tags, file facts and features, one row per track.

A track's features are its own, extracted from its audio by the current extractor: its
file's, or else its catalogue preview's (a 30 s clip, one window). Columns its audio
cannot give (valence, speechiness, liveness, instrumentalness) and tracks without audio
are filled from imported features (CSV, Spotify) where there are any.
``feature_source`` says where each row's features came from (``audio``, ``preview``,
``imported`` or ``none``), ``audio_service`` and ``audio_id`` which catalogue track a
preview is.

What MusiCNN heard in the same audio (:mod:`trace.audio.ear`) follows as ``emb_000`` …
``emb_199`` (float32; NaN where a track has none: imported features, or a failure of the
model alone), and the words its tags give (:mod:`trace.analysis.heard`). The embedding
columns are not ``f_`` columns: the map takes them as a block of their own
(:func:`trace.analysis.embed.scale`), the pages' charts and words never show them.
"""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pandas as pd

from trace.analysis import heard
from trace.audio.ear import DIMENSIONS, EMBEDDING_COLUMNS, from_blobs
from trace.audio.musicnn import TAGS
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


def learned(store: Store, *, extractor: str) -> tuple[pd.Index, np.ndarray, np.ndarray]:
    """The stored MusiCNN outputs of ``extractor``: the signatures, their embeddings
    ``(n, 200)`` and their tag probabilities ``(n, 50)``, float32."""
    rows = store.execute(
        "SELECT signature, embedding, tags FROM embeddings WHERE extractor = ?", (extractor,)
    ).fetchall()
    return (
        pd.Index([row[0] for row in rows]),
        from_blobs([row[1] for row in rows], DIMENSIONS),
        from_blobs([row[2] for row in rows], len(TAGS)),
    )


def _aligned(known: pd.Index, values: np.ndarray, signatures: pd.Series) -> np.ndarray:
    """The rows of ``values`` (one per ``known`` signature) for each of ``signatures``;
    NaN rows where a signature has none."""
    position = known.get_indexer(signatures.fillna(""))
    out = np.full((len(signatures), values.shape[1]), np.nan, np.float32)
    out[position >= 0] = values[position[position >= 0]]
    return out


def _heard_columns(signatures: pd.Series, store: Store, extractor: str) -> pd.DataFrame:
    """The embedding and the tags' words for each row's audio ``signatures``."""
    known, embeddings, tags = learned(store, extractor=extractor)
    rows = _aligned(known, embeddings, signatures)  # 80 MB at 100,000 tracks
    probabilities = _aligned(known, tags, signatures)
    embedding = pd.DataFrame(rows, index=signatures.index, columns=list(EMBEDDING_COLUMNS))
    words = heard.words(pd.DataFrame(probabilities, index=signatures.index, columns=list(TAGS)))
    return pd.concat([words, embedding], axis=1)


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
    own_audio = tracks["own"].notna()
    previews = store.frame(
        "SELECT track_id, service, service_id, signature FROM previews WHERE status = 'found'"
    ).set_index("track_id")
    clip = tracks["id"].map(previews["signature"])
    preview = clip.map(own)
    from_preview = tracks["own"].isna() & preview.notna()
    tracks["own"] = tracks["own"].where(~from_preview, preview)
    audio = tracks["signature"].where(own_audio, clip.where(from_preview))
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
    table["audio_signature"] = audio
    return pd.concat([table, _heard_columns(audio, store, extractor)], axis=1)


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
    """Write the table as CSV: location, tags, every feature, then what MusiCNN heard:
    the words from its tags, ``emb_000`` … ``emb_199`` and each tag's probability
    (``tag_rock`` …). Returns the row count."""
    table = feature_table(store, extractor=extractor, candidates=candidates)
    known, _embeddings, tags = learned(store, extractor=extractor)
    probabilities = _aligned(known, tags, table["audio_signature"])
    location = table["path"].where(table["path"].notna(), table["spotify_uri"])
    out = pd.concat(
        [
            location.rename("location"),
            table[list(TAG_COLUMNS)],
            table["feature_source"],
            table[[c for c in table.columns if c.startswith("f_")]].rename(
                columns=lambda c: c.removeprefix("f_")
            ),
            table[["vocals", "sound_genre", *EMBEDDING_COLUMNS]],
            pd.DataFrame(
                probabilities, index=table.index, columns=[heard.tag_column(t) for t in TAGS]
            ),
        ],
        axis=1,
    )
    out.to_csv(path, index=False)
    return len(out)

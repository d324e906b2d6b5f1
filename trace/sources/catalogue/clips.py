"""The clips the catalogue's previews were heard from, kept in ``<TRACE home>/previews/``
for listening (the review plays the very clip TRACE analysed) and for re-analysis, under
a size bound; and where the tracks without a file stand, for the Sources page."""

from __future__ import annotations

import os
from dataclasses import dataclass
from pathlib import Path

from trace import config
from trace.store import Store

CLIP_CACHE_MB = 1024
"""The clips kept (``TRACE_PREVIEW_CACHE_MB``); the least recently used go first, and a
clip needed again is fetched again."""
CLIP_SUFFIX = {"deezer": ".mp3", "itunes": ".m4a"}


def clip_folder() -> Path:
    folder = config.home() / "previews"
    folder.mkdir(parents=True, exist_ok=True)
    return folder


def clip_path(service: str, service_id: str) -> Path:
    """Where the clip of a catalogue track is kept (for the review's player too)."""
    return clip_folder() / f"{service}-{service_id}{CLIP_SUFFIX.get(service, '.audio')}"


def bound_clips() -> None:
    """Keep the clips folder within its size bound, the least recently used out first."""
    from trace.audio.excerpt import bound_cache

    try:
        limit = float(os.environ.get("TRACE_PREVIEW_CACHE_MB", CLIP_CACHE_MB))
    except ValueError:
        limit = CLIP_CACHE_MB
    bound_cache(clip_folder(), limit_bytes=int(limit * 1e6), pattern="*-*.*")


def preview_of(store: Store, track_id: int) -> dict | None:
    """The preview a track is heard through: ``service``, ``service_id``, ``link`` and
    its clip's ``path`` when the clip is kept here (``None`` otherwise); or ``None``."""
    row = store.execute(
        "SELECT service, service_id, link FROM previews WHERE track_id = ? AND status = 'found'",
        (int(track_id),),
    ).fetchone()
    if row is None or not row["service"]:
        return None
    path = clip_path(row["service"], row["service_id"])
    return {**dict(row), "path": path if path.exists() else None}


@dataclass(frozen=True, slots=True)
class PreviewStatus:
    """Where the tracks without a file stand, for the Sources page."""

    without_file: int = 0
    heard: int = 0
    not_found: int = 0
    failed: int = 0
    waiting: int = 0


def preview_status(store: Store, extractor: str) -> PreviewStatus:
    """How many tracks have no file, and of them how many are heard through a preview,
    were not found, failed, or were never looked up (or wait for their analysis)."""
    row = store.execute(
        """SELECT count(*),
                  count(*) FILTER (WHERE p.status = 'found' AND EXISTS (
                      SELECT 1 FROM features x
                      WHERE x.signature = p.signature AND x.extractor = ?)),
                  count(*) FILTER (WHERE p.status = 'not found'),
                  count(*) FILTER (WHERE p.status = 'failed')
           FROM tracks t LEFT JOIN previews p ON p.track_id = t.id
           WHERE NOT EXISTS (SELECT 1 FROM files f WHERE f.track_id = t.id AND f.status = 'ok')""",
        (extractor,),
    ).fetchone()
    total, heard, not_found, failed = (int(v) for v in row)
    return PreviewStatus(total, heard, not_found, failed, total - heard - not_found - failed)

"""The two catalogues TRACE hears previews from: Deezer's public API and Apple's iTunes
Search API. Neither needs a key. Their base URLs are settings
(``TRACE_DEEZER_API_URL``, ``TRACE_ITUNES_API_URL``), so a local fake can stand in.

Deezer: ``/track/isrc:{ISRC}``, ``/track/{id}``, ``/search`` (``artist:"A" track:"T"``),
``/search/artist``, ``/artist/{id}/related``, ``/artist/{id}/top``; 50 requests per 5 s;
errors come inside an HTTP 200 (``{"error": {"code": 4}}`` is the quota, 800 "no data").
Search results carry no ISRC. A ``preview`` is a signed 30 s MP3 URL that expires.

iTunes: ``/search?term=…&entity=song``; ``previewUrl`` is a 30 s AAC; about 20 requests
a minute, then 403.
"""

from __future__ import annotations

import os
from dataclasses import dataclass
from typing import Any

from trace.sources.catalogue.service import CatalogueError, Notify, Service

DEEZER_URL = "https://api.deezer.com"
ITUNES_URL = "https://itunes.apple.com"
NO_DATA = 800
QUOTA = 4


@dataclass(frozen=True, slots=True)
class CatalogueTrack:
    """A track as a catalogue knows it; ``duration`` in seconds, ``preview`` a URL or ''."""

    service: str
    id: str
    artist: str
    title: str
    album: str
    duration: float | None
    isrc: str | None
    preview: str
    link: str
    artist_id: str | None = None


@dataclass(frozen=True, slots=True)
class CatalogueArtist:
    service: str
    id: str
    name: str
    fans: int = 0


class Deezer(Service):
    """Deezer's public API (no key)."""

    name = "Deezer"

    def __init__(self, base_url: str | None = None, *, notify: Notify | None = None, **kw: Any):
        kw.setdefault("calls", 50)
        kw.setdefault("period", 5.0)
        url = base_url or os.environ.get("TRACE_DEEZER_API_URL") or DEEZER_URL
        super().__init__(url, notify=notify, **kw)

    def quota_error(self, status: int, body: Any) -> bool:
        return status in (403, 429) or _deezer_code(body) == QUOTA

    def body_error(self, body: Any, what: str) -> Any:
        code = _deezer_code(body)
        if code is None:
            return body
        if code == NO_DATA:
            return None
        message = (body.get("error") or {}).get("message", "")
        raise CatalogueError(
            f"Deezer answered an error while {what} (code {code}: {message}); this lookup "
            "is skipped and tried again on a later run."
        )

    def track(self, track_id: str) -> CatalogueTrack | None:
        return _deezer_track(self.get_json(f"/track/{track_id}", None, what="reading a track"))

    def track_by_isrc(self, isrc: str) -> CatalogueTrack | None:
        body = self.get_json(f"/track/isrc:{isrc}", None, what=f"looking up ISRC {isrc}")
        return _deezer_track(body)

    def search_tracks(self, artist: str, title: str, *, limit: int = 10) -> list[CatalogueTrack]:
        query = f'artist:"{_quoted(artist)}" track:"{_quoted(title)}"'
        body = self.get_json("/search", {"q": query, "limit": limit}, what="searching a track")
        return [t for t in map(_deezer_track, _data(body)) if t is not None]

    def search_artists(self, name: str, *, limit: int = 5) -> list[CatalogueArtist]:
        body = self.get_json(
            "/search/artist", {"q": name, "limit": limit}, what=f"searching artist {name}"
        )
        return [a for a in map(_deezer_artist, _data(body)) if a is not None]

    def related(self, artist_id: str) -> list[CatalogueArtist]:
        body = self.get_json(f"/artist/{artist_id}/related", None, what="reading related artists")
        return [a for a in map(_deezer_artist, _data(body)) if a is not None]

    def top(self, artist_id: str, *, limit: int = 5) -> list[CatalogueTrack]:
        body = self.get_json(
            f"/artist/{artist_id}/top", {"limit": limit}, what="reading an artist's top tracks"
        )
        return [t for t in map(_deezer_track, _data(body)) if t is not None]


class ITunes(Service):
    """Apple's iTunes Search API (no key)."""

    name = "iTunes"

    def __init__(self, base_url: str | None = None, *, notify: Notify | None = None, **kw: Any):
        kw.setdefault("calls", 20)
        kw.setdefault("period", 60.0)
        url = base_url or os.environ.get("TRACE_ITUNES_API_URL") or ITUNES_URL
        super().__init__(url, notify=notify, **kw)

    def search_tracks(self, artist: str, title: str, *, limit: int = 10) -> list[CatalogueTrack]:
        params = {"term": f"{artist} {title}", "entity": "song", "media": "music", "limit": limit}
        body = self.get_json("/search", params, what="searching a track")
        results = body.get("results") if isinstance(body, dict) else None
        return [t for t in map(_itunes_track, results or []) if t is not None]


def _deezer_code(body: Any) -> int | None:
    if isinstance(body, dict) and isinstance(body.get("error"), dict):
        try:
            return int(body["error"].get("code"))
        except (TypeError, ValueError):
            return -1
    return None


def _data(body: Any) -> list[dict]:
    data = body.get("data") if isinstance(body, dict) else None
    return [item for item in data or [] if isinstance(item, dict)]


def _quoted(text: str) -> str:
    return text.replace('"', " ")


def _deezer_track(item: Any) -> CatalogueTrack | None:
    if not isinstance(item, dict) or item.get("id") is None or not item.get("title"):
        return None
    artist = item.get("artist") or {}
    album = item.get("album") or {}
    duration = item.get("duration")
    return CatalogueTrack(
        service="deezer",
        id=str(item["id"]),
        artist=str(artist.get("name") or ""),
        title=str(item["title"]),
        album=str(album.get("title") or ""),
        duration=float(duration) if isinstance(duration, int | float) and duration > 0 else None,
        isrc=(str(item["isrc"]).upper() if item.get("isrc") else None),
        preview=str(item.get("preview") or ""),
        link=str(item.get("link") or f"https://www.deezer.com/track/{item['id']}"),
        artist_id=str(artist["id"]) if artist.get("id") is not None else None,
    )


def _deezer_artist(item: Any) -> CatalogueArtist | None:
    if not isinstance(item, dict) or item.get("id") is None or not item.get("name"):
        return None
    fans = item.get("nb_fan")
    return CatalogueArtist(
        "deezer", str(item["id"]), str(item["name"]), int(fans) if isinstance(fans, int) else 0
    )


def _itunes_track(item: Any) -> CatalogueTrack | None:
    if not isinstance(item, dict) or item.get("kind") != "song" or item.get("trackId") is None:
        return None
    millis = item.get("trackTimeMillis")
    return CatalogueTrack(
        service="itunes",
        id=str(item["trackId"]),
        artist=str(item.get("artistName") or ""),
        title=str(item.get("trackName") or ""),
        album=str(item.get("collectionName") or ""),
        duration=millis / 1000 if isinstance(millis, int | float) and millis > 0 else None,
        isrc=None,
        preview=str(item.get("previewUrl") or ""),
        link=str(item.get("trackViewUrl") or ""),
        artist_id=str(item["artistId"]) if item.get("artistId") is not None else None,
    )

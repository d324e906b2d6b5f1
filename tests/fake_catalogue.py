"""A stand-in for Deezer's public API and Apple's iTunes Search API: a real HTTP server on
127.0.0.1, with the services' JSON shapes and their real faults.

One server answers three prefixes: ``/deezer/...`` (api.deezer.com), ``/itunes/...``
(itunes.apple.com) and ``/cdn/...`` (the preview files). Like the real services it

- answers Deezer's errors inside an HTTP 200 (``{"error": {"code": 800, ...}}`` for no data,
  code 4 for the quota of 50 requests per 5 s);
- answers iTunes' rate limit (about 20 a minute) with an HTTP 403;
- signs Deezer's preview URLs with an expiry (``hdnea=exp=...~hmac=...``): once expired, or
  when tampered with, the CDN answers 403;
- returns decoys ("Song (Live)", "Song (Remix)") from a search for ``track:"Song"``, ordered
  by rank, as Deezer does.

Tests can queue canned answers (``fail("GET /deezer/track/*", 502)``), slow answers
(``fail(..., 200, delay=2.0)`` answers for real, late), and downloads cut short
(``truncate_next_download(track_id)``). Previews are rendered in the test with
:func:`mp3_clip` and :func:`m4a_clip`.
"""

from __future__ import annotations

import copy
import fnmatch
import hashlib
import hmac
import io
import json
import math
import re
import sys
import threading
import time
import unicodedata
import zlib
from collections import deque
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from urllib.parse import parse_qs, quote, urlencode, urlparse

import av
import numpy as np
import soundfile as sf

DEEZER_SITE = "https://www.deezer.com"
DEEZER_API = "https://api.deezer.com"
DEEZER_IMAGES = "https://cdn-images.dzcdn.net/images"
COUNTRIES = ["AD", "AE", "AT", "AU", "BE", "BR", "CA", "CH", "DE", "ES", "FR", "GB", "IT", "NL"]

NO_DATA = {"error": {"type": "DataException", "message": "no data", "code": 800}}
QUOTA = {"error": {"type": "Exception", "message": "Quota limit exceeded", "code": 4}}

ACCESS_DENIED = (
    "<HTML><HEAD>\n<TITLE>Access Denied</TITLE>\n</HEAD><BODY>\n<H1>Access Denied</H1>\n \n"
    'You don\'t have permission to access "{path}" on this server.<P>\n'
    "Reference&#32;&#35;18&#46;7a3c1402&#46;1700000000&#46;2b8e41\n</BODY>\n</HTML>\n"
)
STATUS_TEXT = {
    400: "Bad Request",
    403: "Forbidden",
    404: "Not Found",
    429: "Too Many Requests",
    500: "Internal Server Error",
    502: "Bad Gateway",
    503: "Service Temporarily Unavailable",
    504: "Gateway Time-out",
}


def _stable_id(*parts: str, modulo: int = 10**7) -> int:
    return zlib.crc32("\0".join(parts).casefold().encode()) % modulo + 1


def _md5(*parts: object) -> str:
    return hashlib.md5("/".join(map(str, parts)).encode()).hexdigest()


def _fold(text: str) -> str:
    """Casefolded, without accents: how both services compare search words."""
    decomposed = unicodedata.normalize("NFKD", text.casefold())
    return "".join(c for c in decomposed if not unicodedata.combining(c))


def _pictures(kind: str, md5: str) -> dict:
    sizes = {"small": 56, "medium": 250, "big": 500, "xl": 1000}
    return {
        f"{key}_{name}": f"{DEEZER_IMAGES}/{kind}/{md5}/{px}x{px}-000000-80-0-0.jpg"
        for key in (("picture",) if kind == "artist" else ("cover",))
        for name, px in sizes.items()
    }


# -- Deezer objects --------------------------------------------------------------------------


def _deezer_artist_full(artist_id: int, name: str) -> dict:
    """An artist as embedded in a full /track/{id} answer (and in contributors)."""
    return {
        "id": artist_id,
        "name": name,
        "link": f"{DEEZER_SITE}/artist/{artist_id}",
        "share": f"{DEEZER_SITE}/artist/{artist_id}?utm_source=deezer&utm_content=artist-"
        f"{artist_id}&utm_term=0_1700000000&utm_medium=web",
        "picture": f"{DEEZER_API}/artist/{artist_id}/image",
        **_pictures("artist", _md5("artist", artist_id)),
        "radio": True,
        "tracklist": f"{DEEZER_API}/artist/{artist_id}/top?limit=50",
        "type": "artist",
    }


def deezer_track(
    id: int,
    *,
    artist: str,
    title: str,
    album: str = "Album",
    isrc: str | None = None,
    duration: int = 200,
    title_version: str = "",
    artist_id: int | None = None,
    album_id: int | None = None,
    rank: int = 500000,
) -> dict:
    """A full Deezer track object, as ``GET /track/{id}`` returns it.

    ``title`` is the short title; a version ("(Live)") is appended to ``title`` as Deezer
    does, and kept in ``title_version``. ``artist_id`` and ``album_id`` default to numbers
    derived from the names, so the same artist always gets the same id. Without ``isrc`` the
    track gets a made-up one derived from its id (Deezer's tracks nearly always have one;
    set ``track["isrc"] = ""`` for one that has none). ``preview`` is filled in when served.
    """
    artist_id = artist_id if artist_id is not None else _stable_id(artist)
    album_id = album_id if album_id is not None else _stable_id(artist, album)
    album_md5 = _md5("cover", album_id)
    contributor = {**_deezer_artist_full(artist_id, artist), "role": "Main"}
    return {
        "id": id,
        "readable": True,
        "title": f"{title} {title_version}".strip(),
        "title_short": title,
        "title_version": title_version,
        "isrc": isrc if isrc is not None else f"ZZFKE{id % 10**7:07d}",
        "link": f"{DEEZER_SITE}/track/{id}",
        "share": f"{DEEZER_SITE}/track/{id}?utm_source=deezer&utm_content=track-{id}"
        "&utm_term=0_1700000000&utm_medium=web",
        "duration": duration,
        "track_position": 1,
        "disk_number": 1,
        "rank": rank,
        "release_date": "2021-05-01",
        "explicit_lyrics": False,
        "explicit_content_lyrics": 0,
        "explicit_content_cover": 0,
        "preview": "",
        "bpm": 0,
        "gain": -9.2,
        "available_countries": list(COUNTRIES),
        "contributors": [contributor],
        "md5_image": album_md5,
        "track_token": f"AAAAAWf{_md5('token', id)[:40]}",
        "artist": _deezer_artist_full(artist_id, artist),
        "album": {
            "id": album_id,
            "title": album,
            "link": f"{DEEZER_SITE}/album/{album_id}",
            "cover": f"{DEEZER_API}/album/{album_id}/image",
            **_pictures("cover", album_md5),
            "md5_image": album_md5,
            "release_date": "2021-05-01",
            "tracklist": f"{DEEZER_API}/album/{album_id}/tracks",
            "type": "album",
        },
        "type": "track",
    }


SEARCH_TRACK_KEYS = (
    "id",
    "readable",
    "title",
    "title_short",
    "title_version",
    "link",
    "duration",
    "rank",
    "explicit_lyrics",
    "explicit_content_lyrics",
    "explicit_content_cover",
    "preview",
    "md5_image",
)
SEARCH_ARTIST_KEYS = ("id", "name", "link", "picture", "tracklist", "type")
SEARCH_ALBUM_KEYS = ("id", "title", "cover", "md5_image", "tracklist", "type")


def _search_shape(track: dict) -> dict:
    """The shorter track object of /search and /artist/{id}/top: no isrc, no bpm."""
    artist, album = track["artist"], track["album"]
    return {
        **{key: track[key] for key in SEARCH_TRACK_KEYS if key in track},
        "artist": {
            **{key: artist[key] for key in SEARCH_ARTIST_KEYS if key in artist},
            **{key: value for key, value in artist.items() if key.startswith("picture_")},
        },
        "album": {
            **{key: album[key] for key in SEARCH_ALBUM_KEYS if key in album},
            **{key: value for key, value in album.items() if key.startswith("cover_")},
        },
        "type": "track",
    }


# -- iTunes objects --------------------------------------------------------------------------


def itunes_song(
    track_id: int,
    *,
    artist: str,
    title: str,
    album: str = "Album",
    duration_ms: int = 200000,
) -> dict:
    """An iTunes Search API result for a song (no ISRC: Apple does not give one).

    ``previewUrl`` is set by :meth:`FakeCatalogue.add_itunes` (absent without a preview).
    """
    artist_id = _stable_id(artist, modulo=10**9)
    collection_id = _stable_id(artist, album, modulo=10**9)
    slug_album = re.sub(r"[^a-z0-9]+", "-", _fold(album)).strip("-") or "album"
    slug_artist = re.sub(r"[^a-z0-9]+", "-", _fold(artist)).strip("-") or "artist"
    artwork = (
        "https://is1-ssl.mzstatic.com/image/thumb/Music115/v4/"
        f"{_md5('art', collection_id)[:2]}/{_md5('art', collection_id)}/source"
    )
    return {
        "wrapperType": "track",
        "kind": "song",
        "artistId": artist_id,
        "collectionId": collection_id,
        "trackId": track_id,
        "artistName": artist,
        "collectionName": album,
        "trackName": title,
        "collectionCensoredName": album,
        "trackCensoredName": title,
        "artistViewUrl": f"https://music.apple.com/us/artist/{slug_artist}/{artist_id}?uo=4",
        "collectionViewUrl": (
            f"https://music.apple.com/us/album/{slug_album}/{collection_id}?i={track_id}&uo=4"
        ),
        "trackViewUrl": (
            f"https://music.apple.com/us/album/{slug_album}/{collection_id}?i={track_id}&uo=4"
        ),
        "artworkUrl30": f"{artwork}/30x30bb.jpg",
        "artworkUrl60": f"{artwork}/60x60bb.jpg",
        "artworkUrl100": f"{artwork}/100x100bb.jpg",
        "collectionPrice": 9.99,
        "trackPrice": 1.29,
        "releaseDate": "2021-05-01T07:00:00Z",
        "collectionExplicitness": "notExplicit",
        "trackExplicitness": "notExplicit",
        "discCount": 1,
        "discNumber": 1,
        "trackCount": 12,
        "trackNumber": 1,
        "trackTimeMillis": duration_ms,
        "country": "USA",
        "currency": "USD",
        "primaryGenreName": "Pop",
        "isStreamable": True,
    }


# -- preview audio ---------------------------------------------------------------------------


def clip_samples(
    seconds: float = 30.0, *, freq: float = 440.0, bpm: float = 120.0, sr: int = 22050
) -> np.ndarray:
    """A mono float32 signal: a soft tone with a click on every beat at ``bpm``."""
    n = int(seconds * sr)
    t = np.arange(n) / sr
    signal = 0.2 * np.sin(2 * np.pi * freq * t)
    click_len = int(0.03 * sr)
    rng = np.random.default_rng(int(freq * 1000 + bpm))
    click = rng.uniform(-1, 1, click_len) * np.exp(-np.arange(click_len) / (0.005 * sr)) * 0.6
    for beat in np.arange(0, seconds, 60.0 / bpm):
        start = int(beat * sr)
        end = min(n, start + click_len)
        signal[start:end] += click[: end - start]
    return np.clip(signal, -1, 1).astype(np.float32)


def mp3_clip(
    seconds: float = 30.0, *, freq: float = 440.0, bpm: float = 120.0, sr: int = 22050
) -> bytes:
    """A short synthetic clip encoded as MP3 bytes, like a Deezer preview."""
    buffer = io.BytesIO()
    sf.write(buffer, clip_samples(seconds, freq=freq, bpm=bpm, sr=sr), sr, format="MP3")
    return buffer.getvalue()


def m4a_clip(
    seconds: float = 30.0, *, freq: float = 440.0, bpm: float = 120.0, sr: int = 22050
) -> bytes:
    """A short synthetic clip encoded as AAC in MP4 bytes, like an iTunes preview."""
    samples = clip_samples(seconds, freq=freq, bpm=bpm, sr=sr)
    buffer = io.BytesIO()
    with av.open(buffer, "w", format="mp4") as container:
        stream = container.add_stream("aac", rate=sr, layout="mono")
        frame = av.AudioFrame.from_ndarray(samples[None, :].copy(), format="fltp", layout="mono")
        frame.rate = sr
        for packet in stream.encode(frame):
            container.mux(packet)
        for packet in stream.encode(None):
            container.mux(packet)
    return buffer.getvalue()


# -- state -----------------------------------------------------------------------------------


@dataclass
class Request:
    """One request the fake received."""

    service: str  # "deezer", "itunes" or "cdn"
    method: str
    path: str  # without the query, e.g. "/deezer/track/3135556"
    query: dict[str, str]
    at: float  # time.monotonic()


@dataclass
class Canned:
    status: int
    body: dict | str | None
    delay: float


@dataclass
class CatalogueState:
    deezer_tracks: dict[int, dict] = field(default_factory=dict)  # id -> full track object
    deezer_audio: dict[int, bytes] = field(default_factory=dict)
    artists: dict[int, dict] = field(default_factory=dict)  # id -> artist object
    related: dict[int, list[int]] = field(default_factory=dict)
    itunes_songs: dict[int, dict] = field(default_factory=dict)  # trackId -> result
    itunes_audio: dict[int, bytes] = field(default_factory=dict)
    failures: dict[str, list[Canned]] = field(default_factory=dict)  # route pattern -> queue
    truncations: dict[str, int] = field(default_factory=dict)  # str(track id) -> times left
    preview_ttl: float = 3600.0
    deezer_limit: tuple[int, float] = (50, 5.0)
    itunes_limit: tuple[int, float] = (20, 60.0)
    requests: list[Request] = field(default_factory=list)
    deezer_served: deque[float] = field(default_factory=deque)  # monotonic times in window
    itunes_served: deque[float] = field(default_factory=deque)
    preview_deadline: dict[str, float] = field(default_factory=dict)  # token -> wall time
    secret: bytes = b"fake-akamai-key"


@dataclass
class Answer:
    status: int
    body: bytes
    content_type: str
    truncate: bool = False


def _json(status: int, payload: object) -> Answer:
    return Answer(status, json.dumps(payload).encode(), "application/json; charset=utf-8")


def _itunes_json(status: int, payload: object) -> Answer:
    # Apple's answers start with three newlines and are served as JavaScript.
    body = ("\n\n\n" + json.dumps(payload, indent=1) + "\n").encode()
    return Answer(status, body, "text/javascript; charset=utf-8")


def _html(status: int, text: str | None = None) -> Answer:
    if text is None:
        title = f"{status} {STATUS_TEXT.get(status, 'Error')}"
        text = (
            f"<html>\r\n<head><title>{title}</title></head>\r\n<body>\r\n"
            f"<center><h1>{title}</h1></center>\r\n<hr><center>nginx</center>\r\n"
            "</body>\r\n</html>\r\n"
        )
    return Answer(status, text.encode(), "text/html; charset=utf-8")


# -- the server ------------------------------------------------------------------------------


class _Server(ThreadingHTTPServer):
    daemon_threads = True

    def handle_error(self, request, client_address) -> None:
        # A client that gave up on a slow answer closes its socket: not worth a traceback.
        if not isinstance(sys.exc_info()[1], ConnectionError):
            super().handle_error(request, client_address)


class FakeCatalogue:
    def __init__(self) -> None:
        self.state = CatalogueState()
        self.lock = threading.Lock()
        fake = self

        class Handler(BaseHTTPRequestHandler):
            def log_message(self, *args) -> None:  # quiet
                pass

            def do_GET(self) -> None:
                fake._handle(self, "GET")

            def do_HEAD(self) -> None:
                fake._handle(self, "HEAD")

        self.server = _Server(("127.0.0.1", 0), Handler)
        self.base_url = f"http://127.0.0.1:{self.server.server_port}"
        self.deezer_url = self.base_url + "/deezer"
        self.itunes_url = self.base_url + "/itunes"
        self.thread = threading.Thread(
            target=self.server.serve_forever, kwargs={"poll_interval": 0.02}, daemon=True
        )

    # -- settings, kept in the state -------------------------------------------------------

    @property
    def requests(self) -> list[Request]:
        return self.state.requests

    @property
    def preview_ttl(self) -> float:
        return self.state.preview_ttl

    @preview_ttl.setter
    def preview_ttl(self, value: float) -> None:
        self.state.preview_ttl = value

    @property
    def deezer_limit(self) -> tuple[int, float]:
        return self.state.deezer_limit

    @deezer_limit.setter
    def deezer_limit(self, value: tuple[int, float]) -> None:
        self.state.deezer_limit = value

    @property
    def itunes_limit(self) -> tuple[int, float]:
        return self.state.itunes_limit

    @itunes_limit.setter
    def itunes_limit(self, value: tuple[int, float]) -> None:
        self.state.itunes_limit = value

    # -- control ---------------------------------------------------------------------------

    def add_deezer(self, track: dict, audio: bytes | None = None) -> dict:
        """Register a full track object (see :func:`deezer_track`) and its preview's bytes;
        without audio the track's ``preview`` is ``""``. Its artist is created if new."""
        with self.lock:
            self.state.deezer_tracks[track["id"]] = track
            if audio is None:
                self.state.deezer_audio.pop(track["id"], None)
            else:
                self.state.deezer_audio[track["id"]] = audio
        if track["artist"]["id"] not in self.state.artists:
            self.add_artist(track["artist"]["id"], track["artist"]["name"])
        return track

    def add_itunes(self, song: dict, audio: bytes | None = None) -> dict:
        """Register a song (see :func:`itunes_song`); with audio it gets a ``previewUrl``."""
        with self.lock:
            self.state.itunes_songs[song["trackId"]] = song
            if audio is None:
                self.state.itunes_audio.pop(song["trackId"], None)
                song.pop("previewUrl", None)
            else:
                self.state.itunes_audio[song["trackId"]] = audio
                song["previewUrl"] = f"{self.base_url}/cdn/itunes/{song['trackId']}.m4a"
        return song

    def add_artist(self, artist_id: int, name: str, nb_fan: int = 1000) -> dict:
        """Register (or rename) an artist; ``nb_album`` is counted from its tracks."""
        artist = {
            "id": artist_id,
            "name": name,
            "link": f"{DEEZER_SITE}/artist/{artist_id}",
            "share": f"{DEEZER_SITE}/artist/{artist_id}?utm_source=deezer&utm_content=artist-"
            f"{artist_id}&utm_term=0_1700000000&utm_medium=web",
            "picture": f"{DEEZER_API}/artist/{artist_id}/image",
            **_pictures("artist", _md5("artist", artist_id)),
            "nb_album": 0,
            "nb_fan": nb_fan,
            "radio": True,
            "tracklist": f"{DEEZER_API}/artist/{artist_id}/top?limit=50",
            "type": "artist",
        }
        with self.lock:
            self.state.artists[artist_id] = artist
        return artist

    def relate(self, artist_id: int, related_ids: list[int]) -> None:
        """What ``/artist/{artist_id}/related`` answers, in this order."""
        with self.lock:
            self.state.related[artist_id] = list(related_ids)

    def fail(
        self,
        route: str,
        status: int,
        body: dict | str | None = None,
        *,
        times: int = 1,
        delay: float = 0.0,
    ) -> None:
        """The next ``times`` requests matching ``route`` get a canned answer.

        ``route`` is a method and a path pattern (``fnmatch``: ``*`` also matches ``/``),
        e.g. ``"GET /deezer/track/*"``, ``"GET /itunes/search"``, ``"GET /cdn/*"``. A dict
        body is sent as JSON (``fail(route, 200, {"error": {...}})`` is Deezer's error in a
        200), a str as HTML, and None as a server's HTML error page, except that
        ``status=200, body=None`` answers for real. ``delay`` seconds pass before the answer.
        Canned answers are logged but count toward no rate limit.
        """
        with self.lock:
            queue = self.state.failures.setdefault(route, [])
            queue.extend(Canned(status, body, delay) for _ in range(times))

    def truncate_next_download(self, track_id: int | str, times: int = 1) -> None:
        """The next ``times`` preview downloads of ``track_id`` (Deezer's or iTunes') send a
        Content-Length for the whole file, half of the bytes, then close the connection."""
        with self.lock:
            key = str(track_id)
            self.state.truncations[key] = self.state.truncations.get(key, 0) + times

    def expire_previews(self) -> None:
        """Every preview URL issued so far stops working (403), as if its time had run out."""
        with self.lock:
            for token in self.state.preview_deadline:
                self.state.preview_deadline[token] = 0.0

    # -- the server ------------------------------------------------------------------------

    def _handle(self, request: BaseHTTPRequestHandler, method: str) -> None:
        parsed = urlparse(request.path)
        path = parsed.path.rstrip("/") or "/"
        query = {k: v[0] for k, v in parse_qs(parsed.query, keep_blank_values=True).items()}
        service = path.split("/")[1] if path.count("/") >= 1 else ""
        route = f"{method if method != 'HEAD' else 'GET'} {path}"
        with self.lock:
            self.state.requests.append(Request(service, method, path, query, time.monotonic()))
            canned = None
            for pattern, queue in self.state.failures.items():
                if queue and fnmatch.fnmatchcase(route, pattern):
                    canned = queue.pop(0)
                    break
        answer = None
        if canned is not None:
            if canned.delay:
                time.sleep(canned.delay)
            if isinstance(canned.body, dict):
                answer = (_itunes_json if service == "itunes" else _json)(
                    canned.status, canned.body
                )
            elif isinstance(canned.body, str):
                answer = _html(canned.status, canned.body)
            elif canned.status != 200:
                answer = _html(canned.status)
        if answer is None:
            with self.lock:
                if service == "deezer":
                    answer = self._deezer(path.removeprefix("/deezer"), query)
                elif service == "itunes":
                    answer = self._itunes(path.removeprefix("/itunes"), query)
                elif service == "cdn":
                    answer = self._cdn(path, parsed.query)
                else:
                    answer = _html(404)
        self._send(request, answer, head=method == "HEAD")

    def _send(self, request: BaseHTTPRequestHandler, answer: Answer, *, head: bool) -> None:
        request.send_response(answer.status)
        request.send_header("Content-Type", answer.content_type)
        request.send_header("Content-Length", str(len(answer.body)))
        request.end_headers()
        if head:
            return
        if answer.truncate:
            request.wfile.write(answer.body[: len(answer.body) // 2])
            request.wfile.flush()
            request.close_connection = True
            return
        request.wfile.write(answer.body)

    @staticmethod
    def _admit(served: deque[float], limit: tuple[int, float]) -> bool:
        """Whether one more request fits the rolling window; if so it is counted."""
        count, window = limit
        now = time.monotonic()
        while served and served[0] <= now - window:
            served.popleft()
        if len(served) >= count:
            return False
        served.append(now)
        return True

    # -- Deezer ----------------------------------------------------------------------------

    def _preview(self, track_id: int, ext: str = "mp3") -> str:
        if track_id not in self.state.deezer_audio:
            return ""
        issued = time.time()
        deadline = issued + self.state.preview_ttl
        exp = math.ceil(deadline)
        path = f"/cdn/deezer/{track_id}.{ext}"
        token = f"exp={exp}~hmac={self._sign(path, exp)}"
        previous = self.state.preview_deadline.get(token, 0.0)
        self.state.preview_deadline[token] = max(previous, deadline)
        return f"{self.base_url}{path}?hdnea={token}"

    def _sign(self, path: str, exp: int | str) -> str:
        return hmac.new(self.state.secret, f"{path}|{exp}".encode(), hashlib.sha256).hexdigest()

    def _served(self, track: dict, shape: str) -> dict:
        out = copy.deepcopy(track)
        out["preview"] = self._preview(track["id"])
        if shape == "full":
            return out
        short = _search_shape(out)
        if shape == "top":
            short["contributors"] = out.get("contributors", [])
        return short

    def _artist_served(self, artist: dict, *, share: bool = True) -> dict:
        out = dict(artist)
        albums = {
            t["album"]["id"]
            for t in self.state.deezer_tracks.values()
            if t["artist"]["id"] == artist["id"]
        }
        out["nb_album"] = len(albums)
        if not share:
            out.pop("share", None)
        return out

    def _page(self, path: str, items: list, query: dict, default_limit: int) -> dict:
        try:
            limit = int(query.get("limit", default_limit))
            index = int(query.get("index", 0))
        except ValueError:
            limit, index = default_limit, 0
        limit = max(1, min(limit, 100)) if limit > 0 else default_limit
        index = max(0, index)
        page: dict = {"data": items[index : index + limit], "total": len(items)}
        rest = {k: v for k, v in query.items() if k not in ("index",)}
        if index > 0:
            page["prev"] = f"{self.deezer_url}{path}?" + urlencode(
                {**rest, "index": max(0, index - limit)}, quote_via=quote
            )
        if index + limit < len(items):
            page["next"] = f"{self.deezer_url}{path}?" + urlencode(
                {**rest, "index": index + limit}, quote_via=quote
            )
        return page

    def _deezer(self, path: str, query: dict) -> Answer:
        state = self.state
        if not self._admit(state.deezer_served, state.deezer_limit):
            return _json(200, QUOTA)
        tracks = state.deezer_tracks
        match = re.fullmatch(r"/track/isrc:(.+)", path)
        if match:
            wanted = match.group(1).strip().upper()
            for track in tracks.values():
                if track.get("isrc") and track["isrc"].upper() == wanted:
                    return _json(200, self._served(track, "full"))
            return _json(200, NO_DATA)
        match = re.fullmatch(r"/track/(\d+)", path)
        if match:
            track = tracks.get(int(match.group(1)))
            return _json(200, self._served(track, "full") if track else NO_DATA)
        if path == "/search" or path == "/search/track":
            found = sorted(
                (t for t in tracks.values() if _matches(t, query.get("q", ""))),
                key=lambda t: -t.get("rank", 0),
            )
            page = self._page(path, found, query, 25)
            page["data"] = [self._served(t, "search") for t in page["data"]]
            return _json(200, page)
        if path == "/search/artist":
            words = _fold(query.get("q", "")).strip()
            found = sorted(
                (a for a in state.artists.values() if words and words in _fold(a["name"])),
                key=lambda a: -a.get("nb_fan", 0),
            )
            page = self._page(path, found, query, 25)
            page["data"] = [self._artist_served(a, share=False) for a in page["data"]]
            return _json(200, page)
        match = re.fullmatch(r"/artist/(\d+)(/related|/top)?", path)
        if match:
            artist_id, sub = int(match.group(1)), match.group(2)
            artist = state.artists.get(artist_id)
            if artist is None:
                return _json(200, NO_DATA)
            if sub is None:
                return _json(200, self._artist_served(artist))
            if sub == "/related":
                related = [
                    state.artists[i] for i in state.related.get(artist_id, []) if i in state.artists
                ]
                page = self._page(path, related, query, 20)
                page["data"] = [self._artist_served(a, share=False) for a in page["data"]]
                return _json(200, page)
            own = sorted(
                (t for t in tracks.values() if t["artist"]["id"] == artist_id),
                key=lambda t: -t.get("rank", 0),
            )
            page = self._page(path, own, query, 5)
            page["data"] = [self._served(t, "top") for t in page["data"]]
            return _json(200, page)
        return _json(200, NO_DATA)

    # -- iTunes ----------------------------------------------------------------------------

    def _itunes(self, path: str, query: dict) -> Answer:
        state = self.state
        if not self._admit(state.itunes_served, state.itunes_limit):
            return Answer(403, b"", "text/html; charset=utf-8")
        songs = list(state.itunes_songs.values())
        try:
            limit = max(1, min(int(query.get("limit", 50)), 200))
        except ValueError:
            limit = 50
        if path == "/search":
            term = query.get("term", "")
            if not term.strip():
                return _itunes_json(
                    400,
                    {
                        "errorMessage": "Invalid value(s) for key(s): [term]",
                        "queryParameters": {"term": term, **query},
                    },
                )
            if query.get("entity", "song") not in ("song", "musicTrack") or query.get(
                "media", "music"
            ) not in ("music", "all"):
                return _itunes_json(200, {"resultCount": 0, "results": []})
            words = _fold(term).split()
            found = [
                song
                for song in songs
                if all(
                    word
                    in _fold(f"{song['artistName']} {song['trackName']} {song['collectionName']}")
                    for word in words
                )
            ][:limit]
            return _itunes_json(200, {"resultCount": len(found), "results": found})
        if path == "/lookup":
            ids = {i.strip() for i in query.get("id", "").split(",") if i.strip()}
            found = [song for song in songs if str(song["trackId"]) in ids]
            return _itunes_json(200, {"resultCount": len(found), "results": found})
        return _html(404)

    # -- CDN -------------------------------------------------------------------------------

    def _cdn(self, path: str, raw_query: str) -> Answer:
        state = self.state
        match = re.fullmatch(r"/cdn/(deezer|itunes)/(\d+)\.(mp3|m4a)", path)
        if not match:
            return _html(404)
        service, track_id = match.group(1), int(match.group(2))
        if service == "deezer":
            query = {k: v[0] for k, v in parse_qs(raw_query).items()}
            fields = dict(part.partition("=")[::2] for part in query.get("hdnea", "").split("~"))
            exp = fields.get("exp", "")
            if not exp.isdigit() or not hmac.compare_digest(
                fields.get("hmac", ""), self._sign(path, exp)
            ):
                return _html(403, ACCESS_DENIED.format(path=path))
            token = f"exp={exp}~hmac={fields['hmac']}"
            if time.time() > state.preview_deadline.get(token, float(exp)):
                return _html(403, ACCESS_DENIED.format(path=path))
            audio, content_type = state.deezer_audio.get(track_id), "audio/mpeg"
        else:
            audio, content_type = state.itunes_audio.get(track_id), "audio/x-m4a"
        if audio is None:
            return _html(404)
        truncate = False
        left = state.truncations.get(str(track_id), 0)
        if left > 0:
            state.truncations[str(track_id)] = left - 1
            truncate = True
        return Answer(200, audio, content_type, truncate=truncate)


def _matches(track: dict, q: str) -> bool:
    """Deezer's search: ``artist:"A" track:"T" album:"L"`` (each contained in the field,
    casefolded, accents ignored), ``dur_min:N dur_max:N``, and free words, each of which
    must appear in the artist or the title."""
    artist, title = _fold(track["artist"]["name"]), _fold(track["title"])
    album = _fold(track["album"]["title"])
    fields = {"artist": artist, "track": title, "album": album}
    rest = q
    for key, value in re.findall(r'(\w+):"([^"]*)"', q):
        rest = rest.replace(f'{key}:"{value}"', " ")
        if key in fields and _fold(value).strip() not in fields[key]:
            return False
    for key, value in re.findall(r"(dur_min|dur_max):(\d+)", rest):
        rest = rest.replace(f"{key}:{value}", " ")
        if key == "dur_min" and track["duration"] < int(value):
            return False
        if key == "dur_max" and track["duration"] > int(value):
            return False
    words = _fold(rest).split()
    if not words and not re.search(r'\w+:"', q):
        return False  # an empty query finds nothing
    return all(word in f"{artist} {title}" for word in words)


@contextmanager
def serve_catalogue() -> Iterator[FakeCatalogue]:
    """A running fake on a free port; shut down afterwards."""
    fake = FakeCatalogue()
    fake.thread.start()
    try:
        yield fake
    finally:
        fake.server.shutdown()
        fake.server.server_close()

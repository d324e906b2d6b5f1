"""A stand-in for Spotify's Web API and accounts service: a real HTTP server on 127.0.0.1.

It speaks the paths TRACE uses, pages with ``next`` links pointing back at itself, checks
bearer tokens, and can be told to misbehave: a queue of canned failures per route
(``fail("GET /v1/me/tracks", 429, {"Retry-After": "1"})``), an access token that
stops working (``expire_token``), or a failure on the n-th add to a playlist.
"""

from __future__ import annotations

import base64
import hashlib
import json
import re
import threading
from collections import defaultdict
from contextlib import contextmanager
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from urllib.parse import parse_qs, urlencode, urlparse

CLIENT_ID = "trace-test-client"
CLIENT_SECRET = "s3cret-never-shown"
CODE = "code-from-spotify"


def track(
    n: int,
    *,
    artist: str | None = None,
    title: str | None = None,
    isrc: str | None = None,
    duration_ms: int = 200_000,
) -> dict:
    """A Spotify track object, numbered."""
    tid = f"{n:022d}"[-22:].replace("0", "a")
    return {
        "type": "track",
        "id": tid,
        "uri": f"spotify:track:{tid}",
        "name": title or f"Song {n}",
        "artists": [{"name": artist or f"Artist {n % 7}"}],
        "album": {"name": f"Album {n % 5}", "release_date": "2021-05-01"},
        "duration_ms": duration_ms,
        "external_ids": {"isrc": isrc} if isrc else {},
        "is_local": False,
    }


GRANTED_SCOPE = (
    "user-library-read user-read-recently-played user-top-read playlist-read-private "
    "playlist-read-collaborative playlist-modify-private playlist-modify-public"
)


@dataclass
class State:
    me: dict = field(default_factory=lambda: {"id": "person", "display_name": "A Person"})
    saved: list[dict] = field(default_factory=list)  # {"added_at", "track"}
    recent: list[dict] = field(default_factory=list)  # {"played_at", "track"}
    top: dict[str, list[dict]] = field(default_factory=dict)
    playlists: list[dict] = field(default_factory=list)  # id, name, owner, snapshot_id
    items: dict[str, list[dict]] = field(default_factory=lambda: defaultdict(list))
    search: dict[str, list[dict]] = field(default_factory=dict)  # artist -> tracks
    audio_features_status: int = 403
    failures: dict[str, list[tuple[int, dict]]] = field(default_factory=lambda: defaultdict(list))
    add_failures: list[int] = field(default_factory=list)  # n-th add call (1-based) fails
    add_calls: int = 0
    tokens: set[str] = field(default_factory=set)
    refresh_tokens: set[str] = field(default_factory=set)
    issued: int = 0
    verifier_challenge: str | None = None
    rotate_refresh_tokens: bool = True  # a used refresh token stops working, as with PKCE
    max_limit: dict[str, int] = field(  # the documented maxima; a larger limit is a 400
        default_factory=lambda: {
            "/me/tracks": 50,
            "/me/player/recently-played": 50,
            "/me/top/tracks": 50,
            "/me/playlists": 50,
            "/playlists/*/items": 50,
            "/search": 10,
        }
    )
    log: list[tuple[str, str, str]] = field(default_factory=list)  # method, path, auth


class FakeSpotify:
    def __init__(self) -> None:
        self.state = State()
        self.lock = threading.Lock()
        fake = self

        class Handler(BaseHTTPRequestHandler):
            def log_message(self, *args):  # quiet
                pass

            def do_GET(self):
                fake._handle(self, "GET")

            def do_POST(self):
                fake._handle(self, "POST")

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.url = f"http://127.0.0.1:{self.server.server_port}/"
        self.api_url = self.url + "v1/"
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)

    # -- control ----------------------------------------------------------------------

    def fail(self, route: str, status: int, headers: dict | None = None, times: int = 1) -> None:
        """The next ``times`` requests to ``route`` ("GET /v1/me/tracks") get ``status``."""
        self.state.failures[route].extend([(status, headers or {})] * times)

    def expire_token(self) -> None:
        """Every access token issued so far stops working (a 401 until refreshed)."""
        self.state.tokens.clear()

    def requests(self, prefix: str = "") -> list[tuple[str, str, str]]:
        return [entry for entry in self.state.log if f"{entry[0]} {entry[1]}".startswith(prefix)]

    def issue(self) -> dict:
        self.state.issued += 1
        access, refresh = f"access-{self.state.issued}", f"refresh-{self.state.issued}"
        self.state.tokens.add(access)
        self.state.refresh_tokens.add(refresh)
        return {
            "access_token": access,
            "token_type": "Bearer",
            "expires_in": 3600,
            "refresh_token": refresh,
            "scope": GRANTED_SCOPE,  # as Spotify does: spotipy's PKCE checks it
        }

    # -- the server ---------------------------------------------------------------------

    def _handle(self, request: BaseHTTPRequestHandler, method: str) -> None:
        parsed = urlparse(request.path)
        query = {k: v[0] for k, v in parse_qs(parsed.query).items()}
        length = int(request.headers.get("Content-Length") or 0)
        body = request.rfile.read(length) if length else b""
        auth = request.headers.get("Authorization", "")
        parsed = parsed._replace(path=parsed.path.rstrip("/") or "/")
        route = f"{method} {parsed.path}"
        with self.lock:
            self.state.log.append(
                (method, parsed.path + ("?" + parsed.query if parsed.query else ""), auth)
            )
            failures = self.state.failures.get(route)
            if failures:
                status, headers = failures.pop(0)
                return self._send(
                    request,
                    status,
                    {"error": {"status": status, "message": "canned failure"}},
                    headers,
                )
            if parsed.path == "/api/token":
                return self._token(request, body, auth)
            if not parsed.path.startswith("/v1/"):
                return self._send(request, 404, {"error": "no such path"})
            token = auth.removeprefix("Bearer ")
            if token not in self.state.tokens:
                return self._send(
                    request, 401, {"error": {"status": 401, "message": "The access token expired"}}
                )
            status, payload = self._api(method, parsed.path[len("/v1") :], query, body)
            return self._send(request, status, payload)

    def _send(self, request, status: int, payload, headers: dict | None = None) -> None:
        data = json.dumps(payload).encode()
        request.send_response(status)
        request.send_header("Content-Type", "application/json")
        request.send_header("Content-Length", str(len(data)))
        for key, value in (headers or {}).items():
            request.send_header(key, value)
        request.end_headers()
        request.wfile.write(data)

    def _token(self, request, body: bytes, auth: str) -> None:
        form = {k: v[0] for k, v in parse_qs(body.decode()).items()}
        if form.get("grant_type") == "authorization_code":
            if form.get("code") != CODE:
                return self._send(
                    request,
                    400,
                    {"error": "invalid_grant", "error_description": "Invalid authorization code"},
                )
            if "code_verifier" in form:  # PKCE: the challenge must fit the verifier
                digest = hashlib.sha256(form["code_verifier"].encode()).digest()
                challenge = base64.urlsafe_b64encode(digest).decode().rstrip("=")
                if challenge != self.state.verifier_challenge:
                    return self._send(
                        request,
                        400,
                        {
                            "error": "invalid_grant",
                            "error_description": "code_verifier was incorrect",
                        },
                    )
            elif (
                auth
                != "Basic " + base64.b64encode(f"{CLIENT_ID}:{CLIENT_SECRET}".encode()).decode()
            ):
                return self._send(request, 400, {"error": "invalid_client"})
            return self._send(request, 200, self.issue())
        if form.get("grant_type") == "refresh_token":
            if form.get("refresh_token") not in self.state.refresh_tokens:
                return self._send(
                    request,
                    400,
                    {"error": "invalid_grant", "error_description": "Refresh token revoked"},
                )
            if self.state.rotate_refresh_tokens:
                self.state.refresh_tokens.discard(form["refresh_token"])
            return self._send(request, 200, self.issue())
        return self._send(request, 400, {"error": "unsupported_grant_type"})

    def _page(self, path: str, items: list, query: dict, default_limit: int = 20) -> dict:
        limit, offset = int(query.get("limit", default_limit)), int(query.get("offset", 0))
        chunk = items[offset : offset + limit]
        following = None
        if offset + limit < len(items):
            rest = {k: v for k, v in query.items() if k not in ("offset",)}
            following = f"{self.api_url}{path.lstrip('/')}?" + urlencode(
                {**rest, "offset": offset + limit, "limit": limit}
            )
        return {
            "href": self.api_url + path.lstrip("/"),
            "items": chunk,
            "limit": limit,
            "offset": offset,
            "total": len(items),
            "next": following,
        }

    def _api(self, method: str, path: str, query: dict, body: bytes):
        state = self.state
        pattern = re.sub(r"^/playlists/\w+/items$", "/playlists/*/items", path)
        if method == "GET" and int(query.get("limit", 0)) > state.max_limit.get(pattern, 10**6):
            return 400, {"error": {"status": 400, "message": "Invalid limit"}}
        if method == "GET" and path == "/me":
            return 200, state.me
        if method == "GET" and path == "/me/tracks":
            return 200, self._page(path, state.saved, query)
        if method == "GET" and path == "/me/player/recently-played":
            after = int(query.get("after", 0))
            items = [i for i in state.recent if _ms(i["played_at"]) > after]
            return 200, {"items": items[: int(query.get("limit", 20))], "next": None}
        if method == "GET" and path == "/me/top/tracks":
            return 200, self._page(
                path, state.top.get(query.get("time_range", "medium_term"), []), query
            )
        if method == "GET" and path == "/me/playlists":
            listed = [{**p, "items": {"total": len(state.items[p["id"]])}} for p in state.playlists]
            return 200, self._page(path, listed, query)
        if method == "POST" and path == "/me/playlists":
            data = json.loads(body)
            new = {
                "id": f"new{len(state.playlists)}",
                "name": data["name"],
                "owner": {"id": state.me["id"]},
                "snapshot_id": "s0",
                "public": data.get("public"),
                "collaborative": False,
            }
            state.playlists.append(new)
            return 201, new
        match = re.fullmatch(r"/playlists/(\w+)/items", path)
        if match:
            playlist_id = match.group(1)
            if playlist_id not in {p["id"] for p in state.playlists}:
                return 404, {"error": {"status": 404, "message": "Not found."}}
            if method == "GET":
                return 200, self._page(path, state.items[playlist_id], query, default_limit=100)
            state.add_calls += 1
            if state.add_calls in state.add_failures:
                return 502, {"error": {"status": 502, "message": "Bad gateway"}}
            uris = json.loads(body)
            uris = uris["uris"] if isinstance(uris, dict) else uris
            if len(uris) > 100:
                return 400, {"error": {"status": 400, "message": "Too many ids requested"}}
            for uri in uris:
                state.items[playlist_id].append(
                    {
                        "added_at": "2026-11-01T00:00:00Z",
                        "item": {**track(0), "uri": uri, "id": uri.rsplit(":", 1)[-1]},
                    }
                )
            for playlist in state.playlists:
                if playlist["id"] == playlist_id:
                    playlist["snapshot_id"] = f"s{len(state.items[playlist_id])}"
            return 201, {"snapshot_id": f"s{len(state.items[playlist_id])}"}
        if method == "GET" and path.startswith("/audio-features"):
            if state.audio_features_status != 200:
                return state.audio_features_status, {
                    "error": {"status": state.audio_features_status, "message": "Forbidden"}
                }
            ids = query.get("ids", "").split(",")
            return 200, {
                "audio_features": [
                    {"id": i, "energy": 0.5, "valence": 0.25, "tempo": 120.0} for i in ids
                ]
            }
        if method == "GET" and path == "/search":
            found = _search(state, query.get("q", ""))[: int(query.get("limit", 10))]
            return 200, {"tracks": {"items": found, "next": None, "total": len(found)}}
        return 404, {"error": {"status": 404, "message": f"no such path {path}"}}


def _search(state: State, q: str) -> list[dict]:
    """Spotify's field filters as TRACE uses them: ``isrc:X``, ``artist:"A"`` and
    ``artist:"A" track:"T"`` (a title containing T, as Spotify's matching is loose)."""
    if q.startswith("isrc:"):
        isrc = q.removeprefix("isrc:").upper()
        every = [t for tracks in state.search.values() for t in tracks]
        return [t for t in every if (t.get("external_ids") or {}).get("isrc") == isrc]
    artist = re.search(r'artist:"([^"]*)"', q)
    title = re.search(r'track:"([^"]*)"', q)
    found = state.search.get(artist.group(1) if artist else q, [])
    if title:
        found = [t for t in found if title.group(1).casefold() in t["name"].casefold()]
    return found


def _ms(stamp: str) -> int:
    from datetime import datetime

    return int(datetime.fromisoformat(stamp.replace("Z", "+00:00")).timestamp() * 1000)


@contextmanager
def running():
    fake = FakeSpotify()
    fake.thread.start()
    try:
        yield fake
    finally:
        fake.server.shutdown()
        fake.server.server_close()

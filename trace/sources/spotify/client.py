"""Calling Spotify's Web API with TRACE's own rules for failure.

- **429** (rate limit): the person is told how long Spotify asks to wait
  (``Retry-After``), and TRACE waits that long — up to :attr:`Client.max_wait` seconds
  (default 60, ``TRACE_SPOTIFY_MAX_WAIT``). Longer, or a used-up quota, stops the work
  with a message saying when to try again; it never sleeps silently for an hour.
- **5xx** and dropped connections: retried three times, after 1, 2 and 4 s.
- **401**: the token is refreshed once and the call repeated; a new refresh token in
  Spotify's answer (PKCE refresh tokens rotate: the old one may stop working) is stored.
- **400 "Invalid limit"**: asked again once with a smaller page, saying so. Page sizes
  are the documented maxima (:data:`PAGE_LIMITS`).
- Anything else becomes a :class:`SpotifyError` naming what was being done.

Whatever was stored before an error stays stored: callers commit as they go.
"""

from __future__ import annotations

import os
import time
from collections.abc import Callable, Iterator
from typing import Any

import requests
import spotipy
from spotipy.exceptions import SpotifyException
from spotipy.oauth2 import SpotifyOauthError

from trace.sources.spotify.connect import SpotifyConfig, SpotifyError, oauth_reason, spotify_api

Notify = Callable[[str], None]
SERVER_RETRIES = (1.0, 2.0, 4.0)
PAGE_LIMITS = {
    "current_user_saved_tracks": 50,
    "current_user_recently_played": 50,
    "current_user_top_tracks": 50,
    "current_user_playlists": 50,
    "playlist_items": 50,  # 100 in older references; 50 in the current one
    "search": 10,  # for apps in development mode since February 2026
}
"""The largest ``limit`` Spotify's Web API reference documents for each paged call."""
SMALLER_PAGE = 20  # Spotify's default page size


class ApiError(SpotifyError):
    """Spotify answered with an error TRACE does not retry; ``status`` is its HTTP status."""

    def __init__(self, message: str, status: int) -> None:
        super().__init__(message)
        self.status = status


class RateLimitError(SpotifyError):
    """Spotify asked for a longer wait than TRACE will make; stop and come back later."""


def _max_wait() -> float:
    try:
        return float(os.environ.get("TRACE_SPOTIFY_MAX_WAIT", "60"))
    except ValueError:
        return 60.0


def _retry_after(error: SpotifyException) -> float | None:
    value = (error.headers or {}).get("Retry-After")
    try:
        return max(0.0, float(value)) if value is not None else None
    except ValueError:
        return None


def _duration(seconds: float) -> str:
    if seconds < 120:
        return f"{seconds:.0f} s"
    if seconds < 7200:
        return f"{seconds / 60:.0f} min"
    return f"{seconds / 3600:.1f} h"


class Client:
    """A spotipy client with TRACE's retry rules; see the module docstring."""

    def __init__(
        self,
        api: spotipy.Spotify,
        *,
        notify: Notify | None = None,
        max_wait: float | None = None,
        sleep: Callable[[float], None] = time.sleep,
        server_retries: tuple[float, ...] = SERVER_RETRIES,
    ) -> None:
        self.api = api
        self.notify = notify or (lambda message: None)
        self.max_wait = _max_wait() if max_wait is None else max_wait
        self.sleep = sleep
        self.server_retries = server_retries
        self.waited = 0.0

    @classmethod
    def connect(cls, settings: SpotifyConfig, **kwargs: Any) -> Client:
        return cls(spotify_api(settings), **kwargs)

    def call(self, what: str, method: str, *args: Any, **kwargs: Any) -> Any:
        """``self.api.<method>(*args, **kwargs)``; ``what`` ("reading your saved tracks")
        names the work in messages. A paged call's ``limit`` is its documented maximum
        unless given; refused as an invalid limit, it is asked once more, smaller."""
        if method in PAGE_LIMITS:
            kwargs.setdefault("limit", PAGE_LIMITS[method])
        try:
            return self._call(what, method, *args, **kwargs)
        except ApiError as error:
            limit = kwargs.get("limit")
            if not (error.status == 400 and "invalid limit" in str(error).lower() and limit):
                raise
            smaller = SMALLER_PAGE if limit > SMALLER_PAGE else max(1, limit // 2)
            self.notify(
                f'Spotify refused pages of {limit} while {what} ("Invalid limit"); asking '
                f"again with pages of {smaller}."
            )
            return self._call(what, method, *args, **{**kwargs, "limit": smaller})

    def _call(self, what: str, method: str, *args: Any, **kwargs: Any) -> Any:
        refreshed = False
        attempt = 0
        while True:
            try:
                return getattr(self.api, method)(*args, **kwargs)
            except SpotifyException as error:
                status = error.http_status
                if status == 429:
                    self._wait_for_rate_limit(error, what)
                elif status >= 500 and attempt < len(self.server_retries):
                    pause = self.server_retries[attempt]
                    attempt += 1
                    self.notify(
                        f"Spotify answered {status} (a problem on its side) while {what}; "
                        f"trying again in {pause:g} s (attempt {attempt + 1})."
                    )
                    self.sleep(pause)
                elif status == 401 and not refreshed:
                    refreshed = True
                    self._refresh()
                else:
                    raise ApiError(self._message(error, what), status) from None
            except (requests.ConnectionError, requests.Timeout) as error:
                if attempt >= len(self.server_retries):
                    raise SpotifyError(
                        f"Spotify cannot be reached while {what} ({type(error).__name__}). "
                        "What was synced before is kept; try again later."
                    ) from None
                pause = self.server_retries[attempt]
                attempt += 1
                self.notify(f"Spotify did not answer while {what}; trying again in {pause:g} s.")
                self.sleep(pause)
            except SpotifyOauthError as error:
                raise SpotifyError(
                    f"Spotify no longer accepts TRACE's connection ({oauth_reason(error)}). "
                    "Connect again on the Sources page."
                ) from None

    def _wait_for_rate_limit(self, error: SpotifyException, what: str) -> None:
        wait = _retry_after(error)
        quota = "QUOTA" in str(error.reason or "").upper() or "QUOTA" in str(error.msg).upper()
        if quota:
            raise RateLimitError(
                f"Spotify says this app's quota is used up while {what}. What was synced so "
                "far is kept; try again tomorrow."
            )
        wait = 5.0 if wait is None else wait
        if wait > self.max_wait:
            raise RateLimitError(
                f"Spotify's rate limit: it asks TRACE to wait {_duration(wait)} before "
                f"{what} again, longer than TRACE waits ({_duration(self.max_wait)}). What "
                f"was synced so far is kept; sync again in {_duration(wait)}."
            )
        self.notify(
            f"Spotify's rate limit: waiting {_duration(wait)} as Spotify asks "
            f"(Retry-After), then {what} again."
        )
        self.waited += wait
        self.sleep(wait)

    def _refresh(self) -> None:
        manager = self.api.auth_manager
        token = manager.cache_handler.get_cached_token() or {}
        if not token.get("refresh_token"):
            raise SpotifyError("Spotify refused TRACE's token; connect again on the Sources page.")
        try:
            fresh = manager.refresh_access_token(token["refresh_token"]) or {}
        except SpotifyOauthError as error:
            raise SpotifyError(
                f"Spotify no longer accepts TRACE's connection ({oauth_reason(error)}). "
                "Connect again on the Sources page."
            ) from None
        if fresh.get("refresh_token") and fresh.get("access_token"):
            # Refresh tokens rotate; spotipy 2.26 stores the new one itself, and this keeps
            # it stored should a later spotipy not.
            manager.cache_handler.save_token_to_cache(fresh)
        self.notify("Spotify's token had expired; refreshed it.")

    @staticmethod
    def _message(error: SpotifyException, what: str) -> str:
        detail = str(error.msg).split("\n", 1)[-1].strip() or "no detail"
        hint = {
            403: " (not allowed for this app or account — Spotify's development mode allows "
            "only the users added to the app)",
            404: " (not found)",
        }.get(error.http_status, "")
        return f"Spotify answered {error.http_status} while {what}{hint}: {detail}"

    def pages(self, what: str, method: str, *args: Any, **kwargs: Any) -> Iterator[dict]:
        """Every item of a paged result, following its ``next`` links."""
        page = self.call(what, method, *args, **kwargs)
        while page:
            page = page.get(next(iter(page))) if _wrapped(page) else page
            yield from page.get("items") or []
            if not page.get("next"):
                return
            page = self.call(what, "next", page)


def _wrapped(page: dict) -> bool:
    """Search answers ``{"tracks": {…page…}}``; a page itself has ``items``."""
    return "items" not in page and len(page) == 1 and isinstance(next(iter(page.values())), dict)

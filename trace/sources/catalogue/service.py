"""Calling a public catalogue over HTTP with TRACE's own rules for limits and failure.

Plain ``requests`` rather than a client library: deezer-python and the iTunes wrappers
retry and sleep by their own rules, and TRACE must decide those itself (the person is
told what is happening; no silent hour-long sleeps).

- **The limit** is kept on TRACE's side: at most ``calls`` requests in any rolling
  ``period`` seconds (Deezer: 50 in 5 s; iTunes: about 20 a minute), shared by every
  thread of one :class:`Service`.
- **Quota answers** — Deezer's ``{"error": {"code": 4}}`` inside an HTTP 200, a 403 or a
  429 — wait for the window (or ``Retry-After``) and ask again, at most
  :data:`QUOTA_WAITS` times; then :class:`QuotaError` stops the run, keeping what it did.
- **5xx, timeouts and dropped connections** are retried after 1, 2 and 4 s, then the
  service is called unreachable (:class:`UnreachableError`).
- **Downloads** (the previews, from the catalogue's CDN, outside the API's limit): an
  expired signed URL answers 403 (:class:`ExpiredPreviewError`: the caller resolves the track
  again); a body shorter than its ``Content-Length`` is fetched again.
"""

from __future__ import annotations

import threading
import time
from collections import deque
from collections.abc import Callable
from typing import Any

import requests
from requests.exceptions import ChunkedEncodingError

from trace.errors import SourceError

Notify = Callable[[str], None]
RETRIES = (1.0, 2.0, 4.0)
QUOTA_WAITS = 4
TIMEOUT_S = 15.0
MAX_PREVIEW_BYTES = 20_000_000  # a 30 s clip is about 0.5 MB; anything far larger is not one


class CatalogueError(SourceError):
    """A catalogue answered in a way TRACE cannot use; the message says what and why."""


class UnreachableError(CatalogueError):
    """The catalogue cannot be reached (network down, its servers failing)."""


class QuotaError(CatalogueError):
    """The catalogue keeps refusing for quota after TRACE waited: stop, come back later."""


class ExpiredPreviewError(CatalogueError):
    """A preview URL that no longer works (signed URLs expire): resolve the track again."""


class RateWindow:
    """At most ``calls`` requests in any rolling ``period`` seconds, across threads.

    A request's slot is stamped when it starts and stamped again when its answer comes
    back (:meth:`done`): the service counts a request when it arrives, which is after the
    start, so a window measured from the answers is never shorter than the service's."""

    def __init__(
        self,
        calls: int,
        period: float,
        *,
        clock: Callable[[], float] = time.monotonic,
        sleep: Callable[[float], None] = time.sleep,
    ) -> None:
        self.calls = calls
        self.period = period
        self.clock = clock
        self.sleep = sleep
        self.slots: deque[list[float]] = deque()
        self.lock = threading.Lock()
        self.waited = 0.0

    def wait(self) -> list[float]:
        """Block until one more request may start; its slot, for :meth:`done`."""
        with self.lock:
            while True:
                now = self.clock()
                while self.slots and now - self.slots[0][0] >= self.period:
                    self.slots.popleft()
                if len(self.slots) < self.calls:
                    slot = [now]
                    self.slots.append(slot)
                    return slot
                pause = self.period - (now - self.slots[0][0]) + 0.01
                self.waited += pause
                self.sleep(pause)

    def done(self, slot: list[float]) -> None:
        """The request of ``slot`` was answered: its time in the window counts from now."""
        with self.lock:
            slot[0] = max(slot[0], self.clock())

    def cool_down(self, pause: float) -> None:
        """After a quota answer: wait ``pause`` seconds (counted as waited) with the whole
        window taken, so the requests after it start a fresh window."""
        with self.lock:
            self.waited += pause
            self.sleep(pause)
            now = self.clock()
            self.slots = deque([now] for _ in range(self.calls))


class Service:
    """One catalogue's HTTP API: JSON reads under the limit, and downloads."""

    name = "catalogue"

    def __init__(
        self,
        base_url: str,
        *,
        calls: int,
        period: float,
        notify: Notify | None = None,
        retries: tuple[float, ...] = RETRIES,
        sleep: Callable[[float], None] = time.sleep,
        timeout: float = TIMEOUT_S,
    ) -> None:
        self.base_url = base_url.rstrip("/")
        self.window = RateWindow(calls, period, sleep=sleep)
        self.notify = notify or (lambda message: None)
        self.retries = retries
        self.sleep = sleep
        self.timeout = timeout
        self.session = requests.Session()
        self.session.headers["User-Agent"] = "TRACE (local music analysis)"
        self.requests = 0

    def quota_error(self, status: int, body: Any) -> bool:
        """Whether an answer says the quota is used up (services override)."""
        return status in (403, 429)

    def body_error(self, body: Any, what: str) -> Any:
        """Turn an error carried in a 200 body into ``None`` (no data) or an exception;
        return the body when it is no error (services override)."""
        return body

    def get_json(self, path: str, params: dict[str, Any] | None, *, what: str) -> Any:
        """``GET base_url + path``: the decoded JSON body, ``None`` for "no data"."""
        attempt = quota_waits = 0
        while True:
            slot = self.window.wait()
            self.requests += 1
            try:
                answer = self.session.get(self.base_url + path, params=params, timeout=self.timeout)
                body = _json(answer)
            except (requests.ConnectionError, requests.Timeout) as error:
                self.window.done(slot)
                attempt = self._retry(attempt, what, f"did not answer ({type(error).__name__})")
                continue
            except requests.RequestException as error:  # a bad address, too many redirects
                raise UnreachableError(
                    f"{self.name} cannot be asked at {self.base_url} ({type(error).__name__}); "
                    "check the address setting."
                ) from None
            self.window.done(slot)
            if self.quota_error(answer.status_code, body):
                quota_waits = self._wait_for_quota(answer, quota_waits, what)
                continue
            if answer.status_code >= 500:
                attempt = self._retry(attempt, what, f"answered {answer.status_code}")
                continue
            if answer.status_code != 200 or body is None:
                raise CatalogueError(
                    f"{self.name} answered {answer.status_code} while {what}"
                    + ("" if body is not None else " with no JSON")
                    + "; this lookup is skipped and tried again on a later run."
                )
            return self.body_error(body, what)

    def _retry(self, attempt: int, what: str, problem: str) -> int:
        if attempt >= len(self.retries):
            raise UnreachableError(
                f"{self.name} {problem} while {what}, {len(self.retries) + 1} times. What "
                "was found before is kept; run it again later."
            )
        pause = self.retries[attempt]
        self.notify(f"{self.name} {problem} while {what}; trying again in {pause:g} s.")
        self.sleep(pause)
        return attempt + 1

    def _wait_for_quota(self, answer: requests.Response, waits: int, what: str) -> int:
        if waits >= QUOTA_WAITS:
            raise QuotaError(
                f"{self.name} still refuses for its request quota after TRACE waited "
                f"{waits} times, while {what}. What was found so far is kept; run it "
                "again in a few minutes."
            )
        pause = _retry_after(answer) or self.window.period
        self.notify(f"{self.name}'s request quota is used up; waiting {pause:g} s.")
        self.window.cool_down(pause)
        return waits + 1

    def download(self, url: str, *, what: str) -> bytes:
        """The bytes at ``url`` (a preview on the catalogue's CDN), whole.

        Raises :class:`ExpiredPreviewError` for a URL that no longer works (403, 404, 410),
        :class:`CatalogueError` when a whole copy cannot be had after the retries.
        """
        attempt = 0
        while True:
            try:
                answer = self.session.get(url, timeout=self.timeout)
                if answer.status_code in (403, 404, 410):
                    raise ExpiredPreviewError(f"the preview URL of {what} no longer works")
                if answer.status_code >= 500:
                    attempt = self._retry(
                        attempt, f"downloading {what}", f"answered {answer.status_code}"
                    )
                    continue
                if answer.status_code != 200:
                    raise CatalogueError(f"the preview of {what} answered {answer.status_code}")
                data = answer.content
                expected = answer.headers.get("Content-Length")
                if expected is not None and expected.isdigit() and int(expected) != len(data):
                    raise requests.ConnectionError("cut short")
                if not data or len(data) > MAX_PREVIEW_BYTES:
                    raise CatalogueError(f"the preview of {what} is {len(data):,} bytes")
                return data
            except (requests.ConnectionError, requests.Timeout, ChunkedEncodingError) as error:
                problem = (
                    "arrived cut short"
                    if "cut short" in str(error) or "IncompleteRead" in repr(error)
                    else f"could not be downloaded ({type(error).__name__})"
                )
                attempt = self._retry(attempt, f"downloading {what}", problem)
            except requests.RequestException as error:
                raise CatalogueError(
                    f"the preview of {what} cannot be downloaded ({type(error).__name__})"
                ) from None


def _json(answer: requests.Response) -> Any:
    try:
        return answer.json()
    except ValueError:
        return None


def _retry_after(answer: requests.Response) -> float | None:
    value = answer.headers.get("Retry-After")
    try:
        return min(60.0, max(0.0, float(value))) if value is not None else None
    except ValueError:
        return None

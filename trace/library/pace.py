"""How fast a long run goes and how long it has left, in words for its progress line.

A scan or an extraction of a big library takes minutes to hours; its progress message
says the rate and the time left (``"Analysed 120 of 500 tracks · 190 a minute · about 2
min left"``), in the terminal and on the dashboard alike. The rate is measured from the
first unit done, so the start-up (the extraction workers' warm-up) does not count.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import dataclass, field

MIN_SECONDS = 2.0
"""Below this much measured time, the rate is too noisy to promise a time left."""


@dataclass
class Pace:
    """The pace of one run; call :meth:`text` with the units done so far."""

    clock: Callable[[], float] = time.monotonic
    _first: tuple[float, int] | None = field(default=None, init=False)

    def text(self, done: int, total: int) -> str:
        """``"190 a minute · about 2 min left"``, or ``""`` while too early to tell."""
        now = self.clock()
        if self._first is None:
            if done > 0:
                self._first = (now, done)
            return ""
        since, first_done = self._first
        seconds, count = now - since, done - first_done
        if seconds < MIN_SECONDS or count <= 0:
            return ""
        per_minute = count / seconds * 60
        left = (total - done) / per_minute * 60
        return f"{per_minute:,.0f} a minute · about {duration_text(left)} left"


def duration_text(seconds: float) -> str:
    """``"40 s"``, ``"12 min"``, ``"3 h 05 min"``."""
    seconds = max(0.0, seconds)
    if seconds < 60:
        return f"{seconds:.0f} s"
    if seconds < 3600:
        return f"{seconds / 60:.0f} min"
    hours, minutes = divmod(round(seconds / 60), 60)
    return f"{hours} h {minutes:02d} min"


def with_pace(message: str, pace: str) -> str:
    return f"{message} · {pace}" if pace else message

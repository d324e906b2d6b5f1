"""What the extractor analyses of a track, and the id its features are stored under.

Kept apart from the extractor itself so the dashboard can name stored features without
importing librosa.
"""

from __future__ import annotations

from dataclasses import dataclass

from trace.errors import ParameterError

EXTRACTOR_VERSION = 4
"""Bump whenever a feature's number would change (3: MusiCNN's embedding and tags are
computed in the same pass, :mod:`trace.audio.ear`): stored features are kept per
(content signature, extractor id), so a bump recomputes everything."""


@dataclass(frozen=True, slots=True)
class Windows:
    """Which parts of a track are analysed.

    ``count`` excerpts of ``seconds`` each, centred at 1/(count+1), 2/(count+1), … of
    the track (for 3: at 25 %, 50 % and 75 %), which skips intros and fade-outs. A track
    no longer than ``whole_below`` seconds is analysed whole. The default, 3 × 20 s,
    analyses a minute of each track; 3 × 30 s costs a third more time (see
    docs/PERFORMANCE.md).
    """

    count: int = 3
    seconds: float = 20.0
    whole_below: float = 100.0

    def __post_init__(self) -> None:
        if not 1 <= self.count <= 10:
            raise ParameterError(f"windows count must be 1–10, got {self.count}")
        if not 5.0 <= self.seconds <= 120.0:
            raise ParameterError(f"window seconds must be 5–120, got {self.seconds}")
        if self.whole_below < self.seconds:
            raise ParameterError("whole_below must be at least the window length")

    def spans(self, duration: float) -> list[tuple[float, float]]:
        """``(start, end)`` in seconds of each window of a track ``duration`` long."""
        if duration <= max(self.whole_below, self.count * self.seconds):
            return [(0.0, duration)]
        spans = []
        for i in range(1, self.count + 1):
            centre = duration * i / (self.count + 1)
            spans.append((centre - self.seconds / 2, centre + self.seconds / 2))
        return spans


def extractor_id(windows: Windows) -> str:
    """The key features are stored under: ``"2/3x20s"`` (version / windows)."""
    return f"{EXTRACTOR_VERSION}/{windows.count}x{windows.seconds:g}s"

"""What every part of the report shares: the report itself and small HTML helpers."""

from __future__ import annotations

import html
from dataclasses import dataclass, field

import pandas as pd

TOP = 10
MONTHS = 12
"""At most this many months drawn as small multiples (the period's last ones)."""
MONTH_DOTS = 500
"""Each month's map shows its most played tracks, at most this many."""
BACKGROUND = 3000
"""The grey map behind them: every track, or a random sample of this many."""
SOUND = {
    "tempo": ("faster", "slower", "{:.0f} BPM"),
    "energy": ("more energetic", "calmer", "{:.2f}"),
    "acousticness": ("more acoustic", "more synthetic", "{:.2f}"),
    "instrumental": ("more instrumental", "more sung", "{:.2f}"),
    "valence": ("happier", "sadder", "{:.2f}"),
}
"""What the sound section compares: column → (word above, word below, format)."""
MIN_EFFECT = 0.2
"""A difference is told in words from this many library standard deviations."""
TIMEZONE_SETTING = "report.timezone"


@dataclass
class Report:
    start: pd.Timestamp
    end: pd.Timestamp
    zone: str
    plays: int
    covered: tuple[pd.Timestamp, pd.Timestamp] | None
    sections: list[tuple[str, str, list[dict]]] = field(default_factory=list)
    """(title, HTML text, Vega-Lite specs) per section."""


def esc(text: object) -> str:
    return html.escape(str(text))


def ordered_list(items: list[str]) -> str:
    return "<ol>" + "".join(f"<li>{esc(i)}</li>" for i in items) + "</ol>" if items else ""


def track_label(frame: pd.DataFrame) -> pd.Series:
    artist = frame["artist"].fillna("").replace("", "Unknown artist")
    return artist + " – " + frame["title"].fillna("")


def bullet_list(items: list[str]) -> str:
    return "<ul>" + "".join(f"<li>{i}</li>" for i in items) + "</ul>"

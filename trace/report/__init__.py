"""A report of a period of listening, worth keeping: one self-contained HTML file.

``python -m trace report [--from DATE] [--to DATE] [--timezone ZONE] OUT.html`` and the
dashboard's Report page make it. It opens offline in any browser, years later: the
charts are Vega-Lite specs drawn by the Vega libraries inlined in the file
(``vl-convert``'s bundle), and it holds no path of the person's machine. Its sections:

- **how the listening moved**: the taste map month by month (small multiples), each
  month's played tracks on it, and the recent interests as they stood at each month's
  end, named as the Recent interest page names them (:func:`trace.analysis.taste.find_interests`
  and :func:`trace.analysis.naming.describe` on the history up to then);
- **the sound of the period against the library**: tempo, energy, acousticness,
  instrumental and mood, in words and in a chart;
- **top artists, tracks, albums and genres**, and what was first played in the period;
- **the hours of the day** (:mod:`trace.analysis.hours`);
- **whether the picks stuck** (:mod:`trace.analysis.outcomes`);
- **how this was made**: sources, plays, and what TRACE cannot see.

A period without plays gives a report that says so; a history shorter than the period is
reported for what it covers.
"""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path

import pandas as pd

from trace.analysis import hours as hours_module
from trace.analysis.outcomes import picks_outcomes
from trace.analysis.pipeline import Pipeline
from trace.errors import ParameterError
from trace.report.base import TIMEZONE_SETTING, Report, esc
from trace.report.moved import moved_section
from trace.report.page import render_html
from trace.report.sections import (
    hours_charts,
    hours_section,
    how_made_section,
    picks_section,
    sound_section,
    tops_section,
)
from trace.store import MIN_PLAY_MS, Store

__all__ = [
    "TIMEZONE_SETTING",
    "Report",
    "hours_charts",
    "make_report",
    "period",
    "render_html",
    "write_report",
]


def period(start: str | None, end: str | None, now: datetime | None = None) -> tuple:
    """``(start, end)`` UTC timestamps: the dates given, by default the last 12 months."""
    try:
        stop = pd.Timestamp(end, tz=UTC) + pd.Timedelta(days=1) if end else None
        begin = pd.Timestamp(start, tz=UTC) if start else None
    except ValueError as error:
        raise ParameterError(f"dates are YYYY-MM-DD: {error}") from error
    stop = stop if stop is not None else pd.Timestamp(now or datetime.now(UTC))
    begin = begin if begin is not None else stop - pd.DateOffset(months=12)
    if begin >= stop:
        raise ParameterError("the period's start must come before its end")
    return begin, stop


def _plays(store: Store) -> pd.DataFrame:
    plays = store.frame(
        "SELECT p.track_id, p.played_at AS at, p.source FROM plays p "
        "WHERE NOT p.skipped AND coalesce(p.ms_played, ?) >= ?",
        (MIN_PLAY_MS, MIN_PLAY_MS),
    )
    plays["at"] = pd.to_datetime(plays["at"], utc=True, format="ISO8601")
    return plays


def make_report(
    store: Store, pipe: Pipeline, *, start: pd.Timestamp, end: pd.Timestamp, zone: str | None
) -> Report:
    """Every section's words and charts for plays from ``start`` to ``end``."""
    hours_module.zone_of(zone)  # an unknown zone fails before any work
    plays = _plays(store)
    inside = plays[(plays["at"] >= start) & (plays["at"] < end)]
    covered = (inside["at"].min(), inside["at"].max()) if len(inside) else None
    report = Report(start, end, zone or "UTC", len(inside), covered)
    everything = pipe.every_track()  # a streamed track without audio still counts in the tops
    known = everything.set_index("id")
    played = inside[inside["track_id"].isin(known.index)]
    if played.empty:
        report.sections.append(
            (
                "No plays in this period",
                f"<p>Your history has no plays from {start:%Y-%m-%d} to "
                f"{end - pd.Timedelta(days=1):%Y-%m-%d}. Import a listening history on the "
                "Sources page (or <code>python -m trace import</code>), or choose another "
                "period.</p>",
                [],
            )
        )
        report.sections.append(how_made_section(store, report, plays))
        return report
    try:
        report.sections.append(moved_section(pipe, plays, start, end))
        report.sections.append(sound_section(played, known, pipe.library()))
    except ParameterError as error:  # no map yet: the rest of the report still stands
        report.sections.append(
            (
                "How your listening moved",
                f"<p>No taste map yet ({esc(error)}): extract the audio features of your "
                "tracks, or hear the ones without a file through catalogue previews, and "
                "this section shows how your listening moved and how it sounded.</p>",
                [],
            )
        )
    report.sections.append(tops_section(played, plays, known, start))
    report.sections.append(hours_section(played, everything, zone))
    report.sections.append(picks_section(picks_outcomes(store)))
    report.sections.append(how_made_section(store, report, plays))
    return report


def write_report(
    store: Store,
    pipe: Pipeline,
    out: Path,
    *,
    start: pd.Timestamp,
    end: pd.Timestamp,
    zone: str | None,
) -> Report:
    report = make_report(store, pipe, start=start, end=end, zone=zone)
    out.write_text(render_html(report), encoding="utf-8")
    return report

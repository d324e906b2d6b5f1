"""The Recent interest page's charts: where the listening moved on the taste map, each
cluster's lift, and the listening month by month."""

from __future__ import annotations

import math

import altair as alt
import numpy as np
import pandas as pd

from trace.ui import map_charts
from trace.ui.charts import RECENT
from trace.ui.map_charts import NOISE_LABEL, cluster_legend

SHIFT_GRID = 28
"""The listening-shift map bins the 2-D map into this many cells a side."""
KINDS = {
    "play": ("Plays", "Plays per month"),
    "added": ("Additions", "Tracks added per month"),
    "events": ("Plays and additions", "Events per month"),
}
"""Each kind of listening event: its chart's title and its axis' title."""
MIN_MONTHS = 6
"""The month-by-month charts span at least this many months."""
MONTH_GAP = pd.Timedelta(days=2)
"""Each month's bar leaves this much of the month empty on either side."""


def shift_frame(layout: np.ndarray, recent: np.ndarray, usual: np.ndarray) -> pd.DataFrame:
    """The 2-D map binned into cells: each cell's share of the recent and of the usual
    listening, and where the first outweighs the second."""
    x, y = layout[:, 0], layout[:, 1]
    edges_x = np.linspace(x.min(), x.max() + 1e-9, SHIFT_GRID + 1)
    edges_y = np.linspace(y.min(), y.max() + 1e-9, SHIFT_GRID + 1)
    cell_x = np.clip(np.digitize(x, edges_x) - 1, 0, SHIFT_GRID - 1)
    cell_y = np.clip(np.digitize(y, edges_y) - 1, 0, SHIFT_GRID - 1)
    frame = pd.DataFrame({"cx": cell_x, "cy": cell_y, "recent": recent, "usual": usual})
    cells = frame.groupby(["cx", "cy"], as_index=False).agg(
        recent=("recent", "sum"), usual=("usual", "sum"), tracks=("recent", "size")
    )
    cells = cells[(cells["recent"] > 0) | (cells["usual"] > 0)]
    floor = 0.5 / max(len(cells), 1)
    cells["moved"] = np.log2((cells["recent"] + floor / 10) / (cells["usual"] + floor / 10))
    cells["x0"], cells["x1"] = edges_x[cells["cx"]], edges_x[cells["cx"] + 1]
    cells["y0"], cells["y1"] = edges_y[cells["cy"]], edges_y[cells["cy"] + 1]
    cells["recent_pct"] = (cells["recent"] * 100).round(1)
    cells["usual_pct"] = (cells["usual"] * 100).round(1)
    return cells


def interest_points(
    library: pd.DataFrame,
    layout: np.ndarray,
    interests: pd.DataFrame,
    found,
    *,
    limit: int = map_charts.MAP_POINTS,
) -> pd.DataFrame:
    """The tracks' places on the map, and the name of the recent interest each is in
    (``""`` for none); ``found`` are the interests themselves (their rows). Every track
    of an interest, and of the others all up to ``limit`` tracks, else the same sample of
    about ``limit`` the Taste map draws: 100,000 dots were 7.8 MB for the browser."""
    label = np.full(len(library), "", dtype=object)
    for name, interest in zip(interests["name"], found, strict=True):
        label[interest.rows] = name
    keep = np.ones(len(library), dtype=bool)
    if len(library) > limit:
        keep = (label != "") | (map_charts.id_rank(library["id"].to_numpy()) < limit / len(library))
    return pd.DataFrame(
        {
            "x": layout[keep, 0],
            "y": layout[keep, 1],
            "artist": library["artist"].to_numpy()[keep],
            "title": library["title"].to_numpy()[keep],
            "interest": label[keep],
        }
    )


def taste_shift(cells: pd.DataFrame, points: pd.DataFrame) -> alt.LayerChart:
    """Where the listening moved on the taste map: cells coloured by how much more of
    the recent listening than of the usual they hold (warm: more lately), every track a
    faint dot, the recent interests' tracks ringed."""
    limit = float(max(2.0, np.nanmax(np.abs(cells["moved"])) if len(cells) else 2.0))
    heat = (
        alt.Chart(cells)
        .mark_rect(opacity=0.85)
        .encode(
            x=alt.X("x0:Q", axis=None, scale=alt.Scale(zero=False)),
            x2="x1:Q",
            y=alt.Y("y0:Q", axis=None, scale=alt.Scale(zero=False)),
            y2="y1:Q",
            color=alt.Color(
                "moved:Q",
                title="Played lately, against usually",
                scale=alt.Scale(scheme="redblue", reverse=True, domain=[-limit, limit]),
                # the values are log₂ ratios; the legend says them as "4× more", "4× less"
                legend=alt.Legend(
                    labelExpr="datum.value > 0 ? format(pow(2, datum.value), '.0f') + '× more'"
                    " : datum.value < 0 ? format(pow(2, -datum.value), '.0f') + '× less'"
                    " : 'as usual'"
                ),
            ),
            tooltip=[
                alt.Tooltip("recent_pct:Q", title="Recent listening (%)"),
                alt.Tooltip("usual_pct:Q", title="Usual listening (%)"),
                alt.Tooltip("tracks:Q", title="Tracks"),
            ],
        )
    )
    dots = (
        alt.Chart(points)
        .mark_circle(size=14, color="#d9d9d9", opacity=0.5)
        .encode(
            x="x:Q",
            y="y:Q",
            tooltip=[
                alt.Tooltip("artist:N", title="Artist"),
                alt.Tooltip("title:N", title="Title"),
            ],
        )
    )
    ringed = (
        alt.Chart(points[points["interest"] != ""])
        .mark_point(size=60, filled=False, strokeWidth=1.5)
        .encode(
            x="x:Q",
            y="y:Q",
            color=alt.Color(
                "interest:N",
                title="Recent interest",
                scale=alt.Scale(scheme="set2"),
                legend=alt.Legend(labelLimit=400),
            ),
            tooltip=[
                alt.Tooltip("artist:N", title="Artist"),
                alt.Tooltip("title:N", title="Title"),
                alt.Tooltip("interest:N", title="Interest"),
            ],
        )
    )
    return alt.layer(heat, dots, ringed).resolve_scale(color="independent").properties(height=520)


def interest_bars(found: pd.DataFrame, names: dict[int, str]) -> alt.Chart:
    """Lift per cluster, recent-interest clusters highlighted, 1 marked."""
    frame = found.assign(
        name=found["cluster"].map(names),
        verdict=found["recent_interest"].map(
            {True: "holds a recent interest", False: "holds none"}
        ),
    )
    bars = (
        alt.Chart(frame)
        .mark_bar()
        .encode(
            x=alt.X("lift:Q", title="Lift (recent share ÷ usual share)"),
            y=alt.Y("name:N", sort="-x", title=None, axis=alt.Axis(labelLimit=260)),
            color=alt.Color(
                "verdict:N",
                title=None,
                scale=alt.Scale(
                    domain=["holds a recent interest", "holds none"], range=[RECENT, "#7f8c8d"]
                ),
                legend=alt.Legend(orient="bottom"),
            ),
            tooltip=[
                alt.Tooltip("name:N", title="Cluster"),
                alt.Tooltip("lift:Q", title="Lift", format=".2f"),
                alt.Tooltip("recent_share:Q", title="Recent share", format=".1%"),
                alt.Tooltip("long_run_share:Q", title="Usual share", format=".1%"),
                alt.Tooltip("evidence:Q", title="Weighted events", format=".1f"),
                alt.Tooltip("tracks:Q", title="Tracks"),
            ],
        )
    )
    one = alt.Chart(pd.DataFrame({"x": [1.0]})).mark_rule(strokeDash=[4, 4]).encode(x="x:Q")
    return (bars + one).properties(height=alt.Step(30))


def timeline(monthly: pd.DataFrame, names: dict[int, str]) -> alt.VConcatChart:
    """Plays and additions per month, each kind in a chart of its own, stacked by cluster.

    ``monthly`` is :func:`trace.analysis.interest.monthly_timeline`'s long form (month,
    cluster, events) with a ``kind`` column ("play" or "added"); without one, the events
    are drawn as one series. Months lie on a time axis, one bar a month wide, so a month
    without events is a gap; both charts share that axis. Clusters are coloured as on the
    Taste map, the most active :data:`~trace.ui.map_charts.PALETTE`'s size of them if
    there are more, the rest as "other clusters"."""
    frame = monthly.assign(
        name=monthly["cluster"].map(names).fillna(NOISE_LABEL),
        month=pd.to_datetime(monthly["month"]),
    )
    if "kind" not in frame:
        frame["kind"] = "events"
    legend = cluster_legend(
        frame["name"],
        frame["cluster"] < 0,
        weights=frame["events"],
        every=[name for cluster, name in names.items() if cluster >= 0],
    )
    frame = frame.assign(
        legend=legend.labels.to_numpy(),
        start=frame["month"] + MONTH_GAP,
        stop=frame["month"] + pd.DateOffset(months=1) - MONTH_GAP,
    )
    scale, axis = month_axis(frame["month"])
    color = legend.colour(orient="bottom", columns=3)
    kinds = [kind for kind in KINDS if (frame["kind"] == kind).any()] or ["events"]
    charts = [
        alt.Chart(frame[frame["kind"] == kind], title=KINDS[kind][0])
        .mark_bar()
        .encode(
            x=alt.X("start:T", title=None, axis=axis, scale=scale),
            x2="stop:T",
            y=alt.Y("sum(events):Q", title=KINDS[kind][1], axis=alt.Axis(tickMinStep=1)),
            color=color,
            tooltip=[
                alt.Tooltip("month:T", title="Month", format="%B %Y"),
                alt.Tooltip("name:N", title="Cluster"),
                alt.Tooltip("sum(events):Q", title=KINDS[kind][1]),
            ],
        )
        .properties(height=340 if len(kinds) == 1 else 200)
        for kind in kinds
    ]
    return alt.vconcat(*charts).resolve_scale(x="shared", y="independent", color="shared")


def month_axis(months: pd.Series) -> tuple[alt.Scale, alt.Axis]:
    """A time axis over ``months`` (month starts), at least :data:`MIN_MONTHS` wide so
    that one month is a bar, not the whole chart; ticks every month, quarter, or year or
    few years, as many as read without crowding."""
    if months.empty:  # an empty chart still has an axis: this month's
        months = pd.Series([pd.Timestamp.now().normalize().replace(day=1)])
    first, last = months.min(), months.max() + pd.DateOffset(months=1)
    span = (last.year - first.year) * 12 + last.month - first.month
    if span < MIN_MONTHS:  # centred in the wider window
        first -= pd.DateOffset(months=(MIN_MONTHS - span) // 2)
        last += pd.DateOffset(months=(MIN_MONTHS - span + 1) // 2)
    if span <= 15:
        ticks, label = {"interval": "month", "step": 1}, "%b %Y"
    elif span <= 40:
        ticks, label = {"interval": "month", "step": 3}, "%b %Y"
    else:
        ticks, label = {"interval": "year", "step": max(1, math.ceil(span / 12 / 10))}, "%Y"
    return (
        # a domain of dates: the Vega-Lite in Streamlit draws nothing given domainMin/Max
        # in milliseconds (seen in Chromium), though it may warn of x2 with a domain
        alt.Scale(domain=[_when(first), _when(last)], nice=False),
        alt.Axis(format=label, tickCount=ticks, labelOverlap=True, grid=False),
    )


def _when(moment: pd.Timestamp) -> alt.DateTime:
    """A month start as Vega-Lite's date (read in the browser's time zone: nothing on an
    axis months wide)."""
    return alt.DateTime(year=moment.year, month=moment.month, date=moment.day)

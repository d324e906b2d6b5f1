"""How the listening moved: the taste map month by month and the interests as they rose
and faded."""

from __future__ import annotations

from datetime import UTC

import altair as alt
import numpy as np
import pandas as pd

from trace.analysis.naming import describe
from trace.analysis.pipeline import Pipeline
from trace.analysis.taste import find_interests, tag_codes, taste_weights
from trace.report.base import (
    BACKGROUND,
    MONTH_DOTS,
    MONTHS,
    bullet_list,
    esc,
    track_label,
)


def _month_ends(start: pd.Timestamp, end: pd.Timestamp) -> list[pd.Timestamp]:
    months = pd.date_range(
        start.tz_convert(None).to_period("M").to_timestamp(), end.tz_convert(None), freq="MS"
    )
    return [m.tz_localize(UTC) for m in months][-MONTHS:]


def moved_section(pipe: Pipeline, plays: pd.DataFrame, start: pd.Timestamp, end: pd.Timestamp):
    library = pipe.library()
    layout = pipe.layout()
    labels = pipe.clustering().labels
    neighbours, _ = pipe.knn()
    values = pipe.scaled().values
    tags = tag_codes(library)
    ids = library["id"].to_numpy()
    events = pipe.events()
    names = pipe.names()
    position = pd.Series(np.arange(len(library)), index=ids)
    frames, rows = [], []
    threads: list[dict] = []  # one interest followed over the months: its tracks and months
    for month in _month_ends(start, end):
        stop = min(month + pd.DateOffset(months=1), end)
        month_plays = plays[(plays["at"] >= month) & (plays["at"] < stop)]
        counts = month_plays["track_id"].value_counts()
        counts = counts[counts.index.isin(position.index)].head(MONTH_DOTS)
        label = f"{month:%Y-%m}"
        recent = events[events["at"] < stop]
        weights = taste_weights(recent, ids, pipe.params.interest.half_life_days)
        found = find_interests(weights, neighbours, values, tags=tags) if len(recent) else []
        described = describe(found, library, labels, names) if found else pd.DataFrame()
        member = np.zeros(len(library), int)
        held = []
        for number, interest in enumerate(found, start=1):
            member[interest.rows[member[interest.rows] == 0]] = number
            thread = _follow(threads, set(interest.rows.tolist()), label)
            row = described.iloc[number - 1]
            thread["name"] = str(row["name"])
            thread["artists"] = list(row["artists"])[:3]
            thread["tracks_played"] = list(row["top_tracks"])[:3]
            held.append(thread)
        rows.append((label, len(month_plays), held))
        where = position[counts.index].to_numpy()
        frames.append(
            pd.DataFrame(
                {
                    "month": label,
                    "x": layout[where, 0],
                    "y": layout[where, 1],
                    "plays": counts.to_numpy(),
                    "interest": np.where(member[where] > 0, "in a recent interest", "other"),
                    "track": track_label(library.iloc[where]).to_numpy(),
                }
            )
        )
    rows = [(month, n, [t["name"] for t in held]) for month, n, held in rows]
    shown = np.random.default_rng(0).permutation(len(layout))[:BACKGROUND]
    background = pd.DataFrame({"x": layout[shown, 0], "y": layout[shown, 1]})
    points = pd.concat(frames, ignore_index=True)
    chart = _month_maps(background, points, [r[0] for r in rows])
    text = (
        "<p>Each small map is your taste map (tracks that sound alike sit together, in grey); "
        f"the dots are what you played that month (its {MONTH_DOTS} most played tracks at "
        "most), larger for more plays, orange where the track belonged to a recent interest "
        "at the month's end.</p><table><tr><th>Month</th>"
        "<th>Plays</th><th>Recent interests at its end</th></tr>"
        + "".join(
            f"<tr><td>{esc(m)}</td><td>{n:,}</td><td>{esc('; '.join(i) or '—')}</td></tr>"
            for m, n, i in rows
        )
        + "</table>"
    )
    risen = _rise_and_fade(threads, rows[-1][0] if rows else "")
    return ("How your listening moved", risen + text, [chart.to_dict()])


FOLLOW = 0.3
"""An interest of one month is the same as one of an earlier month when they share this
share of their tracks (Jaccard)."""


def _follow(threads: list[dict], tracks: set[int], month: str) -> dict:
    """The thread this month's interest continues (most tracks shared), or a new one."""
    best, score = None, FOLLOW
    for thread in threads:
        if thread["months"][-1] == month:
            continue  # one interest a month per thread
        shared = len(tracks & thread["tracks"]) / len(tracks | thread["tracks"])
        if shared >= score:
            best, score = thread, shared
    if best is None:
        best = {"tracks": set(), "months": [], "name": ""}
        threads.append(best)
    best["tracks"] = tracks
    best["months"].append(month)
    return best


def _rise_and_fade(threads: list[dict], last: str) -> str:
    """Which interests came and went, and when: the first and last month each held, named
    as at its last month."""
    if not threads:
        return "<p>No recent interest stood out in any month: your listening held steady.</p>"
    items = []
    for thread in threads:
        months = thread["months"]
        span = "and still" if months[-1] == last else f"to {months[-1]}"
        held = [
            f"{label} {', '.join(esc(v) for v in thread.get(key, []))}"
            for label, key in (("artists:", "artists"), ("played most:", "tracks_played"))
            if thread.get(key)
        ]
        items.append(
            f"<b>{esc(thread['name'])}</b>: from {months[0]} {span}"
            + (f" ({len(months)} months)" if len(months) > 1 else "")
            + (f"<br><span class='note'>{'; '.join(held)}</span>" if held else "")
        )
    return "<p>Your recent interests, as they rose and faded:</p>" + bullet_list(items)


def _month_maps(
    background: pd.DataFrame, points: pd.DataFrame, months: list[str]
) -> alt.ConcatChart:
    """One small map a month: every track in grey, that month's played ones over them.
    The grey layer is one dataset for all (Altair stores identical data once)."""
    x = alt.X("x:Q", axis=None, scale=alt.Scale(zero=False))
    y = alt.Y("y:Q", axis=None, scale=alt.Scale(zero=False))
    base = alt.Chart(background).mark_circle(size=5, color="#c9ccd1", opacity=0.6).encode(x, y)
    size = alt.Size(
        "plays:Q",
        scale=alt.Scale(range=[8, 140], domain=[1, max(1, int(points["plays"].max() or 1))]),
        title="Plays",
    )
    color = alt.Color(
        "interest:N",
        scale=alt.Scale(domain=["in a recent interest", "other"], range=["#F2A541", "#1DB954"]),
        title=None,
    )
    panels = [
        alt.layer(
            base,
            alt.Chart(points[points["month"] == month])
            .mark_circle(opacity=0.85)
            .encode(x, y, size=size, color=color, tooltip=["track:N", "plays:Q"]),
        ).properties(width=160, height=120, title=month)
        for month in months
    ]
    return alt.concat(*panels, columns=4).resolve_scale(size="shared", color="shared")

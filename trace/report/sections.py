"""The report's other sections: the sound of the period, the tops, the hours of the day,
whether the picks stuck, and how it was made."""

from __future__ import annotations

import altair as alt
import numpy as np
import pandas as pd

from trace.analysis import hours as hours_module
from trace.analysis import mood
from trace.analysis.outcomes import Outcomes
from trace.report.base import (
    MIN_EFFECT,
    SOUND,
    TOP,
    Report,
    esc,
    ordered_list,
    track_label,
)
from trace.store import Store


def sound_section(played: pd.DataFrame, known: pd.DataFrame, library: pd.DataFrame):
    axes = mood.mood_axes(known.reset_index())
    columns = {
        "tempo": known.get("f_tempo"),
        "energy": known.get("f_energy"),
        "acousticness": known.get("f_acousticness"),
        "instrumental": known.get("f_instrumental"),
        "valence": pd.Series(axes["valence"].to_numpy(), index=known.index),
    }
    whole_ids = library["id"].to_numpy()
    rows, words = [], []
    for name, values in columns.items():
        if values is None or values.notna().sum() == 0:
            continue
        values = values.astype(float)
        period_mean = values.reindex(played["track_id"]).mean()
        library_values = values.reindex(whole_ids)
        whole, spread = library_values.mean(), library_values.std()
        if not np.isfinite(period_mean) or not np.isfinite(whole):
            continue
        above, below, fmt = SOUND[name]
        rows.append({"feature": name, "group": "this period (by plays)", "value": period_mean})
        rows.append({"feature": name, "group": "your whole library", "value": whole})
        if spread and abs(period_mean - whole) >= MIN_EFFECT * spread:
            words.append(
                f"{above if period_mean > whole else below} ({fmt.format(period_mean)} against "
                f"{fmt.format(whole)})"
            )
    text = (
        "<p>Your period was " + ", ".join(words) + " than your library.</p>"
        if words
        else "<p>Your period sounded like your library as a whole.</p>"
    )
    text += (
        "<p>Tempo and energy are TRACE's own estimates; instrumental and mood are "
        "guesses (MusiCNN's tags, or a stand-in for valence: see the docs).</p>"
    )
    frame = pd.DataFrame(rows)
    chart = (
        alt.Chart(frame)
        .mark_bar()
        .encode(
            x=alt.X("value:Q", title=None),
            y=alt.Y("group:N", title=None),
            color=alt.Color(
                "group:N",
                scale=alt.Scale(range=["#F2A541", "#1DB954"]),
                legend=alt.Legend(orient="bottom", title=None),
            ),
            row=alt.Row("feature:N", title=None),
            tooltip=["feature:N", "group:N", alt.Tooltip("value:Q", format=".2f")],
        )
        .properties(width=420, height=40)
        .resolve_scale(x="independent")
    )
    return ("The sound of the period", text, [chart.to_dict()] if rows else [])


def tops_section(
    played: pd.DataFrame, plays: pd.DataFrame, known: pd.DataFrame, start: pd.Timestamp
):
    tracks = known.loc[played["track_id"]]
    label = track_label(tracks.reset_index())
    first_played = plays.groupby("track_id")["at"].min()
    new = first_played[first_played >= start].index
    parts = []
    for title, values in (
        ("Artists", tracks["artist"].replace("", np.nan)),
        ("Tracks", pd.Series(label.to_numpy())),
        ("Albums", tracks["album"].replace("", np.nan)),
        ("Genres", tracks["genre"].fillna("").str.split("; ").explode().replace("", np.nan)),
    ):
        top = values.dropna().value_counts().head(TOP)
        items = [f"{name} ({count:,} plays)" for name, count in top.items()]
        parts.append(f"<div class='col'><h3>{title}</h3>{ordered_list(items) or '<p>—</p>'}</div>")
    new_plays = played[played["track_id"].isin(new)]
    new_top = track_label(known.loc[new_plays["track_id"]].reset_index()).value_counts().head(TOP)
    new_artists = set(known.loc[new_plays["track_id"], "artist"]) - set(
        known.loc[
            plays.loc[plays["at"] < start, "track_id"].pipe(lambda s: s[s.isin(known.index)]),
            "artist",
        ]
    )
    text = "<div class='cols'>" + "".join(parts) + "</div>"
    text += (
        f"<h3>New to you</h3><p>{len(new):,} tracks first played in this period"
        + (
            f", {len(new_artists - {''}):,} artists you had never played before"
            if len(new_artists)
            else ""
        )
        + ".</p>"
        + ordered_list([f"{name} ({count:,} plays)" for name, count in new_top.items()])
    )
    return ("Top artists, tracks, albums and genres", text, [])


def hours_charts(found: hours_module.Hours) -> list[alt.Chart]:
    """How much is played at each weekday × hour, and how energetic it is then."""
    names = dict(enumerate(hours_module.WEEKDAYS))
    grid = found.grid.assign(day=lambda f: f["weekday"].map(names))
    heat = (
        alt.Chart(grid)
        .mark_rect()
        .encode(
            x=alt.X("hour:O", title=f"Hour ({found.zone})"),
            y=alt.Y("day:N", sort=list(hours_module.WEEKDAYS), title=None),
            color=alt.Color("plays:Q", scale=alt.Scale(scheme="greens"), title="Plays"),
            tooltip=["day:N", "hour:O", "plays:Q", alt.Tooltip("energy:Q", format=".2f")],
        )
        .properties(width=560, height=alt.Step(20), title="How much you play")
    )
    energy = heat.encode(
        color=alt.Color("energy:Q", scale=alt.Scale(scheme="viridis"), title="Energy")
    ).properties(title="How energetic it is (mean energy of what you played)")
    mood_grid = heat.encode(
        color=alt.Color("valence:Q", scale=alt.Scale(scheme="blueorange"), title="Mood"),
        tooltip=["day:N", "hour:O", "plays:Q", alt.Tooltip("valence:Q", format=".2f")],
    ).properties(title="Its mood (valence, or its stand-in: sad 0 … happy 1)")
    return [heat, energy, mood_grid]


def hours_section(played: pd.DataFrame, everything: pd.DataFrame, zone: str | None):
    found = hours_module.listening_hours(played, everything, zone)
    text = f"<p><b>{esc(found.sentence)}</b></p><p class='note'>{esc(found.zone_note)}</p>"
    return ("The hours of your day", text, [c.to_dict() for c in hours_charts(found)])


def _days(days: float) -> str:
    return "—" if pd.isna(days) else f"{days:.0f}"


def picks_section(outcomes: Outcomes):
    table = outcomes.table
    rows = "".join(
        f"<tr><td>{esc(group)}</td><td>{int(r['tracks']):,}</td>"
        + (
            f"<td>{r['played']:.0%}</td><td>{r['plays']:.1f}</td><td>{_days(r['days'])}</td>"
            if outcomes.enough and r["tracks"]
            else "<td>—</td><td>—</td><td>—</td>"
        )
        + "</tr>"
        for group, r in table.iterrows()
    )
    text = (
        f"<p><b>{esc(outcomes.sentence)}</b></p><table><tr><th>Tracks</th><th>How many</th>"
        "<th>Played afterwards</th><th>Plays each</th><th>Days kept</th></tr>"
        + rows
        + "</table><p class='note'>Counted from each decision (your own additions: from when "
        "you added them; the never-proposed sample: from the middle decision) to the end of "
        "your history. Only plays your history could match to a track count.</p>"
    )
    return ("Whether TRACE's picks stuck", text, [])


def how_made_section(store: Store, report: Report, plays: pd.DataFrame):
    sources = plays.loc[
        (plays["at"] >= report.start) & (plays["at"] < report.end), "source"
    ].value_counts()
    covered = (
        f"Your history in this period runs from {report.covered[0]:%Y-%m-%d} to "
        f"{report.covered[1]:%Y-%m-%d}."
        if report.covered
        else ""
    )
    shorter = ""
    if report.covered and report.covered[0] - report.start > pd.Timedelta(days=31):
        shorter = (
            f" It starts after the period does ({report.start:%Y-%m-%d}): the report covers "
            "what the history holds."
        )
    counts = store.counts()
    text = (
        f"<p>{report.plays:,} plays (skips and plays under 30 s left out) from "
        + (", ".join(f"{esc(s)} ({n:,})" for s, n in sources.items()) or "no source")
        + f". {covered}{shorter} Your library: {counts['library_tracks']:,} tracks.</p>"
        "<p>What TRACE cannot see: plays on services whose history you did not import, "
        "plays it could not match to a track, and music it has no audio for (no file, no "
        "preview): those have no sound. Valence, instrumental and genre leans are guesses.</p>"
    )
    return ("How this was made", text, [])

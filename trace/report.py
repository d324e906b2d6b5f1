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

import html
import json
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path

import altair as alt
import numpy as np
import pandas as pd

from trace.analysis import hours as hours_module
from trace.analysis import mood
from trace.analysis.naming import describe
from trace.analysis.outcomes import Outcomes, picks_outcomes
from trace.analysis.pipeline import Pipeline
from trace.analysis.taste import find_interests, tag_codes, taste_weights
from trace.errors import ParameterError
from trace.store import MIN_PLAY_MS, Store

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


def _esc(text: object) -> str:
    return html.escape(str(text))


def _list(items: list[str]) -> str:
    return "<ol>" + "".join(f"<li>{_esc(i)}</li>" for i in items) + "</ol>" if items else ""


def _label(frame: pd.DataFrame) -> pd.Series:
    artist = frame["artist"].fillna("").replace("", "Unknown artist")
    return artist + " – " + frame["title"].fillna("")


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
        report.sections.append(_how_made(store, report, plays))
        return report
    try:
        report.sections.append(_moved(pipe, plays, start, end))
        report.sections.append(_sound(played, known, pipe.library()))
    except ParameterError as error:  # no map yet: the rest of the report still stands
        report.sections.append(
            (
                "How your listening moved",
                f"<p>No taste map yet ({_esc(error)}): extract the audio features of your "
                "tracks, or hear the ones without a file through catalogue previews, and "
                "this section shows how your listening moved and how it sounded.</p>",
                [],
            )
        )
    report.sections.append(_tops(played, plays, known, start))
    report.sections.append(_hours(played, everything, zone))
    report.sections.append(_picks(picks_outcomes(store)))
    report.sections.append(_how_made(store, report, plays))
    return report


# -- how the listening moved -------------------------------------------------------------


def _month_ends(start: pd.Timestamp, end: pd.Timestamp) -> list[pd.Timestamp]:
    months = pd.date_range(
        start.tz_convert(None).to_period("M").to_timestamp(), end.tz_convert(None), freq="MS"
    )
    return [m.tz_localize(UTC) for m in months][-MONTHS:]


def _moved(pipe: Pipeline, plays: pd.DataFrame, start: pd.Timestamp, end: pd.Timestamp):
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
                    "track": _label(library.iloc[where]).to_numpy(),
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
            f"<tr><td>{_esc(m)}</td><td>{n:,}</td><td>{_esc('; '.join(i) or '—')}</td></tr>"
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
            f"{label} {', '.join(_esc(v) for v in thread.get(key, []))}"
            for label, key in (("artists:", "artists"), ("played most:", "tracks_played"))
            if thread.get(key)
        ]
        items.append(
            f"<b>{_esc(thread['name'])}</b>: from {months[0]} {span}"
            + (f" ({len(months)} months)" if len(months) > 1 else "")
            + (f"<br><span class='note'>{'; '.join(held)}</span>" if held else "")
        )
    return "<p>Your recent interests, as they rose and faded:</p>" + _list_html(items)


def _list_html(items: list[str]) -> str:
    return "<ul>" + "".join(f"<li>{i}</li>" for i in items) + "</ul>"


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


# -- the sound of the period -------------------------------------------------------------


def _sound(played: pd.DataFrame, known: pd.DataFrame, library: pd.DataFrame):
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


# -- tops ----------------------------------------------------------------------------------


def _tops(played: pd.DataFrame, plays: pd.DataFrame, known: pd.DataFrame, start: pd.Timestamp):
    tracks = known.loc[played["track_id"]]
    label = _label(tracks.reset_index())
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
        parts.append(f"<div class='col'><h3>{title}</h3>{_list(items) or '<p>—</p>'}</div>")
    new_plays = played[played["track_id"].isin(new)]
    new_top = _label(known.loc[new_plays["track_id"]].reset_index()).value_counts().head(TOP)
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
        + _list([f"{name} ({count:,} plays)" for name, count in new_top.items()])
    )
    return ("Top artists, tracks, albums and genres", text, [])


# -- hours, picks, how made -----------------------------------------------------------------


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


def _hours(played: pd.DataFrame, everything: pd.DataFrame, zone: str | None):
    found = hours_module.listening_hours(played, everything, zone)
    text = f"<p><b>{_esc(found.sentence)}</b></p><p class='note'>{_esc(found.zone_note)}</p>"
    return ("The hours of your day", text, [c.to_dict() for c in hours_charts(found)])


def _days(days: float) -> str:
    return "—" if pd.isna(days) else f"{days:.0f}"


def _picks(outcomes: Outcomes):
    table = outcomes.table
    rows = "".join(
        f"<tr><td>{_esc(group)}</td><td>{int(r['tracks']):,}</td>"
        + (
            f"<td>{r['played']:.0%}</td><td>{r['plays']:.1f}</td><td>{_days(r['days'])}</td>"
            if outcomes.enough and r["tracks"]
            else "<td>—</td><td>—</td><td>—</td>"
        )
        + "</tr>"
        for group, r in table.iterrows()
    )
    text = (
        f"<p><b>{_esc(outcomes.sentence)}</b></p><table><tr><th>Tracks</th><th>How many</th>"
        "<th>Played afterwards</th><th>Plays each</th><th>Days kept</th></tr>"
        + rows
        + "</table><p class='note'>Counted from each decision (your own additions: from when "
        "you added them; the never-proposed sample: from the middle decision) to the end of "
        "your history. Only plays your history could match to a track count.</p>"
    )
    return ("Whether TRACE's picks stuck", text, [])


def _how_made(store: Store, report: Report, plays: pd.DataFrame):
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
        + (", ".join(f"{_esc(s)} ({n:,})" for s, n in sources.items()) or "no source")
        + f". {covered}{shorter} Your library: {counts['library_tracks']:,} tracks.</p>"
        "<p>What TRACE cannot see: plays on services whose history you did not import, "
        "plays it could not match to a track, and music it has no audio for (no file, no "
        "preview): those have no sound. Valence, instrumental and genre leans are guesses.</p>"
    )
    return ("How this was made", text, [])


# -- the file ---------------------------------------------------------------------------------

STYLE = """
body{font-family:system-ui,-apple-system,Segoe UI,Roboto,sans-serif;max-width:980px;
margin:2em auto;padding:0 1em;color:#1b1f24;background:#fff}h1{margin-bottom:0}
h2{margin-top:2em;border-bottom:2px solid #1DB954}table{border-collapse:collapse;margin:.5em 0}
td,th{border-bottom:1px solid #ddd;padding:.25em .6em;text-align:left}
.note{color:#666;font-size:.9em}.cols{display:flex;flex-wrap:wrap;gap:1em}.col{flex:1 1 210px}
td:first-child{white-space:nowrap}.chart{margin:1em 0}@media print{.chart{break-inside:avoid}}
"""


def render_html(report: Report) -> str:
    """The report as one self-contained HTML page (Vega, Vega-Lite and vega-embed inlined)."""
    import vl_convert
    from altair.utils._importers import vl_version_for_vl_convert

    # what Altair's own inline HTML uses: vega-embed with Vega and Vega-Lite, as one script
    bundle = vl_convert.javascript_bundle(vl_version=vl_version_for_vl_convert())
    script = bundle.replace("</script", "<\\/script")
    body, specs = [], []
    for title, text, charts in report.sections:
        body.append(f"<section><h2>{_esc(title)}</h2>{text}")
        for spec in charts:
            body.append(f"<div class='chart' id='chart{len(specs)}'></div>")
            specs.append(spec)
        body.append("</section>")
    last = report.end - pd.Timedelta(days=1)
    return (
        "<!DOCTYPE html><html lang='en'><head><meta charset='utf-8'>"
        f"<title>TRACE — your listening, {report.start:%Y-%m-%d} to {last:%Y-%m-%d}</title>"
        f"<style>{STYLE}</style><script>{script}</script></head><body>"
        f"<h1>Your listening</h1><p class='note'>{report.start:%Y-%m-%d} to {last:%Y-%m-%d} · "
        f"made by TRACE on {datetime.now(UTC):%Y-%m-%d}</p>"
        + "".join(body)
        + "<script>const specs = "
        + json.dumps(specs).replace("</", "<\\/")
        + ";specs.forEach((s, i) => vegaEmbed('#chart' + i, s, {actions: false, renderer: 'svg'}));"
        "</script></body></html>"
    )


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

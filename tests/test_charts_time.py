"""Time drawn as time, and legends that name what they draw: the month-by-month charts,
the release years and the Taste map's colours, read from their Vega-Lite specs."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from trace.ui import charts, interest_charts, map_charts

RNG = np.random.default_rng(0)
NAMES = {-1: "no cluster", 0: "Fast loud rock", 1: "Calm piano", 2: "Colobot soundtrack"}
MONTH_MS = 28 * 86_400_000  # the shortest month, in ms


def monthly(months: list[str], kinds: tuple[str, ...] = ("play", "added")) -> pd.DataFrame:
    """Events per month, cluster and kind, as ``monthly_timeline`` gives them."""
    return pd.DataFrame(
        [
            {"month": pd.Timestamp(m), "cluster": c, "kind": k, "events": int(RNG.integers(1, 9))}
            for m in months
            for c in NAMES
            for k in kinds
        ]
    )


def views(spec: dict) -> list[dict]:
    """The single views of a spec (the charts of a vconcat, or the spec itself)."""
    return spec.get("vconcat", [spec])


def rows(spec: dict, view: dict) -> list[dict]:
    """The data rows a view draws (its own, or the spec's when it has none)."""
    return spec["datasets"][view.get("data", spec.get("data"))["name"]]


def taste_frame(artists: np.ndarray) -> pd.DataFrame:
    """A Taste map's table with one track per artist given, clusters A and B and noise."""
    n = len(artists)
    clusters = RNG.choice(["A", "B", "no cluster"], n)
    return pd.DataFrame(
        {
            "id": np.arange(n),
            "x": RNG.normal(size=n),
            "y": RNG.normal(size=n),
            "artist": artists,
            "title": "t",
            "cluster": clusters,
            "noise": clusters == "no cluster",
            "key": RNG.integers(0, 12, n).astype(float),
        }
    )


def colour_scale(spec: dict) -> tuple[list[str], list[str], str]:
    """The domain, range and legend title of a chart's colour."""
    color = spec["encoding"]["color"]
    return color["scale"]["domain"], color["scale"]["range"], color["title"]


# -- month by month -----------------------------------------------------------------------


def test_plays_and_additions_are_drawn_apart_on_one_time_axis():
    months = ["2012-12-01", "2015-07-01", "2022-05-01", "2023-04-01", "2025-07-01"]
    spec = interest_charts.timeline(monthly(months), NAMES).to_dict()
    plays, additions = views(spec)
    assert [plays["title"], additions["title"]] == ["Plays", "Additions"]
    assert {r["kind"] for r in rows(spec, plays)} == {"play"}
    assert {r["kind"] for r in rows(spec, additions)} == {"added"}
    for view in (plays, additions):
        assert view["encoding"]["x"]["type"] == "temporal"
        assert view["encoding"]["x2"]["field"] == "stop"
        assert view["encoding"]["y"]["type"] == "quantitative"
    assert spec["resolve"]["scale"] == {"x": "shared", "y": "independent", "color": "shared"}
    scale = plays["encoding"]["x"]["scale"]  # Dec 2012 to the end of Jul 2025: years apart
    assert _span_ms(scale) > 12 * 365 * 86_400_000
    assert plays["encoding"]["x"]["axis"]["tickCount"]["interval"] == "year"


def test_a_single_month_is_a_bar_in_a_window_of_months():
    spec = interest_charts.timeline(monthly(["2025-07-01"], ("play",)), NAMES).to_dict()
    (view,) = views(spec)
    assert view["title"] == "Plays"
    scale, axis = view["encoding"]["x"]["scale"], view["encoding"]["x"]["axis"]
    assert _span_ms(scale) >= interest_charts.MIN_MONTHS * MONTH_MS
    assert axis["tickCount"] == {"interval": "month", "step": 1}
    bar = rows(spec, view)[0]  # one month wide, less a gap on either side
    width = pd.Timestamp(bar["stop"]) - pd.Timestamp(bar["start"])
    assert pd.Timedelta(days=25) <= width < pd.Timedelta(days=31)


def test_a_timeline_without_kinds_is_one_series():
    frame = monthly(["2024-01-01", "2024-03-01"]).groupby(["month", "cluster"], as_index=False)
    spec = interest_charts.timeline(frame["events"].sum(), NAMES).to_dict()
    (view,) = views(spec)
    assert view["title"] == "Plays and additions"
    assert view["encoding"]["x"]["type"] == "temporal"


def test_many_clusters_keep_distinct_colours_and_name_the_rest():
    names = {-1: "no cluster", **{c: f"Cluster {c:02d}" for c in range(25)}}
    frame = pd.DataFrame(
        {
            "month": pd.Timestamp("2024-01-01"),
            "cluster": list(names),
            "kind": "play",
            "events": np.arange(len(names)) + 1,
        }
    )
    spec = interest_charts.timeline(frame, names).to_dict()
    domain, colours, title = colour_scale(views(spec)[0])
    named = domain[:-2]
    assert domain[-2:] == [map_charts.OTHERS, map_charts.NOISE_LABEL]
    assert len(named) == len(map_charts.PALETTE) == len(set(colours[: len(named)]))
    assert "Cluster 00" not in named  # the least active are the ones grouped
    assert title == f"Cluster (top {len(named)} of 25)"


def test_a_cluster_has_one_colour_on_the_map_and_the_timeline():
    frame = taste_frame(np.array([f"a{i}" for i in range(60)]))
    frame["cluster"] = np.where(
        frame["noise"], "no cluster", RNG.choice(list(NAMES.values())[1:], 60)
    )
    map_domain, map_colours, _ = colour_scale(
        map_charts.taste_map(frame, "cluster", colour_title="Cluster").to_dict()
    )
    only_two = monthly(["2025-01-01"]).query("cluster != 1")  # Calm piano: no events
    spec = interest_charts.timeline(only_two, NAMES).to_dict()
    domain, colours, _ = colour_scale(views(spec)[0])
    assert "Calm piano" not in domain  # the legend lists what is drawn
    on_map = dict(zip(map_domain, map_colours, strict=True))
    assert all(on_map[name] == colour for name, colour in zip(domain, colours, strict=True))


# -- release years ------------------------------------------------------------------------


def test_release_years_are_a_continuous_axis_with_gaps():
    tracks = pd.DataFrame({"year": [1999.0] * 5 + [2001.0] * 3 + [np.nan] * 2})
    spec = charts.year_histogram(tracks).to_dict()
    x = spec["encoding"]["x"]
    assert x["type"] == "quantitative" and spec["encoding"]["x2"]["field"] == "end"
    assert x["axis"]["format"] == "d"  # 2001, not 2,001
    data = {r["year"]: r["tracks"] for r in rows(spec, spec)}
    assert data == {1999: 5, 2001: 3}  # no bar for 2000: a gap where it would be
    low, high = x["scale"]["domain"]
    assert low <= 1998.5 and high >= 2001.5 and high - low >= 10


def test_release_years_of_many_decades_keep_one_bar_a_year():
    tracks = pd.DataFrame({"year": RNG.integers(1950, 2026, 400).astype(float)})
    spec = charts.year_histogram(tracks).to_dict()
    bars = rows(spec, spec)
    assert all(0.8 <= r["end"] - r["start"] < 1 for r in bars)
    assert spec["encoding"]["x"]["scale"]["domain"] == [1949.5, 2025.5]


# -- the Taste map's legend ---------------------------------------------------------------


def test_thirty_three_artists_show_the_top_ones_and_other():
    artists = np.array(["", *[f"Artist {i:02d}" for i in range(1, 32)], "Colobot"])
    drawn = np.repeat(artists, np.arange(len(artists), 0, -1) + 2)  # "" the most common
    spec = map_charts.taste_map(taste_frame(drawn), "artist", colour_title="Artist").to_dict()
    domain, colours, title = colour_scale(spec)
    named = [entry for entry in domain if entry != map_charts.OTHER_LABEL]
    assert 15 <= len(named) <= 20 and domain[-1] == map_charts.OTHER_LABEL
    assert all(entry.strip() for entry in domain)  # no entry without a label
    assert map_charts.NONE_LABEL in named
    assert title == f"Artist (top {len(named)} of 33)"
    assert len(set(colours[: len(named)])) == len(named)  # distinct, and none of them grey
    assert colours[-1] == map_charts.OTHER and map_charts.OTHER not in colours[:-1]
    legend = spec["encoding"]["color"]["legend"]
    assert legend["symbolLimit"] >= len(domain)  # every entry listed
    labels = {r["legend"] for r in rows(spec, spec)}
    assert labels == set(domain)  # every point's entry is in the legend, and only those


@pytest.mark.parametrize("missing", [None, np.nan, "  "])
def test_a_missing_value_reads_none(missing):
    artists = np.array(["Colobot", missing, "Bach"], dtype=object)
    spec = map_charts.taste_map(taste_frame(artists), "artist", colour_title="Artist").to_dict()
    domain, _, title = colour_scale(spec)
    assert sorted(domain) == sorted(["Colobot", "Bach", map_charts.NONE_LABEL])
    assert title == "Artist"


def test_a_few_numbers_colour_as_named_categories_in_order():
    spec = map_charts.taste_map(
        taste_frame(np.array(["a"] * 200)), "key", colour_title="Key"
    ).to_dict()
    domain, colours, title = colour_scale(spec)
    assert domain == list(charts.PITCHES) and title == "Key"
    assert len(set(colours)) == 12


def test_the_palette_is_distinct_up_to_its_size():
    colours = map_charts.palette(len(map_charts.PALETTE))
    assert len(set(colours)) == len(colours) == 20
    assert map_charts.OTHER not in colours and map_charts.NOISE not in colours


def _span_ms(scale: dict) -> float:
    """The length of a time scale's domain (two Vega-Lite dates), in milliseconds."""
    first, last = (
        pd.Timestamp(year=d["year"], month=d["month"], day=d["date"]) for d in scale["domain"]
    )
    return (last - first).total_seconds() * 1000


def test_the_interest_map_draws_every_interest_track_and_a_fixed_sample_of_the_rest():
    """Above the Taste map's point budget the grey dots are the same sample the Taste map
    draws; the tracks of an interest are always there, to be ringed."""
    from trace.analysis.taste import Interest

    n, rng = 30_000, np.random.default_rng(3)
    library = pd.DataFrame(
        {"id": np.arange(1, n + 1), "artist": "A", "title": [f"T{i}" for i in range(n)]}
    )
    layout = rng.normal(size=(n, 2))
    members = np.arange(0, n, 97)  # an interest spread over the whole library
    found = [Interest(rows=members, recent_share=0.3, usual_share=0.1)]
    interests = pd.DataFrame({"name": ["Late style"]})
    points = interest_charts.interest_points(library, layout, interests, found, limit=5_000)
    assert set(library["title"].iloc[members]) <= set(points["title"])
    assert (points["interest"] == "Late style").sum() == len(members)
    assert 4_500 < (points["interest"] == "").sum() < 5_500
    again = interest_charts.interest_points(library, layout, interests, found, limit=5_000)
    assert points["title"].tolist() == again["title"].tolist()
    small = interest_charts.interest_points(library.iloc[:100], layout[:100], interests[:0], [])
    assert len(small) == 100

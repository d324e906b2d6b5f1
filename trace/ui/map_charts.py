"""Charts of the analysis: the taste map, the sweep grid, recent interest, the mood plane."""

from __future__ import annotations

from dataclasses import dataclass

import altair as alt
import numpy as np
import pandas as pd

from trace.analysis.mood import REGIONS
from trace.ui.charts import ACCENT, PITCHES, RECENT, feature_label

NOISE = "#8a8f98"
OTHER = "#c5c8cd"
"""The grey of the values a legend groups as "other"; lighter than :data:`NOISE`."""
OTHER_LABEL = "other"
OTHERS = "other clusters"
NOISE_LABEL = "no cluster"
NONE_LABEL = "(none)"
"""A legend's entry for a missing or empty value: no legend entry is without a label."""
PALETTE = (
    "#1DB954", "#F2A541", "#4EA8DE", "#E5637D", "#B388EB", "#F4D35E", "#2EC4B6",
    "#FF8C42", "#9BC53D", "#C3423F", "#5BC0EB", "#FDE74C", "#D81E5B", "#8FD694",
    "#A47148", "#F7B2D9", "#6C63FF", "#E0C9A6", "#B5179E", "#7A9E7E",
)  # fmt: skip
"""The categorical colours, none of them grey: a legend colours at most this many values
and groups the rest as "other" (:func:`grouped`)."""
CATEGORIES = 12
"""A numeric column with at most this many values colours as categories (key, mode)."""
TOOLTIP_FEATURES = ("tempo", "energy", "danceability", "loudness")
BRUSH = "brush"
POINT = "point"
MOOD_POINTS = 3000
"""Above this many tracks the mood plane shows a density instead of one point each."""
MAP_POINTS = 10_000
"""Above this many tracks the Taste map draws a sample of about this many: a browser
draws 50,000 points in seconds, and on a 560-pixel map they cover each other anyway."""
SMALL_CLUSTER = 100
"""Every cluster keeps at least this many of its tracks on a sampled map (all if fewer)."""


def _cluster_names(labels: np.ndarray, names: dict[int, str]) -> np.ndarray:
    """Each label's name (its number where it has none), looked up once per cluster."""
    found, positions = np.unique(labels, return_inverse=True)
    return np.array([names.get(int(c), str(c)) for c in found], dtype=object)[positions]


def map_frame(
    table: pd.DataFrame, layout, labels, names: dict[int, str], colour: str
) -> pd.DataFrame:
    """What the scatter needs, and only that (10,000 rows travel to the browser)."""
    frame = pd.DataFrame(
        {
            "id": table["id"].astype(int).to_numpy(),
            "x": layout[:, 0],
            "y": layout[:, 1],
            "artist": table["artist"].to_numpy(),
            "title": table["title"].to_numpy(),
            "cluster": _cluster_names(np.asarray(labels), names),
            "noise": labels < 0,
        }
    )
    for feature in TOOLTIP_FEATURES:
        if f"f_{feature}" in table:
            frame[feature] = table[f"f_{feature}"].astype(float).round(2).to_numpy()
    if colour not in ("cluster", *frame.columns):
        source = table[f"f_{colour}"] if f"f_{colour}" in table else table[colour]
        if colour in ("genre", "artist"):  # the first of several: "Rock; Metal" → "Rock"
            source = source.fillna("").str.split("; ").str[0].replace("", "untagged")
        frame[colour] = source.to_numpy()
    return frame


def id_rank(ids: np.ndarray) -> np.ndarray:
    """A fixed pseudo-random number in [0, 1) per track id (Knuth's multiplicative hash):
    the same tracks are drawn in every sample, on every page."""
    return (ids.astype(np.uint64) * np.uint64(2654435761)) % np.uint64(2**32) / 2**32


def drawn(frame: pd.DataFrame, limit: int = MAP_POINTS) -> pd.DataFrame:
    """The rows of a :func:`map_frame` to draw: all up to ``limit``, else a sample of about
    ``limit`` in which every cluster keeps its share and small clusters are whole.

    A track is drawn or not by a fixed pseudo-random rank of its id, so the same tracks
    stay on the map when a slider moves. The rectangle selection (:func:`selected`) works
    on the whole frame: it lists every track inside, drawn or not."""
    if len(frame) <= limit:
        return frame
    rank = id_rank(frame["id"].to_numpy())
    within = pd.Series(rank).groupby(frame["cluster"].to_numpy()).rank(method="first")
    keep = (rank < limit / len(frame)) | (within.to_numpy() <= SMALL_CLUSTER)
    return frame[keep]


def taste_map(frame: pd.DataFrame, colour: str, *, colour_title: str) -> alt.Chart:
    """The 2-D map: one point per track, coloured by cluster or by ``colour``; tracks in
    no cluster faded; a rectangle selection (drag) to pick tracks, a click to pick one.

    A categorical colouring shows at most :data:`PALETTE`'s size of values, each in a
    colour of its own and each in the legend; the rest are drawn grey as "other", and
    the legend's title says so ("Artist (top 20 of 33)")."""
    brush = alt.selection_interval(name=BRUSH, encodings=["x", "y"])
    point = alt.selection_point(name=POINT, fields=["id"], on="click", clear="dblclick")
    if colour != "cluster" and _continuous(frame[colour]):
        colour_encoding = alt.Color(
            f"{colour}:Q", title=colour_title, scale=alt.Scale(scheme="viridis")
        )
    else:
        legend = (
            cluster_legend(frame["cluster"], frame["noise"])
            if colour == "cluster"
            else category_legend(frame[colour], colour_title, pitches=colour == "key")
        )
        frame = frame.assign(legend=legend.labels.to_numpy())
        colour_encoding = legend.colour(orient="right", symbolStrokeWidth=0)
    tooltip = [
        alt.Tooltip("artist:N", title="Artist"),
        alt.Tooltip("title:N", title="Title"),
        alt.Tooltip("cluster:N", title="Cluster"),
        *[alt.Tooltip(f"{f}:Q", title=feature_label(f)) for f in TOOLTIP_FEATURES if f in frame],
    ]
    if colour not in ("cluster", *TOOLTIP_FEATURES, "artist", "title"):
        tooltip.append(alt.Tooltip(colour, title=colour_title))
    picked = alt.when(point, empty=False)  # the clicked track stands out
    return (
        alt.Chart(frame)
        .mark_circle(stroke="white")
        .encode(
            x=alt.X("x:Q", axis=None, scale=alt.Scale(zero=False)),
            y=alt.Y("y:Q", axis=None, scale=alt.Scale(zero=False)),
            color=colour_encoding,
            opacity=alt.condition("datum.noise", alt.value(0.25), alt.value(0.85)),
            size=picked.then(alt.value(180)).otherwise(alt.value(28)),
            strokeWidth=picked.then(alt.value(2)).otherwise(alt.value(0)),
            tooltip=tooltip,
        )
        .add_params(brush, point)
        .properties(height=560)
    )


def palette(count: int) -> list[str]:
    """``count`` colours from :data:`PALETTE`: distinct up to its size, repeating beyond
    it (the legends group anything past that as "other": :func:`grouped`)."""
    return [PALETTE[i % len(PALETTE)] for i in range(count)]


@dataclass(frozen=True, slots=True)
class Legend:
    """A categorical colouring: each row's legend entry (``labels``), the entries in the
    legend's order (``domain``), their ``colours`` and the legend's ``title``."""

    labels: pd.Series
    domain: list[str]
    colours: list[str]
    title: str

    def colour(self, **options) -> alt.Color:
        """The colour encoding of a chart whose data has the ``labels`` as ``legend``;
        ``options`` of its :class:`altair.Legend`. Every entry is listed and labelled."""
        return alt.Color(
            "legend:N",
            title=self.title,
            scale=alt.Scale(domain=self.domain, range=self.colours),
            legend=alt.Legend(
                symbolLimit=len(self.domain), labelLimit=260, titleLimit=400, **options
            ),
        )


def grouped(
    values: pd.Series,
    *,
    limit: int = len(PALETTE),
    weights: pd.Series | None = None,
    other: str = OTHER_LABEL,
) -> tuple[pd.Series, list[str], int]:
    """The ``limit`` most common of ``values`` (most first; by ``weights`` summed when
    given), each row's entry with the rest read as ``other``, and how many distinct
    values there were."""
    weight = pd.Series(1.0 if weights is None else np.asarray(weights, float), values.index)
    totals = weight.groupby(values.to_numpy(), sort=False).sum()
    ranked = sorted(totals.index, key=lambda value: (-totals[value], str(value)))
    kept = ranked[:limit]
    return values.where(values.isin(kept), other), kept, len(ranked)


def legend_title(title: str, shown: int, total: int) -> str:
    """``title``, and when a legend groups values as "other" how many it shows of how
    many: ``"Artist (top 20 of 33)"``."""
    return f"{title} (top {shown} of {total})" if shown < total else title


def cluster_legend(
    clusters: pd.Series,
    noise: pd.Series,
    *,
    weights: pd.Series | None = None,
    every: list[str] | None = None,
) -> Legend:
    """The clusters' legend: named clusters in alphabetical order, the largest
    :data:`PALETTE`'s size of them (by ``weights``, else tracks) if there are more, then
    "other clusters", then "no cluster". A cluster's colour is its place among ``every``
    cluster name sorted (all those drawn if not given), so it keeps its colour from chart
    to chart."""
    noise = np.asarray(noise, bool)
    share = None if weights is None else np.asarray(weights)[~noise]
    named, kept, total = grouped(clusters[~noise].astype(str), weights=share, other=OTHERS)
    labels = pd.Series(NOISE_LABEL, index=clusters.index, dtype=object)
    labels.loc[~noise] = named.to_numpy()
    kept = sorted(kept)
    order = sorted(set(every)) if every is not None else kept
    if len(order) > len(PALETTE) or not set(kept) <= set(order):
        order = kept  # then the kept ones alone have distinct colours
    colour_of = dict(zip(order, palette(len(order)), strict=True))
    more, unclustered = total > len(kept), bool(noise.any())
    return Legend(
        labels,
        [*kept, *[OTHERS] * more, *[NOISE_LABEL] * unclustered],
        [*(colour_of[name] for name in kept), *[OTHER] * more, *[NOISE] * unclustered],
        legend_title("Cluster", len(kept), total),
    )


def category_legend(values: pd.Series, title: str, *, pitches: bool = False) -> Legend:
    """The legend of a categorical colouring: every value named (a missing or empty one
    as :data:`NONE_LABEL`; with ``pitches``, 0–11 as C … B), the most common first —
    numbers in their order — and past :data:`PALETTE`'s size the rest as "other"."""
    labels, kept, total = grouped(_label(values, pitches=pitches))
    if pd.api.types.is_numeric_dtype(values):  # 0 before 1, C before D
        order = _label(pd.Series(np.sort(values.dropna().unique())), pitches=pitches)
        kept = [v for v in dict.fromkeys(order) if v in kept] + [v for v in kept if v == NONE_LABEL]
    more = total > len(kept)
    return Legend(
        labels,
        [*kept, *[OTHER_LABEL] * more],
        [*palette(len(kept)), *[OTHER] * more],
        legend_title(title, len(kept), total),
    )


def _label(values: pd.Series, *, pitches: bool = False) -> pd.Series:
    """Each value as a legend entry: text stripped, ``3.0`` as ``"3"``, a key's pitch
    class by name, and a missing or empty value as :data:`NONE_LABEL`."""
    if pd.api.types.is_numeric_dtype(values) and not pd.api.types.is_bool_dtype(values):
        number = pd.to_numeric(values, errors="coerce")
        text = number.map(
            lambda v: NONE_LABEL if pd.isna(v) else PITCHES[int(v) % 12] if pitches else f"{v:g}"
        )
        return text.astype(object)
    text = values.astype("string").str.strip().fillna("")
    return text.mask(text == "", NONE_LABEL).astype(object)


def _continuous(values: pd.Series) -> bool:
    """Whether a column colours as a scale (numbers of many values) or as categories."""
    return (
        pd.api.types.is_numeric_dtype(values)
        and not pd.api.types.is_bool_dtype(values)
        and values.nunique() > CATEGORIES
    )


def clicked(event) -> int | None:
    """The track id of the point clicked in a chart ``event``, if any."""
    points = (getattr(event, "selection", None) or {}).get(POINT) or []
    return int(points[0]["id"]) if points and "id" in points[0] else None


def selected(frame: pd.DataFrame, event) -> pd.Series:
    """True for the points inside the brushed rectangle of a chart ``event``."""
    selection = (getattr(event, "selection", None) or {}).get(BRUSH) or {}
    if not selection.get("x") or not selection.get("y"):
        return pd.Series(False, index=frame.index)
    (x0, x1), (y0, y1) = sorted(selection["x"]), sorted(selection["y"])
    return frame["x"].between(x0, x1) & frame["y"].between(y0, y1)


def sweep_heatmap(grid: pd.DataFrame) -> alt.Chart:
    """DBCV over min_cluster_size × min_samples, the suggested cell outlined."""
    middle = (grid["dbcv"].min() + grid["dbcv"].max()) / 2
    frame = grid.assign(
        label=grid["clusters"].astype(str)
        + " · "
        + (grid["noise_share"] * 100).round().astype(int).astype(str)
        + "%",
        dark=grid["dbcv"] > middle,  # a dark cell gets light text
    )
    base = alt.Chart(frame).encode(
        x=alt.X(
            "min_cluster_size:O",
            title="Smallest cluster (min_cluster_size)",
            axis=alt.Axis(labelAngle=0),
        ),
        y=alt.Y("min_samples:O", title="Density (min_samples)"),
    )
    cells = base.mark_rect().encode(
        color=alt.Color("dbcv:Q", title="DBCV", scale=alt.Scale(scheme="greens")),
        stroke=alt.condition("datum.suggested", alt.value(RECENT), alt.value(None)),
        strokeWidth=alt.condition("datum.suggested", alt.value(3), alt.value(0)),
        tooltip=[
            alt.Tooltip("min_cluster_size:O", title="min_cluster_size"),
            alt.Tooltip("min_samples:O", title="min_samples"),
            alt.Tooltip("clusters:Q", title="Clusters"),
            alt.Tooltip("noise_share:Q", title="In no cluster", format=".0%"),
            alt.Tooltip("dbcv:Q", title="DBCV", format=".2f"),
        ],
    )
    text = base.mark_text(fontSize=11).encode(
        text="label:N", color=alt.condition("datum.dark", alt.value("#fff"), alt.value("#111"))
    )
    return (cells + text).properties(height=alt.Step(44))


def mood_plane(axes: pd.DataFrame, *, valence_title: str, hover: pd.DataFrame) -> alt.Chart:
    """Valence (or its stand-in) against energy, with the named regions behind."""
    frame = pd.concat([axes[["valence", "energy"]], hover], axis=1)
    regions = pd.DataFrame(
        [
            {"region": name, "v0": v0, "v1": v1, "e0": e0, "e1": e1}
            for name, ((v0, v1), (e0, e1)) in REGIONS.items()
        ]
    )
    shading = (
        alt.Chart(regions)
        .mark_rect(opacity=0.08)
        .encode(x="v0:Q", x2="v1:Q", y="e0:Q", y2="e1:Q", color=alt.Color("region:N", legend=None))
    )
    labels = (
        alt.Chart(regions.assign(v=(regions["v0"] + regions["v1"]) / 2, e=regions["e1"] - 0.03))
        .mark_text(color="#ddd", fontSize=12, fontWeight="bold")
        .encode(x="v:Q", y="e:Q", text="region:N")
    )
    if len(frame) > MOOD_POINTS:  # a density of many tracks reads better, and draws faster
        cells = frame.assign(
            v=np.floor(frame["valence"].clip(0, 0.999) * 20) / 20,
            e=np.floor(frame["energy"].clip(0, 0.999) * 20) / 20,
        )
        counts = cells.groupby(["v", "e"]).size().rename("tracks").reset_index()
        density = (
            alt.Chart(counts.assign(v2=counts["v"] + 0.05, e2=counts["e"] + 0.05))
            .mark_rect()
            .encode(
                x=alt.X("v:Q", title=valence_title, scale=alt.Scale(domain=[0, 1])),
                x2="v2:Q",
                y=alt.Y("e:Q", title="Energy", scale=alt.Scale(domain=[0, 1])),
                y2="e2:Q",
                color=alt.Color("tracks:Q", title="Tracks", scale=alt.Scale(scheme="greens")),
                tooltip=[alt.Tooltip("tracks:Q", title="Tracks")],
            )
        )
        return (density + labels).properties(height=420)
    points = (
        alt.Chart(frame)
        .mark_circle(size=30, color=ACCENT, opacity=0.7)
        .encode(
            x=alt.X("valence:Q", title=valence_title, scale=alt.Scale(domain=[0, 1])),
            y=alt.Y("energy:Q", title="Energy", scale=alt.Scale(domain=[0, 1])),
            tooltip=[
                *[alt.Tooltip(f"{c}:N", title=c.capitalize()) for c in hover.columns],
                alt.Tooltip("valence:Q", title=valence_title, format=".2f"),
                alt.Tooltip("energy:Q", title="Energy", format=".2f"),
            ],
        )
    )
    return (shading + points + labels).properties(height=420)  # the names over the dots


def confusion(matrix: pd.DataFrame) -> alt.Chart:
    """A confusion matrix (rows: the tag, columns: the guess) as a heat map with counts."""
    cells = matrix.rename_axis(index="tagged", columns="guessed").stack().rename("tracks")
    frame = cells.reset_index()
    order = list(matrix.index)
    base = alt.Chart(frame).encode(
        x=alt.X("guessed:N", sort=order, title="Guessed from the audio"),
        y=alt.Y("tagged:N", sort=order, title="Tagged"),
    )
    heat = base.mark_rect().encode(
        color=alt.Color("tracks:Q", scale=alt.Scale(scheme="greens"), legend=None),
        tooltip=["tagged", "guessed", "tracks"],
    )
    counts = base.mark_text(baseline="middle", fontSize=12).encode(
        text="tracks:Q",
        color=alt.condition(
            f"datum.tracks > {float(cells.max()) / 2}", alt.value("white"), alt.value("#111")
        ),
    )
    return (heat + counts).properties(height=alt.Step(34))


def candidate_map(
    library: pd.DataFrame, neighbour_ids: list[int], label: str, *, background: int = 3000
) -> alt.LayerChart:
    """Where a candidate sits on the taste map, zoomed onto its neighbourhood: the library
    faded (at most ``background`` points), its nearest library tracks in green with the
    nearest one named, and the candidate — placed at their mean, as the map has no
    position of its own for a track outside the library."""
    near = library[library["id"].isin(neighbour_ids)]
    faded = library.sample(min(background, len(library)), random_state=0)
    candidate = pd.DataFrame(
        {"x": [near["x"].mean()], "y": [near["y"].mean()], "artist": [label], "title": [""]}
    )
    scale = {
        "x": alt.X("x:Q", axis=None, scale=alt.Scale(domain=_zoom(library["x"], near["x"]))),
        "y": alt.Y("y:Q", axis=None, scale=alt.Scale(domain=_zoom(library["y"], near["y"]))),
    }
    tooltip = [alt.Tooltip("artist:N", title="Artist"), alt.Tooltip("title:N", title="Title")]
    points = (
        alt.Chart(faded)
        .mark_circle(size=20, color=NOISE, opacity=0.45, clip=True)
        .encode(**scale, tooltip=[*tooltip, alt.Tooltip("cluster:N", title="Cluster")])
    )
    neighbours = alt.Chart(near).mark_circle(size=90, color=ACCENT).encode(**scale, tooltip=tooltip)
    first = near[near["id"] == neighbour_ids[0]]
    # the name goes on the side of the nearest track away from the candidate's ◆
    left = len(first) and float(first["x"].iloc[0]) < float(candidate["x"].iloc[0])
    below = len(first) and float(first["y"].iloc[0]) < float(candidate["y"].iloc[0])
    name = (
        alt.Chart(first.assign(name=first["artist"] + " – " + first["title"]))
        .mark_text(
            align="right" if left else "left",
            dx=-9 if left else 9,
            dy=9 if below else -9,
            fontSize=12,
            color="#9aa0a6",
        )
        .encode(**scale, text="name:N")
    )
    star = (
        alt.Chart(candidate)
        .mark_point(shape="diamond", size=260, filled=True, color=RECENT)
        .encode(**scale, tooltip=[alt.Tooltip("artist:N", title="Candidate")])
    )
    return alt.layer(points, neighbours, name, star).properties(height=320)


def _zoom(everything: pd.Series, near: pd.Series) -> list[float]:
    """An axis range around ``near`` wide enough to show its surroundings: the span of
    ``near`` padded by half of itself, and at least a fifth of the whole map's span."""
    low, high = float(near.min()), float(near.max())
    whole = float(everything.max() - everything.min()) or 1.0
    pad = max((high - low) / 2, (whole / 5 - (high - low)) / 2)
    return [low - pad, high + pad]

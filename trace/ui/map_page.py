"""The Taste map page's parts: its sidebar settings, the clusters' profiles and the sweep
of cluster settings. Streamlit code; the page (``app_pages/taste_map.py``) puts them in
order."""

from __future__ import annotations

import pandas as pd
import streamlit as st

from trace.analysis import pipeline
from trace.analysis.cluster import POOR_DBCV
from trace.analysis.params import FEATURE_SETS, METRICS, SELECTION_METHODS
from trace.analysis.profiles import DESCRIPTIVE_WORDS
from trace.store import Store
from trace.ui import cached, charts

FEATURE_SET_LABELS = {
    "all": "Everything",
    "spotify": "Spotify-style estimates (tempo, energy, …)",
    "timbre": "Timbre descriptors (spectrum, MFCC, chroma)",
    "custom": "A chosen list",
}

NOMINAL = ("key", "mode")
"""Features that are categories: left out of the cluster's means and medians."""


def map_settings() -> None:
    """The map's and the clustering's settings, in the sidebar; each saved as it changes."""
    with st.sidebar:
        st.header("Map settings")
        cached.setting(
            st.selectbox,
            "Features",
            "features",
            "feature_set",
            options=[f for f in FEATURE_SETS if f != "custom"],
            format_func=FEATURE_SET_LABELS.get,
            help="Which audio features place the tracks.",
        )
        cached.setting(
            st.toggle,
            "Listen with MusiCNN too",
            "features",
            "learned",
            help="MusiCNN, a network trained on a million songs, describes each track's sound "
            "in 200 numbers; on real music it puts more tracks next to their own kind than "
            "TRACE's features alone. Used when at least 90 % of the tracks have been heard "
            "by it. The names and words stay TRACE's own features.",
        )
        cached.setting(
            st.slider,
            "Neighbours each track looks at",
            "embed",
            "n_neighbors",
            min_value=5,
            max_value=100,
            help="Small: fine local detail; large: the big picture. (UMAP's n_neighbors.)",
        )
        st.header("Cluster settings")
        cached.setting(
            st.slider,
            "Smallest cluster",
            "cluster",
            "min_cluster_size",
            min_value=3,
            max_value=200,
            help="Fewer tracks than this never make a cluster of their own. Larger: fewer, "
            "broader clusters; the suggestion below the map can set it for you. "
            "(HDBSCAN's min_cluster_size.)",
        )
        cached.setting(
            st.slider,
            "Density needed (0 = as the smallest cluster)",
            "cluster",
            "min_samples",
            min_value=0,
            max_value=100,
            convert=lambda value: value or None,
            shown=lambda value: value or 0,
            help="How crowded a track's surroundings must be for it to count as part of a "
            "cluster. Higher: more tracks are left in no cluster. (HDBSCAN's min_samples.)",
        )
        with st.expander("Advanced"):
            _advanced()


def _advanced() -> None:
    """The settings few people need, in plain words with the method's own name in help."""
    cached.setting(
        st.slider,
        "Cluster space dimensions",
        "embed",
        "n_components",
        min_value=2,
        max_value=15,
        help="The clusters are found in a space of this many dimensions, made by UMAP "
        "from the features; the 2-D map only draws them. More keeps more detail apart. "
        "(UMAP's n_components.)",
    )
    cached.setting(
        st.slider,
        "Spread of the 2-D map",
        "embed",
        "layout_min_dist",
        min_value=0.0,
        max_value=0.99,
        step=0.05,
        help="How tightly the 2-D map packs alike tracks. Only the drawing changes; the "
        "clusters do not. (UMAP's min_dist.)",
    )
    cached.setting(
        st.selectbox,
        "Distance",
        "embed",
        "metric",
        options=METRICS,
        help="How unlike two tracks are, over the scaled features: euclidean (straight "
        "line) suits most libraries; manhattan adds up the differences, so one feature "
        "far off counts less; cosine compares the features' proportions only.",
    )
    cached.setting(
        st.slider,
        "Merge clusters closer than",
        "cluster",
        "cluster_selection_epsilon",
        min_value=0.0,
        max_value=2.0,
        step=0.05,
        help="Clusters closer than this in the cluster space are merged into one "
        "(0: never). Raise it when one style is cut into many small clusters. "
        "(HDBSCAN's cluster_selection_epsilon.)",
    )
    cached.setting(
        st.radio,
        "Cluster selection",
        "cluster",
        "cluster_selection_method",
        options=SELECTION_METHODS,
        format_func={"eom": "Fewer, broader clusters", "leaf": "Many small clusters"}.get,
        help="Fewer, broader: the clusters that hold together longest as the density "
        "needed changes (HDBSCAN's excess of mass). Many small: the finest ones HDBSCAN "
        "finds (its leaf selection).",
    )


def separation(dbcv: float) -> str:
    """DBCV in a word: clear (from 0.5), fair, or weak (below 0.2)."""
    if pd.isna(dbcv):
        return "–"
    return "clear" if dbcv >= 0.5 else "fair" if dbcv >= POOR_DBCV else "weak"


def first_map_settings(pipe, keys) -> None:
    """A library whose settings nobody chose gets the sweep's suggestion when the defaults
    cluster it poorly (:func:`trace.analysis.pipeline.first_map_params`), saved, so
    ``analyse`` and the weekly job use it too; the page says so once."""
    if cached.out_of_date(pipe, keys):
        return
    with Store() as store:
        if pipeline.settings_saved(store):
            return
    chosen = pipeline.first_map_params(pipe)
    if chosen == pipe.params:
        return
    cached.set_params(chosen)
    cached.forget_widgets("cluster")
    st.session_state["trace.first-map"] = (
        f"TRACE chose these cluster settings for your library (smallest cluster "
        f"{chosen.cluster.min_cluster_size}, density {chosen.cluster.min_samples}): the "
        "usual ones grouped it poorly. Change them in the sidebar at any time."
    )
    st.rerun()


def cluster_profiles(pipe, table: pd.DataFrame) -> None:
    """Every cluster's name, size, stability, artists, genres and years, then one cluster
    closer: its most typical tracks and the features in which it differs most."""
    clustering = pipe.clustering()
    st.subheader("Clusters")
    profiles = pipe.profiles()
    persistence = clustering.clusters.set_index("cluster")["persistence"]
    st.dataframe(
        pd.DataFrame(
            {
                "Cluster": [p.name for p in profiles],
                "Tracks": [p.size for p in profiles],
                "How distinct": [float(persistence[p.cluster]) for p in profiles],
                "Top artists": [", ".join(p.top_artists) for p in profiles],
                "Genres": [", ".join(p.top_genres) for p in profiles],
                "Years": [f"{p.years[0]}–{p.years[1]}" if p.years else "" for p in profiles],
            }
        ),
        hide_index=True,
        width="stretch",
        column_config={
            "How distinct": st.column_config.ProgressColumn(
                "How distinct",
                min_value=0.0,
                max_value=1.0,
                format="%.2f",
                help="From 0 to 1: how long the cluster holds together as the density needed "
                "rises; from about 0.5 it is a group you would hear as one (HDBSCAN's "
                "persistence).",
            )
        },
    )
    if profiles:
        by_cluster = {p.cluster: p for p in profiles}
        chosen_cluster = st.selectbox(
            "Look closer at a cluster",
            list(by_cluster),
            format_func=lambda c: f"{by_cluster[c].name} ({by_cluster[c].size} tracks)",
        )
        profile = by_cluster.get(chosen_cluster, profiles[0])
        left, right = st.columns([2, 3])
        left.markdown(
            "**Most typical tracks:**  \n"
            + "  \n".join(
                f"{table.loc[i, 'artist']} – {table.loc[i, 'title']}" for i in profile.medoids
            )
        )
        stats = profile.stats.dropna(subset=["z"])
        # a key is a pitch class, not a quantity: its mean says nothing (nor the mode's)
        stats = stats[[f in charts.FEATURE_LABELS and f not in NOMINAL for f in stats.index]]
        shown = stats.reindex(stats["z"].abs().sort_values(ascending=False).index).head(8)
        right.markdown(_differences(shown))
        # short headers, so that none is cut at the column's width; the help says more
        right.expander("The numbers").dataframe(
            pd.DataFrame(
                {
                    "Feature": [charts.feature_label(f) for f in shown.index],
                    "Mean": shown["cluster_mean"].round(2),
                    "Library": shown["library_mean"].round(2),
                    "Median": shown["cluster_median"].round(2),
                    "Lib. median": shown["library_median"].round(2),
                    "Difference": shown["z"].round(2),
                }
            ),
            hide_index=True,
            width="stretch",
            column_config={
                "Mean": st.column_config.NumberColumn(help="The cluster's mean"),
                "Library": st.column_config.NumberColumn(help="The whole library's mean"),
                "Median": st.column_config.NumberColumn(help="The cluster's median"),
                "Lib. median": st.column_config.NumberColumn(help="The library's median"),
                "Difference": st.column_config.NumberColumn(
                    help="How far the cluster's mean lies from the library's, in the "
                    "library's standard deviations (a z-score; the features are sorted by it)"
                ),
            },
        )


def _differences(shown: pd.DataFrame) -> str:
    """What sets a cluster apart, in words: "Compared with your whole library: faster,
    louder, more acoustic." (features at least half a standard deviation away)."""
    words = [
        DESCRIPTIVE_WORDS[f][0 if z > 0 else 1]
        for f, z in shown["z"].items()
        if f in DESCRIPTIVE_WORDS and abs(z) >= 0.5
    ]
    if not words:
        return "It sounds much like your library as a whole."
    return "**Compared with your whole library:** " + ", ".join(words[:5]) + "."


def settings_sweep(pipe, keys) -> None:
    """The suggested cluster settings and the sweep's grid (once the map is current)."""
    st.subheader("Which cluster settings fit best")
    grid = None if cached.out_of_date(pipe, keys) else cached.sweep(pipe)
    best = grid[grid["suggested"]] if grid is not None else []
    if note := st.session_state.pop("trace.first-map", None):
        st.info(note, icon=":material/auto_awesome:")
    if len(best):
        row = best.iloc[0]
        size, samples = int(row["min_cluster_size"]), int(row["min_samples"])
        current = pipe.params.cluster
        st.write(
            f"Suggested: smallest cluster **{size}**, density **{samples}** — "
            f"{int(row['clusters'])} clusters, {row['noise_share']:.0%} in none, separation "
            f"{separation(row['dbcv'])} (DBCV {row['dbcv']:.2f}: the clearest with at least 2 "
            "clusters and at most 40 % in none)."
        )
        if (current.min_cluster_size, current.min_samples or current.min_cluster_size) != (
            size,
            samples,
        ) and st.button("Use the suggested settings", type="primary"):
            cached.set_cluster(size, samples)
            st.rerun()
    if grid is not None:
        with st.expander("Every setting tried"):
            st.vega_lite_chart(cached.sweep_spec(pipe), width="stretch")
            st.caption(
                "Each cell: clusters · share in no cluster. Colour: DBCV, how clearly the "
                "clusters stand apart (darker is better)."
            )

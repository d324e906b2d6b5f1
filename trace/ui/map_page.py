"""The Taste map page's parts: its sidebar settings, the clusters' profiles and the sweep
of cluster settings. Streamlit code; the page (``app_pages/taste_map.py``) puts them in
order."""

from __future__ import annotations

import pandas as pd
import streamlit as st

from trace.analysis.params import FEATURE_SETS, METRICS, SELECTION_METHODS
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
            st.slider,
            "Neighbours (UMAP n_neighbors)",
            "embed",
            "n_neighbors",
            min_value=5,
            max_value=100,
            help="Small: fine local detail; large: the big picture.",
        )
        cached.setting(
            st.slider,
            "Cluster space dimensions (UMAP)",
            "embed",
            "n_components",
            min_value=2,
            max_value=15,
            help="The clusters are found in a space of this many dimensions, made by UMAP "
            "from the features; the 2-D map only draws them. More keeps more detail apart.",
        )
        cached.setting(
            st.slider,
            "Spread of the 2-D map (UMAP min_dist)",
            "embed",
            "layout_min_dist",
            min_value=0.0,
            max_value=0.99,
            step=0.05,
            help="Only the drawing changes; the clusters do not.",
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
        st.header("Cluster settings")
        cached.setting(
            st.slider,
            "Smallest cluster (HDBSCAN min_cluster_size)",
            "cluster",
            "min_cluster_size",
            min_value=3,
            max_value=200,
            help="Fewer tracks than this never make a cluster of their own. Larger: fewer, "
            "broader clusters; the sweep below suggests a value.",
        )
        cached.setting(
            st.slider,
            "Density (HDBSCAN min_samples; 0 = same as smallest cluster)",
            "cluster",
            "min_samples",
            min_value=0,
            max_value=100,
            convert=lambda value: value or None,
            shown=lambda value: value or 0,
            help="How crowded a track's surroundings must be for it to count as part of a "
            "cluster. Higher: more tracks are left in no cluster.",
        )
        cached.setting(
            st.slider,
            "Merge closer than (cluster_selection_epsilon)",
            "cluster",
            "cluster_selection_epsilon",
            min_value=0.0,
            max_value=2.0,
            step=0.05,
            help="Clusters closer than this in the cluster space are merged into one "
            "(0: never). Raise it when one style is cut into many small clusters.",
        )
        cached.setting(
            st.radio,
            "Cluster selection",
            "cluster",
            "cluster_selection_method",
            options=SELECTION_METHODS,
            format_func={"eom": "Excess of mass (fewer, larger)", "leaf": "Leaf (many, small)"}.get,
            help="Excess of mass keeps the clusters that last longest as the density "
            "changes: a few broad ones. Leaf takes the finest ones HDBSCAN finds.",
        )


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
                "Stability": [float(persistence[p.cluster]) for p in profiles],
                "Top artists": [", ".join(p.top_artists) for p in profiles],
                "Genres": [", ".join(p.top_genres) for p in profiles],
                "Years": [f"{p.years[0]}–{p.years[1]}" if p.years else "" for p in profiles],
            }
        ),
        hide_index=True,
        width="stretch",
        column_config={
            "Stability": st.column_config.ProgressColumn(
                "Stability",
                min_value=0.0,
                max_value=1.0,
                format="%.2f",
                help="HDBSCAN's persistence: how long the cluster survives as the density "
                "threshold changes (higher is more stable).",
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
        # short headers, so that none is cut at the column's width; the help says more
        right.dataframe(
            pd.DataFrame(
                {
                    "Feature": [charts.feature_label(f) for f in shown.index],
                    "Mean": shown["cluster_mean"].round(2),
                    "Library": shown["library_mean"].round(2),
                    "Median": shown["cluster_median"].round(2),
                    "Lib. median": shown["library_median"].round(2),
                    "Gap (SD)": shown["z"].round(2),
                }
            ),
            hide_index=True,
            width="stretch",
            column_config={
                "Mean": st.column_config.NumberColumn(help="The cluster's mean"),
                "Library": st.column_config.NumberColumn(help="The whole library's mean"),
                "Median": st.column_config.NumberColumn(help="The cluster's median"),
                "Lib. median": st.column_config.NumberColumn(help="The library's median"),
                "Gap (SD)": st.column_config.NumberColumn(
                    help="How far the cluster's mean lies from the library's, in the "
                    "library's standard deviations (the features are sorted by it)"
                ),
            },
        )


def settings_sweep(pipe, keys) -> None:
    """The suggested cluster settings and the sweep's grid (once the map is current)."""
    st.subheader("Which cluster settings fit best")
    grid = None if cached.out_of_date(pipe, keys) else cached.sweep(pipe)
    best = grid[grid["suggested"]] if grid is not None else []
    if len(best):
        row = best.iloc[0]
        st.write(
            f"Suggested: smallest cluster **{int(row['min_cluster_size'])}**, density "
            f"**{int(row['min_samples'])}** — {int(row['clusters'])} clusters, "
            f"{row['noise_share']:.0%} in none, DBCV {row['dbcv']:.2f} (the highest DBCV with "
            "at least 2 clusters and at most 40 % in none)."
        )
    if grid is not None:
        st.vega_lite_chart(cached.sweep_spec(pipe), width="stretch")
        st.caption("Each cell: clusters · share in no cluster. Colour: DBCV (darker is better).")

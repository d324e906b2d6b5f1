"""Taste map: the library mapped with UMAP and clustered with HDBSCAN, tuned live."""

from __future__ import annotations

import pandas as pd
import streamlit as st

from trace.playlist import m3u8
from trace.ui import cached, charts, data, listen, map_charts, map_page

st.title("Taste map")
st.write(
    "Each dot is one of your tracks, placed by how it sounds: tracks that sound alike sit "
    "close together. The coloured groups are **clusters** of tracks that sound alike, each "
    "named by what sets it apart from the rest of your library."
)
cached.show_settings_problem()
keys = cached.keys()

map_page.map_settings()

pipe = cached.mapped(keys)
map_page.first_map_settings(pipe, keys)
table = pipe.library()
layout = pipe.layout()
clustering = pipe.clustering()
names = pipe.names()

columns = st.columns(4)
columns[0].metric("Tracks on the map", f"{len(table):,}")
columns[1].metric("Clusters", clustering.n_clusters)
columns[2].metric(
    "In no cluster",
    f"{clustering.noise_share:.0%}",
    help="Tracks that fit no cluster are left out of every cluster rather than forced in.",
)
columns[3].metric(
    "Separation",
    map_page.separation(clustering.dbcv),
    help="How clearly the clusters stand apart: clear, fair or weak. (DBCV "
    + ("–" if pd.isna(clustering.dbcv) else f"{clustering.dbcv:.2f}")
    + ": density-based cluster validity, from −1 to 1; clear from 0.5, weak below 0.2.)",
)

database, fingerprint = data.library_key()
featureless = max(0, data.counts(database, fingerprint)["library_tracks"] - len(table))
if featureless and not cached.out_of_date(pipe, keys):
    st.caption(
        f"{charts.plural(featureless, 'library track')} without audio features "
        "(Spotify tracks with no local file, or files not analysed yet) are not on the map: "
        "hear them through catalogue previews, or analyse pending files, on **Sources**."
    )

colour_options = ["cluster", "genre", "year", "artist", "format", *charts.DEFAULT_HISTOGRAMS]
colour = st.selectbox(
    "Colour by",
    ["cluster", *[c for c in colour_options[1:] if c in table or f"f_{c}" in table]],
    format_func=lambda c: {"cluster": "Cluster"}.get(c) or charts.feature_label(c),
)
frame = cached.map_frame(pipe, colour)
event = st.altair_chart(
    cached.map_chart(pipe, frame, colour, colour_title=charts.feature_label(colour)),
    width="stretch",
    on_select="rerun",
    selection_mode=[map_charts.POINT, map_charts.BRUSH],
    key="taste-map",
)
st.caption(
    "Click a point to hear that track; drag a rectangle to list those tracks below; "
    "double-click to clear."
    + (
        f" About {map_charts.MAP_POINTS:,} of the {len(frame):,} tracks are drawn (every "
        "cluster in its share); a rectangle lists every track inside it."
        if len(frame) > map_charts.MAP_POINTS
        else ""
    )
)
listen.track_details(table, map_charts.clicked(event))

chosen = map_charts.selected(frame, event)
if chosen.any():
    picked = table[chosen.to_numpy()]
    st.subheader(f"{charts.plural(len(picked), 'selected track')}")
    st.dataframe(
        charts.track_table(picked).assign(Cluster=frame.loc[chosen, "cluster"].to_numpy()),
        hide_index=True,
        width="stretch",
    )
    playlist = m3u8(picked, name="TRACE selection")
    st.download_button(
        "Save as a playlist (M3U8)",
        playlist.text,
        file_name="trace-selection.m3u8",
        mime="audio/x-mpegurl",
        disabled=playlist.written == 0,
    )

map_page.cluster_profiles(pipe, table)
map_page.settings_sweep(pipe, keys)

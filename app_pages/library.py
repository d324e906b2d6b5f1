"""Library: what is in the person's music library, how it sounds, what could not be read."""

from __future__ import annotations

import pandas as pd
import streamlit as st

from trace.analysis import mood
from trace.analysis.table import feature_columns
from trace.audio.trust import trusted
from trace.ui import charts, data, map_charts, widgets

st.title("Library")
st.write(
    "What is in your music library and how it sounds: each feature TRACE hears in your "
    "tracks, how your tracks spread over it, and the mood they make."
)
database, fingerprint = data.library_key()
counts = data.counts(database, fingerprint)

if counts["library_tracks"] == 0:
    st.info(
        "Your library is empty. Point TRACE at a folder of music below "
        "(or run `python -m trace scan ~/Music` in a terminal) to see it here."
    )
    widgets.scan_form(key="scan-first")
    st.stop()

table = data.features(database, fingerprint)
with_features = int((table["feature_source"] != "none").sum())
columns = st.columns(5)
columns[0].metric("Tracks", f"{counts['library_tracks']:,}")
columns[1].metric("Artists", f"{table['artist'].replace('', None).nunique():,}")
columns[2].metric("Playing time", charts.playing_time(table["duration"].sum()))
columns[3].metric("With audio features", f"{with_features:,}")
columns[4].metric("Candidates", f"{counts['candidates']:,}")

# Only the open tab is drawn: each Altair chart costs the browser a Vega compile, and a
# second start of the dashboard should show this page within seconds.
sounds, moods, who, kinds = st.tabs(
    ["How it sounds", "Mood", "Who and when", "Genres"], key="library-tab", on_change="rerun"
)
if with_features == 0:
    for tab in (sounds, moods):
        tab.info(
            "No audio features yet: extract them on the **Sources** page "
            "(or run `python -m trace extract`)."
        )
elif sounds.open:
    with sounds:
        available = feature_columns(table)
        chosen = st.multiselect(
            "Features",
            available,
            default=[f for f in charts.DEFAULT_HISTOGRAMS if f in available],
            format_func=charts.feature_label,
        )
        days = st.slider(
            "Compare with tracks added in the last … days",
            0,
            365,
            90,
            step=15,
            help="0 shows the whole library only.",
        )
        cutoff = pd.Timestamp.now(tz="UTC") - pd.Timedelta(days=days)
        recent = (table["added_at"] >= cutoff) if days else None
        if note := charts.trust_note(table, chosen):
            st.caption(note)
        sure = trusted(table)  # unconfident tempos and keys are left out of the charts
        grid = st.columns(2)
        for i, feature in enumerate(chosen):
            grid[i % 2].altair_chart(
                charts.feature_histogram(sure, feature, recent=recent), width="stretch"
            )
elif moods.open:
    with moods:
        axes = mood.mood_axes(table)
        placed = axes[["valence", "energy"]].notna().all(axis=1)
        if not placed.any():
            st.caption("No track has both an energy and a valence (or its stand-in) yet.")
        else:
            st.altair_chart(
                map_charts.mood_plane(
                    axes[placed],
                    valence_title=mood.valence_title(axes),
                    hover=table.loc[placed, ["artist", "title"]].fillna(""),
                ),
                width="stretch",
            )
        if mood.valence_title(axes) != mood.VALENCE:
            st.caption(mood.stand_in_note(axes))
if who.open:
    with who:
        left, right = st.columns(2)
        left.altair_chart(charts.top_values(table, "artist", "Top artists"), width="stretch")
        right.altair_chart(charts.top_values(table, "genre", "Top genres"), width="stretch")
        if table["year"].notna().any():
            left.altair_chart(charts.year_histogram(table), width="stretch")
        else:
            left.caption("No release years in the tags yet.")
        right.altair_chart(charts.top_values(table, "format", "Formats"), width="stretch")
        if table["label"].notna().any():
            left.altair_chart(charts.top_values(table, "label", "Top labels"), width="stretch")
if kinds.open:
    with kinds:
        widgets.genre_model(table)

st.subheader("Tracks")
listed = table
if len(table) > charts.TRACK_ROWS:
    query = st.text_input(
        "Find tracks",
        placeholder="Words from a title, artist, album, genre or path",
        key="library-find",
    )
    listed = charts.find_tracks(table, query)
    if query.strip():
        shown = f"{len(listed):,} of {len(table):,} tracks match"
    else:
        shown = f"Your library has {len(table):,} tracks"
    if len(listed) > charts.TRACK_ROWS:
        shown += f"; the first {charts.TRACK_ROWS:,} are listed — type above to find others"
    st.caption(shown + ".")
st.dataframe(charts.track_table(listed.head(charts.TRACK_ROWS)), hide_index=True, width="stretch")

errors = data.scan_errors(database, fingerprint)
if len(errors):
    with st.expander(f"{charts.plural(len(errors), 'file')} skipped or read with warnings"):
        st.dataframe(charts.error_table(errors), hide_index=True, width="stretch")
failures = data.feature_errors(database, fingerprint)
if len(failures):
    with st.expander(f"{charts.plural(len(failures), 'file')} could not be analysed"):
        st.dataframe(failures.rename(columns=str.capitalize), hide_index=True, width="stretch")

"""Library: what is in the person's music library, and what could not be read."""

from __future__ import annotations

import streamlit as st

from trace.ui import charts, data, widgets

st.title("Library")
database, fingerprint = data.library_key()
counts = data.counts(database, fingerprint)

if counts["library_tracks"] == 0:
    st.info(
        "Your library is empty. Point TRACE at a folder of music below "
        "(or run `python -m trace scan ~/Music` in a terminal) to see it here."
    )
    widgets.scan_form(key="scan-first")
    st.stop()

tracks = data.tracks(database, fingerprint)
columns = st.columns(4)
columns[0].metric("Tracks", f"{counts['library_tracks']:,}")
columns[1].metric("Artists", f"{tracks['artist'].replace('', None).nunique():,}")
columns[2].metric("Playing time", charts.playing_time(tracks["duration"].sum()))
columns[3].metric("Candidates", f"{counts['candidates']:,}")

left, right = st.columns(2)
left.altair_chart(charts.top_values(tracks, "artist", "Top artists"), width="stretch")
right.altair_chart(charts.top_values(tracks, "genre", "Top genres"), width="stretch")
if tracks["year"].notna().any():
    left.altair_chart(charts.year_histogram(tracks), width="stretch")
else:
    left.caption("No release years in the tags yet.")
right.altair_chart(charts.top_values(tracks, "format", "Formats"), width="stretch")

st.subheader("Tracks")
st.dataframe(charts.track_table(tracks), hide_index=True, width="stretch")

errors = data.scan_errors(database, fingerprint)
if len(errors):
    with st.expander(f"{charts.plural(len(errors), 'file')} skipped or read with warnings"):
        st.dataframe(charts.error_table(errors), hide_index=True, width="stretch")

with st.expander("Scan another folder"):
    widgets.scan_form(key="scan-more", expanded=False)

"""Sources: the folders TRACE reads, the audio analysis, the demo, and where data lives."""

from __future__ import annotations

import streamlit as st

from trace import config, demo
from trace.store import Store
from trace.ui import catalogue, charts, data, spotify, widgets

st.title("Sources")
st.write(
    "Where your music and your listening come from: folders of files, Spotify, listening "
    "histories, feature CSVs and the catalogue, and how far TRACE has heard each of them."
)
database, fingerprint = data.library_key()

st.subheader("Music folders")
folders = data.folders(database, fingerprint)
if len(folders):
    st.dataframe(charts.folder_table(folders), hide_index=True, width="stretch")
else:
    st.caption("No folders yet.")
widgets.scan_form(key="scan-sources")

st.subheader("Spotify")
spotify.section()

st.subheader("Listening history")
st.write(
    "Spotify's personal data export (Account privacy → Download your data), ListenBrainz's "
    "export (Settings → Export data) and Last.fm scrobbles saved as CSV hold your listening "
    "history. Plays shorter than 30 s and skips are kept apart from plays; importing the "
    "same export again adds nothing, and a listen scrobbled to two services counts once."
)
spotify.history_form()
history = data.history_summary(database, fingerprint)
if len(history):
    st.dataframe(
        charts.history_table(history), hide_index=True, width="stretch", key="history-summary"
    )

st.subheader("Audio analysis")
table = data.features(database, fingerprint)
unanalysable = len(data.feature_errors(database, fingerprint))
st.write(charts.audio_status(table, unanalysable))
waiting = int(((table["feature_source"] == "none") & table["path"].notna()).sum())
if st.button("Analyse new and changed files", disabled=not waiting):
    widgets.extract_with_progress()

st.subheader("Catalogue previews")
catalogue.section(database)

st.subheader("Imports")
st.write(
    "Audio features from a CSV: an [Exportify](https://exportify.net) export of a Spotify "
    "playlist, or a public dataset with Spotify's column names. Rows are matched to your "
    "tracks by Spotify URI, ISRC, then artist and title; the rest become tracks of their "
    "own (or candidates)."
)
widgets.import_csv_form()

st.subheader("Demo library")
with Store(database) as store:
    active = demo.is_active(store)
if active:
    st.write(
        "The demo library is in use. Once your own music is scanned, remove the demo so "
        "it does not mix with your taste. It will not come back by itself."
    )
    if st.button("Remove the demo library", type="secondary"):
        with Store(database) as store:
            demo.remove_demo(store)
        st.rerun()
else:
    st.caption("The demo library is not in use (`python -m trace demo` builds it).")

st.subheader("TRACE home folder")
st.code(str(config.home()), language=None)
st.caption(
    "The library database and everything TRACE generates live here. "
    "Set the TRACE_HOME environment variable to use another folder."
)

"""Sources: the folders TRACE reads, and where it keeps its data."""

from __future__ import annotations

import streamlit as st

from trace import config
from trace.ui import charts, data, widgets

st.title("Sources")
database, fingerprint = data.library_key()

st.subheader("Music folders")
folders = data.folders(database, fingerprint)
if len(folders):
    st.dataframe(charts.folder_table(folders), hide_index=True, width="stretch")
else:
    st.caption("No folders yet.")
widgets.scan_form(key="scan-sources")

st.subheader("TRACE home folder")
st.code(str(config.home()), language=None)
st.caption(
    "The library database and everything TRACE generates live here. "
    "Set the TRACE_HOME environment variable to use another folder."
)

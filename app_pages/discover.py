"""Discover: candidates ranked for recent interests, heard, decided, then exported."""

from __future__ import annotations

import streamlit as st

from trace.ui import approved, cached, review
from trace.ui import discover as discover_ui

st.title("Discover")
st.write(
    "New music for what you have been into lately: tracks you do not have yet, from your "
    "candidate pools and the catalogue, the closest first, each with the reason it is here. "
    "Listen, then approve or reject; the approved ones become a playlist."
)
cached.show_settings_problem()
keys = cached.keys()
with st.sidebar:
    discover_ui.ranking_settings()

found = discover_ui.candidates(keys)

if found.proposed.empty:
    st.info("No candidate fits these settings. Widen the mood ranges or lower the confidence.")
else:
    one_by_one, every = st.tabs(["Review one by one", "All candidates"])
    with one_by_one:
        review.review(found)
    with every:
        discover_ui.decision_list(found, keys)
discover_ui.left_out(found)

st.subheader("Approved")
approved.playlist_section(keys)

"""TRACE dashboard: ``streamlit run streamlit_app.py``."""

from __future__ import annotations

import streamlit as st

st.set_page_config(page_title="TRACE", page_icon="🎧", layout="wide")

pages = [
    st.Page("pages/library.py", title="Library", icon=":material/library_music:", default=True),
    st.Page("pages/sources.py", title="Sources", icon=":material/folder_open:"),
]
st.navigation(pages).run()

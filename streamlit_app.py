"""TRACE dashboard: ``streamlit run streamlit_app.py``."""

from __future__ import annotations

import streamlit as st

from trace.ui.demo import demo_banner, ensure_demo

st.set_page_config(page_title="TRACE", page_icon="🎧", layout="wide")

page = st.navigation(
    [
        st.Page("pages/library.py", title="Library", icon=":material/library_music:", default=True),
        st.Page("pages/sources.py", title="Sources", icon=":material/folder_open:"),
    ]
)
ensure_demo()
demo_banner()
page.run()

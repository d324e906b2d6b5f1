"""TRACE dashboard: ``python -m trace.ui.serve`` (or ``streamlit run streamlit_app.py``)."""

from __future__ import annotations

import streamlit as st

from trace.ui.demo import demo_banner, ensure_demo
from trace.ui.reanalysis import reanalysis_banner
from trace.ui.warm import warm_in_background

st.set_page_config(page_title="TRACE", page_icon="🎧", layout="wide")

if "state" in st.query_params:  # Spotify sent the person back here with a code
    from trace.ui.spotify import handle_redirect

    handle_redirect()
page = st.navigation(
    [
        st.Page(
            "app_pages/library.py", title="Library", icon=":material/library_music:", default=True
        ),
        st.Page("app_pages/taste_map.py", title="Taste map", icon=":material/scatter_plot:"),
        st.Page("app_pages/interest.py", title="Recent interest", icon=":material/trending_up:"),
        st.Page("app_pages/discover.py", title="Discover", icon=":material/explore:"),
        st.Page("app_pages/report.py", title="Report", icon=":material/summarize:"),
        st.Page("app_pages/sources.py", title="Sources", icon=":material/folder_open:"),
    ]
)
ensure_demo()
demo_banner()
reanalysis_banner()
page.run()
# Only after a page has been drawn — never while the demo is being built, whose progress
# shows before the page runs (and a page that stops early starts it on its next run).
warm_in_background()

"""Widgets the pages share."""

from __future__ import annotations

from pathlib import Path

import streamlit as st

from trace.errors import TraceError
from trace.scan import scan_library
from trace.store import Store
from trace.ui.charts import plural


def scan_form(*, key: str, expanded: bool = True) -> None:
    """A folder box and a Scan button; scans with a progress bar and shows the summary."""
    with st.form(key, border=expanded):
        folder = st.text_input(
            "Music folder",
            placeholder=str(Path.home() / "Music"),
            help="A folder on this computer; every subfolder is scanned too.",
        )
        as_pool = st.toggle(
            "Scan as a candidate pool (new music to choose from, not my own library)"
        )
        pool = st.text_input("Pool name", value="new music", disabled=not as_pool)
        submitted = st.form_submit_button("Scan", type="primary")
    if submitted:
        run_scan(folder.strip(), pool=pool if as_pool else None)


def run_scan(folder: str, *, pool: str | None) -> None:
    if not folder:
        st.warning("Type the path of a folder first.")
        return
    path = Path(folder).expanduser()
    if not path.exists():
        st.error(f"There is no folder {path} on this computer.")
        return
    bar = st.progress(0.0, text="Looking for files…")

    def progress(done: int, total: int, message: str) -> None:
        bar.progress(done / total if total else 0.0, text=message)

    try:
        with Store() as store:
            summary = scan_library([path], store, pool=pool, progress=progress)
    except TraceError as error:
        st.error(str(error))
        return
    bar.empty()
    st.success(f"Scanned {path}. {summary}")
    if summary.problems:
        count = plural(len(summary.problems), "file")
        with st.expander(f"{count} skipped or read with warnings"):
            st.dataframe(
                [{"File": p, "Why": r} for p, r in summary.problems],
                hide_index=True,
                width="stretch",
            )

"""The re-analysis after an extractor change: started in the background, its progress shown.

When a new TRACE version computes some feature differently, its extractor version changes
and every file is analysed again (:mod:`trace.audio.reanalysis`). The dashboard starts
that job itself, at low priority, and shows how far it is on every page; the pages keep
showing the previous features until it is done.
"""

from __future__ import annotations

import subprocess

import streamlit as st

from trace import config
from trace.audio.reanalysis import Reanalysis, reanalysis
from trace.store import Store
from trace.ui.jobs import log_tail, start_job

LOG = "reanalysis.log"


@st.cache_resource
def _jobs() -> dict[str, subprocess.Popen]:
    """The re-analysis this server started, if any."""
    return {}


def _state() -> Reanalysis | None:
    with Store() as store:
        return reanalysis(store)


def _start() -> None:
    _jobs()["extract"] = start_job("extract", log=config.home() / LOG)


def reanalysis_banner() -> None:
    """If the library's features are from an older extractor, recompute them in the
    background (once per server) and show the progress until it is done."""
    if _state() is None:
        return
    job = _jobs().get("extract")
    if job is None:
        _start()
    elif job.poll() not in (None, 0):
        st.error(
            "**Recomputing the audio features stopped** "
            f"(exit code {job.returncode}); the pages show the previous features. The end "
            f"of its log (`{config.home() / LOG}`) says why:",
            icon=":material/error:",
        )
        st.code(log_tail(config.home() / LOG), language=None)
        if st.button("Recompute the audio features again", key="reanalysis-retry"):
            _start()
            st.rerun()
        return
    _progress()


@st.fragment(run_every=3)
def _progress() -> None:
    state = _state()
    if state is None:
        st.rerun()  # done: every page switches to the new features at once
        return
    st.progress(
        state.share,
        text=(
            f"Recomputing audio features with TRACE's improved estimates: "
            f"{state.done:,} of {state.total:,} tracks. Until it is done, the pages show "
            f"the features of the previous version ({state.previous})."
        ),
    )

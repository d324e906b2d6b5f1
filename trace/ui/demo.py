"""The demo in the dashboard: generated on a fresh start, and announced on every page."""

from __future__ import annotations

import subprocess
import threading

import streamlit as st

from trace import config, demo
from trace.store import Store
from trace.ui.jobs import log_tail, run_job, start_job

CANDIDATES_LOG = "demo-candidates.log"


@st.cache_resource
def _install_lock() -> threading.Lock:
    """One demo installation at a time, however many browser tabs start it."""
    return threading.Lock()


def ensure_demo() -> None:
    """On a fresh TRACE home, build the demo library with visible progress, then rerun."""
    with Store() as store:
        if not demo.needs_demo(store):
            return
    with _install_lock(), Store() as store:
        if not demo.needs_demo(store):  # another tab finished it while we waited
            return
        st.title("Welcome to TRACE")
        st.write(
            "Nothing is set up yet, so TRACE is composing a **demo library** to show you "
            "around: about 240 tracks in six styles and 18 months of listening history "
            "(120 candidate tracks follow in the background). It goes through the same "
            "steps as your own music will: scanning, then audio analysis. This takes "
            "about a minute, once."
        )
        with st.status("Building the demo library…", expanded=True) as status:
            result = run_job("demo", "--part", "library")
            if not result.ok:
                status.update(label="The demo could not be built", state="error")
                st.error(f"TRACE could not build the demo library:\n\n{result.error[-2000:]}")
                st.stop()
            status.update(label=" ".join(result.lines[:1]), state="complete")
        _start_candidates()
    st.rerun()


def _start_candidates() -> None:
    """The candidates are only needed for recommendations: built while people look."""
    _background_jobs()["candidates"] = start_job(
        "demo", "--part", "candidates", log=config.home() / CANDIDATES_LOG
    )


@st.cache_resource
def _background_jobs() -> dict[str, subprocess.Popen]:
    """The jobs this server started in the background, by name."""
    return {}


def candidates_pending() -> bool:
    """Whether the demo's candidates are still being composed by this server."""
    job = _background_jobs().get("candidates")
    return job is not None and job.poll() is None


def candidates_failed() -> bool:
    """Whether the demo's candidates job this server started has ended in failure."""
    job = _background_jobs().get("candidates")
    return job is not None and job.poll() not in (None, 0)


def candidates_failure() -> None:
    """Say that composing the demo's candidates failed, why (the end of its log), and how
    to try again: a button here, or the command line."""
    job = _background_jobs()["candidates"]
    log = config.home() / CANDIDATES_LOG
    how = f"exit code {job.returncode}" if job.returncode > 0 else f"signal {-job.returncode}"
    st.error(
        f"**Composing the demo's candidate tracks failed** ({how}), so Discover has nothing "
        f"to propose yet. The end of its log (`{log}`) says why:",
        icon=":material/error:",
    )
    st.code(log_tail(log), language=None)
    st.write(
        "Try again with the button below, or run `python -m trace demo --part candidates` "
        "in a terminal to watch it; if it fails again, please report the log."
    )
    if st.button("Compose the candidates again", key="demo-candidates-retry"):
        _start_candidates()
        st.rerun()


def demo_banner() -> None:
    """Say plainly that this is the demo, and how to switch to one's own music."""
    with Store() as store:
        active = demo.is_active(store)
    if active:
        st.info(
            "**You are exploring the TRACE demo library** — music TRACE composed itself. "
            "To use your own: open **Sources**, scan your music folder, then remove the "
            "demo there (or run `python -m trace scan ~/Music` and "
            "`python -m trace demo --remove`). **Sources** also connects Spotify and "
            "imports your streaming history.",
            icon=":material/science:",
        )

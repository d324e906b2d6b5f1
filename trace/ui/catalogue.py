"""The catalogue on the Sources page: the person's say, what is sent, and the previews and
discovery runs in the background with their progress.

A run is ``python -m trace --progress jsonl previews`` (or ``discover``) started by this
server at low priority; its JSON progress lines go to a log in the TRACE home, which a
fragment reads every two seconds. The pages stay usable meanwhile and show the new
features when it is done.
"""

from __future__ import annotations

import json
import subprocess

import streamlit as st

from trace import config
from trace.audio.windows import Windows, extractor_id
from trace.sources.catalogue.clips import preview_status
from trace.sources.catalogue.consent import SENT, enabled, set_enabled
from trace.sources.catalogue.discover import BUDGET, POOL
from trace.store import Store
from trace.ui.charts import plural
from trace.ui.jobs import log_tail, start_job

LOG = "catalogue.log"


@st.cache_resource
def _jobs() -> dict[str, subprocess.Popen]:
    """The catalogue run this server started, if any (one at a time)."""
    return {}


def _running() -> subprocess.Popen | None:
    job = _jobs().get("catalogue")
    return job if job is not None and job.poll() is None else None


def _start(*arguments: str) -> None:
    log = config.home() / LOG
    log.write_text("", encoding="utf-8")
    _jobs()["catalogue"] = start_job("--progress", "jsonl", *arguments, log=log)


def section(database: str) -> None:
    """The Catalogue part of the Sources page."""
    with Store(database) as store:
        on = enabled(store)
        status = preview_status(store, extractor_id(Windows()))
    st.write(
        "Tracks without a file — your Spotify library and history, listens from "
        "ListenBrainz or Last.fm, CSV imports — have no audio for TRACE to hear, so they "
        "stay off the map. Deezer and iTunes give a 30-second preview of most tracks to "
        "anyone: TRACE can analyse that clip like a file, and find new music through "
        f"Deezer's related artists (the pool *{POOL}*). Nothing is sent until you turn "
        f"this on; then TRACE sends {SENT}, and nothing else."
    )
    wanted = st.toggle("Use the catalogue (Deezer, iTunes)", value=on, key="catalogue-on")
    if wanted != on:
        with Store(database) as store:
            set_enabled(store, wanted)
        st.rerun()
    st.write(_status_text(status))
    if _running() is not None:
        _progress()
        return
    _last_run()
    if not on:
        st.caption("Turned off: nothing is sent. Features already computed stay.")
        return
    left, right = st.columns(2)
    if left.button(
        "Hear the tracks without a file",
        disabled=not (status.waiting or status.failed),
        help="Find each one's preview (by ISRC, then by artist and title), download and "
        "analyse it. A stopped run resumes where it stopped.",
    ):
        _start("previews")
        st.rerun()
    budget = right.number_input(
        "New candidates at most", min_value=5, max_value=500, value=BUDGET, step=5
    )
    if right.button(
        "Find new music around your interests",
        help="The related artists of your recent interests' artists on Deezer, and their "
        "top tracks you have never had: heard through their previews and ranked on "
        "Discover with every other candidate.",
    ):
        _start("discover", "--budget", str(int(budget)))
        st.rerun()


def _status_text(status) -> str:
    if not status.without_file:
        return "Every track has a file: the catalogue is only for finding new music."
    parts = [f"{plural(status.heard, 'track')} heard through a preview"]
    if status.waiting:
        parts.append(f"{status.waiting:,} not looked up yet")
    if status.not_found:
        parts.append(f"{status.not_found:,} not in the catalogue (asked again in 30 days)")
    if status.failed:
        parts.append(f"{status.failed:,} failed (asked again on the next run)")
    return f"Of {plural(status.without_file, 'track')} without a file: " + "; ".join(parts) + "."


@st.fragment(run_every=2)
def _progress() -> None:
    if _running() is None:
        st.rerun()  # done: the whole page (and every cached read) sees the new features
        return
    done, total, message = _last_progress()
    st.progress(min(1.0, done / total) if total else 0.0, text=message or "Starting…")


def _lines() -> list[str]:
    try:
        return (config.home() / LOG).read_text(encoding="utf-8", errors="replace").splitlines()
    except OSError:
        return []


def _last_progress() -> tuple[int, int, str]:
    for line in reversed(_lines()):
        try:
            update = json.loads(line)["progress"]
            return int(update["done"]), int(update["total"]), str(update["message"])
        except (ValueError, KeyError, TypeError):
            continue
    return 0, 0, ""


def _last_run() -> None:
    """What the last run this server started said, or why it stopped."""
    job = _jobs().get("catalogue")
    if job is None:
        return
    said = [line for line in _lines() if not line.startswith('{"progress"')]
    if job.returncode == 0:
        st.success("\n\n".join(said[-3:]) or "Done.", icon=":material/check:")
    elif job.returncode == 1:
        st.warning("\n\n".join(said[-3:]), icon=":material/warning:")
    else:
        st.error(f"The catalogue run stopped (exit code {job.returncode}):")
        st.code(log_tail(config.home() / LOG), language=None)

"""Cached reads of the store for the pages.

Every cached function is keyed by the database path and the store's fingerprint — small
strings — so a cache entry is reused until the library changes, and never hashes a
DataFrame.
"""

from __future__ import annotations

import json

import pandas as pd
import streamlit as st

from trace import config
from trace.analysis.results import DiskResults, StageCache
from trace.analysis.table import library_table
from trace.audio.reanalysis import shown_extractor
from trace.audio.windows import Windows, extractor_id
from trace.library.names import readable_names
from trace.sources import plays
from trace.store import Store


def library_key() -> tuple[str, str]:
    """``(database path, fingerprint)``: the cache key of everything read from the store."""
    path = config.database_path()
    with Store(path) as store:
        return str(path), store.fingerprint()


def _names(value: str) -> str:
    return "; ".join(json.loads(value)) if value else ""


@st.cache_data(show_spinner=False, max_entries=8)
def tracks(database: str, fingerprint: str, *, candidates: bool = False) -> pd.DataFrame:
    """Tracks with readable artist and genre columns."""
    with Store(database) as store:
        frame = store.tracks(candidates=candidates)
    frame["artist"] = frame["artists"].map(_names)
    frame["genre"] = frame["genres"].map(_names)
    frame = readable_names(frame)
    frame["added_at"] = pd.to_datetime(frame["added_at"], utc=True, errors="coerce")
    return frame


@st.cache_data(show_spinner=False, max_entries=8)
def scan_errors(database: str, fingerprint: str) -> pd.DataFrame:
    with Store(database) as store:
        return store.scan_errors()


@st.cache_data(show_spinner=False, max_entries=8)
def counts(database: str, fingerprint: str) -> dict[str, int]:
    with Store(database) as store:
        return store.counts()


@st.cache_data(show_spinner=False, max_entries=8)
def history_summary(database: str, fingerprint: str) -> pd.DataFrame:
    """Each imported history: plays, dates, tracks, and how many TRACE can hear."""
    with Store(database) as store:
        return plays.history_summary(store)


@st.cache_data(show_spinner=False, max_entries=8)
def folders(database: str, fingerprint: str) -> pd.DataFrame:
    with Store(database) as store:
        return store.folders()


@st.cache_resource(show_spinner=False)
def stages() -> StageCache:
    """The server's analysis results, shared by every session, over the results folder
    in the TRACE home (:mod:`trace.analysis.results`): a restart finds them there."""
    return StageCache(DiskResults.beside(config.database_path()))


def features(database: str, fingerprint: str, *, candidates: bool = False) -> pd.DataFrame:
    """The track × feature table of the default extractor (of the previous one while
    the library is being re-analysed after an extractor change). The library's is the
    analysis' ``table`` stage (read from the store once per library state, then from memory or
    disk); shared, not copied: pages only read it."""
    if candidates:
        return _candidate_features(database, fingerprint)
    with Store(database) as store:
        extractor = shown_extractor(store)
        key = (database, store.fingerprint(*Store.FEATURE_PARTS), extractor)

    def read() -> pd.DataFrame:
        with Store(database) as store:
            return library_table(store, extractor=extractor)

    return stages().get("table", key, read)


@st.cache_data(show_spinner=False, max_entries=4)
def _candidate_features(database: str, fingerprint: str) -> pd.DataFrame:
    with Store(database) as store:
        return library_table(store, extractor=shown_extractor(store), candidates=True)


@st.cache_data(show_spinner=False, max_entries=4)
def feature_errors(database: str, fingerprint: str) -> pd.DataFrame:
    with Store(database) as store:
        return store.frame(
            "SELECT display_path AS path, reason, detail, at FROM feature_errors "
            "WHERE extractor = ? ORDER BY display_path",
            (extractor_id(Windows()),),
        )


def weekly_run(database: str) -> dict:
    """The weekly job's latest stored run (``{}`` if it never ran); read fresh each time."""
    from trace.weekly import last_run

    with Store(database) as store:
        return last_run(store)

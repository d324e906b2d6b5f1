"""The built-in demo library: real audio files, tags, history and candidates.

This module is light (the dashboard imports it on every page); building the demo is in
:mod:`trace.demo.build`, which composes about 240 library tracks in six styles and 120
candidates into ``<TRACE home>/demo`` and sends them down the same path as anyone's
music: scan, feature extraction, plays in the store.
"""

from __future__ import annotations

import os
import shutil
from pathlib import Path

from trace import config
from trace.store import Store

SEED = 2026
POOL_NAME = "demo: new music"
ANCHOR_SETTING = "demo.anchor"
ACTIVE_SETTING = "demo.active"
REMOVED_SETTING = "demo.removed"


def demo_folder() -> Path:
    return config.home() / "demo"


def is_active(store: Store) -> bool:
    return store.get_setting(ACTIVE_SETTING) == "1"


def needs_demo(store: Store) -> bool:
    """True on a fresh home: nothing scanned, nothing imported, demo never removed, and
    ``TRACE_DEMO`` not ``off``."""
    if store.get_setting(REMOVED_SETTING) == "1" or not config.demo_allowed():
        return False
    counts = store.counts()
    return counts["library_tracks"] == 0 and counts["candidates"] == 0 and not len(store.folders())


def remove_demo(store: Store) -> None:
    """Take the demo out of the store and off the disk; it will not come back by itself."""
    prefix = os.fsencode(demo_folder()) + b"/"
    with store.batch():
        track_ids = [
            (row[0],)
            for row in store.execute("SELECT track_id, path FROM files")
            if bytes(row[1]).startswith(prefix) and row[0] is not None
        ]
        store.connection.executemany("DELETE FROM tracks WHERE id = ?", track_ids)
        paths = [
            (bytes(row[0]),)
            for row in store.execute("SELECT path FROM files")
            if bytes(row[0]).startswith(prefix)
        ]
        store.connection.executemany("DELETE FROM files WHERE path = ?", paths)
        store.connection.executemany("DELETE FROM scan_errors WHERE path = ?", paths)
        store.execute("DELETE FROM folders WHERE display_path LIKE ?", (str(demo_folder()) + "%",))
        store.set_setting(ACTIVE_SETTING, "0")
        store.set_setting(REMOVED_SETTING, "1")
    shutil.rmtree(demo_folder(), ignore_errors=True)

"""Where TRACE keeps its data, and the settings read from the environment."""

from __future__ import annotations

import logging
import os
from pathlib import Path

import platformdirs

APP_NAME = "TRACE"
DATABASE_NAME = "trace.sqlite3"


def home(*, create: bool = True) -> Path:
    """The TRACE home folder: ``$TRACE_HOME`` if set, else the platform's user data folder.

    On Linux that is ``~/.local/share/TRACE``, on macOS
    ``~/Library/Application Support/TRACE``, on Windows ``%LOCALAPPDATA%\\TRACE``.
    The folder is created on first use unless ``create`` is false.
    """
    override = os.environ.get("TRACE_HOME")
    folder = Path(override).expanduser() if override else platformdirs.user_data_path(APP_NAME)
    if create:
        folder.mkdir(parents=True, exist_ok=True)
    return folder


def prepare_process() -> None:
    """Settings for the numeric libraries, made before they are first imported (unless
    already set in the environment): OpenMP threads that sleep when idle
    (``OMP_WAIT_POLICY=PASSIVE``). After UMAP's parallel work they would otherwise spin
    on every core and slow down what follows — HDBSCAN at 10,000 tracks took 0.5 s
    instead of 0.22 s in the dashboard's server.

    numba's on-disk cache is left where numba puts it: next to the installed packages,
    or in the user's cache folder when those are read-only. (Pointing it into the TRACE
    home made every fresh home compile librosa again: 20 s more on a first run.)
    """
    os.environ.setdefault("OMP_WAIT_POLICY", "PASSIVE")


def library_logs(*, verbose: bool) -> None:
    """Whether the libraries TRACE talks to Spotify through may log.

    spotipy logs an error line ("HTTP Error for GET to https://…") for every 429 or 5xx,
    URL and all, and urllib3 a warning for every retry, beside TRACE's own message about
    the same event. TRACE's message is the one a person needs, so theirs are silenced
    unless ``--verbose`` asks for them — and even then spotipy stops at INFO: at DEBUG it
    logs request headers, the bearer token among them.
    """
    logging.getLogger("spotipy").setLevel(logging.INFO if verbose else logging.CRITICAL + 1)
    logging.getLogger("urllib3").setLevel(logging.WARNING if verbose else logging.ERROR)


def database_path() -> Path:
    """The SQLite database inside the home folder."""
    return home() / DATABASE_NAME


def demo_allowed() -> bool:
    """Whether a fresh TRACE home may build the demo by itself (``TRACE_DEMO=off`` stops it)."""
    return os.environ.get("TRACE_DEMO", "on").strip().lower() not in ("off", "0", "no", "false")

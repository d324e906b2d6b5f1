"""Heavy work for the dashboard, run as ``python -m trace …`` in a subprocess.

Composing the demo and extracting features use worker processes of their own; started
from inside the Streamlit server, Python's multiprocessing would re-run the dashboard
script in each worker. A subprocess keeps the server light and safe (a crash in a codec
cannot take the dashboard down) and reports progress as JSON lines, drawn here as a bar.
"""

from __future__ import annotations

import json
import subprocess
import sys
import threading
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

import streamlit as st

REPOSITORY = Path(__file__).resolve().parents[2]


@dataclass(frozen=True, slots=True)
class JobResult:
    ok: bool
    lines: list[str]
    """What the command printed for people (its summary), without the progress lines."""
    error: str


def run_job(*arguments: str) -> JobResult:
    """Run ``python -m trace --progress jsonl ARGUMENTS`` with a progress bar."""
    bar = st.progress(0.0, text="Starting…")
    result = run_with_progress(
        [sys.executable, "-m", "trace", "--progress", "jsonl", *arguments],
        lambda fraction, message: bar.progress(fraction, text=message),
    )
    bar.empty()
    return result


def run_with_progress(command: list[str], on_progress: Callable[[float, str], None]) -> JobResult:
    """Run ``command``, passing its JSON progress lines to ``on_progress`` as they come.

    Standard error is read by a thread of its own while standard output is read here:
    read one after the other, a job that fills the other pipe's buffer (64 KiB on Linux)
    would wait for a reader forever, and the dashboard with it.
    """
    process = subprocess.Popen(
        command, cwd=REPOSITORY, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True
    )
    assert process.stdout is not None and process.stderr is not None
    errors: list[str] = []
    reader = threading.Thread(target=lambda: errors.append(process.stderr.read()), daemon=True)
    reader.start()
    lines: list[str] = []
    for line in process.stdout:
        try:
            update = json.loads(line)["progress"]
        except (ValueError, KeyError, TypeError):
            lines.append(line.rstrip("\n"))
            continue
        total = update["total"]
        on_progress(min(1.0, update["done"] / total) if total else 0.0, update["message"])
    process.wait()
    reader.join()
    return JobResult(process.returncode == 0, lines, "".join(errors).strip())


def start_job(*arguments: str, log: Path) -> subprocess.Popen:
    """Start ``python -m trace ARGUMENTS`` in the background at low CPU priority (the
    pages a person is looking at come first), its output going to ``log``."""
    with log.open("ab") as output:
        return subprocess.Popen(
            [sys.executable, "-m", "trace", "--background", *arguments],
            cwd=REPOSITORY,
            stdout=output,
            stderr=subprocess.STDOUT,
            start_new_session=True,  # it finishes its work even if the dashboard stops
        )


def log_tail(log: Path, lines: int = 20) -> str:
    """The last ``lines`` lines of a background job's log, or why it cannot be read."""
    try:
        text = log.read_text(encoding="utf-8", errors="replace")
    except OSError as error:
        return f"(the log cannot be read: {error.strerror})"
    return "\n".join(text.strip().splitlines()[-lines:]) or "(the log is empty)"

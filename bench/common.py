"""Helpers for the benchmarks: where they run, and a line for docs/PERFORMANCE.md."""

from __future__ import annotations

import os
import platform
import sys
from datetime import date
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path[:0] = [str(ROOT), str(ROOT / "tests")]  # this package, and the tests' helpers


def machine() -> str:
    """``"2 cores, 24 GiB, Linux x86_64, Python 3.11.7, 2026-11-22"``."""
    memory = os.sysconf("SC_PAGE_SIZE") * os.sysconf("SC_PHYS_PAGES") / 2**30
    return (
        f"{os.cpu_count()} cores, {memory:.0f} GiB, {platform.system()} {platform.machine()}, "
        f"Python {platform.python_version()}, {date.today().isoformat()}"
    )

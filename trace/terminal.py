"""What the command line shows while it works: a progress bar in a terminal, JSON lines
for a program that runs TRACE as a subprocess, and lists of what was skipped and why."""

from __future__ import annotations

import argparse
import json
import sys
from collections.abc import Callable

from tqdm import tqdm

from trace.library.scan import Progress


class TerminalProgress:
    """A progress bar on stderr that takes TRACE's ``progress(done, total, message)``."""

    def __init__(self, unit: str) -> None:
        self.bar = tqdm(
            total=0,
            unit=unit,
            file=sys.stderr,
            dynamic_ncols=True,
            leave=False,
            disable=not sys.stderr.isatty(),  # no bar spam in logs and CI
        )

    def __call__(self, done: int, total: int, message: str) -> None:
        if total and self.bar.total != total:
            self.bar.reset(total=total)
        self.bar.set_description_str(message[:60], refresh=False)
        self.bar.n = done
        self.bar.refresh()

    def close(self) -> None:
        self.bar.close()


class JsonProgress:
    """Progress as JSON lines on stdout, for a program that runs TRACE as a subprocess
    (the dashboard does, to keep heavy work and its worker processes out of its server)."""

    def __init__(self, unit: str) -> None:
        self.unit = unit

    def __call__(self, done: int, total: int, message: str) -> None:
        line = {"progress": {"done": done, "total": total, "message": message}}
        print(json.dumps(line), flush=True)

    def close(self) -> None:
        pass


def with_progress(
    args: argparse.Namespace, unit: str, work: Callable[[Progress], object]
) -> object:
    bar = JsonProgress(unit) if args.progress == "jsonl" else TerminalProgress(unit)
    try:
        return work(bar)
    finally:
        bar.close()


def print_problems(problems: list[tuple[object, str]], limit: int, where: str) -> None:
    for place, reason in problems[:limit]:
        print(f"  {place}: {reason}")
    if len(problems) > limit:
        print(f"  … and {len(problems) - limit} more ({where})")

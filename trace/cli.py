"""The command line: ``python -m trace COMMAND``.

Each command is a thin shell over a core function: it parses arguments, shows progress
in the terminal and prints a summary. A :class:`~trace.errors.TraceError` becomes a
message and exit status 2; anything else is a bug and shows its traceback.
"""

from __future__ import annotations

import argparse
import sys
from collections.abc import Callable, Sequence

from tqdm import tqdm

from trace import config
from trace.errors import TraceError
from trace.scan import Progress, scan_library
from trace.store import Store


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


def _with_progress(unit: str, work: Callable[[Progress], object]) -> object:
    bar = TerminalProgress(unit)
    try:
        return work(bar)
    finally:
        bar.close()


def cmd_scan(args: argparse.Namespace) -> int:
    with Store() as store:
        summary = _with_progress(
            "file", lambda bar: scan_library(args.paths, store, pool=args.pool, progress=bar)
        )
    for path, reason in summary.problems[: args.show_problems]:
        print(f"  {path}: {reason}")
    hidden = len(summary.problems) - args.show_problems
    if hidden > 0:
        print(f"  … and {hidden} more (the dashboard's Library page lists them all)")
    target = f"candidate pool {args.pool!r}" if args.pool else "your library"
    print(f"Scanned into {target}. {summary}")
    if summary.errors > len(summary.problems):
        print("  Files that were already unreadable and have not changed are not listed again.")
    return 0


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="python -m trace",
        description="TRACE: map your music taste and find new music that fits it.",
        epilog=f"Data lives in the TRACE home folder (TRACE_HOME overrides): {config.home()}",
    )
    commands = parser.add_subparsers(dest="command", required=True, metavar="COMMAND")

    scan = commands.add_parser("scan", help="scan music folders into the library")
    scan.add_argument("paths", nargs="+", metavar="PATH", help="folders or files to scan")
    scan.add_argument(
        "--pool", metavar="NAME", help="scan as a candidate pool named NAME, not as your music"
    )
    scan.add_argument(
        "--show-problems", type=int, default=20, metavar="N", help="list at most N problems"
    )
    scan.set_defaults(run=cmd_scan)
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    try:
        return int(args.run(args))
    except TraceError as error:
        print(f"trace: {error}", file=sys.stderr)
        return 2
    except KeyboardInterrupt:
        print("trace: interrupted; everything committed so far is kept.", file=sys.stderr)
        return 130

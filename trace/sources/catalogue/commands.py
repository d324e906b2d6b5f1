"""``python -m trace previews`` and ``python -m trace discover``.

Running either from the terminal is the person's say-so for that run: it sends to the
catalogue what :data:`~trace.sources.catalogue.consent.SENT` names, whether or not the
catalogue is turned on for the dashboard and the weekly job.
"""

from __future__ import annotations

import argparse
import sys
from collections.abc import Callable

from trace.library.text import plural
from trace.sources.catalogue.consent import SENT
from trace.sources.catalogue.discover import (
    BUDGET,
    PER_ARTIST,
    discover_candidates,
    usual_artists,
)
from trace.sources.catalogue.previews import hear_previews
from trace.sources.catalogue.services import Deezer, ITunes
from trace.store import Store
from trace.terminal import print_problems, with_progress


def _say(message: str) -> None:
    print(message, file=sys.stderr, flush=True)


def cmd_previews(args: argparse.Namespace) -> int:
    _say(f"Asking Deezer and iTunes for previews; TRACE sends {SENT}.")
    with Store() as store:
        summary = with_progress(
            args,
            "track",
            lambda bar: hear_previews(
                store,
                deezer=Deezer(notify=_say),
                itunes=None if args.no_itunes else ITunes(notify=_say),
                workers=args.workers,
                progress=bar,
                notify=_say,
            ),
        )
    print_problems(summary.problems, args.show_problems, "run it again to retry the failed")
    print(summary)
    return 1 if summary.stopped else 0


def cmd_discover(args: argparse.Namespace) -> int:
    with Store() as store:
        artists = args.artists or args.interest_artists(store)
        around = "your recent interests"
        if not artists:
            artists, around = usual_artists(store), "your most played artists"
        elif args.artists:
            around = "the artists given"
        _say(
            f"Looking for new music around {around} ({', '.join(artists[:6])}"
            f"{'…' if len(artists) > 6 else ''}) on Deezer; TRACE sends {SENT}."
        )
        summary = with_progress(
            args,
            "track",
            lambda bar: discover_candidates(
                store,
                artists,
                deezer=Deezer(notify=_say),
                budget=args.budget,
                per_artist=args.per_artist,
                progress=bar,
                notify=_say,
                workers=args.workers,
            ),
        )
    print(summary)
    if summary.added:
        print(
            f"{plural(summary.added, 'candidate')} will be ranked with the rest: "
            "`python -m trace analyse`, or Discover in the dashboard."
        )
    return 1 if summary.stopped else 0


def add_parser(
    commands: argparse._SubParsersAction, interest_artists: Callable[[Store], list[str]]
) -> None:
    """The two commands; ``interest_artists`` names the artists of the store's recent
    interests (the analysis is the caller's: this stage does not import it)."""
    previews = commands.add_parser(
        "previews",
        help="hear tracks without a file through a catalogue's 30 s preview (Deezer, iTunes)",
    )
    previews.add_argument("--no-itunes", action="store_true", help="ask Deezer only")
    previews.set_defaults(run=cmd_previews)
    discover = commands.add_parser(
        "discover",
        help="new candidates: related artists of your interests on Deezer, their top tracks",
    )
    discover.add_argument(
        "artists", nargs="*", metavar="ARTIST", help="start from these (default: your interests)"
    )
    discover.add_argument(
        "--budget",
        type=int,
        default=BUDGET,
        metavar="N",
        help="at most N new candidates (previews) this run (default %(default)s)",
    )
    discover.add_argument(
        "--per-artist",
        type=int,
        default=PER_ARTIST,
        metavar="N",
        help="at most N tracks of one artist (default %(default)s)",
    )
    discover.set_defaults(run=cmd_discover, interest_artists=interest_artists)
    for sub in (previews, discover):
        sub.add_argument("--workers", type=int, metavar="N", help="worker processes (all cores)")
        sub.add_argument(
            "--show-problems", type=int, default=20, metavar="N", help="list at most N problems"
        )

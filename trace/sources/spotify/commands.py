"""``python -m trace spotify connect | sync | status | push | search | disconnect``."""

from __future__ import annotations

import argparse
import json
import sys
from collections.abc import Callable

from trace.sources.spotify import connect, push, search, sync
from trace.sources.spotify.client import Client
from trace.store import Store


def _say(message: str) -> None:
    print(message, file=sys.stderr, flush=True)


def cmd_connect(args: argparse.Namespace) -> int:
    settings = connect.load_config()
    url = connect.authorize_url(settings)
    print("Open this address in a browser, allow TRACE, and paste the address Spotify sends")
    print("you back to (it starts with " + settings.redirect_uri + "; the page may not load):\n")
    print(url + "\n")
    answer = args.redirected or input("Address: ").strip()
    connect.finish_connect(settings, answer)
    with Store() as store:
        sync.forget_connection(store)
    print("Connected. Run `python -m trace spotify sync` to bring your Spotify music in.")
    return 0


def cmd_disconnect(args: argparse.Namespace) -> int:
    settings = connect.load_config()
    had = connect.disconnect(settings)
    with Store() as store:
        sync.forget_connection(store)
    print("Disconnected; the token is deleted." if had else "Spotify was not connected.")
    return 0


def status_lines(store: Store) -> list[str]:
    """Where Spotify stands, in words, for ``status`` and the dashboard."""
    settings = connect.load_config()
    if not settings.configured:
        return ["Spotify is not set up (no client id; see the README, 'Spotify setup')."]
    try:
        if not connect.connected(settings):
            return ["Spotify is set up but not connected."]
    except connect.TokenFileError as error:
        return [f"Spotify is set up, but its token cannot be used: {error}"]
    user = json.loads(store.get_setting("spotify.user", "{}") or "{}")
    lines = [f"Spotify: connected as {user.get('name') or 'you (not synced yet)'}."]
    last = json.loads(store.get_setting("spotify.last_sync", "{}") or "{}")
    if last:
        lines.append(f"Last sync {last['at'].replace('T', ' ')[:16]} UTC:")
        lines += [f"  {line}" for line in last["lines"]]
    else:
        lines.append("Not synced yet.")
    return lines


def cmd_status(args: argparse.Namespace) -> int:
    with Store() as store:
        print("\n".join(status_lines(store)))
    return 0


def cmd_sync(args: argparse.Namespace) -> int:
    with Store() as store:
        client = Client.connect(connect.load_config(), notify=_say)
        summary = sync.sync(store, client, notify=_say)
    print("\n".join(summary.lines()))
    return 1 if summary.problems else 0


def cmd_push(args: argparse.Namespace) -> int:
    with Store() as store:
        client = Client.connect(connect.load_config(), notify=_say)
        summary = push.push_approved(store, client, name=args.name)
    print(summary)
    return 1 if summary.stopped else 0


def cmd_search(args: argparse.Namespace) -> int:
    with Store() as store:
        client = Client.connect(connect.load_config(), notify=_say)
        artists = args.artists
        if not artists:
            _say("Finding your recent interests…")
            artists = args.interest_artists(store)
            if not artists:
                print("No recent interest stands out yet: name the artists to search around.")
                return 0
            _say(f"Searching around your recent interests: {', '.join(artists)}")
        counts = search.search_around(store, client, artists, notify=_say)
    print(
        f"{counts['queries']} searches asked, {counts['cached']} answered from earlier; "
        f"{counts['found']} tracks found: {counts['already_yours']} already yours, "
        f"{counts['new']} new candidates."
    )
    return 0


def add_parser(
    commands: argparse._SubParsersAction, interest_artists: Callable[[Store], list[str]]
) -> None:
    """``python -m trace spotify …``; ``interest_artists`` names the artists of the store's
    recent interests (the analysis is the caller's: this stage does not import it)."""
    spotify = commands.add_parser("spotify", help="connect to Spotify, sync, write the playlist")
    actions = spotify.add_subparsers(dest="action", required=True, metavar="ACTION")
    connecting = actions.add_parser("connect", help="let TRACE read your Spotify library")
    connecting.add_argument("--redirected", metavar="URL", help="the address Spotify sent back")
    connecting.set_defaults(run=cmd_connect)
    actions.add_parser("disconnect", help="delete the token").set_defaults(run=cmd_disconnect)
    actions.add_parser("status", help="connection and last sync").set_defaults(run=cmd_status)
    actions.add_parser(
        "sync", help="saved tracks, recently played, top tracks, playlists"
    ).set_defaults(run=cmd_sync)
    pushing = actions.add_parser("push", help="add the approved tracks to a Spotify playlist")
    pushing.add_argument("--name", default=push.DEFAULT_NAME, help="the playlist's name")
    pushing.set_defaults(run=cmd_push)
    searching = actions.add_parser(
        "search",
        help="candidates: search for tracks by artists (by default, the top artists of "
        "your recent-interest clusters)",
    )
    searching.add_argument("artists", nargs="*", metavar="ARTIST")
    searching.set_defaults(run=cmd_search, interest_artists=interest_artists)

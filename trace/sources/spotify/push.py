"""Writing the approved candidates to a Spotify playlist, idempotently and resumably.

The playlist (default "TRACE Discover") is created once with ``POST /me/playlists`` and
its id kept in the store. Each run reads what the playlist already holds and adds only
the approved tracks missing from it, in batches of at most 100 (``/playlists/{id}/items``),
so running it twice adds nothing twice and a run that fails midway is finished by the
next. Approved tracks with no Spotify URI (local files Spotify did not match) are
counted and left to the M3U8 playlist.
"""

from __future__ import annotations

from dataclasses import dataclass

from trace.sources.spotify.client import ApiError, Client
from trace.sources.spotify.connect import SpotifyError
from trace.store import Store

DEFAULT_NAME = "TRACE Discover"
BATCH = 100
DESCRIPTION = "Tracks approved in TRACE (TRack Analysis for Customized Exploration)."


@dataclass
class PushSummary:
    playlist_id: str = ""
    name: str = DEFAULT_NAME
    approved: int = 0
    added: int = 0
    already: int = 0
    not_on_spotify: int = 0
    created: bool = False
    stopped: str = ""

    def __str__(self) -> str:
        text = (
            f"{self.name}: {self.added:,} added, {self.already:,} already there"
            f"{' (playlist created)' if self.created else ''}; "
            f"{self.not_on_spotify:,} approved tracks are not on Spotify (use the M3U8 file)."
        )
        if self.stopped:
            text += (
                f" Stopped: {self.stopped} Run it again to add the rest; nothing is added twice."
            )
        return text


def approved_uris(store: Store, order: list[int] | None = None) -> tuple[list[str], int]:
    """Spotify URIs of the approved tracks — in ``order`` (track ids) where given, else
    oldest decision first; and how many approved tracks have none."""
    rows = store.execute(
        "SELECT t.id, t.spotify_uri FROM decisions d JOIN tracks t ON t.id = d.track_id "
        "WHERE d.decision = 'approved' ORDER BY d.decided_at, t.id"
    ).fetchall()
    if order:
        place = {track_id: i for i, track_id in enumerate(order)}
        rows = sorted(rows, key=lambda row: place.get(row[0], len(place)))
    uris = [row[1] for row in rows if row[1]]
    return list(dict.fromkeys(uris)), len(rows) - len(uris)


def _setting(name: str) -> str:
    return f"spotify.playlist:{name}"


def _playlist(store: Store, client: Client, name: str, summary: PushSummary) -> set[str]:
    """The playlist's id (creating it if needed) and the URIs it holds."""
    playlist_id = store.get_setting(_setting(name))
    if playlist_id:
        try:
            items = client.pages(
                f"reading the playlist {name!r}",
                "playlist_items",
                playlist_id,
                additional_types=("track",),
            )
            summary.playlist_id = playlist_id
            return {
                (entry.get("item") or entry.get("track") or {}).get("uri") for entry in items
            } - {None}
        except ApiError as error:
            if error.status != 404:
                raise
            # deleted on Spotify's side: make it again
    created = client.call(
        f"creating the playlist {name!r}",
        "current_user_playlist_create",
        name,
        public=False,
        description=DESCRIPTION,
    )
    store.set_setting(_setting(name), created["id"])
    summary.playlist_id, summary.created = created["id"], True
    return set()


def push_approved(
    store: Store, client: Client, *, name: str = DEFAULT_NAME, order: list[int] | None = None
) -> PushSummary:
    """Add the approved tracks to the playlist ``name``; see the module docstring.
    ``order`` (track ids) puts the tracks new to the playlist in that order."""
    summary = PushSummary(name=name)
    uris, summary.not_on_spotify = approved_uris(store, order)
    summary.approved = len(uris) + summary.not_on_spotify
    if not uris:
        return summary
    try:
        present = _playlist(store, client, name, summary)
        missing = [uri for uri in uris if uri not in present]
        summary.already = len(uris) - len(missing)
        for start in range(0, len(missing), BATCH):
            batch = missing[start : start + BATCH]
            client.call(
                f"adding {len(batch)} tracks to {name!r}",
                "playlist_add_items",
                summary.playlist_id,
                batch,
            )
            summary.added += len(batch)
    except SpotifyError as error:
        summary.stopped = str(error)
    return summary

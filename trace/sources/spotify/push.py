"""Writing the approved candidates to a Spotify playlist, idempotently and resumably.

The playlist (default "TRACE Discover") is created once with ``POST /me/playlists`` and
its id kept in the store. Each run reads what the playlist already holds and adds only
the approved tracks missing from it, in batches of at most 100 (``/playlists/{id}/items``),
so running it twice adds nothing twice and a run that fails midway is finished by the
next. An approved track without a file and without a Spotify URI (a catalogue candidate)
is first looked for on Spotify by an exact search — ``isrc:`` first, then artist and
title under the rules that match tracks to files — and the ones Spotify does not have
are named. Approved local files with no Spotify URI are counted and left to the M3U8
playlist.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field

from trace.sources.matching import same_recording
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
    found_by_search: int = 0
    missing_names: list[str] = field(default_factory=list)  # searched for, not on Spotify
    created: bool = False
    stopped: str = ""

    def __str__(self) -> str:
        text = (
            f"{self.name}: {self.added:,} added, {self.already:,} already there"
            f"{' (playlist created)' if self.created else ''}; "
            f"{self.not_on_spotify:,} approved tracks are not on Spotify (use the M3U8 file)."
        )
        if self.found_by_search:
            text += f" {self.found_by_search:,} catalogue tracks were found on Spotify by search."
        if self.missing_names:
            shown = "; ".join(self.missing_names[:10])
            more = (
                f" and {len(self.missing_names) - 10} more" if len(self.missing_names) > 10 else ""
            )
            text += f" Spotify does not have: {shown}{more}."
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
    try:
        _find_on_spotify(store, client, summary)
    except SpotifyError as error:
        summary.stopped = str(error)
        return summary
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


def _find_on_spotify(store: Store, client: Client, summary: PushSummary) -> None:
    """Give the approved tracks without a file or a URI (catalogue candidates) the URI of
    the same recording on Spotify, found by ISRC, then by artist and title."""
    rows = store.execute(
        """SELECT t.id, t.title, t.artists, t.isrc, t.duration FROM decisions d
           JOIN tracks t ON t.id = d.track_id
           WHERE d.decision = 'approved' AND t.spotify_uri IS NULL
             AND NOT EXISTS (SELECT 1 FROM files f WHERE f.track_id = t.id AND f.status = 'ok')"""
    ).fetchall()
    for track_id, title, artists, isrc, duration in rows:
        artist = (json.loads(artists or "[]") or [""])[0]
        uri = _exact_search(client, artist, title, isrc, duration)
        if uri is None:
            summary.missing_names.append(f"{artist} – {title}")
            continue
        summary.found_by_search += 1
        store.execute(
            "UPDATE tracks SET spotify_uri = ? WHERE id = ? "
            "AND NOT EXISTS (SELECT 1 FROM tracks WHERE spotify_uri = ?)",
            (uri, track_id, uri),
        )


def _exact_search(
    client: Client, artist: str, title: str, isrc: str | None, duration: float | None
) -> str | None:
    queries = [f"isrc:{isrc}"] if isrc else []
    if artist and title:
        queries.append(f'artist:"{artist}" track:"{title}"')
    for query in queries:
        found = client.call(
            f"searching Spotify for {artist} – {title}", "search", q=query, type="track"
        )
        for item in (found or {}).get("tracks", {}).get("items") or []:
            names = [a.get("name") for a in item.get("artists") or []]
            length = (item.get("duration_ms") or 0) / 1000 or None
            same_isrc = isrc and (item.get("external_ids") or {}).get("isrc", "").upper() == isrc
            if (same_isrc and query.startswith("isrc:")) or same_recording(
                artist, title, duration, names[0] if names else "", item.get("name"), length
            ):
                return item.get("uri")
    return None

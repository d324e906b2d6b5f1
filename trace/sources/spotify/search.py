"""Candidates from Spotify's search: tracks by the artists a recent interest is made of."""

from __future__ import annotations

import json
from collections.abc import Iterable
from datetime import UTC, datetime

from trace.sources.spotify.client import Client
from trace.sources.spotify.sync import Notify, SyncSummary, identity_of, parse_time, store_track
from trace.store import Store, now

SEARCH_POOL = "Spotify search"


def search_around(
    store: Store,
    client: Client,
    artists: Iterable[str],
    *,
    max_age_days: float = 30,
    notify: Notify | None = None,
) -> dict[str, int]:
    """Search Spotify for tracks by each of ``artists`` (10 results per query at most, the
    limit Spotify allows new apps), as candidates in the pool "Spotify search". A query
    asked within ``max_age_days`` is answered from the store instead."""
    say = notify or (lambda message: None)
    counts = {"queries": 0, "cached": 0, "found": 0, "new": 0}
    summary = SyncSummary()
    for artist in dict.fromkeys(a for a in artists if a):
        query = f'artist:"{artist}"'
        cached = store.execute(
            "SELECT uris, searched_at FROM spotify_searches WHERE query = ?", (query,)
        ).fetchone()
        if cached and _age_days(cached["searched_at"]) < max_age_days:
            counts["cached"] += 1
            counts["found"] += len(json.loads(cached["uris"]))
            continue
        say(f"Spotify: searching for tracks by {artist}…")
        answer = client.call(f"searching for {artist}", "search", q=query, limit=10, type="track")
        tracks = ((answer or {}).get("tracks") or {}).get("items") or []
        with store.batch():
            uris = []
            for track in tracks[:10]:
                track_id = store_track(store, track, summary, pool=SEARCH_POOL)
                if track_id is not None:
                    uris.append(identity_of(track).uri)
            store.execute(
                "INSERT OR REPLACE INTO spotify_searches (query, uris, searched_at) "
                "VALUES (?, ?, ?)",
                (query, json.dumps(uris), now()),
            )
        counts["queries"] += 1
        counts["found"] += len(uris)
    counts["new"] = summary.new_tracks
    return counts


def _age_days(stamp: str) -> float:
    return (datetime.now(UTC) - parse_time(stamp)).total_seconds() / 86400

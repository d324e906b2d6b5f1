"""Candidates from Spotify's search: tracks by the artists a recent interest is made of."""

from __future__ import annotations

import json
from collections.abc import Iterable
from datetime import UTC, datetime

from trace.sources import matching
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
    asked within ``max_age_days`` is answered from the store instead.

    Results are matched to local files on arrival (:mod:`trace.sources.matching`): a
    result that is a file the person has, or a track already theirs on Spotify, is
    counted ``already_yours`` and is no candidate; ``new`` counts new candidates."""
    say = notify or (lambda message: None)
    counts = {"queries": 0, "cached": 0, "found": 0, "already_yours": 0, "new": 0}
    found: list[str] = []  # Spotify URIs the searches asked now brought
    created: set[str] = set()  # … of them, new to TRACE
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
        answer = client.call(f"searching for {artist}", "search", q=query, type="track")
        tracks = ((answer or {}).get("tracks") or {}).get("items") or []
        uris = _store_results(store, query, tracks[:10], created)
        counts["queries"] += 1
        counts["found"] += len(uris)
        found += uris
    if found:
        matching.match_spotify_to_local(store)
        counts["already_yours"], counts["new"] = _yours_and_new(store, found, created)
    return counts


def _store_results(store: Store, query: str, tracks: list[dict], created: set[str]) -> list[str]:
    """Store one query's results as candidates and remember the query; their URIs."""
    summary = SyncSummary()
    uris = []
    with store.batch():
        for track in tracks:
            known = summary.new_tracks
            if store_track(store, track, summary, pool=SEARCH_POOL) is None:
                continue
            uris.append(identity_of(track).uri)
            if summary.new_tracks > known:
                created.add(uris[-1])
        store.execute(
            "INSERT OR REPLACE INTO spotify_searches (query, uris, searched_at) VALUES (?, ?, ?)",
            (query, json.dumps(uris), now()),
        )
    return uris


def _yours_and_new(store: Store, uris: list[str], created: set[str]) -> tuple[int, int]:
    """Of the tracks the searches brought: how many are the person's (a file of theirs,
    or their own on Spotify), and how many new to TRACE are candidates now."""
    rows = store.execute(
        f"SELECT spotify_uri, pool FROM tracks WHERE spotify_uri IN ({','.join('?' * len(uris))})",
        uris,
    ).fetchall()
    yours = sum(1 for _, pool in rows if pool is None)
    new = sum(1 for uri, pool in rows if pool == SEARCH_POOL and uri in created)
    return yours, new


def _age_days(stamp: str) -> float:
    return (datetime.now(UTC) - parse_time(stamp)).total_seconds() / 86400

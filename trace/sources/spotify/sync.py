"""Syncing what Spotify knows about the person into the store.

One :func:`sync` reads, in order, each step committed as it goes so an error keeps what
came before:

1. **saved tracks** with ``added_at`` — every page, newest first, stopping at the first
   one already stored by a completed sync (incremental);
2. **recently played** (Spotify keeps the last 50) — only those after the last one
   stored, as plays;
3. **top tracks** for the short, medium and long term;
4. the person's **playlists**; the items of those they own or collaborate on
   (``/playlists/{id}/items``), read again only when the playlist's ``snapshot_id``
   changed. A playlist chosen as a *candidate pool* gives candidates; the others count
   as the person's own music;
5. **Spotify's audio features**, tried once per connection: new apps get 403, and the
   source is then marked unavailable with the reason.

Then Spotify tracks are matched to local files (:mod:`trace.sources.matching`). Spotify tracks
are tracks without audio; they join the clustering only with imported or Spotify
features.
"""

from __future__ import annotations

import json
import warnings
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime

from trace.library.identity import Identity, track_for
from trace.sources import matching
from trace.sources.history import add_play
from trace.sources.spotify.client import ApiError, Client, RateLimitError
from trace.sources.spotify.connect import SpotifyError
from trace.sources.spotify.pools import POOL_PREFIX, assign_pools
from trace.store import Store, now

TERMS = ("short_term", "medium_term", "long_term")
AUDIO_FEATURES = "spotify.audio_features"
SPOTIFY_FEATURES = (
    "danceability",
    "energy",
    "key",
    "loudness",
    "mode",
    "speechiness",
    "acousticness",
    "instrumentalness",
    "liveness",
    "valence",
    "tempo",
    "duration_ms",
    "time_signature",
)
FLUSH_EVERY = 50

Notify = Callable[[str], None]


@dataclass
class SyncSummary:
    """What one sync brought in, and what stopped it."""

    user: str = ""
    saved: int = 0
    plays: int = 0
    top: int = 0
    playlists: int = 0
    playlists_read: int = 0
    playlist_items: int = 0
    new_tracks: int = 0
    audio_features: str = ""
    problems: list[str] = field(default_factory=list)
    match: matching.MatchReport | None = None

    def lines(self) -> list[str]:
        lines = [
            f"{self.saved:,} saved tracks new, {self.plays:,} plays from recently played, "
            f"{self.top:,} top tracks",
            f"{self.playlists:,} playlists ({self.playlists_read:,} read again, "
            f"{self.playlist_items:,} items)",
            f"{self.new_tracks:,} tracks new to TRACE",
        ]
        if self.audio_features:
            lines.append(f"Spotify's audio features: {self.audio_features}")
        if self.match is not None:
            lines.append(str(self.match))
        return lines + [f"Problem: {p}" for p in self.problems]


def identity_of(track: dict | None) -> Identity | None:
    """A Spotify track object as an :class:`Identity`; ``None`` for episodes and local files."""
    if not track or track.get("type", "track") != "track" or track.get("is_local"):
        return None
    uri = track.get("uri") or (f"spotify:track:{track['id']}" if track.get("id") else None)
    if not uri or not track.get("name"):
        return None
    album = track.get("album") or {}
    date = album.get("release_date")
    return Identity(
        title=track["name"],
        artists=[a["name"] for a in track.get("artists") or [] if a.get("name")],
        uri=uri,
        isrc=(track.get("external_ids") or {}).get("isrc"),
        album=album.get("name"),
        duration=(track.get("duration_ms") or 0) / 1000 or None,
        date=date,
    )


def store_track(
    store: Store,
    track: dict | None,
    summary: SyncSummary,
    *,
    pool: str | None = None,
    added_at: str | None = None,
) -> int | None:
    identity = identity_of(track)
    if identity is None:
        return None
    track_id, created = track_for(store, identity, pool, added_at=added_at, files=False)
    summary.new_tracks += created
    return track_id


def parse_time(value: str) -> datetime:
    return datetime.fromisoformat(value.replace("Z", "+00:00")).astimezone(UTC)


def _stamp(value: str) -> str:
    return parse_time(value).isoformat(timespec="seconds")


def sync(store: Store, client: Client, *, notify: Notify | None = None) -> SyncSummary:
    """Sync everything; see the module docstring. Never raises for Spotify's errors:
    they end up in ``problems`` (a rate limit stops the remaining steps)."""
    say = notify or (lambda message: None)
    summary = SyncSummary()
    steps: list[tuple[str, Callable[[Store, Client, SyncSummary], None]]] = [
        ("your profile", _profile),
        ("saved tracks", _saved),
        ("recently played", _recent),
        ("top tracks", _top),
        ("playlists", _playlists),
        ("audio features", _audio_features),
    ]
    for name, step in steps:
        say(f"Spotify: reading {name}…")
        try:
            step(store, client, summary)
        except RateLimitError as error:
            summary.problems.append(str(error))
            break
        except SpotifyError as error:
            summary.problems.append(str(error))
            if name == "your profile":
                break
    assign_pools(store)
    summary.match = matching.match_spotify_to_local(store)
    store.set_setting("spotify.last_sync", json.dumps({"at": now(), "lines": summary.lines()}))
    return summary


def _profile(store: Store, client: Client, summary: SyncSummary) -> None:
    me = client.call("reading your profile", "me")
    summary.user = me.get("display_name") or me.get("id") or ""
    store.set_setting("spotify.user", json.dumps({"id": me.get("id"), "name": summary.user}))


def _user_id(store: Store) -> str | None:
    return json.loads(store.get_setting("spotify.user", "{}") or "{}").get("id")


def _saved(store: Store, client: Client, summary: SyncSummary) -> None:
    until = store.get_setting("spotify.saved_until")
    newest = until
    pending: list[dict] = []

    def flush() -> None:
        with store.batch():
            for item in pending:
                added = _stamp(item["added_at"])
                track_id = store_track(store, item.get("track"), summary, added_at=added)
                if track_id is None:
                    continue
                cursor = store.execute(
                    "INSERT OR IGNORE INTO spotify_saved (track_id, added_at) VALUES (?, ?)",
                    (track_id, added),
                )
                summary.saved += cursor.rowcount
                store.execute(
                    "UPDATE tracks SET added_at = min(added_at, ?) WHERE id = ?", (added, track_id)
                )
        pending.clear()

    for item in client.pages("reading your saved tracks", "current_user_saved_tracks"):
        if not item.get("added_at"):
            continue
        added = _stamp(item["added_at"])
        newest = max(newest or added, added)
        if until and added <= until and _is_saved(store, item.get("track")):
            break  # everything older was stored by an earlier, completed sync
        pending.append(item)
        if len(pending) >= FLUSH_EVERY:
            flush()
    flush()
    if newest:
        store.set_setting("spotify.saved_until", newest)


def _is_saved(store: Store, track: dict | None) -> bool:
    identity = identity_of(track)
    if identity is None:
        return False
    row = store.execute(
        "SELECT 1 FROM spotify_saved s JOIN tracks t ON t.id = s.track_id WHERE t.spotify_uri = ?",
        (identity.uri,),
    ).fetchone()
    return row is not None


def _recent(store: Store, client: Client, summary: SyncSummary) -> None:
    after = store.get_setting("spotify.recent_after")
    kwargs = {}
    if after:
        kwargs["after"] = int(after)
    items = list(
        client.pages(
            "reading your recently played tracks", "current_user_recently_played", **kwargs
        )
    )
    latest = int(after) if after else 0
    with store.batch():
        for item in items:
            if not item.get("played_at"):
                continue
            at = parse_time(item["played_at"])
            track = item.get("track") or {}
            track_id = store_track(store, track, summary, added_at=_stamp(item["played_at"]))
            if track_id is None:
                continue
            summary.plays += add_play(store, track_id, at, track.get("duration_ms"), False)
            latest = max(latest, int(at.timestamp() * 1000))
        if latest:
            store.set_setting("spotify.recent_after", str(latest))


def _top(store: Store, client: Client, summary: SyncSummary) -> None:
    for term in TERMS:
        page = client.call(
            f"reading your top tracks ({term.replace('_', ' ')})",
            "current_user_top_tracks",
            time_range=term,
        )
        with store.batch():
            store.execute("DELETE FROM spotify_top WHERE term = ?", (term,))
            for rank, track in enumerate((page or {}).get("items") or [], start=1):
                track_id = store_track(store, track, summary)
                if track_id is not None:
                    store.execute(
                        "INSERT INTO spotify_top (term, rank, track_id, synced_at) "
                        "VALUES (?, ?, ?, ?)",
                        (term, rank, track_id, now()),
                    )
                    summary.top += 1


def _playlists(store: Store, client: Client, summary: SyncSummary) -> None:
    me = _user_id(store)
    playlists = list(client.pages("reading your playlists", "current_user_playlists"))
    for playlist in playlists:
        if not playlist or not playlist.get("id"):
            continue
        summary.playlists += 1
        owner = (playlist.get("owner") or {}).get("id")
        owned = owner == me or bool(playlist.get("collaborative"))
        total = (playlist.get("items") or playlist.get("tracks") or {}).get("total")
        known = store.execute(
            "SELECT snapshot_id, synced_at FROM spotify_playlists WHERE id = ?", (playlist["id"],)
        ).fetchone()
        store.execute(
            "INSERT INTO spotify_playlists (id, name, owner_id, owned, total) "
            "VALUES (?, ?, ?, ?, ?) ON CONFLICT (id) DO UPDATE SET name = excluded.name, "
            "owner_id = excluded.owner_id, owned = excluded.owned, total = excluded.total",
            (playlist["id"], playlist.get("name") or "(no name)", owner, int(owned), total),
        )
        snapshot = playlist.get("snapshot_id")
        if owned and not (known and known["synced_at"] and known["snapshot_id"] == snapshot):
            _playlist_items(store, client, playlist, snapshot, summary)


def _playlist_items(
    store: Store, client: Client, playlist: dict, snapshot: str | None, summary: SyncSummary
) -> None:
    name = playlist.get("name") or "(no name)"
    entries = list(
        client.pages(
            f"reading the playlist {name!r}",
            "playlist_items",
            playlist["id"],
            additional_types=("track",),
        )
    )
    is_pool = store.execute(
        "SELECT is_pool FROM spotify_playlists WHERE id = ?", (playlist["id"],)
    ).fetchone()[0]
    with store.batch():  # all or nothing: a failure keeps the items read last time
        store.execute("DELETE FROM spotify_playlist_items WHERE playlist_id = ?", (playlist["id"],))
        for position, entry in enumerate(entries):
            track = (entry or {}).get("item") or (entry or {}).get("track")
            added = _stamp(entry["added_at"]) if entry and entry.get("added_at") else None
            pool = POOL_PREFIX + name if is_pool else None
            track_id = store_track(store, track, summary, pool=pool, added_at=added)
            if track_id is None:
                continue
            store.execute(
                "INSERT INTO spotify_playlist_items (playlist_id, position, track_id, added_at) "
                "VALUES (?, ?, ?, ?)",
                (playlist["id"], position, track_id, added),
            )
            summary.playlist_items += 1
        store.execute(
            "UPDATE spotify_playlists SET snapshot_id = ?, synced_at = ? WHERE id = ?",
            (snapshot, now(), playlist["id"]),
        )
    summary.playlists_read += 1


def forget_connection(store: Store) -> None:
    """After connecting or disconnecting: ask for audio features again next time."""
    store.execute("DELETE FROM settings WHERE key = ?", (AUDIO_FEATURES,))


def audio_features_status(store: Store) -> dict:
    """``{"status": "available" | "unavailable", "detail": …}``, or ``{}`` if not tried."""
    return json.loads(store.get_setting(AUDIO_FEATURES, "{}") or "{}")


def _audio_features(store: Store, client: Client, summary: SyncSummary) -> None:
    status = audio_features_status(store)
    if status.get("status") == "unavailable":
        summary.audio_features = "unavailable (" + status.get("detail", "") + ")"
        return
    rows = store.execute(
        """SELECT t.id, t.spotify_uri FROM tracks t
           WHERE t.spotify_uri IS NOT NULL
           AND NOT EXISTS (SELECT 1 FROM imported_features x WHERE x.track_id = t.id)
           AND NOT EXISTS (SELECT 1 FROM files f WHERE f.track_id = t.id)"""
    ).fetchall()
    if not rows and status:
        return
    probe = rows[:100] or [(None, "spotify:track:4uLU6hMCjMI75M1A2tKUQC")]
    imported = 0
    for start in range(0, len(rows) or 1, 100):
        batch = rows[start : start + 100] if rows else probe
        ids = [uri.rsplit(":", 1)[-1] for _, uri in batch]
        try:
            with warnings.catch_warnings():
                warnings.simplefilter("ignore")  # spotipy warns that the endpoint is gone
                answer = client.call("asking for Spotify's audio features", "audio_features", ids)
        except ApiError as error:
            if error.status in (403, 404):
                detail = (
                    f"Spotify answered {error.status}: the audio-features endpoint is closed "
                    "to apps created since November 2024. TRACE uses the features it computes "
                    "from your audio files and any you import from CSV."
                )
                store.set_setting(
                    AUDIO_FEATURES, json.dumps({"status": "unavailable", "detail": detail})
                )
                summary.audio_features = "unavailable — " + detail
                return
            raise
        with store.batch():
            for (track_id, _), features in zip(batch, answer or [], strict=False):
                if track_id is None or not features:
                    continue
                data = {k: features[k] for k in SPOTIFY_FEATURES if features.get(k) is not None}
                store.execute(
                    "INSERT OR REPLACE INTO imported_features (track_id, source, data, "
                    "imported_at) VALUES (?, 'spotify', ?, ?)",
                    (track_id, json.dumps(data), now()),
                )
                imported += 1
    store.set_setting(AUDIO_FEATURES, json.dumps({"status": "available", "detail": ""}))
    summary.audio_features = f"available; {imported:,} tracks given Spotify's features"

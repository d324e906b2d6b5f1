"""Which Spotify tracks are the person's and which are candidates.

A Spotify track without a file is the person's own (``pool`` NULL) when it is saved,
played, among their top tracks or in one of their playlists; a track only in a playlist
the person chose as a *candidate pool* is a candidate of that pool.
"""

from __future__ import annotations

from collections.abc import Iterable

from trace.store import Store, now

POOL_PREFIX = "Spotify: "

_PERSONAL = """(
    EXISTS (SELECT 1 FROM spotify_saved s WHERE s.track_id = t.id)
    OR EXISTS (SELECT 1 FROM spotify_top o WHERE o.track_id = t.id)
    OR EXISTS (SELECT 1 FROM plays p WHERE p.track_id = t.id)
    OR EXISTS (SELECT 1 FROM spotify_playlist_items i JOIN spotify_playlists l
               ON l.id = i.playlist_id WHERE i.track_id = t.id AND NOT l.is_pool))"""


def assign_pools(store: Store) -> None:
    """Place the Spotify tracks that have no file: the person's own (``pool`` NULL) if
    saved, played, among their top tracks or in one of their playlists; otherwise a
    candidate of the pool playlist they are in. A track left in no chosen pool and never
    decided on is dropped; one with a decision stays, so it never comes back."""
    rows = store.execute(
        f"""SELECT t.id, t.pool, {_PERSONAL} AS personal,
                   (SELECT l.name FROM spotify_playlist_items i
                    JOIN spotify_playlists l ON l.id = i.playlist_id
                    WHERE i.track_id = t.id AND l.is_pool ORDER BY l.name LIMIT 1) AS chosen,
                   EXISTS (SELECT 1 FROM decisions d WHERE d.track_id = t.id) AS decided
            FROM tracks t
            WHERE t.spotify_uri IS NOT NULL
            AND NOT EXISTS (SELECT 1 FROM files f WHERE f.track_id = t.id)"""
    ).fetchall()
    moves: list[tuple[str | None, str, int]] = []
    drops: list[tuple[int]] = []
    for row in rows:
        if row["personal"]:
            wanted = None
        elif row["chosen"]:
            wanted = POOL_PREFIX + row["chosen"]
        elif (row["pool"] or "").startswith(POOL_PREFIX):
            if not row["decided"]:
                drops.append((row["id"],))
            continue
        else:
            continue  # a search result, or a track the person once had: left as it is
        if wanted != row["pool"]:
            moves.append((wanted, now(), row["id"]))
    with store.batch():
        store.connection.executemany(
            "UPDATE tracks SET pool = ?, updated_at = ? WHERE id = ?", moves
        )
        store.connection.executemany("DELETE FROM tracks WHERE id = ?", drops)


def set_pool_playlists(store: Store, playlist_ids: Iterable[str]) -> None:
    """Make exactly these playlists candidate pools, and move their tracks accordingly."""
    chosen = list(playlist_ids)
    with store.batch():
        store.execute("UPDATE spotify_playlists SET is_pool = 0")
        store.connection.executemany(
            "UPDATE spotify_playlists SET is_pool = 1 WHERE id = ?", [(i,) for i in chosen]
        )
    assign_pools(store)


def playlists(store: Store) -> list[dict]:
    """The person's playlists as last synced: id, name, owned, total, is_pool, items."""
    rows = store.execute(
        """SELECT l.id, l.name, l.owned, l.total, l.is_pool, l.synced_at,
                  (SELECT count(*) FROM spotify_playlist_items i WHERE i.playlist_id = l.id)
                  AS items
           FROM spotify_playlists l ORDER BY l.owned DESC, l.name"""
    ).fetchall()
    return [dict(row) for row in rows]

"""The library database: one SQLite file in the TRACE home folder.

WAL mode so the dashboard can read while a scan writes; the schema version lives in
``PRAGMA user_version`` and moves forward through :data:`trace.schema.MIGRATIONS`, each
applied in its own transaction. Writers group their work with :meth:`Store.batch`, one transaction
per batch, so an interrupted run keeps every batch it committed.

Paths are stored as the bytes the file system gave (``files.path`` is a BLOB), so names
that are not valid UTF-8 survive; ``display_path`` is a readable rendering of them.
"""

from __future__ import annotations

import hashlib
import os
import sqlite3
import threading
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any, ClassVar, TypeVar

import pandas as pd

from trace import config
from trace.errors import StoreError
from trace.schema import MIGRATIONS as MIGRATIONS

MIN_PLAY_MS = 30_000
"""A play shorter than this is a skip: stored, never counted as listening."""


def now() -> str:
    """The current time as stored: ISO 8601 in UTC, to the second."""
    return datetime.now(UTC).isoformat(timespec="seconds")


def display_path(path: bytes) -> str:
    """A readable form of a path of any bytes; invalid UTF-8 shows as ``\\xNN``."""
    return path.decode("utf-8", errors="backslashreplace")


T = TypeVar("T")


@dataclass
class _Watch:
    """An idle read connection to one database file, and what was computed from it
    since its last change (see :meth:`Store.remembered`)."""

    identity: tuple[int, int]
    connection: sqlite3.Connection
    lock: threading.Lock = field(default_factory=threading.Lock)
    version: int | None = None
    memo: dict = field(default_factory=dict)


_WATCHES: dict[str, _Watch] = {}
_WATCHES_LOCK = threading.Lock()
MAX_WATCHES = 8
_SIDES: dict[tuple[str, str, str], tuple[str, str]] = {}


def _watch(path: Path, identity: tuple[int, int]) -> _Watch:
    """The watch of the database at ``path``; a new one when the file there is new."""
    with _WATCHES_LOCK:
        watch = _WATCHES.get(str(path))
        if watch is not None and watch.identity == identity:
            return watch
        if watch is not None:
            watch.connection.close()
            del _WATCHES[str(path)]
        if len(_WATCHES) >= MAX_WATCHES:  # tests open many homes; a person has one
            for other in _WATCHES.values():
                other.connection.close()
            _WATCHES.clear()
        connection = sqlite3.connect(path, isolation_level=None, check_same_thread=False)
        watch = _WATCHES[str(path)] = _Watch(identity, connection)
        return watch


class Store:
    """An open TRACE database. Use as a context manager, or call :meth:`close`."""

    def __init__(self, path: Path | str | None = None) -> None:
        self.path = Path(path) if path is not None else config.database_path()
        self.connection: sqlite3.Connection | None = None
        self._identity: tuple[int, int] | None = None
        try:
            self.path.parent.mkdir(parents=True, exist_ok=True)
            self.connection = sqlite3.connect(
                self.path, timeout=30, isolation_level=None, check_same_thread=False
            )
            self.connection.row_factory = sqlite3.Row
            self._use_wal()
            self.connection.execute("PRAGMA synchronous = NORMAL")
            self.connection.execute("PRAGMA foreign_keys = ON")
            self._migrate()
            stat = os.stat(self.path)
            self._identity = (stat.st_dev, stat.st_ino)  # the file this connection reads
        except sqlite3.DatabaseError as error:
            self.close()
            raise StoreError(
                f"The TRACE database {self.path} cannot be opened ({error}). "
                "Nothing was changed; move the file aside to start a new library."
            ) from error
        except OSError as error:
            raise StoreError(f"The TRACE home folder cannot be used: {error}") from error

    def _use_wal(self, *, tries: int = 50) -> None:
        """Switch to WAL. On a new database another connection may be switching it at
        the same moment, and SQLite answers "locked" at once rather than waiting on the
        busy timeout: try again a little later."""
        for attempt in range(tries):
            try:
                self.connection.execute("PRAGMA journal_mode = WAL")
                return
            except sqlite3.OperationalError as error:
                if "locked" not in str(error) or attempt == tries - 1:
                    raise
                time.sleep(0.05)

    def __enter__(self) -> Store:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def close(self) -> None:
        if getattr(self, "connection", None) is not None:
            self.connection.close()

    @property
    def schema_version(self) -> int:
        return int(self.connection.execute("PRAGMA user_version").fetchone()[0])

    def _migrate(self) -> None:
        version = self.schema_version
        if version > len(MIGRATIONS):
            raise StoreError(
                f"The TRACE database {self.path} was written by a newer TRACE "
                f"(schema {version}, this one knows {len(MIGRATIONS)}). Update TRACE."
            )
        for target, script in enumerate(MIGRATIONS[version:], start=version + 1):
            try:
                self.connection.executescript(
                    f"BEGIN IMMEDIATE;\n{script}\nPRAGMA user_version = {target};\nCOMMIT;"
                )
            except sqlite3.Error:
                if self.connection.in_transaction:
                    self.connection.execute("ROLLBACK")
                if self.schema_version >= target:
                    continue  # another connection made this step first (two opened a new home)
                raise

    @contextmanager
    def batch(self) -> Iterator[sqlite3.Connection]:
        """One transaction: everything inside is committed together, or not at all."""
        self.connection.execute("BEGIN IMMEDIATE")
        try:
            yield self.connection
        except BaseException:
            self.connection.execute("ROLLBACK")
            raise
        self.connection.execute("COMMIT")

    def execute(self, sql: str, parameters: Any = ()) -> sqlite3.Cursor:
        return self.connection.execute(sql, parameters)

    def frame(self, sql: str, parameters: Any = ()) -> pd.DataFrame:
        """The result of a query as a DataFrame."""
        cursor = self.connection.execute(sql, parameters)
        columns = [d[0] for d in cursor.description]
        return pd.DataFrame.from_records(cursor.fetchall(), columns=columns)

    # -- settings ------------------------------------------------------------------

    def get_setting(self, key: str, default: str | None = None) -> str | None:
        row = self.execute("SELECT value FROM settings WHERE key = ?", (key,)).fetchone()
        return row[0] if row else default

    def set_setting(self, key: str, value: str) -> None:
        self.execute(
            "INSERT INTO settings (key, value) VALUES (?, ?) "
            "ON CONFLICT (key) DO UPDATE SET value = excluded.value",
            (key, value),
        )

    # -- what the dashboard reads ----------------------------------------------------

    _FINGERPRINT_PARTS: ClassVar[dict[str, str]] = {
        "tracks": "SELECT count(*) || ':' || coalesce(max(updated_at), '') FROM tracks",
        "files": "SELECT count(*) || ':' || coalesce(max(read_at), '') || ':' "
        "|| (SELECT count(*) FROM files WHERE status = 'ok') FROM files",
        # which plays, not only how many: plays deleted and others imported can reuse
        # the same row ids (SQLite reuses the highest ones)
        "plays": "SELECT count(*) || ':' || coalesce(max(id), 0) || ':' "
        "|| total(track_id) || ':' || coalesce(max(played_at), '') || ':' "
        "|| coalesce(min(played_at), '') FROM plays",
        # which tracks, which way: decisions taken at one time (a whole page applied, an
        # import) can share their count, time and approvals and still differ
        "decisions": "SELECT count(*) || ':' || coalesce(max(decided_at), '') || ':' "
        "|| coalesce(group_concat(track_id || decision, ','), '') "
        "FROM (SELECT track_id, decision, decided_at FROM decisions ORDER BY track_id)",
        "scan_errors": "SELECT count(*) || ':' || coalesce(max(at), '') FROM scan_errors",
        "features": "SELECT count(*) || ':' || coalesce(max(extracted_at), '') FROM features",
        "feature_errors": "SELECT count(*) FROM feature_errors",
        "embeddings": "SELECT count(*) || ':' || total(patches) FROM embeddings",
        "imported": "SELECT count(*) || ':' || coalesce(max(imported_at), '') "
        "FROM imported_features",
        "previews": "SELECT count(*) || ':' || coalesce(max(looked_up_at), '') || ':' "
        "|| total(signature IS NOT NULL) FROM previews",
    }
    FEATURE_PARTS = ("tracks", "files", "features", "embeddings", "imported", "previews")
    """What the feature table depends on (not plays or decisions)."""

    _SIDE_PARTS: ClassVar[dict[str, str]] = {
        "tracks": "SELECT count(*) || ':' || coalesce(max(updated_at), '') FROM tracks "
        "WHERE {side}",
        "files": "SELECT count(*) || ':' || coalesce(max(f.read_at), '') || ':' "
        "|| coalesce(sum(f.status = 'ok'), 0) FROM files f JOIN tracks ON tracks.id = f.track_id "
        "WHERE {side}",
        "features": "SELECT count(*) || ':' || coalesce(max(x.extracted_at), '') FROM files f "
        "JOIN tracks ON tracks.id = f.track_id JOIN features x ON x.signature = f.signature "
        "WHERE {side}",
        "embeddings": "SELECT count(*) || ':' || total(m.patches) FROM files f "
        "JOIN tracks ON tracks.id = f.track_id JOIN embeddings m ON m.signature = f.signature "
        "WHERE {side}",
        "imported": "SELECT count(*) || ':' || coalesce(max(i.imported_at), '') "
        "FROM imported_features i JOIN tracks ON tracks.id = i.track_id WHERE {side}",
        "previews": "SELECT count(*) || ':' || coalesce(max(p.looked_up_at), '') || ':' "
        "|| total(p.signature IS NOT NULL) FROM previews p "
        "JOIN tracks ON tracks.id = p.track_id WHERE {side}",
    }

    def side_fingerprints(self) -> tuple[str, str]:
        """:meth:`side_fingerprint` of the library and of the pools. The joins behind
        them cost 0.35 s at 100,000 tracks, so they are remembered until the store
        changes (:meth:`remembered`), and across changes (a saved setting, new plays)
        for as long as the whole store's :data:`FEATURE_PARTS` fingerprint and which
        tracks are the library's (their count and the sum of their ids), a tenth of the
        cost, stay the same: no side changes without them (a file re-read, a feature or
        an embedding added, a track moved between the library and a pool)."""

        def sides() -> tuple[str, str]:
            # which tracks are the library's: a move between the library and a pool in
            # the same second as the last change leaves the whole fingerprint as it was
            library = self.execute(
                "SELECT count(*) || ':' || total(id) FROM tracks WHERE pool IS NULL"
            ).fetchone()[0]
            whole = (str(self.path), self.fingerprint(*self.FEATURE_PARTS), library)
            found = _SIDES.get(whole)
            if found is None:
                found = (self.side_fingerprint(pool=False), self.side_fingerprint(pool=True))
                if len(_SIDES) >= 4 * MAX_WATCHES:
                    _SIDES.clear()
                _SIDES[whole] = found
            return found

        return self.remembered(("sides",), sides)

    def side_fingerprint(self, *, pool: bool) -> str:
        """:meth:`fingerprint` of :data:`FEATURE_PARTS` for the library's tracks alone, or
        for the candidate pools' alone: candidates arriving never make the map of the
        library out of date."""
        side = "tracks.pool IS NOT NULL" if pool else "tracks.pool IS NULL"
        sql = "SELECT " + ", ".join(
            f"({self._SIDE_PARTS[part].format(side=side)})" for part in self.FEATURE_PARTS
        )
        values = self.execute(sql).fetchone()
        return hashlib.blake2b("|".join(map(str, values)).encode(), digest_size=8).hexdigest()

    def fingerprint(self, *parts: str) -> str:
        """Changes whenever the named parts (default: all) change; a cache key."""
        names = parts or tuple(self._FINGERPRINT_PARTS)

        def compute() -> str:
            sql = "SELECT " + ", ".join(f"({self._FINGERPRINT_PARTS[n]})" for n in names)
            values = self.execute(sql).fetchone()
            return hashlib.blake2b("|".join(map(str, values)).encode(), digest_size=8).hexdigest()

        return self.remembered(("fingerprint", names), compute)

    def remembered(self, key: tuple, compute: Callable[[], T]) -> T:
        """``compute()``, remembered in this process until the database changes.

        Every page run asks for the fingerprints, and at 100,000 tracks they cost a
        quarter of a second of SQL. One idle connection per database file watches it:
        its ``PRAGMA data_version`` changes whenever any other connection commits, for
        nothing. Not remembered inside an open transaction (its own writes are not
        committed yet), nor by a connection to a file since replaced at the same path.
        Not to be called while a cursor of this store is still being read: its snapshot
        may be older than the version seen (no caller does)."""
        try:
            stat = os.stat(self.path)
        except OSError:
            return compute()
        identity = (stat.st_dev, stat.st_ino)
        if self.connection.in_transaction or identity != self._identity:
            return compute()  # its own writes uncommitted, or another file at this path now
        watch = _watch(self.path, identity)
        with watch.lock:
            try:
                version = watch.connection.execute("PRAGMA data_version").fetchone()[0]
            except sqlite3.Error:  # closed by another thread making room for a new watch
                return compute()
            if version != watch.version:
                watch.memo.clear()
                watch.version = version
            if key in watch.memo:
                return watch.memo[key]
        value = compute()
        with watch.lock:
            if watch.version == version:
                watch.memo[key] = value
        return value

    # -- decisions on candidates -------------------------------------------------------

    def decide(self, track_id: int, decision: str | None) -> None:
        """Record ``"approved"`` or ``"rejected"`` for a track; ``None`` forgets it."""
        if decision is None:
            self.execute("DELETE FROM decisions WHERE track_id = ?", (track_id,))
            return
        self.execute(
            "INSERT INTO decisions (track_id, decision, decided_at) VALUES (?, ?, ?) "
            "ON CONFLICT (track_id) DO UPDATE SET decision = excluded.decision, "
            "decided_at = excluded.decided_at",
            (track_id, decision, now()),
        )

    def decisions(self) -> pd.DataFrame:
        """``track_id``, ``decision``, ``decided_at``, latest first."""
        return self.frame(
            "SELECT track_id, decision, decided_at FROM decisions ORDER BY decided_at DESC"
        )

    def counts(self) -> dict[str, int]:
        """How many library tracks, candidates, files, plays and scan problems there are."""
        row = self.execute(
            """SELECT
                 (SELECT count(*) FROM tracks WHERE pool IS NULL) AS library_tracks,
                 (SELECT count(*) FROM tracks WHERE pool IS NOT NULL) AS candidates,
                 (SELECT count(*) FROM files WHERE status = 'ok') AS files,
                 (SELECT count(*) FROM files WHERE status = 'missing') AS missing_files,
                 (SELECT count(*) FROM plays) AS plays,
                 (SELECT count(*) FROM scan_errors WHERE NOT track_kept) AS scan_errors,
                 (SELECT count(*) FROM scan_errors WHERE track_kept) AS scan_warnings"""
        ).fetchone()
        return dict(row)

    def tracks(self, *, pool: str | None = None, candidates: bool = False) -> pd.DataFrame:
        """Tracks with their file, one row each: the library's, or a pool's candidates.

        ``candidates=True`` returns the tracks of every pool (or of ``pool``); otherwise
        the person's own library. Tracks whose every file is missing are included, with
        ``status`` ``'missing'``.
        """
        where = "t.pool IS NOT NULL" if candidates else "t.pool IS NULL"
        parameters: tuple[Any, ...] = ()
        if pool is not None:
            where, parameters = "t.pool = ?", (pool,)
        frame = self.frame(
            f"""SELECT t.*, f.display_path AS path, f.format, f.bitrate, f.sample_rate,
                       f.channels, f.size, f.signature, coalesce(f.status, 'ok') AS status,
                       (SELECT link FROM previews p WHERE p.track_id = t.id) AS catalogue_link
                FROM tracks t
                LEFT JOIN files f ON f.id = (
                    SELECT id FROM files WHERE track_id = t.id
                    ORDER BY status = 'ok' DESC, read_at DESC LIMIT 1)
                WHERE {where}
                ORDER BY t.id""",
            parameters,
        )
        return frame

    def scan_errors(self) -> pd.DataFrame:
        return self.frame(
            "SELECT display_path AS path, reason, detail, track_kept, at FROM scan_errors "
            "ORDER BY track_kept, at DESC, display_path"
        )

    def folders(self) -> pd.DataFrame:
        return self.frame(
            "SELECT display_path AS path, pool, added_at, last_scan_at FROM folders "
            "ORDER BY pool IS NOT NULL, display_path"
        )

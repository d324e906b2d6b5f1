"""Scanning music folders into the store.

:func:`scan_library` walks the folders, reads each new or changed file and writes the
results in batches, one transaction each, so a scan killed half-way keeps every batch it
committed and the next run starts where it stopped (committed files are then unchanged).
A file whose size and modification time match the store costs one ``stat`` and no read.
Files gone from disk are marked missing and keep their track and history; a file that
reappears elsewhere with the same content is recognised as moved.
"""

from __future__ import annotations

import itertools
import json
import os
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field
from typing import NamedTuple

from trace.errors import ParameterError
from trace.library.pace import Pace, with_pace
from trace.library.probe import Probe, Problem, names_from_path, probe_file
from trace.library.text import match_key
from trace.library.walk import Entry, Walk, walk
from trace.store import Store, display_path, now

Progress = Callable[[int, int, str], None]
"""``progress(done, total, message)``: the terminal bar and the dashboard both take it."""

MAX_POOL_NAME = 80


class Known(NamedTuple):
    id: int
    size: int
    mtime_ns: int
    status: str
    track_id: int | None
    pool: str | None


@dataclass
class ScanSummary:
    """What a scan found and did."""

    found: int = 0
    new: int = 0
    changed: int = 0
    unchanged: int = 0
    missing: int = 0
    moved: int = 0
    errors: int = 0
    warnings: int = 0
    ignored: int = 0
    problems: list[tuple[str, str]] = field(default_factory=list)
    """``(path, reason)`` of every file skipped or warned about in this run."""

    def __str__(self) -> str:
        text = (
            f"Found {self.found} files: {self.new} new, {self.changed} changed, "
            f"{self.unchanged} unchanged, {self.missing} missing, {self.errors} errors"
        )
        extras = [
            f"{self.moved} moved" if self.moved else "",
            f"{self.warnings} read with warnings" if self.warnings else "",
            f"{self.ignored} ignored (not music: covers, text, playlists)" if self.ignored else "",
        ]
        extras = [e for e in extras if e]
        return text + (f"; {', '.join(extras)}." if extras else ".")


def scan_library(
    paths: Iterable[str | bytes | os.PathLike[str]],
    store: Store,
    *,
    pool: str | None = None,
    progress: Progress | None = None,
    batch_size: int = 200,
) -> ScanSummary:
    """Scan folders (or single files) into ``store``.

    Parameters
    ----------
    paths
        Folders or files; relative paths are taken from the current folder.
    pool
        ``None`` to scan into the person's library; a name to scan a candidate pool,
        whose tracks are candidates for recommendation and never the person's own.
    progress
        Called as ``progress(done, total, message)`` while the scan runs.
    batch_size
        Files written per transaction.
    """
    pool = _check_pool(pool)
    report = progress or (lambda done, total, message: None)
    roots = [os.path.abspath(os.fsencode(p)) for p in paths]
    report(0, 0, "Looking for files…")
    # Walked twice, to count and then to read, rather than held in memory between the
    # two: a stat() per file, against a kilobyte per file at 100,000 files.
    total = sum(1 for _ in walk(roots, Walk(unreadable_folders=[])))
    walk_state = Walk(unreadable_folders=[])
    known = _known_files(store)
    writer = _Writer(store, pool)
    summary = writer.summary
    report(0, total, f"Reading {total:,} files…")
    pace = Pace()
    seen: set[bytes] = set()
    done = 0
    entries = walk(roots, walk_state)
    while chunk := list(itertools.islice(entries, batch_size)):
        results = [_examine(entry, known.get(entry.path), pool) for entry in chunk]
        with store.batch():
            for entry, result in zip(chunk, results, strict=True):
                writer.record(entry, result, known.get(entry.path))
        seen.update(entry.path for entry in chunk)
        done += len(chunk)
        total = max(total, done)  # files added since the count
        report(done, total, with_pace(f"Read {done:,} of {total:,} files", pace.text(done, total)))
    with store.batch():
        summary.missing = _mark_missing(store, known, roots, seen, walk_state)
        summary.moved = _relink_moved(store, writer.new_file_ids)
        _forget_old_errors(store, roots, writer.keep_errors)
        _remember_folders(store, roots, pool)
    summary.new -= summary.moved
    summary.missing -= summary.moved
    report(total, total, str(summary))
    return summary


def _check_pool(pool: str | None) -> str | None:
    if pool is None:
        return None
    name = " ".join(pool.split())
    if not name or len(name) > MAX_POOL_NAME:
        raise ParameterError(
            f"pool must be a name of 1 to {MAX_POOL_NAME} characters, got {pool!r}"
        )
    return name


def _known_files(store: Store) -> dict[bytes, Known]:
    rows = store.execute(
        "SELECT path, id, size, mtime_ns, status, track_id, pool FROM files"
    ).fetchall()
    return {bytes(row[0]): Known(*row[1:]) for row in rows}


def _examine(entry: Entry, known: Known | None, pool: str | None) -> Probe | Problem | None:
    """The probe of an entry that needs reading; ``None`` when nothing needs doing."""
    if entry.reason is not None:
        return Problem(entry.reason, entry.detail)
    if entry.ignored or entry.stat is None:
        return None
    if (
        known is not None
        and known.size == entry.stat.st_size
        and known.mtime_ns == entry.stat.st_mtime_ns
        and known.status != "missing"
        and known.pool == pool
    ):
        return None
    return probe_file(entry.path)


@dataclass
class _Writer:
    """Writes what each entry turned out to be, and keeps the tally."""

    store: Store
    pool: str | None
    summary: ScanSummary = field(default_factory=ScanSummary)
    keep_errors: set[bytes] = field(default_factory=set)
    """Paths whose scan errors stay: problems found now, and files left unread."""
    new_file_ids: list[int] = field(default_factory=list)

    def record(self, entry: Entry, result: Probe | Problem | None, known: Known | None) -> None:
        summary = self.summary
        if entry.ignored:
            summary.ignored += 1
            return
        summary.found += 1
        if result is None:
            self.keep_errors.add(entry.path)
            if known is not None and known.status == "error":
                summary.errors += 1  # still bad, and unchanged: the stored reason stands
            else:
                summary.unchanged += 1
        elif isinstance(result, Problem):
            summary.errors += 1
            self._problem(entry.path, result.reason, result.detail, track_kept=False)
            _save_problem_file(self.store, entry, result, known, self.pool)
        else:
            summary.new += known is None
            summary.changed += known is not None
            file_id = _save_track(self.store, entry.path, result, known, self.pool)
            if known is None:
                self.new_file_ids.append(file_id)
            if result.audio.warnings:
                summary.warnings += 1
                reason = "; ".join(result.audio.warnings)
                self._problem(entry.path, "read with warnings", reason, track_kept=True)
            else:
                self.store.execute("DELETE FROM scan_errors WHERE path = ?", (entry.path,))

    def _problem(self, path: bytes, reason: str, detail: str, *, track_kept: bool) -> None:
        self.summary.problems.append((display_path(path), _reason_text(reason, detail)))
        self.keep_errors.add(path)
        self.store.execute(
            """INSERT INTO scan_errors (path, display_path, reason, detail, track_kept, at)
               VALUES (?, ?, ?, ?, ?, ?)
               ON CONFLICT (path) DO UPDATE SET reason = excluded.reason,
                 detail = excluded.detail, track_kept = excluded.track_kept, at = excluded.at""",
            (path, display_path(path), reason, detail, int(track_kept), now()),
        )


def _reason_text(reason: str, detail: str) -> str:
    return f"{reason} ({detail})" if detail else reason


def _save_problem_file(
    store: Store, entry: Entry, problem: Problem, known: Known | None, pool: str | None
) -> None:
    """Remember a bad file's size and time, so it is not read again until it changes."""
    file_stat = problem.stat or entry.stat
    if file_stat is None:
        return  # not a file we can watch for changes (a broken link, an unreadable folder)
    if known is None:
        store.execute(
            """INSERT INTO files (path, display_path, size, mtime_ns, status, pool,
                                  first_seen_at, read_at)
               VALUES (?, ?, ?, ?, 'error', ?, ?, ?)""",
            (
                entry.path,
                display_path(entry.path),
                file_stat.st_size,
                file_stat.st_mtime_ns,
                pool,
                now(),
                now(),
            ),
        )
    else:
        store.execute(
            "UPDATE files SET size = ?, mtime_ns = ?, status = 'error', pool = ?, read_at = ? "
            "WHERE id = ?",
            (file_stat.st_size, file_stat.st_mtime_ns, pool, now(), known.id),
        )


def _own_title(titles: tuple[str, ...], name_title: str) -> str | None:
    """Of several title values, the one the file name is closest to: some rippers write
    every title of the album into each file (the first is then the first track's)."""
    if len(titles) < 2:
        return None
    from rapidfuzz import fuzz, process, utils

    found = process.extractOne(
        name_title, titles, scorer=fuzz.token_set_ratio, processor=utils.default_process
    )
    return found[0] if found and found[1] >= 60 else None


def _track_values(path: bytes, probe: Probe, pool: str | None) -> dict[str, object]:
    tags = probe.audio.tags
    name_artist, name_title = names_from_path(path)
    artists = tags.artists or ((name_artist,) if name_artist and not tags.title else ())
    title = _own_title(tags.titles, name_title) or tags.title or name_title
    return {
        "title": title,
        "artists": json.dumps(list(artists), ensure_ascii=False),
        "album": tags.album,
        "album_artist": tags.album_artist,
        "genres": json.dumps(list(tags.genres), ensure_ascii=False),
        "date": tags.date,
        "year": tags.year,
        "track_number": tags.track_number,
        "track_total": tags.track_total,
        "disc_number": tags.disc_number,
        "disc_total": tags.disc_total,
        "duration": probe.audio.stream.duration,
        "isrc": tags.isrc.upper().replace("-", "") if tags.isrc else None,
        "label": tags.label,
        "comment": tags.comment,
        "rating": tags.rating,
        "play_count": tags.play_count,
        "match_key": match_key(artists[0] if artists else None, title),
        "recording_mbid": tags.recording_mbid,
        "release_mbid": tags.release_mbid,
        "artist_mbids": json.dumps(list(tags.artist_mbids)),
        "pool": pool,
        "updated_at": now(),
    }


def _save_track(
    store: Store, path: bytes, probe: Probe, known: Known | None, pool: str | None
) -> int:
    values = _track_values(path, probe, pool)
    track_id = known.track_id if known is not None else None
    if track_id is None:
        columns = [*values, "added_at"]
        cursor = store.execute(
            f"INSERT INTO tracks ({', '.join(columns)}) VALUES ({', '.join('?' * len(columns))})",
            [*values.values(), probe.added_at],
        )
        track_id = cursor.lastrowid
    else:
        assignments = ", ".join(f"{column} = ?" for column in values)
        store.execute(
            f"UPDATE tracks SET {assignments}, added_at = min(added_at, ?) WHERE id = ?",
            [*values.values(), probe.added_at, track_id],
        )
    stream = probe.audio.stream
    file_values = (
        display_path(path),
        track_id,
        probe.stat.st_size,
        probe.stat.st_mtime_ns,
        probe.signature,
        stream.format,
        stream.bitrate,
        stream.sample_rate,
        stream.channels,
        pool,
        now(),
    )
    if known is None:
        cursor = store.execute(
            """INSERT INTO files (display_path, track_id, size, mtime_ns, signature, format,
                   bitrate, sample_rate, channels, pool, read_at, status, first_seen_at, path)
               VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, 'ok', ?, ?)""",
            (*file_values, now(), path),
        )
        return int(cursor.lastrowid or 0)
    store.execute(
        """UPDATE files SET display_path = ?, track_id = ?, size = ?, mtime_ns = ?,
               signature = ?, format = ?, bitrate = ?, sample_rate = ?, channels = ?,
               pool = ?, read_at = ?, status = 'ok'
           WHERE id = ?""",
        (*file_values, known.id),
    )
    return known.id


def _under(path: bytes, roots: Sequence[bytes]) -> bool:
    return any(path == root or path.startswith(root.rstrip(b"/") + b"/") for root in roots)


def _mark_missing(
    store: Store,
    known: dict[bytes, Known],
    roots: Sequence[bytes],
    seen: set[bytes],
    walk_state: Walk,
) -> int:
    gone = [
        (info.id,)
        for path, info in known.items()
        if info.status != "missing"
        and path not in seen
        and _under(path, roots)
        and not walk_state.covers(path)
    ]
    store.connection.executemany("UPDATE files SET status = 'missing' WHERE id = ?", gone)
    return len(gone)


def _relink_moved(store: Store, new_file_ids: list[int]) -> int:
    """Give a moved file its old track back, so its plays and decisions follow it."""
    moved = 0
    # One pass finds the new files that share a signature with a missing one, so a
    # library of many look-alike files (one signature, thousands of files) costs one
    # query instead of one join per new file.
    candidates = {
        row[0]
        for row in store.execute(
            """SELECT id FROM files WHERE status = 'ok' AND signature IN (
                 SELECT signature FROM files
                 WHERE status = 'missing' AND track_id IS NOT NULL)"""
        )
    }
    if not candidates:
        return 0
    columns = [c[1] for c in store.execute("PRAGMA table_info(tracks)")]
    copied = [c for c in columns if c not in ("id", "added_at", "spotify_uri")]
    for file_id in (f for f in new_file_ids if f in candidates):
        row = store.execute(
            """SELECT new.track_id, old.id, old.track_id FROM files new
               JOIN files old ON old.signature = new.signature AND old.id != new.id
               WHERE new.id = ? AND new.status = 'ok' AND old.status = 'missing'
                 AND old.track_id IS NOT NULL
               LIMIT 1""",
            (file_id,),
        ).fetchone()
        if row is None:
            continue
        new_track, old_file, old_track = row
        store.execute(
            f"UPDATE tracks SET ({', '.join(copied)}) = "
            f"(SELECT {', '.join(copied)} FROM tracks WHERE id = ?) WHERE id = ?",
            (new_track, old_track),
        )
        store.execute("DELETE FROM files WHERE id = ?", (old_file,))
        store.execute("UPDATE files SET track_id = ? WHERE id = ?", (old_track, file_id))
        store.execute("DELETE FROM tracks WHERE id = ?", (new_track,))
        moved += 1
    return moved


def _forget_old_errors(store: Store, roots: Sequence[bytes], keep: set[bytes]) -> None:
    """Drop errors under the scanned roots about things no longer there or now fixed."""
    stale = [
        (bytes(row[0]),)
        for row in store.execute("SELECT path FROM scan_errors")
        if _under(bytes(row[0]), roots) and bytes(row[0]) not in keep
    ]
    store.connection.executemany("DELETE FROM scan_errors WHERE path = ?", stale)


def _remember_folders(store: Store, roots: Sequence[bytes], pool: str | None) -> None:
    for root in roots:
        if not os.path.isdir(root):
            continue
        store.execute(
            """INSERT INTO folders (path, display_path, pool, added_at, last_scan_at)
               VALUES (?, ?, ?, ?, ?)
               ON CONFLICT (path) DO UPDATE SET pool = excluded.pool,
                 last_scan_at = excluded.last_scan_at""",
            (root, display_path(root), pool, now(), now()),
        )

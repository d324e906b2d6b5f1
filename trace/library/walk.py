"""Walking music folders: every entry found is a file to read or a problem to report.

Works on bytes paths so that any file name survives, including invalid UTF-8 and
newlines. Follows symbolic links (people link albums into their library) but visits a
folder only once, so link loops end. Only regular files are ever handed on; FIFOs,
sockets and devices are reported, never opened.
"""

from __future__ import annotations

import errno
import os
import stat
from collections.abc import Iterator
from dataclasses import dataclass

IGNORED_EXTENSIONS = frozenset(
    b".jpg .jpeg .png .gif .bmp .webp .tif .tiff .heic .txt .nfo .log .cue .m3u .m3u8 .pls "
    b".xspf .pdf .md .html .htm .url .ini .db .sfv .md5 .ffp .accurip .lrc .sqlite3 "
    b".sqlite3-wal .sqlite3-shm .json .xml .csv .torrent .part .tmp .ds_store".split()
)
"""Files a music folder holds that are not music: counted as ignored, not as errors."""


@dataclass(frozen=True, slots=True)
class Entry:
    """One thing found: a regular file with its stat, or a problem with a reason."""

    path: bytes
    stat: os.stat_result | None = None
    reason: str | None = None
    detail: str = ""
    ignored: bool = False


@dataclass
class Walk:
    """What walking found besides files: folders that could not be read."""

    unreadable_folders: list[bytes]

    def covers(self, path: bytes) -> bool:
        """Whether ``path`` lies in a folder that could not be read this time."""
        return any(path.startswith(folder + b"/") for folder in self.unreadable_folders)


def walk(roots: list[bytes], walk_state: Walk) -> Iterator[Entry]:
    """Every entry under ``roots`` (folders or single files), depth first, sorted."""
    visited: set[tuple[int, int]] = set()
    for root in roots:
        try:
            root_stat = os.stat(root)
        except OSError as error:
            yield Entry(root, reason="folder not found", detail=_os_reason(error))
            continue
        if stat.S_ISDIR(root_stat.st_mode):
            yield from _walk_folder(root, root_stat, visited, walk_state)
        else:
            yield _entry(root, root_stat)


def _walk_folder(
    folder: bytes, folder_stat: os.stat_result, visited: set[tuple[int, int]], walk_state: Walk
) -> Iterator[Entry]:
    identity = (folder_stat.st_dev, folder_stat.st_ino)
    if identity in visited:
        return  # a link back to a folder already walked: a loop or a duplicate
    visited.add(identity)
    try:
        with os.scandir(folder) as scan:
            children = sorted(scan, key=lambda e: e.name)
    except OSError as error:
        walk_state.unreadable_folders.append(folder)
        yield Entry(folder, reason="folder unreadable", detail=_os_reason(error))
        return
    for child in children:
        path = child.path
        try:
            child_stat = child.stat()  # follows links
        except OSError as error:
            yield Entry(path, reason=_link_reason(error), detail=_os_reason(error))
            continue
        if stat.S_ISDIR(child_stat.st_mode):
            yield from _walk_folder(path, child_stat, visited, walk_state)
        else:
            yield _entry(path, child_stat)


def _entry(path: bytes, file_stat: os.stat_result) -> Entry:
    if not stat.S_ISREG(file_stat.st_mode):
        return Entry(path, reason="not a regular file", detail=_kind(file_stat.st_mode))
    if os.path.splitext(path)[1].lower() in IGNORED_EXTENSIONS:
        return Entry(path, stat=file_stat, ignored=True)
    return Entry(path, stat=file_stat)


def _kind(mode: int) -> str:
    if stat.S_ISFIFO(mode):
        return "a named pipe (FIFO)"
    if stat.S_ISSOCK(mode):
        return "a socket"
    if stat.S_ISCHR(mode) or stat.S_ISBLK(mode):
        return "a device"
    return "not a file or folder"


def _link_reason(error: OSError) -> str:
    if error.errno == errno.ELOOP:
        return "symlink loop"
    if error.errno == errno.ENOENT:
        return "broken symlink"
    if error.errno in (errno.EACCES, errno.EPERM):
        return "permission denied"
    return "unreadable"


def _os_reason(error: OSError) -> str:
    return error.strerror or str(error)

"""Stage results kept between runs: in memory for a process, on disk in the TRACE home.

:class:`StageCache` keeps each stage's last few results by key (the fingerprints and
settings the stage reads, :meth:`trace.analysis.pipeline.Pipeline.key`). Given a
:class:`DiskResults`, the stages in :data:`PERSISTED` — the expensive ones and what the
Taste map is drawn from — are also written to ``<TRACE home>/cache/analysis/`` and read
from there before anything is computed: a restarted dashboard, or the dashboard after
the weekly job, draws the map without running UMAP again.

A file is named by its stage and a digest of its key. Keys are made of strings, numbers
and frozen dataclasses, whose ``repr`` is the same in every process (no ``hash()``,
which Python salts per process). Files are pickles written by TRACE itself into the
person's own home; one that cannot be read (a half-written file, an older library
version) is removed and the stage computed again. Above the size bound the files used
longest ago go first.
"""

from __future__ import annotations

import contextlib
import hashlib
import json
import os
import pickle
import tempfile
import threading
from collections import OrderedDict
from collections.abc import Callable
from pathlib import Path
from typing import TYPE_CHECKING, Any, ClassVar, TypeVar

if TYPE_CHECKING:
    from joblib import Memory

T = TypeVar("T")

PERSISTED = frozenset(
    {
        "table",
        "scaled",
        "knn",
        "space",
        "layout",
        "linkage",
        "clustering",
        "profiles",
        "sweep",
        "model",
        "placed",
        "genre",
        "shift",
        "preference",
        "scale",
        "events",
        "taste",
        "interest",
        "interests",
        "ranking",
    }
)
"""The stages kept on disk: the library's feature table, the scaled table, the k-NN graph,
both UMAP embeddings, HDBSCAN's tree and clustering, the profiles, the sweep, the
forests (clusters, the candidates they place, genre, recent-vs-usual, preference), the
library's sound scale the names are measured against, and what the listening pages read:
the plays, the recent and usual shares with the interests found in them, the
recent-against-usual table and the ranking — so a page's first visit after a restart, or
after the weekly job, reads them rather than computing them."""
FORMAT = 3
"""Part of every file's digest: raise it when a stage's result changes shape."""
LIMIT_ENV = "TRACE_CACHE_MB"
DEFAULT_LIMIT_MB = 2048
LATEST = "latest.json"


def digest(stage: str, key: tuple) -> str:
    """A name for ``key`` that every process computes the same."""
    text = f"{FORMAT}|{stage}|{key!r}"
    return hashlib.blake2b(text.encode(), digest_size=16).hexdigest()


class DiskResults:
    """Stage results as files in ``folder``, at most ``limit_bytes`` of them in all."""

    def __init__(self, folder: Path, *, limit_bytes: int) -> None:
        self.folder = Path(folder)
        self.limit_bytes = limit_bytes
        self._lock = threading.Lock()

    @classmethod
    def beside(cls, database: str | Path) -> DiskResults:
        """The results folder of the store at ``database``: ``cache/analysis`` in the same
        folder (the TRACE home), bounded by ``$TRACE_CACHE_MB`` (default 2,048 MB)."""
        try:
            limit_mb = float(os.environ.get(LIMIT_ENV, DEFAULT_LIMIT_MB))
        except ValueError:
            limit_mb = DEFAULT_LIMIT_MB
        folder = Path(database).parent / "cache" / "analysis"
        return cls(folder, limit_bytes=int(limit_mb * 2**20))

    @property
    def trees(self) -> Memory:
        """Where HDBSCAN keeps its spanning trees (:func:`trace.analysis.cluster.cluster_space`)."""
        from joblib import Memory  # imported by HDBSCAN anyway; not by the Library page

        return Memory(self.folder / "hdbscan", verbose=0)

    def path(self, stage: str, key: tuple) -> Path:
        return self.folder / f"{stage}-{digest(stage, key)}.pickle"

    def has(self, stage: str, key: tuple) -> bool:
        return self.path(stage, key).is_file()

    def load(self, stage: str, key: tuple) -> tuple[bool, Any]:
        """``(True, result)``, or ``(False, None)`` when there is no readable file."""
        path = self.path(stage, key)
        try:
            with path.open("rb") as file:
                value = pickle.load(file)
        except OSError:  # none there, or the folder cannot be read
            return False, None
        except Exception:  # a file that does not unpickle is computed again
            with contextlib.suppress(OSError):
                path.unlink()
            return False, None
        with contextlib.suppress(OSError):
            os.utime(path)  # used now: the last to be cleaned away
        return True, value

    def save(self, stage: str, key: tuple, value: Any) -> None:
        """Write atomically (a reader never sees half a file), then keep within the bound.
        A full or read-only disk costs the next start its time, nothing else."""
        try:
            self.folder.mkdir(parents=True, exist_ok=True)
            handle, temporary = tempfile.mkstemp(dir=self.folder, suffix=".part")
            with os.fdopen(handle, "wb") as file:
                pickle.dump(value, file, protocol=pickle.HIGHEST_PROTOCOL)
            os.replace(temporary, self.path(stage, key))
        except OSError:
            return
        self.clean()

    def clean(self) -> int:
        """Remove the longest-unused files until the rest fit the bound (a quarter of it
        for HDBSCAN's trees, the rest for the stages); bytes of stages removed."""
        with self._lock:
            try:
                files = [
                    (entry.stat().st_mtime, entry.stat().st_size, Path(entry.path))
                    for entry in os.scandir(self.folder)
                    if entry.name.endswith((".pickle", ".part"))
                ]
            except OSError:
                return 0
            trees = self.limit_bytes // 4
            with contextlib.suppress(OSError, ValueError):
                self.trees.reduce_size(bytes_limit=trees)
            total, removed = sum(size for _, size, _ in files), 0
            for _, size, path in sorted(files):
                if total <= self.limit_bytes - trees:
                    break
                path.unlink(missing_ok=True)
                total -= size
                removed += size
            return removed

    def size(self) -> int:
        try:
            return sum(e.stat().st_size for e in os.scandir(self.folder) if e.is_file())
        except OSError:
            return 0

    # -- which library content was mapped last -------------------------------------------

    def latest(self, scope: tuple) -> str | None:
        """What :meth:`remember` last noted for ``scope`` (None: nothing)."""
        try:
            notes = json.loads((self.folder / LATEST).read_text())
        except (OSError, ValueError):
            return None
        return notes.get(digest("latest", scope))

    def remember(self, scope: tuple, value: str) -> None:
        with self._lock:
            try:
                notes = json.loads((self.folder / LATEST).read_text())
            except (OSError, ValueError):
                notes = {}
            notes[digest("latest", scope)] = value
            try:
                self.folder.mkdir(parents=True, exist_ok=True)
                handle, temporary = tempfile.mkstemp(dir=self.folder, suffix=".json-part")
                with os.fdopen(handle, "w") as file:
                    json.dump(notes, file)
                os.replace(temporary, self.folder / LATEST)
            except OSError:
                pass


class StageCache:
    """Computed stages by key, the last few of each stage in memory and, given ``disk``,
    the :data:`PERSISTED` ones on disk too. Safe to share between threads: one
    computation per key at a time, the others wait for it."""

    SIZES: ClassVar[dict[str, int]] = {
        "space": 6,
        "layout": 6,
        "clustering": 16,
        "interest": 16,
        "linkage": 3,
        "table": 2,
        "library": 2,
        "scaled": 2,
        "knn": 2,
    }
    DEFAULT_SIZE = 4

    def __init__(self, disk: DiskResults | None = None) -> None:
        self.disk = disk
        self._lock = threading.Lock()
        self._stages: dict[str, OrderedDict[tuple, Any]] = {}
        self._pending: dict[tuple, threading.Lock] = {}

    def _on_disk(self, stage: str) -> bool:
        return self.disk is not None and stage in PERSISTED

    def in_memory(self, stage: str, key: tuple) -> bool:
        with self._lock:
            return key in self._stages.get(stage, {})

    def has(self, stage: str, key: tuple) -> bool:
        """Whether the result is at hand without computing it (in memory or on disk)."""
        if self.in_memory(stage, key):
            return True
        return self._on_disk(stage) and self.disk.has(stage, key)

    def get(self, stage: str, key: tuple, compute: Callable[[], T]) -> T:
        with self._lock:
            kept = self._stages.setdefault(stage, OrderedDict())
            if key in kept:
                kept.move_to_end(key)
                return kept[key]
            pending = self._pending.setdefault((stage, key), threading.Lock())
        with pending:
            with self._lock:
                if key in kept:
                    return kept[key]
            found, value = self.disk.load(stage, key) if self._on_disk(stage) else (False, None)
            if not found:
                value = compute()
                if self._on_disk(stage):
                    self.disk.save(stage, key, value)
            with self._lock:
                kept[key] = value
                while len(kept) > self.SIZES.get(stage, self.DEFAULT_SIZE):
                    kept.popitem(last=False)
                self._pending.pop((stage, key), None)
            return value

    def clear(self, *stages: str) -> None:
        """Forget the named stages' results in memory (none named: every stage's)."""
        with self._lock:
            for stage in stages or list(self._stages):
                self._stages.pop(stage, None)

"""When the extractor changes, a library's features are recomputed: which are shown meanwhile.

Features are stored per (content signature, extractor id), so a new extractor version
(see :data:`trace.audio.windows.EXTRACTOR_VERSION`) starts with no features at all. Rather
than show an empty library, the pages keep showing the previous version's features, for
every track, until the new version has analysed every file (a failure counts as done);
then they switch at once, so a chart never mixes two versions. Light on purpose: the
dashboard reads it without importing librosa.
"""

from __future__ import annotations

from dataclasses import dataclass

from trace.audio.windows import Windows, extractor_id
from trace.store import Store


@dataclass(frozen=True, slots=True)
class Reanalysis:
    """An extractor change not yet caught up with."""

    previous: str
    """The older extractor id whose features are shown meanwhile."""
    current: str
    done: int
    """Contents the current extractor has analysed, or failed on."""
    total: int
    """Contents to analyse."""

    @property
    def share(self) -> float:
        return self.done / self.total if self.total else 1.0


def _version(extractor: str) -> int:
    head = extractor.split("/", 1)[0]
    return int(head) if head.isdigit() else -1


def reanalysis(store: Store, windows: Windows | None = None) -> Reanalysis | None:
    """The pending re-analysis after an extractor change, or None if there is none.

    There is one when an older version with the same windows has features and the
    current version has not yet analysed every scanned file.
    """
    current = extractor_id(windows or Windows())
    # asked several times on every page run: remembered until the store changes
    return store.remembered(("reanalysis", current), lambda: _pending(store, current))


def _pending(store: Store, current: str) -> Reanalysis | None:
    version, _, suffix = current.partition("/")
    counts = store.execute("SELECT extractor, count(*) FROM features GROUP BY extractor")
    older = [
        (count, extractor)
        for extractor, count in counts.fetchall()
        if extractor.partition("/")[2] == suffix and _version(extractor) < int(version)
    ]
    if not older:
        return None
    total, done = store.execute(
        """SELECT count(DISTINCT f.signature),
                  count(DISTINCT CASE WHEN EXISTS (SELECT 1 FROM features x
                                                   WHERE x.signature = f.signature
                                                     AND x.extractor = :current)
                                        OR EXISTS (SELECT 1 FROM feature_errors e
                                                   WHERE e.signature = f.signature
                                                     AND e.extractor = :current)
                                      THEN f.signature END)
           FROM files f WHERE f.status = 'ok' AND f.signature IS NOT NULL""",
        {"current": current},
    ).fetchone()
    if done >= total:
        return None
    return Reanalysis(previous=max(older)[1], current=current, done=done, total=total)


def shown_extractor(store: Store, windows: Windows | None = None) -> str:
    """The extractor whose features the pages show: the previous one while a
    re-analysis is under way, else the current one."""
    pending = reanalysis(store, windows)
    return pending.previous if pending else extractor_id(windows or Windows())

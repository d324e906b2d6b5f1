"""Which importer a file is for, judged by its content, and importing listening history.

``python -m trace import`` and the dashboard's upload take whatever a person has at
hand — Spotify's export, ListenBrainz's, Last.fm CSVs, feature CSVs — as files, folders
or zips, and send each to its importer. Names are not trusted: a ``.csv`` is scrobbles
when its first line has a date column and no audio features, a ``.json`` is ListenBrainz
when it holds ``listened_at`` and ``track_metadata``.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

from trace.errors import SourceError
from trace.sources import history, listens, plays, scrobble_csv
from trace.sources.matching import MatchReport
from trace.store import Store

SPOTIFY, LISTENS, FEATURES = "spotify", "listens", "features"
HEAD_BYTES = 8192


def kinds(path: Path) -> set[str]:
    """What ``path`` holds: Spotify's history, listens, audio features (or nothing known)."""
    path = Path(path)
    if path.is_dir() or path.suffix.lower() == ".zip":
        found = set()
        if next(iter(history.history_files([path])), None) is not None:
            found.add(SPOTIFY)
        if next(iter(listens.listen_files([path])), None) is not None:
            found.add(LISTENS)
        return found
    suffix = path.suffix.lower()
    if suffix not in (".csv", ".json", ".jsonl"):
        return set()
    head = _head(path)
    if suffix == ".csv":
        return {LISTENS if scrobble_csv.is_scrobble_csv(head) else FEATURES}
    # A .json that is not ListenBrainz is read as Spotify's, which says what is wrong with it.
    return {LISTENS if listens.is_listenbrainz(head) or suffix == ".jsonl" else SPOTIFY}


def _head(path: Path) -> bytes:
    try:
        with path.open("rb") as opened:
            return opened.read(HEAD_BYTES)
    except OSError as error:
        raise SourceError(f"{path} cannot be read: {error.strerror}") from error


@dataclass
class HistoryImport:
    """What an import of listening history did, source by source."""

    spotify: history.HistorySummary | None = None
    listens: listens.ListenSummary | None = None
    match: MatchReport | None = None
    features: list[Path] = field(default_factory=list)
    """CSV files of audio features, for :func:`~trace.sources.csv_import.import_feature_csv`."""


def import_listening(paths: list[Path], store: Store) -> HistoryImport:
    """Import every listening history in ``paths``; feature CSVs are handed back.

    Raises :class:`SourceError` when a path holds nothing TRACE reads.
    """
    by_kind: dict[str, list[Path]] = {SPOTIFY: [], LISTENS: [], FEATURES: []}
    for path in map(Path, paths):
        found = kinds(path)
        if not found:
            raise SourceError(
                f"{path.name} holds no listening history or audio features TRACE reads: "
                "Spotify's data export, ListenBrainz's export, Last.fm scrobbles as CSV, "
                "or a CSV with Spotify's feature names."
            )
        for kind in found:
            by_kind[kind].append(path)
    result = HistoryImport(features=by_kind[FEATURES])
    if by_kind[SPOTIFY]:
        result.spotify = history.import_history(by_kind[SPOTIFY], store)
    if by_kind[LISTENS]:
        result.listens = listens.import_listens(by_kind[LISTENS], store)
    if by_kind[SPOTIFY] or by_kind[LISTENS]:
        _, result.match = plays.settle(store, [])
    return result

"""New music from the catalogue: the related artists of the person's interests and their
top tracks, heard through previews, as a candidate pool of their own.

Spotify's related artists and recommendations are gone for new apps, and Spotify's
search only finds the artists a person already plays. Deezer's related artists reach
music nobody in the library has played. For each seed artist (the recent interests'
artists, or the most played ones when there is no interest — the caller, who has the
analysis, hands them in) TRACE finds the artist on Deezer, takes its related artists,
and from them, in turn across seeds, up to ``per_artist`` top tracks each until
``budget`` new candidates are found. A track the person owns, has decided on or was
offered before is skipped. The new tracks go to the pool :data:`POOL` with their
preview, analysed like any other; the ranking then treats them like every candidate.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from itertools import zip_longest

from trace.library.identity import Identity, track_for
from trace.library.scan import Progress
from trace.library.text import normalise, plural
from trace.sources.catalogue.previews import PreviewSummary, hear_previews
from trace.sources.catalogue.service import Notify, QuotaError, UnreachableError
from trace.sources.catalogue.services import CatalogueArtist, CatalogueTrack, Deezer
from trace.store import Store, now

POOL = "Deezer: related artists"
"""The pool the catalogue's candidates go to, named so the person knows their origin."""
BUDGET = 60
PER_ARTIST = 2
RELATED_PER_SEED = 12
SEEDS = 8


@dataclass
class DiscoverSummary:
    seeds: list[str] = field(default_factory=list)
    seeds_missing: list[str] = field(default_factory=list)
    related: int = 0
    added: int = 0
    owned: int = 0
    offered_before: int = 0
    without_preview: int = 0
    previews: PreviewSummary | None = None
    stopped: str = ""

    def __str__(self) -> str:
        if not self.seeds and not self.seeds_missing:
            return "Discover: no artists to start from (no plays yet)."
        text = (
            f"Discover: started from {plural(len(self.seeds), 'artist')} found on Deezer"
            + (
                f" ({len(self.seeds_missing)} not found: {', '.join(self.seeds_missing[:5])})"
                if self.seeds_missing
                else ""
            )
            + f"; {plural(self.related, 'related artist')}; "
            f"{plural(self.added, 'new candidate')} in the pool {POOL!r}. Skipped: "
            f"{self.owned:,} you own, {self.offered_before:,} offered or decided before, "
            f"{self.without_preview:,} without a preview."
        )
        if self.previews is not None:
            text += f" {self.previews}"
        if self.stopped:
            text += f" Stopped early: {self.stopped}"
        return text


def usual_artists(store: Store, count: int = SEEDS) -> list[str]:
    """The person's most played artists over all their history: the seeds of discovery
    when no recent interest stands out."""
    rows = store.execute(
        """SELECT json_extract(t.artists, '$[0]') AS artist, count(*) AS plays
           FROM plays p JOIN tracks t ON t.id = p.track_id
           WHERE p.skipped = 0 AND t.pool IS NULL AND json_extract(t.artists, '$[0]') != ''
           GROUP BY artist ORDER BY plays DESC LIMIT ?""",
        (count,),
    ).fetchall()
    return [row[0] for row in rows if row[0]]


def discover_candidates(
    store: Store,
    artists: Sequence[str],
    *,
    deezer: Deezer | None = None,
    budget: int = BUDGET,
    per_artist: int = PER_ARTIST,
    related_per_seed: int = RELATED_PER_SEED,
    progress: Progress | None = None,
    notify: Notify | None = None,
    workers: int | None = None,
) -> DiscoverSummary:
    """Find up to ``budget`` new candidates around ``artists``; see the module docstring."""
    report = progress or (lambda done, total, message: None)
    deezer = deezer or Deezer(notify=notify)
    summary = DiscoverSummary()
    added: list[int] = []
    try:
        report(0, budget, "Finding your artists on Deezer…")
        seeds = _seeds(deezer, artists, summary)
        related = _related(deezer, seeds, related_per_seed, summary)
        for artist in related:
            if len(added) >= budget:
                break
            taken = 0
            for track in deezer.top(artist.id, limit=per_artist * 3):
                if len(added) >= budget or taken >= per_artist:
                    break
                track_id = _add(store, deezer, track, summary)
                if track_id is not None:
                    added.append(track_id)
                    taken += 1
            report(len(added), budget, f"{plural(len(added), 'new candidate')} found")
    except (QuotaError, UnreachableError) as error:
        summary.stopped = str(error)
    summary.added = len(added)
    if added:
        summary.previews = hear_previews(
            store,
            deezer=deezer,
            track_ids=added,
            progress=progress,
            notify=notify,
            workers=workers,
        )
    return summary


def _seeds(deezer: Deezer, artists: Sequence[str], summary: DiscoverSummary) -> list:
    seeds = []
    for name in dict.fromkeys(a for a in artists if a):
        exact = [a for a in deezer.search_artists(name) if normalise(a.name) == normalise(name)]
        if exact:
            seeds.append(max(exact, key=lambda a: a.fans))
            summary.seeds.append(name)
        else:
            summary.seeds_missing.append(name)
    return seeds


def _related(
    deezer: Deezer, seeds: list[CatalogueArtist], per_seed: int, summary: DiscoverSummary
) -> list[CatalogueArtist]:
    """The seeds' related artists, taken in turn from each seed so that every interest
    gets its share of the budget; the seeds themselves are left out."""
    lists = [deezer.related(seed.id)[:per_seed] for seed in seeds]
    seen = {seed.id for seed in seeds}
    ordered = []
    for group in zip_longest(*lists):
        for artist in group:
            if artist is not None and artist.id not in seen:
                seen.add(artist.id)
                ordered.append(artist)
    summary.related = len(ordered)
    return ordered


def _add(
    store: Store, deezer: Deezer, found: CatalogueTrack, summary: DiscoverSummary
) -> int | None:
    """Store ``found`` as a new candidate with its preview's source; ``None`` when it is
    owned, was offered or decided before, or has no preview."""
    known = store.execute(
        "SELECT 1 FROM previews WHERE service = ? AND service_id = ?", (found.service, found.id)
    ).fetchone()
    if known:
        summary.offered_before += 1
        return None
    track = deezer.track(found.id) or found  # the full track carries the ISRC
    if not track.preview:
        summary.without_preview += 1
        return None
    identity = Identity(
        title=track.title,
        artists=[track.artist] if track.artist else [],
        isrc=track.isrc,
        album=track.album or None,
        duration=track.duration,
    )
    with store.batch():
        track_id, created = track_for(store, identity, POOL)
        if not created:
            pool = store.execute("SELECT pool FROM tracks WHERE id = ?", (track_id,)).fetchone()
            if pool[0] is None:
                summary.owned += 1
            else:
                summary.offered_before += 1
            return None
        store.execute(
            """INSERT INTO previews (track_id, status, how, service, service_id, link,
                                     looked_up_at)
               VALUES (?, 'found', 'discover', ?, ?, ?, ?)""",
            (track_id, track.service, track.id, track.link, now()),
        )
    return track_id

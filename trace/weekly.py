"""The weekly Discover job: ``python -m trace weekly [--approve-top N] [--dry-run]``.

1. rescans every folder TRACE knows (library and candidate pools);
2. syncs with Spotify when it is connected;
3. extracts the features of what is new and, when the catalogue is turned on, hears the
   tracks without a file through their 30 s previews;
4. analyses with the settings saved from the dashboard and ranks the candidates — with
   the catalogue on, after bringing new candidates around the recent interests from the
   catalogue's related artists (``discover``);
5. stores this week's picks (ISO week) for approval on the Discover page — or, with
   ``--approve-top N``, approves the top N and writes the playlist: the M3U8 file in
   ``<home>/playlists/`` and, when connected, the Spotify playlist.

Safe to run twice: a second run in the same week replaces the stored picks, approves
nothing more (the week's approvals are remembered), rewrites the same M3U8 and adds
nothing twice to Spotify. ``--dry-run`` changes nothing: it analyses what is stored and
prints what it would pick. Problems with single files, Spotify or a too-small library
are reported and the job goes on; only a failure of the job itself (the store cannot be
opened, a bug) is an error.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from dataclasses import dataclass, field, replace
from datetime import UTC, datetime
from pathlib import Path

from trace import config
from trace.analysis.hours import context_words
from trace.audio.windows import Windows, extractor_id
from trace.errors import TraceError
from trace.library.scan import scan_library
from trace.playlist import approved_tracks, saved_order, write_m3u8
from trace.sources.catalogue.consent import enabled
from trace.sources.catalogue.discover import discover_candidates, usual_artists
from trace.sources.catalogue.previews import hear_previews
from trace.store import Store, now

PLAYLIST_NAME = "TRACE Discover"
Say = Callable[[str], None]


@dataclass
class WeeklySummary:
    week: str
    lines: list[str] = field(default_factory=list)
    problems: list[str] = field(default_factory=list)
    picks: list[dict] = field(default_factory=list)
    approved: list[int] = field(default_factory=list)

    def text(self) -> str:
        out = [f"TRACE weekly Discover, week {self.week}", *self.lines]
        if self.picks:
            out.append(f"This week's picks ({len(self.picks)}):")
            out += [f"  {p['artist']} – {p['title']}  ({p['reason']})" for p in self.picks]
        out += [f"Problem: {p}" for p in self.problems]
        return "\n".join(out)


def week_of(moment: datetime) -> str:
    year, week, _ = moment.isocalendar()
    return f"{year}-W{week:02d}"


def _setting(week: str) -> str:
    return f"weekly.{week}"


def last_run(store: Store) -> dict:
    """The latest stored run: ``week``, ``ran_at``, ``picks``, ``approved`` — or ``{}``."""
    return json.loads(store.get_setting("weekly.last", "{}") or "{}")


def _catalogue(store: Store, summary: WeeklySummary, tell: Say, work: Callable[[], object]) -> bool:
    """Run ``work`` (previews, or discovery) when the person turned the catalogue on;
    whether it added candidates. A catalogue that fails is a problem line, not the end."""
    if not enabled(store):
        return False
    tell("Asking the catalogue (Deezer, iTunes)…")
    try:
        done = work()
    except TraceError as error:
        summary.problems.append(f"catalogue: {error}")
        return False
    summary.lines.append(str(done))
    return bool(getattr(done, "added", 0))


def run_weekly(
    store: Store,
    *,
    approve_top: int | None = None,
    dry_run: bool = False,
    say: Say | None = None,
    extract: Callable[[Store], str] | None = None,
    today: datetime | None = None,
    context: tuple[str, str, str] | None = None,
) -> WeeklySummary:
    """Run the job; see the module docstring. ``extract`` runs the feature extraction
    (the command line passes one with a progress bar); ``context`` — (part of the day,
    weekday, time zone) — ranks for that time (:mod:`trace.analysis.hours`) instead of the
    saved one."""
    from trace.analysis import pipeline

    tell = say or (lambda message: None)
    summary = WeeklySummary(week=week_of(today or datetime.now(UTC)))
    if not dry_run:
        _rescan(store, summary, tell)
        _sync(store, summary, tell)
        if extract is not None:
            tell("Extracting the features of new files…")
            summary.lines.append(extract(store))
        _catalogue(store, summary, tell, lambda: hear_previews(store, notify=tell))
    tell("Analysing with the saved settings…")
    params, problem = pipeline.load_params(store)
    if problem:
        summary.problems.append(problem)
    if not pipeline.settings_saved(store):
        params = None  # the first map's settings: chosen like the dashboard's
    cache = pipeline.StageCache(pipeline.DiskResults.beside(store.path))
    if context is not None:
        base = params or pipeline.first_map_params(
            pipeline.Pipeline(pipeline.Inputs.of(store), pipeline.load_params(store)[0], cache)
        )
        hours, day, zone = context
        ranking = replace(base.ranking, hours=hours, day=day, timezone=zone)
        params = replace(base, ranking=ranking)
        summary.lines.append(f"Ranked for {context_words(hours, day)} ({zone or 'UTC'}).")
    try:
        result = pipeline.analyse(store, params, cache=cache)
        if not dry_run and _catalogue(
            store,
            summary,
            tell,
            lambda: discover_candidates(
                store,
                pipeline.interest_artists(result) or usual_artists(store),
                notify=tell,
            ),
        ):
            result = pipeline.analyse(store, params, cache=cache)  # the new ones ranked too
    except TraceError as error:
        summary.problems.append(f"no analysis this week: {error}")
        return summary
    # what the Taste map shows next to the map, kept for the dashboard's next start
    pipeline.Pipeline(pipeline.Inputs.of(store), result.params, cache).sweep()
    proposed = result.ranking.proposed
    summary.lines.append(
        f"Analysed {len(result.library):,} tracks: {result.clustering.n_clusters} clusters; "
        f"{len(proposed)} candidates proposed"
        + (
            f" ({', '.join(f'{n} {w}' for w, n in result.ranking.left_out.items())} left out)"
            if result.ranking.left_out
            else ""
        )
    )
    summary.picks = [
        {"track_id": int(r.track_id), "artist": r.artist, "title": r.title, "reason": r.reason}
        for r in proposed.itertuples()
    ]
    if dry_run:
        summary.lines.append("Dry run: nothing stored, approved or written.")
        if approve_top:
            summary.lines.append(f"Would approve the top {min(approve_top, len(proposed))}.")
        return summary

    stored = json.loads(store.get_setting(_setting(summary.week), "{}") or "{}")
    approved = list(stored.get("approved", []))
    if approve_top and approved:
        summary.lines.append(
            f"This week's top {len(approved)} were approved on {stored['approved_at']}; "
            "nothing more approved."
        )
    elif approve_top:
        approved = [p["track_id"] for p in summary.picks[:approve_top]]
        for track_id in approved:
            store.decide(track_id, "approved")
        stored["approved_at"] = now()
        summary.lines.append(f"Approved the top {len(approved)}.")
    summary.approved = approved
    record = {
        **stored,
        "week": summary.week,
        "ran_at": now(),
        "picks": summary.picks,
        "approved": approved,
    }
    store.set_setting(_setting(summary.week), json.dumps(record))
    store.set_setting("weekly.last", json.dumps(record))
    if approve_top:
        _write_playlists(store, summary, tell)
    else:
        summary.lines.append("Stored this week's picks for approval on the Discover page.")
    return summary


def _rescan(store: Store, summary: WeeklySummary, tell: Say) -> None:
    folders = store.execute("SELECT path, display_path, pool FROM folders").fetchall()
    if not folders:
        summary.lines.append("No folders to rescan (scan one on the Sources page first).")
        return
    for row in folders:
        tell(f"Rescanning {row['display_path']}…")
        try:
            result = scan_library([bytes(row["path"])], store, pool=row["pool"])
        except TraceError as error:
            summary.problems.append(f"{row['display_path']}: {error}")
            continue
        summary.lines.append(f"Rescanned {row['display_path']}: {result}")


def _sync(store: Store, summary: WeeklySummary, tell: Say) -> None:
    from trace.sources.spotify import connect, sync
    from trace.sources.spotify.client import Client

    try:
        settings = connect.load_config()
        if not (settings.configured and connect.connected(settings)):
            summary.lines.append("Spotify: not connected, not synced.")
            return
        result = sync.sync(store, Client.connect(settings, notify=tell), notify=tell)
    except TraceError as error:
        summary.problems.append(f"Spotify: {error}")
        return
    summary.lines += [
        f"Spotify: {line}" for line in result.lines() if not line.startswith("Problem")
    ]
    summary.problems += [f"Spotify: {p}" for p in result.problems]


def _write_playlists(store: Store, summary: WeeklySummary, tell: Say) -> None:
    by, curve = saved_order(store)
    tracks, repeats = approved_tracks(store, extractor=extractor_id(Windows()), by=by, curve=curve)
    folder = config.home() / "playlists"
    folder.mkdir(parents=True, exist_ok=True)
    target = Path(folder) / f"{PLAYLIST_NAME}.m3u8"
    written = write_m3u8(tracks, target, name=PLAYLIST_NAME)
    summary.lines.append(
        f"Wrote {written.written} approved tracks to {target}"
        + (f" ({written.as_links} without a local file as web links)" if written.as_links else "")
        + (
            f" ({written.without_file} with neither a file nor a link left out)"
            if written.without_file
            else ""
        )
        + (f"; {repeats} same-artist neighbours could not be avoided" if repeats else "")
    )
    from trace.sources.spotify import connect, push
    from trace.sources.spotify.client import Client

    try:
        settings = connect.load_config()
        if not (settings.configured and connect.connected(settings)):
            return
        name = store.get_setting("spotify.playlist_name", push.DEFAULT_NAME) or push.DEFAULT_NAME
        tell(f"Adding the approved tracks to the Spotify playlist {name!r}…")
        result = push.push_approved(
            store,
            Client.connect(settings, notify=tell),
            name=name,
            order=[int(i) for i in tracks["id"]] if len(tracks) else None,
        )
    except TraceError as error:
        summary.problems.append(f"Spotify playlist: {error}")
        return
    summary.lines.append(f"Spotify: {result}")
    if result.stopped:
        summary.problems.append(f"Spotify playlist: {result.stopped}")

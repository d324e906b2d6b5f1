"""A half-tagged library of real recordings, seen in a real browser (issue 29).

    python bench/real_library.py [--home DIR] [--fresh] [--shots DIR] [--rounds 2]
    python bench/real_library.py --no-shots      # the timings only
    python bench/real_library.py --genres --rounds 0   # the genre model, with and without MusiCNN

Builds a TRACE home (default ``bench/corpus/real-home``, never committed) from the real
corpus of ``bench/corpus.py`` (its ``manifest.csv`` must exist): about 200 tracks of eight
game soundtracks as the library, about 40 of three others as the candidate pool "new
music". The files are copied into ``<home>/music/<source>/`` and tagged the way real
libraries are, unevenly:

- full tags (title, artist where the package names one, album, genre, track number) on
  SuperTux, Warzone 2100, Colobot and Hedgewars;
- Wesnoth's album "The Battle for Wesnoth OST" with the artist "Battle for Wesnoth" on
  its first tracks and the composers' names on the rest;
- Widelands and UFO: Alien Invasion as the Debian packages ship them: titles on most,
  artists on a few (one a web address), placeholders such as "<Unknown>", "Track 11",
  "(None)" and "???";
- Naev with every tag stripped: only its folder and file names are left;
- the pool: Endgame: Singularity and Nexuiz fully tagged, HyperRogue as shipped (two files
  untagged, eleven whose title tag lists every earlier track's title too).

Each source's files are dated the day the person got them (the mtime TRACE reads as the
day a track joined the library; Hedgewars two months ago, the rest years ago). Then
``python -m trace scan``, ``scan --pool``, ``extract``, and the import of a generated
Spotify extended streaming history (``Streaming_History_Audio_*.json``) of about 3,000
plays over 18 months — some skipped, a few podcast episodes — whose last six weeks go
70 % to Wesnoth. Its artists and titles are the tags as scanned, so every play joins its
file; tracks without an artist tag are never in it, as a person's streams are not of
their untagged files.

Then the dashboard is started on the home and every page (the Library's four tabs, the
Taste map and a clicked point, Recent interest with its interests opened, Discover's
review, its list of all candidates and every reason, Sources) saved as
``docs/screenshots/real-*.png``, 1400 px wide and as tall as the page; the session's
results stay on disk. Last, in each of ``--rounds`` rounds, the first visit of each page is timed in
Chromium after a restart of the server: once with each page as the first one opened
(a restart per page), once with the pages opened one after another, as a person does.
A visit is timed from navigation until the script is idle, every chart on the page has
its marks drawn and the browser has painted. Target: each under 2 s.
"""

from __future__ import annotations

import argparse
import csv
import json
import os
import re
import shutil
import statistics
import subprocess
import sys
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path

import common
import dashboard as dashboard_bench
import numpy as np
from browser import IDLE, browser_page, dashboard

CORPUS = common.ROOT / "bench" / "corpus"
LIBRARY = {  # source → how many of its tracks the library holds
    "wesnoth": 34,
    "supertux": 28,
    "naev": 28,
    "ufoai": 24,
    "warzone2100": 24,
    "widelands": 22,
    "hedgewars": 20,
    "colobot": 20,
}
POOL = {"singularity": 14, "nexuiz": 10, "hyperrogue": 17}
POOL_NAME = "new music"
WESNOTH_ALBUM = "The Battle for Wesnoth OST"
WESNOTH_ARTIST = "Battle for Wesnoth"
WESNOTH_AS_ALBUM = 20
"""Wesnoth's first tracks carry the album's name as artist, the rest their composers."""
FULL = {  # source → (album, genre or None)
    "supertux": ("SuperTux", "Game soundtrack"),
    "warzone2100": ("Warzone 2100 Soundtrack", "Electronic"),
    "colobot": ("Colobot: Gold Edition", None),
    "hedgewars": ("Hedgewars", "Game soundtrack"),
    "singularity": ("Endgame: Singularity", None),
    "nexuiz": ("Nexuiz", "Electronic"),
    "wesnoth": (WESNOTH_ALBUM, "Orchestral"),
}
STRIPPED = {"naev"}
"""Every tag removed; ``widelands``, ``ufoai`` and ``hyperrogue`` keep the package's."""
ADDED_DAYS_AGO = {
    "wesnoth": 400,
    "supertux": 1100,
    "naev": 900,
    "ufoai": 950,
    "warzone2100": 700,
    "widelands": 820,
    "hedgewars": 60,
    "colobot": 520,
    "singularity": 20,
    "nexuiz": 20,
    "hyperrogue": 20,
}
HISTORY_DAYS = 548  # 18 months
RECENT_DAYS = 42
RECENT_SHARE = 0.7
PLAYS_PER_DAY = 5.5
INTEREST = "wesnoth"
SKIPPED = 0.08
PODCASTS = 24

PAGES = {  # screenshot name → (path, title)
    "library": ("", "Library"),
    "taste-map": ("taste_map", "Taste map"),
    "recent-interest": ("interest", "Recent interest"),
    "discover": ("discover", "Discover"),
    "sources": ("sources", "Sources"),
}
LIBRARY_TABS = {"library-mood": "Mood", "library-who": "Who and when", "library-genres": "Genres"}
CHART = "[data-testid='stVegaLiteChart']"
PAINTED = "() => new Promise(r => requestAnimationFrame(() => requestAnimationFrame(r)))"
DRAWN = """() => [...document.querySelectorAll("[data-testid='stVegaLiteChart']")].every(
    c => c.querySelector('canvas.marks, svg.marks'))"""


# The library: files, tags, dates ------------------------------------------------------


def manifest() -> list[dict]:
    path = CORPUS / "manifest.csv"
    if not path.exists():
        sys.exit(f"{path} is missing: build the corpus first (python bench/corpus.py)")
    with path.open(encoding="utf-8") as handle:
        return list(csv.DictReader(handle))


def spread(rows: list[dict], count: int) -> list[dict]:
    """``count`` of ``rows``, spread evenly over them (the manifest's order)."""
    if count >= len(rows):
        return rows
    return [rows[int(i)] for i in np.linspace(0, len(rows) - 1, count).round()]


def file_name(row: dict, number: int, tagged: bool, taken: set[str]) -> str:
    """``NN - Title.ext`` for a tagged source, the package's own name otherwise."""
    original = Path(row["path"])
    if tagged:
        title = re.sub(r'[\\/:*?"<>|]+', " ", row["title"]).strip() or original.stem
        name = f"{number:02d} - {title}{original.suffix}"
    else:
        name = original.name
    stem, n = Path(name).stem, 2
    while name in taken:
        name, n = f"{stem} ({n}){original.suffix}", n + 1
    taken.add(name)
    return name


def write_tags(path: Path, source: str, row: dict, number: int) -> None:
    """Tag ``path`` as the plan for its source says (see the module docstring)."""
    import mutagen

    audio = mutagen.File(path)
    if source in STRIPPED:
        audio.delete()
        return
    if source not in FULL:
        return  # as the package ships it
    album, genre = FULL[source]
    if audio.tags is None:
        audio.add_tags()
    audio.tags.clear()
    tags = {"title": row["title"], "album": album, "tracknumber": str(number)}
    artist = row["artist"]
    if source == INTEREST:
        artist = WESNOTH_ARTIST if number <= WESNOTH_AS_ALBUM else row["artist"]
    if artist:
        tags["artist"] = artist
    if genre:
        tags["genre"] = genre
    for key, value in tags.items():
        audio.tags[key] = [value]
    audio.save()


def copy_sources(rows: list[dict], plan: dict[str, int], into: Path, now: datetime) -> int:
    """Copy and tag each source's share of ``rows`` into ``into/<source>/``."""
    copied = 0
    for source, count in plan.items():
        chosen = spread([r for r in rows if r["source"] == source], count)
        folder = into / source
        folder.mkdir(parents=True, exist_ok=True)
        taken: set[str] = set()
        added = (now - timedelta(days=ADDED_DAYS_AGO[source])).timestamp()
        for number, row in enumerate(chosen, start=1):
            target = folder / file_name(row, number, source in FULL, taken)
            shutil.copyfile(CORPUS / row["path"], target)
            write_tags(target, source, row, number)
            os.utime(target, (added + number * 60, added + number * 60))
            copied += 1
        print(f"  {source}: {len(chosen)} tracks → {folder}")
    return copied


def trace_command(home: Path, *args: str) -> str:
    """Run ``python -m trace args`` on ``home``; its output (printed too)."""
    env = {**os.environ, "TRACE_HOME": str(home), "PYTHONPATH": str(common.ROOT)}
    env.pop("TRACE_DEMO", None)
    started = time.perf_counter()
    done = subprocess.run(
        [sys.executable, "-m", "trace", *args],
        cwd=common.ROOT,
        env=env,
        capture_output=True,
        text=True,
    )
    output = done.stdout + done.stderr
    print(f"$ python -m trace {' '.join(args)}  ({time.perf_counter() - started:.0f} s)")
    print("  " + output.strip().replace("\n", "\n  "))
    if done.returncode:
        raise RuntimeError(f"python -m trace {args[0]} failed ({done.returncode})")
    return output


# The listening history -----------------------------------------------------------------


def streamable(home: Path) -> list[dict]:
    """The library's tracks with an artist and a title as scanned: ``artist``, ``title``,
    ``album``, ``source``, ``duration``."""
    from trace.store import Store

    with Store(home / "trace.sqlite3") as store:
        rows = store.execute(
            "SELECT t.artists, t.title, t.album, t.duration, f.display_path FROM tracks t "
            "JOIN files f ON f.track_id = t.id WHERE t.pool IS NULL AND f.status = 'ok'"
        ).fetchall()
    music = str(home / "music") + "/"
    tracks = []
    for artists, title, album, duration, path in rows:
        names = json.loads(artists or "[]")
        if names and names[0] and title:
            source = path[len(music) :].split("/", 1)[0]
            tracks.append(
                {
                    "artist": names[0],
                    "title": title,
                    "album": album,
                    "source": source,
                    "duration": duration or 180.0,
                }
            )
    return tracks


def _record(at: datetime, ms: int, track: dict | None, skipped: bool, rng) -> dict:
    """One entry as Spotify's extended streaming history writes it."""
    return {
        "ts": at.strftime("%Y-%m-%dT%H:%M:%SZ"),
        "platform": str(rng.choice(["android", "linux", "web_player"])),
        "ms_played": ms,
        "conn_country": "DE",
        "ip_addr": "192.0.2.1",
        "master_metadata_track_name": track["title"] if track else None,
        "master_metadata_album_artist_name": track["artist"] if track else None,
        "master_metadata_album_album_name": track["album"] if track else None,
        # These recordings are not on Spotify: an export naming them would have URIs,
        # but made-up ones would send the dashboard's links nowhere.
        "spotify_track_uri": None,
        "episode_name": None if track else "Episode " + str(rng.integers(1, 300)),
        "episode_show_name": None if track else "The Game Music Podcast",
        "spotify_episode_uri": None,
        "audiobook_title": None,
        "audiobook_uri": None,
        "audiobook_chapter_uri": None,
        "audiobook_chapter_title": None,
        "reason_start": "clickrow" if rng.random() < 0.2 else "trackdone",
        "reason_end": "fwdbtn" if skipped else "trackdone",
        "shuffle": bool(rng.random() < 0.4),
        "skipped": skipped,
        "offline": False,
        "offline_timestamp": None,
        "incognito_mode": False,
    }


def history(tracks: list[dict], end: datetime, seed: int = 29) -> list[dict]:
    """About 3,000 entries over 18 months up to ``end``; the last six weeks 70 % Wesnoth."""
    rng = np.random.default_rng(seed)
    sources = sorted({t["source"] for t in tracks})
    by_source = {s: [t for t in tracks if t["source"] == s] for s in sources}
    usual = dict(zip(sources, rng.dirichlet(np.full(len(sources), 4.0)), strict=True))
    usual[INTEREST] = min(usual[INTEREST], 0.06)  # Wesnoth was a small part before
    favourite = {s: rng.dirichlet(np.full(len(ts), 0.8)) for s, ts in by_source.items()}
    entries = []
    for day in range(HISTORY_DAYS, 0, -1):
        start = end - timedelta(days=day)
        recent = day <= RECENT_DAYS
        for _ in range(rng.poisson(PLAYS_PER_DAY)):
            if recent and rng.random() < RECENT_SHARE:
                source = INTEREST
            else:
                others = [s for s in sources if not recent or s != INTEREST]
                p = np.array([usual[s] for s in others])
                source = str(rng.choice(others, p=p / p.sum()))
            pick = by_source[source]
            track = pick[int(rng.choice(len(pick), p=favourite[source]))]
            skipped = bool(rng.random() < SKIPPED)
            length = int(track["duration"] * 1000)
            ms = int(rng.integers(3_000, 25_000)) if skipped else length
            at = start + timedelta(seconds=int(rng.integers(7 * 3600, 24 * 3600)))
            entries.append(_record(at, ms, track, skipped, rng))
    for _ in range(PODCASTS):
        at = end - timedelta(days=int(rng.integers(1, HISTORY_DAYS)), hours=3)
        entries.append(_record(at, int(rng.integers(600_000, 3_000_000)), None, False, rng))
    entries.sort(key=lambda e: e["ts"])
    return entries


def write_export(entries: list[dict], folder: Path) -> list[Path]:
    """Spotify's file names: ``Streaming_History_Audio_<years>_<n>.json``, by year."""
    folder.mkdir(parents=True, exist_ok=True)
    chunks = [entries[i : i + 1500] for i in range(0, len(entries), 1500)]
    paths = []
    for n, chunk in enumerate(chunks):
        first, last = chunk[0]["ts"][:4], chunk[-1]["ts"][:4]
        years = first if first == last else f"{first}-{last}"
        path = folder / f"Streaming_History_Audio_{years}_{n}.json"
        path.write_text(json.dumps(chunk, indent=2), encoding="utf-8")
        paths.append(path)
    return paths


def build(home: Path) -> None:
    rows = manifest()
    now = datetime.now(UTC).replace(minute=0, second=0, microsecond=0)
    print(f"Building {home} from {CORPUS / 'manifest.csv'} ({len(rows)} recordings)")
    home.mkdir(parents=True)
    library = copy_sources(rows, LIBRARY, home / "music", now)
    pool = copy_sources(rows, POOL, home / POOL_NAME, now)
    print(f"  {library} library tracks, {pool} candidates")
    trace_command(home, "scan", str(home / "music"))
    trace_command(home, "scan", "--pool", POOL_NAME, str(home / POOL_NAME))
    trace_command(home, "extract")
    tracks = streamable(home)
    entries = history(tracks, end=now - timedelta(hours=2))
    music = sum(e["master_metadata_track_name"] is not None for e in entries)
    recent = [
        e
        for e in entries
        if e["ts"] >= (now - timedelta(days=RECENT_DAYS)).strftime("%Y-%m-%dT%H:%M:%SZ")
        and e["master_metadata_track_name"]
    ]
    wesnoth = sum(e["master_metadata_album_album_name"] == WESNOTH_ALBUM for e in recent)
    print(
        f"  history: {len(entries):,} entries ({music:,} of music) of {len(tracks)} tracks "
        f"with an artist and a title; last {RECENT_DAYS} days {wesnoth}/{len(recent)} Wesnoth"
    )
    write_export(entries, home / "Spotify Extended Streaming History")
    trace_command(home, "import", str(home / "Spotify Extended Streaming History"))
    out = home / "analysis.json"
    trace_command(home, "analyse", "--json", str(out))
    analysis = json.loads(out.read_text(encoding="utf-8"))
    print("  interests: " + "; ".join(i["name"] for i in analysis["interests"]))


# The browser ---------------------------------------------------------------------------


def background_jobs(home: Path) -> list[str]:
    """The command lines of ``python -m trace`` jobs running on ``home``."""
    found = []
    for folder in dashboard_bench.processes(home, b"trace\0--progress"):
        try:
            command = (folder / "cmdline").read_bytes()
        except OSError:  # ended meanwhile
            continue
        found.append(command.replace(b"\0", b" ").decode(errors="replace"))
    return found


def wait_for_jobs(home: Path, timeout: float = 900.0) -> float:
    started = time.perf_counter()
    while background_jobs(home):
        if time.perf_counter() - started > timeout:
            raise TimeoutError(f"background jobs still running: {background_jobs(home)}")
        time.sleep(0.5)
    return time.perf_counter() - started


STAGES: dict[str, float] = {}
"""The last visit's seconds until its title showed and until its script was idle."""


def drawn(page, title: str, started: float, timeout_ms: int = 300_000) -> float:
    """Seconds from ``started`` until the page titled ``title`` is idle with every chart
    drawn and painted."""
    page.wait_for_selector(f"h1:has-text('{title}')", timeout=timeout_ms)
    STAGES["title"] = time.perf_counter() - started
    page.wait_for_selector(IDLE, timeout=timeout_ms)
    STAGES["idle"] = time.perf_counter() - started
    page.wait_for_function(DRAWN, timeout=timeout_ms)
    page.evaluate(PAINTED)
    elapsed = time.perf_counter() - started
    errors = page.locator("[data-testid='stException']")
    if errors.count():
        print(f"  !! {title}: {errors.first.inner_text()[:500]}")
    return elapsed


def visit(page, url: str, path: str, title: str) -> float:
    started = time.perf_counter()
    page.goto(f"{url}/{path}")
    return drawn(page, title, started)


TALL = """() => Math.max(...[...document.querySelectorAll(
    "[data-testid='stMain'], [data-testid='stSidebarContent']")].map(e => e.scrollHeight))"""


def shoot(page, path: Path, height: int) -> None:
    """The whole page: Streamlit scrolls inside its main section, so the viewport is
    made as tall as that section's content (at least ``height``) for the picture."""
    page.wait_for_timeout(1500)  # Vega's transitions, the tooltips' fonts
    tall = max(height, int(page.evaluate(TALL)))
    page.set_viewport_size({"width": 1400, "height": tall})
    page.wait_for_timeout(1000)
    page.wait_for_function(DRAWN, timeout=60_000)
    page.screenshot(path=str(path))
    page.set_viewport_size({"width": 1400, "height": height})
    print(f"  wrote {path} (1400×{tall})")


def click_tab(page, name: str) -> None:
    page.get_by_role("tab", name=name).click()
    page.wait_for_timeout(300)
    page.wait_for_selector(IDLE, timeout=120_000)
    page.wait_for_function(DRAWN, timeout=120_000)


def open_expanders(page) -> None:
    """Open every closed expander on the page (the interests, the reasons in full)."""
    for summary in page.locator("[data-testid='stExpander'] summary").all():
        if summary.is_visible():
            summary.click()
            page.wait_for_timeout(300)
    page.wait_for_selector(IDLE, timeout=120_000)
    page.wait_for_function(DRAWN, timeout=120_000)


def screenshots(home: Path, out: Path, height: int) -> dict[str, float]:
    """Every page of the dashboard as ``out/real-*.png``; each page's first visit (s)."""
    out.mkdir(parents=True, exist_ok=True)
    seconds = {}
    with dashboard(home, timeout=180) as url, browser_page() as page:
        page.set_viewport_size({"width": 1400, "height": height})
        for name, (path, title) in PAGES.items():
            seconds[name] = visit(page, url, path, title)
            print(f"  {title}: first visit in the first session {seconds[name]:.1f} s")
            if name == "taste-map":
                seconds["background"] = wait_for_jobs(home)
                page.reload()
                drawn(page, title, time.perf_counter())
            shoot(page, out / f"real-{name}.png", height)
            if name == "library":
                for shot, tab in LIBRARY_TABS.items():
                    click_tab(page, tab)
                    shoot(page, out / f"real-{shot}.png", height)
            if name == "recent-interest":
                open_expanders(page)
                shoot(page, out / "real-recent-interest-open.png", height)
            if name == "discover":
                click_tab(page, "All candidates")
                shoot(page, out / "real-discover-all.png", height)
                open_expanders(page)
                shoot(page, out / "real-discover-reasons.png", height)
        page.goto(f"{url}/taste_map")
        drawn(page, "Taste map", time.perf_counter())
        from screenshots import click_a_point

        try:
            click_a_point(page)
            page.locator("[class*='st-key-map-track']").first.scroll_into_view_if_needed()
            page.wait_for_timeout(1500)
            page.screenshot(path=str(out / "real-taste-map-track.png"))
            print(f"  wrote {out / 'real-taste-map-track.png'}")
        except Exception as error:  # a missing picture is reported, not fatal
            print(f"  !! no clicked point: {error}")
        wait_for_jobs(home)
    return seconds


def first_visits(home: Path, rounds: int) -> tuple[dict, dict]:
    """Seconds of each page's first visit after a restart: ``alone`` (the page is the
    first one opened) and ``in_turn`` (the pages one after another), ``rounds`` each."""
    alone: dict[str, list[float]] = {name: [] for name in PAGES}
    in_turn: dict[str, list[float]] = {name: [] for name in PAGES}
    with browser_page() as first:
        context = first.context
        for n in range(rounds):
            for name, (path, title) in PAGES.items():
                with dashboard(home, timeout=180) as url:
                    page = context.new_page()
                    alone[name].append(visit(page, url, path, title))
                    print(
                        f"    {title} first: title {STAGES['title']:.2f} s, "
                        f"idle {STAGES['idle']:.2f} s, drawn {alone[name][-1]:.2f} s"
                    )
                    page.close()
            with dashboard(home, timeout=180) as url:
                page = context.new_page()
                for name, (path, title) in PAGES.items():
                    in_turn[name].append(visit(page, url, path, title))
                page.close()
            print(
                f"  round {n + 1} (load {os.getloadavg()[0]:.1f}): alone "
                + ", ".join(f"{k} {v[-1]:.2f} s" for k, v in alone.items())
                + "; in turn "
                + ", ".join(f"{k} {v[-1]:.2f} s" for k, v in in_turn.items())
            )
            wait_for_jobs(home)
    return alone, in_turn


def table(alone: dict, in_turn: dict) -> str:
    lines = [
        "| page | first opened after a restart | opened in turn after a restart | < 2 s |",
        "| --- | --- | --- | --- |",
    ]
    for name, (_, title) in PAGES.items():
        worst = max(alone[name] + in_turn[name])
        lines.append(
            f"| {title} | {' / '.join(f'{s:.2f} s' for s in alone[name])} "
            f"| {' / '.join(f'{s:.2f} s' for s in in_turn[name])} "
            f"| {'yes' if worst < 2 else 'no'} |"
        )
    return "\n".join(lines)


def genres(home: Path, seeds: int = 5) -> str:
    """The Library's genre model (Genres tab) on the home's genre tags: its out-of-bag
    accuracy on TRACE's features alone and with MusiCNN's embedding, over forest seeds."""
    from trace.analysis.embed import scale
    from trace.analysis.genre import fit_genre
    from trace.analysis.params import FeatureParams
    from trace.analysis.pipeline import AnalysisParams, Inputs, StageCache
    from trace.analysis.stages import MapStages
    from trace.store import Store

    with Store(home / "trace.sqlite3") as store:
        library = MapStages(Inputs.of(store), AnalysisParams(), StageCache()).library()
    lines = [
        f"genre model on {home.name}: {library['genre'].replace('', None).notna().sum()} "
        f"of {len(library)} tracks tagged"
    ]
    for name, learned in (("TRACE's features", False), ("features + MusiCNN", True)):
        values = scale(library, FeatureParams(learned=learned)).values
        fits = [fit_genre(library["genre"], values, seed=seed) for seed in range(seeds)]
        accuracy = [f.accuracy for f in fits]
        balanced = [f.balanced_accuracy for f in fits]
        lines.append(
            f"  {name}: out-of-bag accuracy {np.mean(accuracy):.3f} "
            f"(seeds {min(accuracy):.3f}–{max(accuracy):.3f}), balanced {np.mean(balanced):.3f}; "
            f"genres {dict(fits[0].counts)}"
        )
    return "\n".join(lines)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--home", type=Path, default=CORPUS / "real-home")
    parser.add_argument("--fresh", action="store_true", help="build the home again")
    parser.add_argument("--shots", type=Path, default=common.ROOT / "docs" / "screenshots")
    parser.add_argument("--height", type=int, default=1500)
    parser.add_argument("--rounds", type=int, default=2)
    parser.add_argument("--no-shots", action="store_true", help="only time the first visits")
    parser.add_argument(
        "--genres", action="store_true", help="the genre model's accuracy, with and without MusiCNN"
    )
    args = parser.parse_args()
    home = args.home.resolve()
    os.environ.pop("TRACE_DEMO", None)
    if args.fresh and home.exists():
        shutil.rmtree(home)
    if not (home / "trace.sqlite3").exists():
        build(home)
    if args.genres:
        trace_command(home, "extract")  # a home built by an older extractor catches up
        print(genres(home))
    if not args.no_shots and not args.genres:
        print("Screenshots (the first session: results computed and kept on disk)")
        seconds = screenshots(home, args.shots, args.height)
        print(f"  background jobs after the Taste map: {seconds.pop('background', 0):.0f} s")
    if not args.rounds:
        return
    print(f"First visits after a restart, {args.rounds} rounds")
    alone, in_turn = first_visits(home, args.rounds)
    print(f"machine: {common.machine()}")
    print(table(alone, in_turn))
    every = [s for values in (*alone.values(), *in_turn.values()) for s in values]
    print(f"median {statistics.median(every):.2f} s, slowest {max(every):.2f} s")


if __name__ == "__main__":
    main()

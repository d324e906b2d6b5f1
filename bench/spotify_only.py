"""A Spotify-only person: previews and discover against a local fake of Deezer and iTunes.

    .venv/bin/python bench/corpus.py                  # once: the real corpus (bench/corpus/)
    .venv/bin/python bench/spotify_only.py            # 1,000 library tracks, interest: wesnoth
    .venv/bin/python bench/spotify_only.py --tracks 300 --interest warzone2100 --seed 2

The issue's targets for a person with a synced Spotify library, an imported streaming
history and no audio file at all: at least 95 % of the library tracks the catalogue has
are on the map; no track gets another recording's audio; their recent interest is found;
``discover`` brings candidates from the catalogue and at least half of the top 10 serve
that interest; previews of 1,000 tracks take under 10 minutes of the person's time on 2
cores, the catalogue's rate limit aside (both figures are reported). Everything runs
offline: ``tests/fake_catalogue.py`` serves Deezer's and iTunes' APIs over real HTTP.

**Audio.** The real corpus (``bench/corpus/manifest.csv``: soundtracks of Debian game and
music packages, each package a "source", the style of this bench). A track's preview is
30 s of a recording as 128 kbit/s MP3, cut as ``bench/previews.py`` cuts them (from 30 %
of the recording, kept in ``bench/corpus/previews/start-0.30/clips/``). The corpus has
354 recordings, so to reach 1,000 library tracks a recording also gives "tracks" cut from
55 %, 5 % and 80 % of it (``start-0.55`` … beside the first; only cuts at least 10 s
apart): each library track has a clip of its own — distinct audio, analysed on its own
— but up to four tracks of the library share one recording's sound, like the movements
of a suite. Such a track is titled "<title> (Part k)". Candidates never share a
recording with the library.

**The person.** A TRACE home with no audio file: every library track is a Spotify track
(``track_for`` with a ``spotify:track:`` URI, into the library), all added at the start
of the history. The history is ``bench/listeners.py``'s "dominant" listener (a Dirichlet
taste over the sources, the interest's source played least before): 480 days of usual
listening, then 6 weeks in which 80 % of the plays go to the interest's source, about
14 plays a day, ending today; stored through ``trace.sources.plays.store_plays`` as
Spotify plays.

**The catalogue.** Of the library tracks (by the seed): 3 % are on neither service; 4 %
only on iTunes (AAC); 8 % on Deezer under an ISRC other than the one Spotify gave (found
by search); 17 % on Deezer but the person's side has no ISRC (search); the rest on Deezer
by the same ISRC. Half of the tracks in the first four groups have decoys ranked above
the real one on each service that is searched: a "(Live)" take, an "<artist> Tribute"
song of the same name and length (the shape of ``tests/test_catalogue.py``'s decoy), and
a version of the same artist and title 80 % longer, each with another recording's audio;
for a track on neither service, the decoys are all there is. The candidate side: 40 %
of the interest's source's recordings are held out and given to made-up artists (two
top tracks each) related to every library artist of that source, with three related
artists of other styles and two the person owns mixed in; four recordings of each of
six other sources go to artists related to those sources' library artists.

**The run**, each step timed: ``hear_previews`` with Deezer's real limit (50 requests in
5 s, the fake enforcing the same with its quota error) and iTunes' (20 a minute); the
analysis (``trace.analysis.pipeline``, as ``analyse`` runs it); ``discover_candidates``
from ``interest_artists`` (or ``usual_artists``) with the command's defaults; the
analysis again, and the top 10 of the ranking.
"""

from __future__ import annotations

import argparse
import csv
import io
import os
import re
import shutil
import sys
import tempfile
import time
from collections import Counter
from dataclasses import dataclass
from datetime import UTC, datetime
from multiprocessing import Pool
from pathlib import Path

import av
import common
import listeners
import numpy as np
import pandas as pd
import previews as clip_bench
from fake_catalogue import deezer_track, itunes_song, serve_catalogue

from trace.library.identity import Identity, track_for
from trace.library.text import match_key
from trace.store import Store

CORPUS = common.ROOT / "bench" / "corpus"
STARTS = (0.30, 0.55, 0.05, 0.80)
"""Where a recording's clips start, as a share of its length; the first is the main one."""
MIN_GAP_S = 10.0
"""Two cuts of one recording start at least this far apart."""
RECENT = pd.Timedelta(weeks=6)
INTEREST_HELD_OUT = 0.4
OTHER_SOURCES = 6
OTHER_HELD_OUT = 4
TOP_TRACKS = 2
GROUPS = {"absent": 0.03, "itunes": 0.04, "isrc-other": 0.08, "search": 0.17}
"""Shares of the library; the rest is found on Deezer by the ISRC Spotify gives."""
DECOYED = 0.5
DEEZER_LIMIT = (50, 5.0)
ITUNES_LIMIT = (20, 60.0)
UNLIMITED = (1_000_000, 1.0)


# -- the corpus -----------------------------------------------------------------------------


@dataclass(frozen=True)
class Recording:
    number: int  # row of the manifest, as bench/previews.py numbers the clips
    source: str
    artist: str
    title: str
    duration: float
    path: Path

    def clip(self, start: float) -> Path:
        folder = CORPUS / "previews" / f"start-{start:.2f}" / "clips"
        return folder / self.source / f"{self.number:04d}.mp3"

    def starts(self) -> list[float]:
        """The cuts this recording gives, main first, each ``MIN_GAP_S`` from the others."""
        kept: list[tuple[float, float]] = []
        for start in STARTS:
            begin = clip_bench.clip_span(self.duration, start)[0]
            if all(abs(begin - other) >= MIN_GAP_S for _, other in kept):
                kept.append((start, begin))
        return [start for start, _ in kept]


def recordings() -> list[Recording]:
    """The manifest, every recording with an artist and a title, no two alike by name."""
    path = CORPUS / "manifest.csv"
    if not path.exists():
        sys.exit("No corpus yet: run `.venv/bin/python bench/corpus.py` first.")
    with path.open() as handle:
        rows = list(csv.DictReader(handle))
    found, keys = [], set()
    for number, row in enumerate(rows):
        source = row["source"]
        artist = row["artist"].strip() or f"{source.title()} Ensemble"
        title = base = row["title"].strip() or f"Theme {number}"
        copy = 1
        while match_key(artist, title) in keys:
            copy += 1
            title = f"{base} {copy}"
        keys.add(match_key(artist, title))
        original = Path(row["path"])
        found.append(
            Recording(
                number,
                source,
                artist,
                title,
                float(row["duration_s"]),
                original if original.is_absolute() else CORPUS / original,
            )
        )
    return found


def _cut(job: tuple[Path, list[tuple[Path, float]]]) -> str:
    """Decode one recording once and write each missing clip of it."""
    original, targets = job
    try:
        samples = clip_bench._read(original)
        duration = samples.shape[1] / clip_bench.CLIP_RATE
        for target, start in targets:
            begin, end = clip_bench.clip_span(duration, start)
            target.parent.mkdir(parents=True, exist_ok=True)
            rate = clip_bench.CLIP_RATE
            clip_bench._encode(samples[:, round(begin * rate) : round(end * rate)], target)
        return ""
    except Exception as error:  # one recording must not stop the run
        return f"{original}: {type(error).__name__}: {error}"


def make_clips(wanted: list[tuple[Recording, float]], workers: int) -> None:
    by_recording: dict[Recording, list[tuple[Path, float]]] = {}
    for recording, start in wanted:
        if not recording.clip(start).exists():
            by_recording.setdefault(recording, []).append((recording.clip(start), start))
    if not by_recording:
        return
    count = sum(map(len, by_recording.values()))
    print(f"Cutting {count} clips of 30 s from {len(by_recording)} recordings (once)…")
    started = time.perf_counter()
    with Pool(workers) as pool:
        jobs = [(r.path, targets) for r, targets in by_recording.items()]
        problems = [p for p in pool.imap_unordered(_cut, jobs) if p]
    for problem in problems:
        print(f"  {problem}")
    print(f"  done in {time.perf_counter() - started:.0f} s, {len(problems)} failed", flush=True)


def m4a(mp3: Path) -> bytes:
    """An MP3 clip as AAC in MP4, as iTunes serves its previews."""
    out_buffer = io.BytesIO()
    with av.open(str(mp3)) as source, av.open(out_buffer, "w", format="mp4") as out:
        stream = out.add_stream("aac", rate=44100, layout="stereo")
        stream.bit_rate = 128_000
        resampler = av.AudioResampler(format="fltp", layout="stereo", rate=44100)
        for frame in source.decode(audio=0):
            for chunk in resampler.resample(frame):
                chunk.pts = None
                for packet in stream.encode(chunk):
                    out.mux(packet)
        for packet in stream.encode(None):
            out.mux(packet)
    return out_buffer.getvalue()


# -- the world ------------------------------------------------------------------------------


@dataclass
class LibraryTrack:
    index: int
    recording: Recording
    start: float
    title: str
    group: str = "isrc"
    decoyed: bool = False
    isrc: str | None = None  # what the person's Spotify track carries
    deezer_id: int | None = None
    itunes_id: int | None = None
    track_id: int = 0

    @property
    def artist(self) -> str:
        return self.recording.artist

    @property
    def truth(self) -> tuple[str, str] | None:
        if self.deezer_id is not None:
            return "deezer", str(self.deezer_id)
        if self.itunes_id is not None:
            return "itunes", str(self.itunes_id)
        return None


@dataclass
class Candidate:
    deezer_id: int
    recording: Recording
    artist: str
    artist_id: int


@dataclass
class World:
    interest: str
    library: list[LibraryTrack]
    candidates: list[Candidate]
    decoys: dict[tuple[str, str], str]  # (service, id) -> kind
    shared_recordings: int


def _names(count: int, rng: np.random.Generator, taken: set[str]) -> list[str]:
    syllables = ["ka", "lo", "mi", "ren", "sa", "tor", "vel", "un", "bri", "do", "fe", "gal"]
    names: list[str] = []
    while len(names) < count:
        first, second = ("".join(rng.choice(syllables, n)) for n in rng.integers(2, 4, 2))
        name = f"{first.title()} {second.title()}"
        if name.casefold() not in taken:
            taken.add(name.casefold())
            names.append(name)
    return names


def plan_world(tracks: int, interest: str, seed: int) -> World:
    """Who owns what, what the catalogue holds, and who is related to whom."""
    rng = np.random.default_rng(seed)
    every = recordings()
    sources = sorted({r.source for r in every})
    if interest not in sources:
        sys.exit(f"--interest must be one of {', '.join(sources)}")
    held: list[Recording] = []
    by_source = {s: [r for r in every if r.source == s] for s in sources}
    mine = by_source[interest]
    order = rng.permutation(len(mine))
    held += [mine[i] for i in order[: round(len(mine) * INTEREST_HELD_OUT)]]
    others = [s for s in sources if s != interest and len(by_source[s]) >= 2 * OTHER_HELD_OUT]
    for source in rng.choice(others, size=min(OTHER_SOURCES, len(others)), replace=False):
        group = by_source[str(source)]
        held += [group[i] for i in rng.permutation(len(group))[:OTHER_HELD_OUT]]
    held_numbers = {r.number for r in held}
    owned = [r for r in every if r.number not in held_numbers]

    # library tracks: every owned recording's main cut, then more cuts in turn
    cuts = [(r, r.starts()) for r in owned]
    library = [LibraryTrack(0, r, starts[0], r.title) for r, starts in cuts]
    extra = 1
    while len(library) < tracks and any(len(s) > extra for _, s in cuts):
        for i in rng.permutation(len(cuts)):
            recording, starts = cuts[i]
            if len(library) < tracks and len(starts) > extra:
                title = f"{recording.title} (Part {extra + 1})"
                library.append(LibraryTrack(0, recording, starts[extra], title))
        extra += 1
    library = [library[i] for i in sorted(rng.permutation(len(library))[:tracks])]
    for index, track in enumerate(library):
        track.index = index

    # what the catalogue holds of them
    order = rng.permutation(len(library))
    edges = np.cumsum([round(share * len(library)) for share in GROUPS.values()])
    for rank, i in enumerate(order):
        track = library[i]
        group = next((g for g, edge in zip(GROUPS, edges, strict=True) if rank < edge), "isrc")
        track.group = group
        track.decoyed = group != "isrc" and bool(rng.random() < DECOYED)
        if group in ("isrc", "isrc-other", "search"):
            track.deezer_id = 1_000_000 + track.index
        if group == "itunes":
            track.itunes_id = 2_000_000 + track.index
        # Spotify's ISRC: Deezer's own for "isrc", one Deezer does not know for
        # "isrc-other" and for half of those Deezer lacks, none for "search"
        unknown = group in ("itunes", "absent") and bool(rng.random() < 0.5)
        if group in ("isrc", "isrc-other") or unknown:
            track.isrc = f"QZSPT{track.index:07d}"

    # candidates: made-up artists with held-out recordings
    taken = {r.artist.casefold() for r in every}
    candidates: list[Candidate] = []
    for source in dict.fromkeys(r.source for r in held):
        group = [r for r in held if r.source == source]
        names = _names((len(group) + TOP_TRACKS - 1) // TOP_TRACKS, rng, taken)
        for k, recording in enumerate(group):
            candidates.append(
                Candidate(
                    5_000_000 + len(candidates),
                    recording,
                    names[k // TOP_TRACKS],
                    0,
                )
            )
    per_recording = Counter(t.recording.number for t in library)
    shared = sum(1 for count in per_recording.values() if count > 1)
    return World(interest, library, candidates, {}, shared)


def stock_catalogue(fake, world: World, seed: int) -> dict[str, int]:
    """Put the world's catalogue into the fake; the counts of what went in."""
    rng = np.random.default_rng([seed, 1])
    artist_ids: dict[str, int] = {}

    def artist_id(name: str) -> int:
        return artist_ids.setdefault(name, 1_000 + len(artist_ids))

    every = {t.recording.number: t.recording for t in world.library}
    every |= {c.recording.number: c.recording for c in world.candidates}
    pool = list(every.values())
    read: dict[tuple[Path, str], bytes] = {}

    def audio(path: Path, kind: str = "mp3") -> bytes:
        """A clip's bytes (as AAC for iTunes), read once and shared."""
        if (path, kind) not in read:
            read[path, kind] = path.read_bytes() if kind == "mp3" else m4a(path)
        return read[path, kind]

    def other_audio(recording: Recording, kind: str = "mp3") -> bytes:
        while True:
            other = pool[int(rng.integers(len(pool)))]
            if other.source != recording.source:
                return audio(other.clip(STARTS[0]), kind)

    counts: Counter[str] = Counter()
    for track in world.library:
        recording = track.recording
        album = f"{recording.source.title()} Soundtrack"
        seconds = round(recording.duration)
        aid = artist_id(track.artist)
        if track.decoyed:  # ranked above the real one, each with another recording's audio
            base = 3_000_000 + 10 * track.index
            decoys = (
                ("live", base, track.artist, aid, "(Live)", round(seconds * 1.05)),
                ("tribute", base + 1, f"{track.artist} Tribute", None, "", seconds),
                ("longer", base + 2, track.artist, aid, "", round(seconds * 1.8)),
            )
            for rank, (kind, did, artist, owner, version, length) in enumerate(decoys):
                owner = owner if owner is not None else artist_id(artist)
                fake.add_deezer(
                    deezer_track(
                        did,
                        artist=artist,
                        title=track.title,
                        album=album,
                        duration=length,
                        title_version=version,
                        artist_id=owner,
                        rank=900_000 - 100_000 * rank,
                    ),
                    other_audio(recording),
                )
                world.decoys["deezer", str(did)] = kind
                counts[f"Deezer decoy: {kind}"] += 1
            if track.group in ("itunes", "absent"):
                for kind, iid, artist, title in (
                    ("live", 4_000_000 + 10 * track.index, track.artist, f"{track.title} (Live)"),
                    ("tribute", 4_000_001 + 10 * track.index, f"{track.artist} Tribute", None),
                ):
                    song = itunes_song(
                        iid,
                        artist=artist,
                        title=title or track.title,
                        album=album,
                        duration_ms=seconds * 1000,
                    )
                    fake.add_itunes(song, other_audio(recording, "m4a"))
                    world.decoys["itunes", str(iid)] = kind
                    counts[f"iTunes decoy: {kind}"] += 1
        if track.deezer_id is not None:
            isrc = track.isrc if track.group == "isrc" else f"QZDZR{track.index:07d}"
            fake.add_deezer(
                deezer_track(
                    track.deezer_id,
                    artist=track.artist,
                    title=track.title,
                    album=album,
                    isrc=isrc,
                    duration=seconds,
                    artist_id=aid,
                    rank=int(rng.integers(100_000, 600_000)),
                ),
                audio(recording.clip(track.start)),
            )
        if track.itunes_id is not None:
            song = itunes_song(
                track.itunes_id,
                artist=track.artist,
                title=track.title,
                album=album,
                duration_ms=round(recording.duration * 1000),
            )
            fake.add_itunes(song, audio(recording.clip(track.start), "m4a"))
        counts[track.group] += 1

    # the candidate side
    for number, candidate in enumerate(world.candidates):
        candidate.artist_id = artist_id(candidate.artist)
        fake.add_deezer(
            deezer_track(
                candidate.deezer_id,
                artist=candidate.artist,
                title=candidate.recording.title,
                album=f"{candidate.artist} – Album",
                duration=round(candidate.recording.duration),
                artist_id=candidate.artist_id,
                rank=800_000 - number,
            ),
            audio(candidate.recording.clip(STARTS[0])),
        )
    new_by_source: dict[str, list[int]] = {}
    for candidate in world.candidates:
        ids = new_by_source.setdefault(candidate.recording.source, [])
        if candidate.artist_id not in ids:
            ids.append(candidate.artist_id)
    owned_by_source: dict[str, list[int]] = {}
    for track in world.library:
        ids = owned_by_source.setdefault(track.recording.source, [])
        if artist_ids[track.artist] not in ids:
            ids.append(artist_ids[track.artist])
    other_new = [a for s, ids in new_by_source.items() if s != world.interest for a in ids]
    for source, owners in owned_by_source.items():
        for owner in owners:
            own_style = [int(a) for a in rng.permutation(new_by_source.get(source, []))]
            picked = rng.choice(other_new, size=min(3, len(other_new)), replace=False)
            strangers = [int(a) for a in picked]
            peers = [a for a in owners if a != owner]
            peers = [int(a) for a in rng.permutation(peers)[:2]] if peers else []
            related = own_style[:7]
            for position, artist in zip((2, 5, 8), strangers, strict=False):
                related.insert(min(position, len(related)), artist)
            for position, artist in zip((3, 7), peers, strict=False):
                related.insert(min(position, len(related)), artist)
            fake.relate(owner, related[:12])
    counts["candidates"] = len(world.candidates)
    counts["candidate artists"] = sum(map(len, new_by_source.values()))
    return dict(counts)


def move_in(store: Store, world: World, seed: int) -> tuple[int, pd.Timestamp]:
    """The person's Spotify library and streaming history; the number of plays stored."""
    from trace.sources.plays import ImportTally, Play, store_plays

    today = pd.Timestamp(datetime.now(UTC).date(), tz="UTC")
    start = today - RECENT - listeners.LONG_RUN
    identities = {}
    with store.batch():
        for track in world.library:
            identity = Identity(
                title=track.title,
                artists=[track.artist],
                uri=f"spotify:track:{track.index:022d}",
                isrc=track.isrc,
                album=f"{track.recording.source.title()} Soundtrack",
                duration=track.recording.duration,
            )
            track.track_id, created = track_for(
                store, identity, None, added_at=start.isoformat(timespec="seconds")
            )
            assert created, f"{track.artist} – {track.title} met another track"
            identities[track.index] = identity
    sources = sorted({t.recording.source for t in world.library})
    rng = np.random.default_rng([seed, 2])
    taste = dict(zip(sources, rng.dirichlet(np.full(len(sources), 3.0)), strict=True))
    least = min(taste, key=taste.get)  # the interest's source was played least before
    taste[least], taste[world.interest] = taste[world.interest], taste[least]
    listener = listeners.Listener("dominant", seed, taste, (world.interest,))
    frame = pd.DataFrame(
        {
            "id": [t.index for t in world.library],
            "source": [t.recording.source for t in world.library],
        }
    )
    until = listeners.START + RECENT
    history = listeners.plays(listener, frame, until)
    shift = today - until
    plays = [
        Play(
            identities[int(row.track_id)],
            (row.played_at + shift).to_pydatetime(),
            int(row.ms_played),
            bool(row.skipped),
        )
        for row in history.itertuples()
    ]
    store_plays(store, plays, ImportTally(), source="spotify")
    return len(plays), start


# -- the run --------------------------------------------------------------------------------


def clients(fake, limits: tuple[tuple[int, float], tuple[int, float]], notes: list[str]):
    from trace.sources.catalogue.services import Deezer, ITunes

    (d_calls, d_period), (i_calls, i_period) = limits
    return (
        Deezer(fake.deezer_url, calls=d_calls, period=d_period, notify=notes.append),
        ITunes(fake.itunes_url, calls=i_calls, period=i_period, notify=notes.append),
    )


def progress_printer(label: str):
    shown = [-1]

    def report(done: int, total: int, message: str) -> None:
        step = 10 * done // total if total else 10
        if step > shown[0]:
            shown[0] = step
            print(f"  {label}: {message}", flush=True)

    return report


def analysed(store: Store):
    """The analysis as ``trace.analysis.pipeline.analyse`` runs it, and its pipeline
    (whose stages hold the interests even when there is no candidate to rank)."""
    from trace.analysis import pipeline

    params = pipeline.load_params(store)[0]
    cache = pipeline.StageCache(pipeline.DiskResults.beside(store.path))
    pipe = pipeline.Pipeline(pipeline.Inputs.of(store), params, cache)
    return pipe, pipe.analysis()


def timed(action):
    started = time.perf_counter()
    value = action()
    return value, time.perf_counter() - started


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--tracks", type=int, default=1000, help="library tracks (Spotify)")
    parser.add_argument("--interest", default="wesnoth", help="the source turned to lately")
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--workers", type=int, default=os.cpu_count() or 1)
    parser.add_argument(
        "--unlimited", action="store_true", help="no rate limit on either side (a check)"
    )
    parser.add_argument("--keep", type=Path, help="keep the person's TRACE home here")
    args = parser.parse_args()

    world = plan_world(args.tracks, args.interest, args.seed)
    wanted = [(t.recording, t.start) for t in world.library]
    wanted += [(c.recording, STARTS[0]) for c in world.candidates]
    make_clips(wanted, args.workers)
    home = args.keep or Path(tempfile.mkdtemp(prefix="trace-spotify-only-"))
    if home.exists():
        shutil.rmtree(home)
    home.mkdir(parents=True)
    os.environ["TRACE_HOME"] = str(home)

    from trace.analysis.pipeline import interest_artists
    from trace.sources.catalogue.discover import POOL, discover_candidates, usual_artists
    from trace.sources.catalogue.previews import hear_previews

    limits = (UNLIMITED, UNLIMITED) if args.unlimited else (DEEZER_LIMIT, ITUNES_LIMIT)
    try:
        with serve_catalogue() as fake, Store() as store:
            fake.deezer_limit, fake.itunes_limit = limits
            stocked, stock_s = timed(lambda: stock_catalogue(fake, world, args.seed))
            (plays, since), _ = timed(lambda: move_in(store, world, args.seed))
            print(
                f"World: {len(world.library):,} Spotify library tracks "
                f"({world.shared_recordings} recordings give more than one), "
                f"{plays:,} plays since {since.date()}, interest: {world.interest}; "
                f"catalogue stocked in {stock_s:.0f} s: {stocked}",
                flush=True,
            )

            notes: list[str] = []
            deezer, itunes = clients(fake, limits, notes)
            heard, previews_s = timed(
                lambda: hear_previews(
                    store,
                    deezer=deezer,
                    itunes=itunes,
                    workers=args.workers,
                    progress=progress_printer("previews"),
                )
            )
            print(heard, flush=True)
            quota = [
                (match[1], float(match[2]))
                for note in notes
                if (match := re.match(r"(\w+)'s request quota .* waiting ([\d.]+) s", note))
            ]

            (pipe, first), first_s = timed(lambda: analysed(store))
            interests = pipe.taste()[1]
            seeds = interest_artists(first) or usual_artists(store)
            discover_notes: list[str] = []
            deezer2, _ = clients(fake, limits, discover_notes)
            found, discover_s = timed(
                lambda: discover_candidates(
                    store,
                    seeds,
                    deezer=deezer2,
                    workers=args.workers,
                    progress=progress_printer("discover"),
                )
            )
            print(found, flush=True)
            (_, second), second_s = timed(lambda: analysed(store))
            rows = store.frame("SELECT track_id, status, how, service, service_id FROM previews")
            pools = dict(store.execute("SELECT id, pool FROM tracks").fetchall())
    finally:
        if args.keep is None:
            shutil.rmtree(home, ignore_errors=True)

    report(
        args,
        world,
        heard,
        previews_s,
        (deezer, itunes),
        quota,
        first,
        interests,
        seeds,
        found,
        second,
        rows,
        pools,
        POOL,
        {"analyse": first_s, "discover": discover_s, "analyse again": second_s},
    )


def report(
    args,
    world: World,
    heard,
    previews_s: float,
    services,
    quota: list[tuple[str, float]],
    first,
    interests,
    seeds: list[str],
    found,
    second,
    rows: pd.DataFrame,
    pools: dict,
    pool_name: str,
    seconds: dict[str, float],
) -> None:
    source_of = {t.track_id: t.recording.source for t in world.library}
    previews = rows.set_index("track_id")
    held = [t for t in world.library if t.truth is not None]
    on_map = set(first.library.loc[first.library["feature_source"] == "preview", "id"])
    held_on_map = sum(t.track_id in on_map for t in held)
    wrong_ids: set[int] = set()
    wrong: Counter[str] = Counter()
    missed: Counter[str] = Counter()
    for track in world.library:
        row = previews.loc[track.track_id] if track.track_id in previews.index else None
        if row is None or row["status"] != "found":
            if track.truth is not None:
                missed[track.group] += 1
            continue
        got = (row["service"], str(row["service_id"]))
        if got != track.truth:
            wrong[world.decoys.get(got, "another track")] += 1
            wrong_ids.add(track.track_id)
    held_share = held_on_map / len(held)
    own_audio = sum(t.track_id in on_map and t.track_id not in wrong_ids for t in held)

    # the interest
    library_ids = first.library["id"].to_numpy()
    described = []
    interest_found = False
    for number, interest in enumerate(interests, start=1):
        members = [source_of[int(i)] for i in library_ids[interest.rows]]
        share = members.count(world.interest) / len(members)
        main, _ = Counter(members).most_common(1)[0]
        interest_found |= main == world.interest and share > 0.5
        described.append(
            f"interest {number}: {len(members)} tracks, {share:.0%} {world.interest} "
            f"(mostly {main}), lift {interest.lift:.1f}"
        )

    # discover and the top 10
    candidate_source = {str(c.deezer_id): c.recording.source for c in world.candidates}
    for track in world.library:  # a decoy of an owned artist can come in as a candidate
        if track.decoyed:
            for k in range(3):
                candidate_source[str(3_000_000 + 10 * track.index + k)] = "(decoy: other audio)"
    top = second.ranking.proposed.head(10)
    top_sources = []
    for track_id in top["track_id"]:
        row = previews.loc[int(track_id)] if int(track_id) in previews.index else None
        service_id = str(row["service_id"]) if row is not None else ""
        top_sources.append((candidate_source.get(service_id, "?"), pools.get(int(track_id))))
    serving = sum(s == world.interest and p == pool_name for s, p in top_sources)
    pool_ids = [t for t, p in pools.items() if p == pool_name]
    pool_sources = Counter(
        candidate_source.get(str(previews.loc[t, "service_id"]), "?")
        for t in pool_ids
        if t in previews.index
    )

    deezer, itunes = services
    # the pause after a quota answer is not in PreviewSummary.waited: added here
    paused = {name: sum(p for n, p in quota if n == name) for name in ("Deezer", "iTunes")}
    answers = Counter(name for name, _ in quota)
    waited = heard.waited + sum(paused.values())
    looked_up = sum(heard.found.values()) + heard.not_found + heard.failed
    own_time = heard.seconds - waited
    per_1000 = own_time * 1000 / max(looked_up, 1)

    print()
    load = ", ".join(f"{x:.1f}" for x in os.getloadavg())
    print(f"Machine: {common.machine()}; load average at the end {load}.")
    print(
        f"Command: .venv/bin/python bench/spotify_only.py --tracks {args.tracks} "
        f"--interest {args.interest} --seed {args.seed}"
        + (" --unlimited" if args.unlimited else "")
    )
    print(
        f"Library: {len(world.library):,} Spotify tracks, {len(held):,} held by the catalogue "
        f"({Counter(t.group for t in world.library)}); "
        f"{sum(t.decoyed for t in world.library)} with decoys."
    )
    print(
        f"Previews: {heard.seconds:.0f} s in all for {looked_up:,} tracks; waited for the "
        f"rate limits {waited:.0f} s (Deezer's window {deezer.window.waited:.0f} s over "
        f"{deezer.requests:,} requests, iTunes' {itunes.window.waited:.0f} s over "
        f"{itunes.requests:,}; quota answers: Deezer {answers['Deezer']} waited out "
        f"{paused['Deezer']:.0f} s, iTunes {answers['iTunes']} waited out "
        f"{paused['iTunes']:.0f} s); "
        f"{heard.analysed:,} clips analysed, {heard.unanalysable} not analysable (silent)."
    )
    print(f"Missed though held: {dict(missed) or 'none'}; wrong recording: {dict(wrong) or 'none'}")
    for line in described or ["no interest found"]:
        print(f"  {line}")
    print(f"Discover seeds: {', '.join(seeds)}; pool by source: {dict(pool_sources)}")
    print("Top 10:")
    for (source, pool), row in zip(top_sources, top.itertuples(), strict=True):
        print(f"  {row.artist} – {row.title}  [{source}, {pool}, interest {row.interest}]")
    print()
    print("| target | figure | met |")
    print("| --- | --- | --- |")
    yes = {True: "met", False: "**not met**"}
    print(
        f"| ≥ 95 % of the tracks the catalogue has on the map | {held_on_map:,} of "
        f"{len(held):,} ({held_share:.1%}); with their own recording's audio "
        f"{own_audio:,} ({own_audio / len(held):.1%}) | {yes[held_share >= 0.95]} |"
    )
    print(
        f"| no track gets another recording's audio | {sum(wrong.values())} wrong "
        f"{dict(wrong) if wrong else ''} | {yes[not wrong]} |"
    )
    print(
        f"| the recent interest is found | {described[0] if described else 'none'}"
        f"{f' (+{len(described) - 1} more)' if len(described) > 1 else ''} | "
        f"{yes[interest_found]} |"
    )
    print(
        f"| discover brings candidates; ≥ 5 of the top 10 serve the interest | "
        f"{found.added} candidates; {serving} of the top 10 are {world.interest} from "
        f"{pool_name!r} | {yes[found.added > 0 and serving >= 5]} |"
    )
    print(
        f"| previews of 1,000 tracks < 10 min of the person's time (2 cores) | "
        f"{heard.seconds / 60:.1f} min in all, {waited / 60:.1f} min of it waiting for "
        f"the rate limits: {own_time / 60:.1f} min without (a lower bound: clips are "
        f"analysed while lookups wait; `--unlimited` measures it); "
        f"{per_1000 / 60:.1f} min per 1,000 | {yes[per_1000 < 600]} |"
    )
    print(
        "Other steps: "
        + ", ".join(f"{step} {value:.0f} s" for step, value in seconds.items())
        + f"; hear_previews returned after {previews_s:.0f} s."
    )


if __name__ == "__main__":
    main()

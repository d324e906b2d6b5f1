"""Importing ten years of scrobbles: a generated ListenBrainz export and a Last.fm CSV.

    python bench/listens.py [--listens 200000]

A library of 2,000 local tracks (rows in the store, half with MusicBrainz recording ids)
and a ListenBrainz zip of monthly JSON-lines files: listens of 6,000 tracks, a third of
them in the library (half of those named by recording id, the rest by artist + title +
length). Reports the first import, the same zip again (target: under 30 s for 200,000
listens, and nothing added again) and a Last.fm CSV of a tenth of the same listens
(each one already there from another service).
"""

from __future__ import annotations

import argparse
import json
import tempfile
import time
import uuid
import zipfile
from pathlib import Path

import common
import numpy as np

from trace.library.text import match_key
from trace.sources import listens
from trace.store import Store, now

LOCAL, TRACKS = 2_000, 6_000
START = 1_450_000_000  # December 2015
SYLLABLES = ["ka", "lo", "mi", "ren", "sa", "tor", "vel", "un", "bri", "do", "fe", "gal"]


def names(count: int, seed: int) -> list[str]:
    """Made-up names of two words, as unlike each other as real ones."""
    rng = np.random.default_rng(seed)
    found: dict[str, None] = {}
    while len(found) < count:  # distinct: two songs of one name are a different benchmark
        first, second = ("".join(rng.choice(SYLLABLES, size)) for size in rng.integers(2, 4, 2))
        found.setdefault(f"{first.title()} {second}", None)
    return list(found)


ARTISTS, TITLES = names(700, 1), names(TRACKS, 2)


def mbid(i: int) -> str:
    return str(uuid.UUID(int=i + 1, version=4))


def add_library(store: Store) -> None:
    """Local tracks as the scan leaves them: a track row and an 'ok' file row each."""
    with store.batch():
        for i in range(LOCAL):
            artist, title = ARTISTS[i % 700], TITLES[i]
            track_id = store.execute(
                "INSERT INTO tracks (title, artists, match_key, duration, recording_mbid, "
                "added_at, updated_at) VALUES (?, ?, ?, ?, ?, ?, ?)",
                (
                    title,
                    json.dumps([artist]),
                    match_key(artist, title),
                    200.0 + i % 60,
                    mbid(i) if i % 2 == 0 else None,
                    now(),
                    now(),
                ),
            ).lastrowid
            path = f"/music/{i}.flac".encode()
            store.execute(
                "INSERT INTO files (path, display_path, track_id, size, mtime_ns, status, "
                "first_seen_at, read_at) VALUES (?, ?, ?, 1, 1, 'ok', ?, ?)",
                (path, path.decode(), track_id, now(), now()),
            )


def generate(folder: Path, count: int) -> tuple[Path, Path]:
    rng = np.random.default_rng(19)
    tracks = rng.integers(TRACKS, size=count)
    times = START + np.sort(rng.choice(10 * 365 * 86400, size=count, replace=False))
    by_month: dict[str, list[str]] = {}
    rows = []
    for track, at in zip(tracks.tolist(), times.tolist(), strict=True):
        info = {"duration_ms": (200 + track % 60) * 1000, "submission_client": "navidrome"}
        if track < LOCAL and track % 4 == 0:
            info["recording_mbid"] = mbid(track)
        listen = {
            "listened_at": at,
            "track_metadata": {
                "artist_name": ARTISTS[track % 700],
                "track_name": TITLES[track],
                "release_name": f"Album {track % 900}",
                "additional_info": info,
            },
        }
        month = time.strftime("%Y/%m", time.gmtime(at))
        by_month.setdefault(month, []).append(json.dumps(listen))
        if len(rows) < count // 10:
            rows.append(f'"{ARTISTS[track % 700]}","Album {track % 900}","{TITLES[track]}",{at}')
    export = folder / "listenbrainz_me.zip"
    with zipfile.ZipFile(export, "w", zipfile.ZIP_DEFLATED) as archive:
        archive.writestr("user.json", json.dumps({"username": "me"}))
        for month, lines in by_month.items():
            archive.writestr(f"listens/{month}.jsonl", "\n".join(lines) + "\n")
    scrobbles = folder / "scrobbles.csv"
    scrobbles.write_text("\n".join(rows) + "\n")
    return export, scrobbles


def timed(work):
    started = time.perf_counter()
    result = work()
    return result, time.perf_counter() - started


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--listens", type=int, default=200_000)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        folder = Path(tmp)
        (export, scrobbles), seconds = timed(lambda: generate(folder, args.listens))
        size = export.stat().st_size / 1e6
        print(f"generated {args.listens:,} listens ({size:.0f} MB zip) in {seconds:.1f} s")
        with Store(folder / "trace.sqlite3") as store:
            add_library(store)
            first, first_s = timed(lambda: listens.import_listens([export], store))
            again, again_s = timed(lambda: listens.import_listens([export], store))
            lastfm, lastfm_s = timed(lambda: listens.import_listens([scrobbles], store))
            plays = store.execute("SELECT count(*) FROM plays").fetchone()[0]
    print(f"Machine: {common.machine()}.")
    print("| step | time | result |")
    print("| --- | --- | --- |")
    print(
        f"| import {args.listens:,} listens (ListenBrainz zip, {size:.0f} MB, "
        f"{TRACKS:,} tracks, {LOCAL:,} local) | {first_s:.1f} s | {first.added:,} added, "
        f"{first.matched:,} on local files, {len(first.unmatched):,} tracks unmatched |"
    )
    print(
        f"| … the same zip again | {again_s:.1f} s | {again.added} added, "
        f"{again.already:,} already imported |"
    )
    print(
        f"| Last.fm CSV of {lastfm.entries:,} of the same listens | {lastfm_s:.1f} s | "
        f"{lastfm.added} added, {lastfm.elsewhere:,} already there from ListenBrainz |"
    )
    print(f"plays stored: {plays:,}")


if __name__ == "__main__":
    main()

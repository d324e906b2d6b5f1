"""The preference and genre forests, playlist ordering, the streaming-history import and
Spotify matching, at the sizes a large library reaches.

    python bench/studies.py

Synthetic data: 40 features; genres and preference tied to the first feature so the
forests have something to find. The history import writes a Streaming_History_Audio
file of 100,000 plays over 5,000 tracks into a fresh store and imports it twice (the
second time everything is already there). Matching pairs 5,000 Spotify tracks with
10,000 local files (2,000 of them the same songs, one letter mistyped; the names are
made of random syllables).
"""

from __future__ import annotations

import json
import tempfile
import time
from pathlib import Path

import common
import numpy as np
import pandas as pd

from trace.analysis import genre, order, preference
from trace.sources import history, matching
from trace.store import Store


def timed(function, *args, **kwargs):
    started = time.perf_counter()
    result = function(*args, **kwargs)
    return result, time.perf_counter() - started


def forests() -> None:
    rng = np.random.default_rng(0)
    for n in (2_000, 10_000):
        values = rng.normal(size=(n, 40))
        labels = pd.Series(rng.choice([f"genre {i}" for i in range(10)], n))
        values[:, 0] += labels.str[-1].astype(int).to_numpy() * 0.5
        fitted, seconds = timed(genre.fit_genre, labels, values)
        print(
            f"| genre forest, {n:,} tagged tracks (CV + fit) | {seconds:.1f} s | "
            f"accuracy {fitted.accuracy:.2f} (10 genres, chance 0.10) |"
        )
        scores = values[:, 0] + rng.normal(size=n)
        fitted, seconds = timed(preference.fit_preference, values, scores)
        print(
            f"| preference forest, {n:,} tracks with evidence (CV + fit) | {seconds:.1f} s | "
            f"R² {fitted.r2:.2f}, Spearman {fitted.spearman:.2f} |"
        )


def ordering() -> None:
    rng = np.random.default_rng(1)
    n = 500
    tracks = pd.DataFrame(
        {
            "artist": rng.choice([f"artist {i}" for i in range(40)], n),
            "title": [f"t{i}" for i in range(n)],
            "f_tempo": rng.uniform(60, 180, n),
        }
    )
    for curve in order.CURVES:
        (_, repeats), seconds = timed(order.order_tracks, tracks, by="tempo", curve=curve)
        print(
            f"| order {n} approved tracks, {curve} | {seconds * 1000:.0f} ms | "
            f"{repeats} same-artist neighbours left |"
        )


def history_import(folder: Path) -> None:
    rng = np.random.default_rng(2)
    plays = []
    start = pd.Timestamp("2023-01-01", tz="UTC")
    for i in range(100_000):
        track = int(rng.integers(5_000))
        at = start + pd.Timedelta(seconds=int(i * 900 + rng.integers(600)))
        plays.append(
            {
                "ts": at.strftime("%Y-%m-%dT%H:%M:%SZ"),
                "ms_played": int(rng.integers(1_000, 300_000)),
                "master_metadata_track_name": f"Song {track}",
                "master_metadata_album_artist_name": f"Artist {track % 700}",
                "master_metadata_album_album_name": f"Album {track % 900}",
                "spotify_track_uri": f"spotify:track:{track:022d}",
                "skipped": bool(rng.random() < 0.1),
                "reason_end": "trackdone",
            }
        )
    export = folder / "Streaming_History_Audio_2023-2026.json"
    export.write_text(json.dumps(plays))
    with Store(folder / "history.sqlite3") as store:
        summary, first = timed(history.import_history, [export], store)
        again, second = timed(history.import_history, [export], store)
    print(
        f"| import 100,000 plays ({export.stat().st_size / 1e6:.0f} MB JSON, 5,000 tracks) | "
        f"{first:.1f} s | {summary.added:,} added |"
    )
    print(
        f"| … the same export again | {second:.1f} s | {again.added} added, "
        f"{again.already:,} already there |"
    )


def spotify_matching() -> None:
    rng = np.random.default_rng(3)

    syllables = ["ka", "lo", "mi", "ren", "sa", "tor", "vel", "un", "bri", "do", "fe", "gal"]

    def word(size):
        return "".join(rng.choice(syllables, size))

    def side(n, prefix):
        rows = []
        artists = [f"{word(2)} {word(3)}" for _ in range(900)]
        for i in range(n):
            artist, title = artists[i % 900], f"{word(2)} {word(3)}"
            rows.append(
                {
                    "id": i,
                    "isrc": None,
                    "pool": None,
                    "title": title,
                    "artists": json.dumps([artist]),
                    "duration": 200.0 + i % 50,
                    "match_key": f"{artist.lower()}\x1f{title.lower()}",
                }
            )
        return pd.DataFrame(rows)

    local = side(10_000, "x")
    spotify = side(5_000, "y")
    same = rng.choice(10_000, 2_000, replace=False)
    spotify.loc[:1_999, "match_key"] = [  # the same song, one letter mistyped
        local.at[j, "match_key"][:-1] + "x" for j in same
    ]
    spotify.loc[:1_999, "duration"] = local.loc[same, "duration"].to_numpy() + 1.0
    spotify["id"] += 100_000
    spotify["features"] = 0
    local["path"] = "x"
    pairs, seconds = timed(matching.pair_up, spotify, local)
    planted = {100_000 + i: int(j) for i, j in enumerate(same)}
    right = sum(planted.get(s_id) == l_id for s_id, l_id, _ in pairs)
    print(
        f"| match 5,000 Spotify tracks to 10,000 files (rapidfuzz) | {seconds:.1f} s | "
        f"{len(pairs):,} pairs found, {right:,} of them the 2,000 planted |"
    )


def main() -> None:
    print(f"machine: {common.machine()}")
    print("| step | time | result |")
    print("| --- | --- | --- |")
    forests()
    ordering()
    with tempfile.TemporaryDirectory() as folder:
        history_import(Path(folder))
    spotify_matching()


if __name__ == "__main__":
    main()

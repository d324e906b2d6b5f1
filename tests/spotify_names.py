"""A generated matching problem: local files, and Spotify's names for them and for others.

Each local song gets one Spotify track, named the way Spotify names versions:

- the *same recording* (the truth to find): the bare title, or with "- 2011 Remaster",
  "- Remastered 2009", "(Radio Edit)", "- Mono", "- Explicit", a featured artist, other
  capitals or accents, a one-letter typo, a length up to 2 s apart;
- a *different recording* of it (must not be matched): "- Live", "(Acoustic Version)",
  "- Demo", "- X Remix", "(Instrumental)"… within 0.4 s of the studio file's length,
  the hardest case;
- a *different song* with a near name: another part number, another title word;

and Spotify tracks with no local file at all. Used by ``tests/test_matching.py`` and
``bench/matching.py``; the answer is never looked at while the names are generated from it.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd

from trace.library.text import match_key

WORDS = [
    "night",
    "drive",
    "bloom",
    "quiet",
    "lost",
    "machine",
    "golden",
    "river",
    "heart",
    "summer",
    "rain",
    "city",
    "lights",
    "fire",
    "dream",
    "electric",
    "blue",
    "shadow",
    "dance",
    "midnight",
    "sun",
    "ocean",
    "wild",
    "paper",
    "moon",
    "silver",
    "line",
    "glass",
    "house",
    "running",
    "wolves",
    "velvet",
    "morning",
    "static",
    "echo",
    "hollow",
    "crown",
    "neon",
    "garden",
    "winter",
    "tide",
    "broken",
    "radio",
    "highway",
    "stars",
    "falling",
    "distant",
    "thunder",
]
ARTIST_WORDS = [
    "the",
    "black",
    "lanterns",
    "orchid",
    "mavis",
    "north",
    "odd",
    "pair",
    "stream",
    "vela",
    "harbor",
    "kite",
    "young",
    "saints",
    "cobalt",
    "arcade",
    "fern",
    "palace",
]
SAME = [
    " - Remastered",
    " - Remastered {year}",
    " - {year} Remaster",
    " - {year} Remastered Version",
    " - {year} Digital Remaster",
    " - Remaster",
    " - Radio Edit",
    " - Single Version",
    " - Single Edit",
    " - Album Version",
    " - Mono",
    " - Mono Version",
    " - Stereo",
    " - Stereo Mix",
    " - Explicit",
    " - {year} Mono Remaster",
    " - Remastered {year} / Mono",
    " (Remastered {year})",
    " ({year} Remaster)",
    " [Remastered]",
    " (Radio Edit)",
    " (Single Version)",
    " (Mono)",
    " (Explicit)",
]
DIFFERENT = [
    " - Live",
    " (Live)",
    " - Live Version",
    " (Live Version)",
    " - Live at the Roundhouse",
    " - Live / Remastered {year}",
    " - Acoustic",
    " (Acoustic Version)",
    " - Acoustic Version",
    " - Unplugged",
    " - Demo",
    " (Demo Version)",
    " - {year} Demo",
    " - Instrumental",
    " (Instrumental)",
    " - Remix",
    " - {artist} Remix",
    " ({artist} Remix)",
    " - Extended Mix",
    " - Club Mix",
    " - Radio Edit / Remix",
]


@dataclass
class Problem:
    """Both sides in :func:`trace.sources.matching.pair_up`'s columns, and the answer."""

    local: pd.DataFrame
    spotify: pd.DataFrame
    truth: set[tuple[int, int]]


def _side(rows: list[dict]) -> pd.DataFrame:
    for row in rows:
        row["match_key"] = match_key(row["artist"], row["title"])
        row.update(isrc=None, pool=None, artists=f'["{row["artist"]}"]')
    return pd.DataFrame(rows)


def _typo(text: str, rng: np.random.Generator) -> str:
    at = int(rng.integers(1, len(text) - 1))
    return text[:at] + text[at + 1 :]  # one letter dropped


def _same(title: str, artist: str, rng: np.random.Generator) -> str:
    year = int(rng.integers(1995, 2024))
    roll = rng.random()
    if roll < 0.15:
        return title
    if roll < 0.2:
        return title.upper() if rng.random() < 0.5 else title.lower()
    if roll < 0.25:
        return _typo(title, rng) + " - Remastered"
    if roll < 0.32:
        return f"{title} (feat. {artist.split()[-1].title()} Jones)" + str(rng.choice(SAME)).format(
            year=year
        )
    return title + str(rng.choice(SAME)).format(year=year)


def _near(title: str, rng: np.random.Generator) -> str:
    if rng.random() < 0.5:
        return title.replace(" Part 1", " Part 2") if " Part 1" in title else title + " Part 2"
    words = title.split()
    words[-1] = str(rng.choice([w for w in WORDS if w != words[-1].lower()])).title()
    return " ".join(words)


def generate(seed: int, songs: int = 400) -> Problem:
    """``songs`` local files and as many Spotify tracks, plus a fifth more on Spotify only."""
    rng = np.random.default_rng(seed)
    local, spotify, truth = [], [], set()
    for i in range(songs):
        artist = " ".join(str(w) for w in rng.choice(ARTIST_WORDS, 2, replace=False)).title()
        title = " ".join(str(w) for w in rng.choice(WORDS, int(rng.integers(2, 5)))).title()
        if rng.random() < 0.1:
            title += " Part 1"
        duration = float(rng.uniform(120, 420))
        local_title = title + (" (Remastered)" if rng.random() < 0.1 else "")
        local.append(
            {"id": 10_000 + i, "artist": artist, "title": local_title, "duration": duration}
        )
        kind = rng.choice(["same", "different", "near"], p=[0.6, 0.3, 0.1])
        if kind == "same":
            name, length = _same(title, artist, rng), duration + rng.uniform(-2, 2)
            truth.add((i, 10_000 + i))
        elif kind == "different":
            remixer = str(rng.choice(ARTIST_WORDS)).title()
            year = int(rng.integers(1970, 2024))
            version = str(rng.choice(DIFFERENT)).format(artist=remixer, year=year)
            name, length = title + version, duration + rng.uniform(-0.4, 0.4)
        else:
            name, length = _near(title, rng), duration + rng.uniform(-1, 1)
        spotify.append({"id": i, "artist": artist, "title": name, "duration": length})
    for i in range(songs, songs + songs // 5):
        artist = " ".join(str(w) for w in rng.choice(ARTIST_WORDS, 2, replace=False)).title()
        title = " ".join(str(w) for w in rng.choice(WORDS, 3)).title()
        spotify.append({"id": i, "artist": artist, "title": title, "duration": 200.0})
    return Problem(_side(local), _side(spotify), truth)


def score(pairs: list[tuple[int, int, str]], truth: set[tuple[int, int]]) -> tuple[float, float]:
    """Precision (matches that are right) and recall (right answers found)."""
    found = {(spotify_id, local_id) for spotify_id, local_id, _ in pairs}
    right = len(found & truth)
    return right / max(len(found), 1), right / max(len(truth), 1)

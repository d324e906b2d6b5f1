"""A half-tagged library, as real ones are: one album's tracks tagged some with the
album's name as artist and some with their composers, a game's files with no tags at all
in a folder named after it, and a listener who turned to the album lately. The analysis
must find one interest, named after the album; every track must have a readable name;
the reasons must name the interest."""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta

import numpy as np
import pytest
from audiofiles import tag_vorbis

from trace import cli
from trace.audio.extract import extract_library
from trace.demo.render import encode
from trace.demo.styles import SR, STYLES, render
from trace.library.scan import scan_library
from trace.store import Store

ALBUM = "The Battle for Wesnoth OST"
COMPOSERS = ["Battle for Wesnoth", "Doug Kaufman", "Joseph G. Toscano (Zhaytee)"]
NOW = datetime(2026, 11, 30, 12, tzinfo=UTC)


def _track(folder, name: str, style: str, rng, tags: dict | None) -> None:
    samples, *_ = render(STYLES[style], rng, 24.0)
    path = folder / name
    encode(path, samples, SR, fmt="ogg")
    if tags:
        tag_vorbis(path, tags)


@pytest.fixture(scope="module")
def half_tagged(tmp_path_factory):
    """The library's and the pool's folders (audio rendered once for the module)."""
    root = tmp_path_factory.mktemp("real")
    rng = np.random.default_rng(3)
    wesnoth = root / "music" / "wesnoth"
    naev = root / "music" / "naev" / "ogg"
    colobot = root / "music" / "colobot"
    pool = root / "new music" / "frogatto"
    for folder in (wesnoth, naev, colobot, pool):
        folder.mkdir(parents=True)
    for n in range(12):
        artist = COMPOSERS[n % 3]
        tags = {"title": f"Wesnoth Theme {n + 1}", "artist": artist, "album": ALBUM}
        _track(wesnoth, f"{n + 1:02d} - Theme {n + 1}.ogg", "acoustic", rng, tags)
    for n in range(12):
        _track(naev, f"track{n + 1}.ogg", "electronic", rng, None)  # no tags at all
    for n in range(12):
        tags = {"title": f"Colobot {n + 1}", "artist": "Colobot", "album": "Colobot"}
        _track(colobot, f"{n + 1:02d}.ogg", "rock", rng, tags)
    for n in range(6):
        _track(pool, f"{n + 1:02d} - Candidate {n + 1}.ogg", "acoustic", rng, None)
        _track(pool, f"{n + 7:02d} - Candidate {n + 7}.ogg", "rock", rng, None)
    return root


def _history(store: Store) -> None:
    """18 months of even listening, then 6 weeks that went 70 % to the Wesnoth album."""
    rng = np.random.default_rng(5)
    rows = store.execute(
        "SELECT t.id, f.display_path FROM tracks t JOIN files f ON f.track_id = t.id "
        "WHERE t.pool IS NULL"
    ).fetchall()
    wesnoth = [r[0] for r in rows if "/wesnoth/" in r[1]]
    everyone = [r[0] for r in rows]
    plays = []
    for day in range(540, 0, -1):
        at = NOW - timedelta(days=day)
        for k in range(3):
            recent = day <= 42
            pick = wesnoth if recent and rng.random() < 0.7 else everyone
            track = int(rng.choice(pick))
            plays.append((track, (at + timedelta(hours=k * 3)).isoformat(), 200_000, "test", 0))
    with store.batch():
        store.connection.executemany(
            "INSERT INTO plays (track_id, played_at, ms_played, source, skipped) "
            "VALUES (?, ?, ?, ?, ?)",
            plays,
        )


def test_a_half_tagged_library_gets_one_interest_named_after_its_album(
    half_tagged, home, tmp_path, capsys
):
    with Store() as store:
        scan_library([half_tagged / "music"], store)
        scan_library([half_tagged / "new music"], store, pool="new music")
        extract_library(store, workers=2)
        _history(store)
    out = tmp_path / "analysis.json"
    assert cli.main(["analyse", "--json", str(out)]) == 0
    analysis = json.loads(out.read_text(encoding="utf-8"))

    interests = analysis["interests"]
    names = [i["name"] for i in interests]
    assert len(set(names)) == len(names)  # never two interests of one name
    about = [i for i in interests if i["albums"][:1] == [ALBUM]]
    assert len(about) == 1, names  # composers' tags do not split the album
    assert about[0]["name"].startswith(ALBUM)
    assert len(interests) == 1, names

    every_track = analysis["tracks"] + analysis["candidates"]
    shown = [t["artist"] for t in every_track] + [
        n for c in analysis["candidates"] for n in c["neighbours"]
    ]
    assert not any("Unknown artist" in text for text in shown)
    naev = [t for t in analysis["tracks"] if "/naev/" in (t["location"] or "")]
    assert {t["artist"] for t in naev} == {"naev"}
    assert all(not t["title"][0].isdigit() for t in analysis["candidates"])

    serving = [c for c in analysis["candidates"] if c["interest"]]
    assert serving, "no candidate serves the interest"
    for candidate in serving:
        assert candidate["reason"].startswith(f"For {about[0]['name']}: ")
    top = analysis["candidates"][:5]
    assert sum(c["interest"] == about[0]["number"] for c in top) >= 3
    for candidate in analysis["candidates"]:
        if not candidate["interest"]:
            assert "Shown because" in candidate["reason"]

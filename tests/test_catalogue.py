"""The catalogue against a local fake of Deezer and iTunes over real HTTP: previews found
by ISRC, by search and on iTunes, never another recording; the limits honoured; the
faults (quota in a 200, 5xx, expired URLs, cut-short downloads, a service down) met
with a sentence and nothing lost; discovery through related artists."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest
from fake_catalogue import deezer_track, itunes_song, m4a_clip, mp3_clip, serve_catalogue

from trace.analysis.table import feature_table
from trace.audio.windows import Windows, extractor_id
from trace.library.identity import Identity, track_for
from trace.sources.catalogue.discover import POOL, discover_candidates
from trace.sources.catalogue.previews import Wanted, find_preview, hear_previews
from trace.sources.catalogue.service import RateWindow
from trace.sources.catalogue.services import Deezer, ITunes

ROOT = Path(__file__).resolve().parent.parent
EXTRACTOR = extractor_id(Windows())
FAST = {"retries": (0.05, 0.05), "timeout": 2.0}


@pytest.fixture(scope="module")
def clips() -> dict[str, bytes]:
    """Three distinct 30 s clips, rendered once for the module."""
    return {
        "slow": mp3_clip(30.0, freq=220.0, bpm=80.0),
        "fast": mp3_clip(30.0, freq=660.0, bpm=150.0),
        "aac": m4a_clip(30.0, freq=440.0, bpm=120.0),
    }


@pytest.fixture
def catalogue():
    with serve_catalogue() as fake:
        yield fake


def clients(fake, **kw) -> tuple[Deezer, ITunes]:
    options = {**FAST, **kw}
    return Deezer(fake.deezer_url, **options), ITunes(fake.itunes_url, **options)


def spotify_track(store, n: int, artist: str, title: str, *, isrc=None, duration=200.0) -> int:
    identity = Identity(
        title=title, artists=[artist], uri=f"spotify:track:{n:022d}", isrc=isrc, duration=duration
    )
    with store.batch():
        return track_for(store, identity, None)[0]


# -- the lookup: the right recording or none --------------------------------------------


def test_isrc_first_then_search_avoiding_decoys_then_itunes(catalogue, clips):
    catalogue.add_deezer(deezer_track(1, artist="Nova", title="Drift", isrc="GBAAA0000001"), b"x")
    # a live take ranked first, another artist's song of the same name, and the studio track
    catalogue.add_deezer(
        deezer_track(2, artist="Kite", title="Glow", title_version="(Live)", rank=900000), b"x"
    )
    catalogue.add_deezer(deezer_track(3, artist="Kites Tribute", title="Glow", rank=800000), b"x")
    catalogue.add_deezer(deezer_track(4, artist="Kite", title="Glow", rank=100), b"x")
    # with a long name, a tribute act's song of the same title and length
    long_title = "Breaking the Chains of the Northern Sky"
    tribute = deezer_track(9, artist="Mattias Westlund Tribute", title=long_title, rank=9000)
    catalogue.add_deezer(tribute, b"x")
    catalogue.add_deezer(deezer_track(10, artist="Mattias Westlund", title=long_title), b"x")
    # Deezer has only a remix and a track far longer; iTunes has the recording
    catalogue.add_deezer(deezer_track(5, artist="Vale", title="Hush (Remix)", duration=210), b"x")
    catalogue.add_deezer(deezer_track(6, artist="Vale", title="Hush", duration=420), b"x")
    catalogue.add_itunes(itunes_song(77, artist="Vale", title="Hush", duration_ms=209_000), b"x")
    deezer, itunes = clients(catalogue)

    def find(artist, title, isrc=None, duration=200.0):
        how, track = find_preview(Wanted(1, artist, title, duration, isrc), deezer, itunes)
        return how, track and (track.service, track.id)

    assert find("Nova", "Drift", "GBAAA0000001") == ("isrc", ("deezer", "1"))
    assert find("Kite", "Glow") == ("search", ("deezer", "4"))
    assert find("Mattias Westlund", long_title) == ("search", ("deezer", "10"))
    assert find("Vale", "Hush", duration=209.0) == ("itunes", ("itunes", "77"))
    assert find("Nobody", "Nothing") == (None, None)
    # an ISRC whose track is far longer than ours is not taken on trust
    catalogue.add_deezer(deezer_track(8, artist="Oak", title="Bark", isrc="GBAAA0000008"), b"x")
    assert find("Oak", "Bark", "GBAAA0000008", duration=95.0) == (None, None)


# -- previews end to end -------------------------------------------------------------------


def test_previews_put_spotify_tracks_on_the_map_and_resume(store, catalogue, clips):
    catalogue.add_deezer(
        deezer_track(11, artist="Nova", title="Drift", isrc="GBAAA0000011"), clips["slow"]
    )
    catalogue.add_deezer(deezer_track(12, artist="Kite", title="Glow"), clips["fast"])
    catalogue.add_itunes(itunes_song(13, artist="Vale", title="Hush"), clips["aac"])
    drift = spotify_track(store, 1, "Nova", "Drift", isrc="GBAAA0000011")
    glow = spotify_track(store, 2, "Kite", "Glow")
    hush = spotify_track(store, 3, "Vale", "Hush")
    missing = spotify_track(store, 4, "Nobody", "Nothing")
    deezer, itunes = clients(catalogue)
    messages = []

    summary = hear_previews(
        store, deezer=deezer, itunes=itunes, workers=1, progress=lambda d, t, m: messages.append(m)
    )

    assert summary.found == {"isrc": 1, "search": 1, "itunes": 1, "discover": 0}
    assert (summary.not_found, summary.failed, summary.analysed) == (1, 0, 3)
    assert "3 found (1 by ISRC, 1 by Deezer search, 1 on iTunes); 1 not found" in str(summary)
    table = feature_table(store, extractor=EXTRACTOR).set_index("id")
    assert table.loc[[drift, glow, hush], "feature_source"].tolist() == ["preview"] * 3
    assert table.loc[missing, "feature_source"] == "none"
    assert table.loc[[drift, glow, hush], "audio_service"].tolist() == [
        "deezer",
        "deezer",
        "itunes",
    ]
    assert table.loc[drift, "audio_id"] == "11"
    # the clips' sound tells them apart: the 150 BPM click track is the faster one
    assert table.loc[glow, "f_tempo"] > table.loc[drift, "f_tempo"]
    stored = dict(store.execute("SELECT track_id, how FROM previews").fetchall())
    assert stored == {drift: "isrc", glow: "search", hush: "itunes", missing: None}

    served = len(catalogue.requests)
    again = hear_previews(store, deezer=deezer, itunes=itunes, workers=1)
    assert sum(again.found.values()) == 0 and again.remembered == 1  # not asked again
    assert len(catalogue.requests) == served


def test_expired_url_and_cut_short_download_are_fetched_again(store, catalogue, clips):
    catalogue.add_deezer(deezer_track(21, artist="Nova", title="Drift"), clips["slow"])
    catalogue.add_deezer(deezer_track(22, artist="Kite", title="Glow"), clips["fast"])
    spotify_track(store, 1, "Nova", "Drift")
    spotify_track(store, 2, "Kite", "Glow")
    catalogue.preview_ttl = 0.0  # every URL a search gives is already expired
    catalogue.truncate_next_download(22)
    deezer, itunes = clients(catalogue)
    real_track = deezer.track

    def track_with_fresh_url(track_id):  # /track/{id} gives a URL that works again
        catalogue.preview_ttl = 3600.0
        return real_track(track_id)

    deezer.track = track_with_fresh_url
    summary = hear_previews(store, deezer=deezer, itunes=itunes, workers=1)
    assert (sum(summary.found.values()), summary.failed, summary.analysed) == (2, 0, 2)
    paths = [r.path for r in catalogue.requests]
    assert paths.count("/deezer/track/21") == 1  # the expired URL was resolved again
    assert paths.count("/cdn/deezer/22.mp3") >= 2  # the cut-short clip was fetched again


def test_quota_in_a_200_and_server_errors_are_waited_out(store, catalogue, clips):
    catalogue.add_deezer(deezer_track(31, artist="Nova", title="Drift"), clips["slow"])
    spotify_track(store, 1, "Nova", "Drift")
    quota = {"error": {"type": "Exception", "message": "Quota limit exceeded", "code": 4}}
    catalogue.fail("GET /deezer/search", 200, quota, times=2)
    catalogue.fail("GET /cdn/*", 503, times=1)
    notes: list[str] = []
    deezer = Deezer(catalogue.deezer_url, calls=50, period=0.2, notify=notes.append, **FAST)
    summary = hear_previews(store, deezer=deezer, itunes=None, workers=1)
    assert summary.analysed == 1
    assert sum("quota" in note for note in notes) == 2
    assert any("503" in note for note in notes)


def test_a_quota_that_never_lifts_stops_the_run_and_keeps_what_was_done(store, catalogue, clips):
    catalogue.add_deezer(
        deezer_track(41, artist="Nova", title="Drift", isrc="GBAAA0000041"), clips["slow"]
    )
    first = spotify_track(store, 1, "Nova", "Drift", isrc="GBAAA0000041")
    for n in range(2, 40):
        spotify_track(store, n, f"Band {n}", f"Song {n}")
    quota = {"error": {"type": "Exception", "message": "Quota limit exceeded", "code": 4}}
    catalogue.fail("GET /deezer/search", 200, quota, times=1000)
    deezer = Deezer(catalogue.deezer_url, calls=50, period=0.05, **FAST)
    summary = hear_previews(store, deezer=deezer, itunes=None, workers=1)
    assert "quota" in summary.stopped and "kept" in summary.stopped
    assert summary.analysed == 1  # the track found by ISRC before the quota ran out
    status = store.execute("SELECT status FROM previews WHERE track_id = ?", (first,)).fetchone()
    assert status[0] == "found"


def test_a_service_that_is_down_is_a_sentence_not_a_traceback(store, clips):
    spotify_track(store, 1, "Nova", "Drift")
    deezer = Deezer("http://127.0.0.1:9", **FAST)  # nothing listens on the discard port
    summary = hear_previews(store, deezer=deezer, itunes=None, workers=1)
    assert "Deezer did not answer" in summary.stopped
    assert store.execute("SELECT count(*) FROM previews").fetchone()[0] == 0


def test_the_rate_window_never_lets_more_than_its_calls_through(catalogue):
    catalogue.deezer_limit = (10, 0.5)
    deezer = Deezer(catalogue.deezer_url, calls=10, period=0.5, **FAST)
    for n in range(35):
        deezer.search_artists(f"artist {n}")
    times = sorted(r.at for r in catalogue.requests if r.service == "deezer")
    assert len(times) == 35  # no quota answer, so nothing was asked twice
    assert min(b - a for a, b in zip(times, times[10:], strict=False)) >= 0.5 - 0.02


def test_rate_window_counts_across_threads():
    clock = [0.0]
    window = RateWindow(
        3, 1.0, clock=lambda: clock[0], sleep=lambda s: clock.__setitem__(0, clock[0] + s)
    )
    for _ in range(7):
        window.wait()
    assert clock[0] >= 2.0 and window.waited >= 2.0


# -- discovery -----------------------------------------------------------------------------


def test_discover_brings_related_artists_top_tracks_as_a_pool(store, catalogue, clips):
    catalogue.add_deezer(
        deezer_track(51, artist="Nova", title="Drift", artist_id=100), clips["slow"]
    )
    for n, (artist, aid) in enumerate([("Near", 200), ("Close", 300)]):
        for k in range(3):
            catalogue.add_deezer(
                deezer_track(
                    60 + 10 * n + k, artist=artist, title=f"Tune {k}", artist_id=aid, rank=1000 - k
                ),
                clips["fast" if n else "slow"],
            )
    catalogue.relate(100, [200, 300])
    owned = spotify_track(store, 1, "Near", "Tune 0")  # the person has this one already
    deezer = Deezer(catalogue.deezer_url, **FAST)

    summary = discover_candidates(
        store, ["Nova"], deezer=deezer, budget=10, per_artist=2, workers=1
    )

    assert summary.seeds == ["Nova"] and summary.related == 2
    assert summary.owned == 1 and summary.added == 4
    pool = feature_table(store, extractor=EXTRACTOR, candidates=True)
    assert set(pool["pool"]) == {POOL}
    assert sorted(pool["title"]) == ["Tune 0", "Tune 1", "Tune 1", "Tune 2"]
    assert (pool["feature_source"] == "preview").all()
    assert owned not in set(pool["id"])
    again = discover_candidates(store, ["Nova"], deezer=deezer, budget=10, workers=1)
    assert again.added == 1 and again.offered_before == 4  # only Tune 2 of Near is left


# -- the command line ----------------------------------------------------------------------


def test_previews_command_says_what_it_found(home, catalogue, clips):
    catalogue.add_deezer(deezer_track(91, artist="Nova", title="Drift"), clips["slow"])
    from trace.store import Store

    with Store() as store:
        spotify_track(store, 1, "Nova", "Drift")
        spotify_track(store, 2, "Nobody", "Nothing")
    env = {
        **os.environ,
        "TRACE_DEEZER_API_URL": catalogue.deezer_url,
        "TRACE_ITUNES_API_URL": catalogue.itunes_url,
    }
    done = subprocess.run(
        [sys.executable, "-m", "trace", "previews", "--workers", "1"],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert done.returncode == 0, done.stderr
    assert "Previews: 1 found (1 by Deezer search); 1 not found; 0 failed" in done.stdout
    assert "sends the artist, title and ISRC" in done.stderr
    assert "Traceback" not in done.stderr
    with Store() as store:
        found = store.execute("SELECT service, service_id FROM previews WHERE status = 'found'")
        assert [tuple(r) for r in found] == [("deezer", "91")]


# -- what leaves TRACE: playlists and JSON ---------------------------------------------------


def test_a_playlist_carries_links_and_the_isrc_of_tracks_without_a_file(store, tmp_path):
    import pandas as pd

    from trace.playlist import m3u8

    tracks = pd.DataFrame(
        [
            {"path": str(tmp_path / "a.mp3"), "artist": "A", "title": "One", "duration": 61.0},
            {
                "path": None,
                "artist": "B",
                "title": "Two",
                "duration": 120.0,
                "isrc": "GBAAA0000002",
                "spotify_uri": "spotify:track:abc",
                "catalogue_link": "https://www.deezer.com/track/2",
            },
            {
                "path": None,
                "artist": "C",
                "title": "Three",
                "catalogue_link": "https://www.deezer.com/track/3",
            },
            {"path": None, "artist": "D", "title": "Four"},
        ]
    )
    playlist = m3u8(tracks)
    assert (playlist.written, playlist.as_links, playlist.without_file) == (3, 2, 1)
    lines = playlist.text.splitlines()
    two = lines.index("#EXTINF:120,B - Two")
    assert lines[two - 1] == (
        "# no local file: ISRC GBAAA0000002 · https://open.spotify.com/track/abc · "
        "https://www.deezer.com/track/2"
    )
    assert lines[two + 1] == "https://open.spotify.com/track/abc"
    assert "https://www.deezer.com/track/3" in lines
    assert "Four" not in playlist.text


def test_deezer_alone_asks_no_itunes(store, catalogue, monkeypatch):
    spotify_track(store, 1, "Vale", "Hush")
    catalogue.add_itunes(itunes_song(77, artist="Vale", title="Hush"), b"x")
    monkeypatch.setenv("TRACE_ITUNES_API_URL", catalogue.itunes_url)  # where it would go
    summary = hear_previews(store, deezer=clients(catalogue)[0], itunes=None, workers=1)
    assert summary.not_found == 1
    assert not [r for r in catalogue.requests if r.service == "itunes"]


def test_a_wrong_address_setting_is_a_sentence(store, monkeypatch):
    spotify_track(store, 1, "Nova", "Drift")
    monkeypatch.setenv("TRACE_DEEZER_API_URL", "htp:/nowhere")
    summary = hear_previews(store, deezer=Deezer(**FAST), itunes=None, workers=1)
    assert "Deezer cannot be asked at htp:/nowhere" in summary.stopped

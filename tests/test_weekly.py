"""The weekly Discover job on a copy of the demo library."""

from __future__ import annotations

import json
from urllib.parse import parse_qs, urlparse

from fake_spotify import CLIENT_ID, running, track

from trace import cli
from trace.sources.spotify import connect
from trace.store import Store


def _approved(store: Store) -> set[int]:
    decided = store.decisions()
    return set(decided.loc[decided["decision"] == "approved", "track_id"])


def test_a_dry_run_changes_nothing(demo_copy, capsys):
    with Store() as store:
        before = store.fingerprint()
    assert cli.main(["weekly", "--dry-run", "--approve-top", "3"]) == 0
    out = capsys.readouterr().out
    assert "This week's picks" in out and "Would approve the top 3" in out
    with Store() as store:
        assert store.fingerprint() == before
        assert store.get_setting("weekly.last") is None


def test_the_job_can_be_told_a_time_context(demo_copy, capsys):
    args = ["weekly", "--dry-run", "--context", "evenings", "--day", "Sat"]
    assert cli.main([*args, "--timezone", "Europe/Berlin"]) == 0
    out = capsys.readouterr().out
    assert "Ranked for your Saturday evenings (Europe/Berlin)." in out
    assert "This week's picks" in out


def test_the_job_stores_picks_then_approves_once_a_week(demo_copy, capsys):
    assert cli.main(["weekly"]) == 0
    out = capsys.readouterr().out
    assert "Rescanned" in out and "Stored this week's picks" in out
    assert "Spotify: not connected" in out
    with Store() as store:
        stored = json.loads(store.get_setting("weekly.last"))
        assert stored["picks"] and stored["approved"] == [] and not _approved(store)
        picks = [p["track_id"] for p in stored["picks"]]

    assert cli.main(["weekly", "--approve-top", "3"]) == 0
    out = capsys.readouterr().out
    assert "Approved the top 3" in out
    with Store() as store:
        assert _approved(store) == set(picks[:3])
    playlist = demo_copy / "playlists" / "TRACE Discover.m3u8"
    entries = [line for line in playlist.read_text().splitlines() if not line.startswith("#")]
    assert len(entries) == 3 and all(entry.endswith((".mp3", ".flac", ".ogg")) for entry in entries)

    # Run again the same week (cron twice): nothing more approved, the same playlist.
    assert cli.main(["weekly", "--approve-top", "3"]) == 0
    out = capsys.readouterr().out
    assert "nothing more approved" in out
    with Store() as store:
        assert _approved(store) == set(picks[:3])
    again = [line for line in playlist.read_text().splitlines() if not line.startswith("#")]
    assert sorted(again) == sorted(entries)


def _connected(fake, home) -> None:
    """A token for ``fake`` in ``home``, as a finished connect leaves it."""
    token = fake.issue()
    token.update(expires_at=2**40, scope=" ".join(connect.SCOPES))
    (home / "spotify-token.json").write_text(json.dumps(token))


def test_spotify_trouble_is_reported_and_the_job_still_succeeds(demo_copy, monkeypatch, capsys):
    with running() as fake:
        monkeypatch.setenv("SPOTIFY_CLIENT_ID", CLIENT_ID)
        monkeypatch.setenv("TRACE_SPOTIFY_API_URL", fake.api_url)
        monkeypatch.setenv("TRACE_SPOTIFY_ACCOUNTS_URL", fake.url)
        _connected(fake, demo_copy)
        fake.fail("GET /v1/me/tracks", 429, {"Retry-After": "7200"})
        assert cli.main(["weekly"]) == 0
    out = capsys.readouterr().out
    assert "Problem: Spotify: Spotify's rate limit: it asks TRACE to wait 2.0 h" in out
    assert "Stored this week's picks" in out


def test_spotify_search_goes_around_the_recent_interests_artists(demo_copy, monkeypatch, capsys):
    electronic = ["Pulse Theory", "Neon Cartography", "Deep Current", "Voltage Garden"]
    with running() as fake:
        monkeypatch.setenv("SPOTIFY_CLIENT_ID", CLIENT_ID)
        monkeypatch.setenv("TRACE_SPOTIFY_API_URL", fake.api_url)
        monkeypatch.setenv("TRACE_SPOTIFY_ACCOUNTS_URL", fake.url)
        _connected(fake, demo_copy)
        fake.state.search = {
            artist: [track(5000 + 20 * i + n, artist=artist) for n in range(12)]
            for i, artist in enumerate(electronic)
        }
        with Store() as store:
            before = store.counts()["candidates"]
        assert cli.main(["spotify", "search"]) == 0
        asked = [
            parse_qs(urlparse(path).query)["q"][0] for _, path, _ in fake.requests("GET /v1/search")
        ]
    # The demo's late interest is its electronic style: its artists, and only those.
    assert asked and {q.removeprefix('artist:"').removesuffix('"') for q in asked} <= set(
        electronic
    )
    with Store() as store:
        assert store.counts()["candidates"] == before + 10 * len(asked)
    assert "Searching around your recent interests" in capsys.readouterr().err


def test_with_the_catalogue_on_the_job_hears_and_discovers(demo_copy, capsys, monkeypatch):
    """Turned on, the weekly job asks the catalogue: previews, then new candidates around
    the interests from their related artists, ranked with the rest."""
    from fake_catalogue import deezer_track, mp3_clip, serve_catalogue

    from trace.analysis import pipeline
    from trace.sources.catalogue.consent import set_enabled
    from trace.sources.catalogue.discover import POOL

    with Store() as store:
        set_enabled(store, True)
        artists = pipeline.interest_artists(pipeline.analyse(store))
    with serve_catalogue() as fake:
        monkeypatch.setenv("TRACE_DEEZER_API_URL", fake.deezer_url)
        monkeypatch.setenv("TRACE_ITUNES_API_URL", fake.itunes_url)
        fake.add_artist(500, artists[0])
        fake.relate(500, [600])
        for k in range(2):
            track = deezer_track(6000 + k, artist="Neon Relay", title=f"Tune {k}", artist_id=600)
            fake.add_deezer(track, mp3_clip(30.0, freq=330.0 + 110 * k, bpm=126.0))
        assert cli.main(["weekly"]) == 0
    out = capsys.readouterr().out
    assert "Every track without a file has a preview" in out or "Previews:" in out
    assert f"2 new candidates in the pool '{POOL}'" in out
    with Store() as store:
        pool = store.tracks(pool=POOL)
        assert sorted(pool["title"]) == ["Tune 0", "Tune 1"]
        stored = json.loads(store.get_setting("weekly.last"))
    assert stored["picks"]  # ranked with the rest

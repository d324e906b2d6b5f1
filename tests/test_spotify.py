"""Spotify against a real HTTP server on 127.0.0.1 (tests/fake_spotify.py)."""

from __future__ import annotations

import json
import logging
import os
import stat
from urllib.parse import parse_qs, urlparse

import pandas as pd
import pytest
from audiofiles import make_track
from fake_spotify import CLIENT_ID, CLIENT_SECRET, CODE, running, track

from trace import cli
from trace.library.scan import scan_library
from trace.sources.spotify import connect, pools, push, search, sync
from trace.sources.spotify.client import Client
from trace.store import Store


@pytest.fixture
def fake(home, tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)  # no secrets.toml in the current folder…
    monkeypatch.setattr(connect, "PROJECT_SECRETS", tmp_path / "none.toml")  # … nor the project's
    with running() as server:
        monkeypatch.setenv("SPOTIFY_CLIENT_ID", CLIENT_ID)
        monkeypatch.setenv("SPOTIFY_CLIENT_SECRET", CLIENT_SECRET)
        monkeypatch.setenv("TRACE_SPOTIFY_API_URL", server.api_url)
        monkeypatch.setenv("TRACE_SPOTIFY_ACCOUNTS_URL", server.url)
        yield server


def _connect(fake) -> connect.SpotifyConfig:
    settings = connect.load_config()
    url = connect.authorize_url(settings)
    query = {k: v[0] for k, v in parse_qs(urlparse(url).query).items()}
    fake.state.verifier_challenge = query.get("code_challenge")
    connect.finish_connect(settings, f"http://127.0.0.1:8501/?code={CODE}&state={query['state']}")
    return settings


def _client(settings, waits=None, messages=None) -> Client:
    return Client.connect(
        settings,
        sleep=(waits.append if waits is not None else lambda s: None),
        notify=(messages.append if messages is not None else None),
    )


def test_connecting_keeps_a_private_token_and_disconnect_forgets_it(fake):
    settings = connect.load_config()
    url = connect.authorize_url(settings)
    assert url.startswith(fake.url + "authorize?")
    query = parse_qs(urlparse(url).query)
    assert query["redirect_uri"] == ["http://127.0.0.1:8501/"]
    assert {"user-library-read", "playlist-modify-private", "user-top-read"} <= set(
        query["scope"][0].split()
    )
    with pytest.raises(connect.SpotifyError, match="does not belong"):
        connect.finish_connect(settings, f"http://127.0.0.1:8501/?code={CODE}&state=forged")
    settings = _connect(fake)
    assert connect.connected(settings)
    assert stat.S_IMODE(os.stat(settings.token_path).st_mode) == 0o600
    assert json.loads(settings.token_path.read_text())["access_token"].startswith("access-")
    assert connect.disconnect(settings)
    assert not settings.token_path.exists() and not connect.connected(settings)
    with pytest.raises(connect.NotConnectedError):
        Client.connect(settings)


def test_pkce_is_used_without_a_secret(fake, monkeypatch):
    monkeypatch.delenv("SPOTIFY_CLIENT_SECRET")
    settings = connect.load_config()
    assert settings.pkce
    url = connect.authorize_url(settings)
    assert "code_challenge=" in url
    # A wrong verifier is refused by the server: prove the check is real.
    query = {k: v[0] for k, v in parse_qs(urlparse(url).query).items()}
    fake.state.verifier_challenge = "not-the-challenge"
    with pytest.raises(connect.SpotifyError, match="refused"):
        connect.finish_connect(settings, f"?code={CODE}&state={query['state']}")
    fake.state.verifier_challenge = query["code_challenge"]
    connect.finish_connect(settings, f"?code={CODE}&state={query['state']}")
    assert connect.connected(settings)


def _library(fake, saved: int = 120) -> None:
    fake.state.saved = [
        {"added_at": f"2026-{1 + i % 10:02d}-{1 + i % 27:02d}T10:00:00Z", "track": track(i)}
        for i in range(saved)
    ]
    fake.state.saved.sort(key=lambda item: item["added_at"], reverse=True)
    fake.state.recent = [
        {"played_at": f"2026-11-20T1{h}:00:00Z", "track": track(500 + h)} for h in range(5)
    ]
    fake.state.top = {"short_term": [track(1), track(2)], "long_term": [track(3)]}
    fake.state.playlists = [
        {"id": "mine", "name": "Road trip", "owner": {"id": "person"}, "snapshot_id": "a"},
        {"id": "theirs", "name": "Someone else's", "owner": {"id": "other"}, "snapshot_id": "x"},
    ]
    fake.state.items["mine"] = [
        {"added_at": "2026-06-01T00:00:00Z", "item": track(900 + i)} for i in range(7)
    ]
    fake.state.items["theirs"] = [{"added_at": None, "item": track(950)}]


def test_sync_reads_every_page_then_only_what_is_new(fake, store):
    _library(fake)
    client = _client(_connect(fake))
    summary = sync.sync(store, client)
    assert not summary.problems, summary.problems
    assert summary.saved == 120 and len(fake.requests("GET /v1/me/tracks")) == 3
    assert store.execute("SELECT count(*) FROM spotify_saved").fetchone()[0] == 120
    assert summary.plays == 5 and summary.top == 3
    assert summary.playlists == 2 and summary.playlist_items == 7  # only the owned one
    assert not fake.requests("GET /v1/playlists/theirs")
    added = store.execute(
        "SELECT t.added_at FROM tracks t JOIN spotify_saved s ON s.track_id = t.id "
        "WHERE t.spotify_uri = ?",
        (track(0)["uri"],),
    ).fetchone()[0]
    assert added.startswith("2026-01-01T10:00:00")

    fake.state.saved[:0] = [
        {"added_at": "2026-11-21T09:00:00Z", "track": track(700 + i)} for i in range(3)
    ]
    before = len(fake.state.log)
    again = sync.sync(store, client)
    assert again.saved == 3 and again.plays == 0 and again.playlists_read == 0
    assert len([r for r in fake.state.log[before:] if r[1].startswith("/v1/me/tracks")]) == 1
    assert store.execute("SELECT count(*) FROM spotify_saved").fetchone()[0] == 123
    assert store.execute("SELECT count(*) FROM plays").fetchone()[0] == 5


def test_rate_limits_server_errors_and_expired_tokens_are_handled(fake, store):
    _library(fake)
    settings = _connect(fake)
    waits, messages = [], []
    client = _client(settings, waits, messages)
    fake.expire_token()
    fake.fail("GET /v1/me/tracks", 429, {"Retry-After": "2"})
    fake.fail("GET /v1/me/playlists", 500)
    summary = sync.sync(store, client)
    assert not summary.problems, summary.problems
    assert summary.saved == 120 and summary.playlists == 2
    assert waits == [2.0, 1.0]
    assert any("waiting 2 s as Spotify asks" in m for m in messages)
    assert any("answered 500" in m for m in messages)
    assert any("refreshed" in m for m in messages)
    refreshes = [r for r in fake.requests("POST /api/token")]
    assert len(refreshes) == 2  # the code exchange, then one refresh


def test_a_long_rate_limit_stops_with_the_time_and_keeps_what_was_synced(fake, store):
    _library(fake)
    waits = []
    client = _client(_connect(fake), waits)
    fake.fail("GET /v1/me/top/tracks", 429, {"Retry-After": "3600"})
    summary = sync.sync(store, client)
    assert waits == []
    assert len(summary.problems) == 1 and "wait 60 min" in summary.problems[0]
    assert "kept" in summary.problems[0]
    assert not fake.requests("GET /v1/me/playlists")  # the rest waits for the next sync
    assert store.execute("SELECT count(*) FROM spotify_saved").fetchone()[0] == 120


def test_any_other_error_is_a_message_and_the_next_step_goes_on(fake, store):
    _library(fake)
    client = _client(_connect(fake))
    fake.fail("GET /v1/me/player/recently-played", 400)
    summary = sync.sync(store, client)
    assert len(summary.problems) == 1
    assert "400 while reading your recently played tracks" in summary.problems[0]
    assert summary.saved == 120 and summary.top == 3 and summary.playlists == 2


def test_audio_features_are_tried_once_per_connection(fake, store):
    _library(fake, saved=10)
    settings = _connect(fake)
    client = _client(settings)
    first = sync.sync(store, client)
    assert "unavailable" in first.audio_features and "403" in first.audio_features
    assert sync.audio_features_status(store)["status"] == "unavailable"
    sync.sync(store, client)
    assert len(fake.requests("GET /v1/audio-features")) == 1
    # A new connection asks again; an app that still has the endpoint gets the features.
    sync.forget_connection(store)
    fake.state.audio_features_status = 200
    third = sync.sync(store, client)
    assert third.audio_features.startswith("available")
    assert (
        store.execute("SELECT count(*) FROM imported_features WHERE source = 'spotify'").fetchone()[
            0
        ]
        == store.execute("SELECT count(*) FROM tracks WHERE spotify_uri IS NOT NULL").fetchone()[0]
    )


def test_owned_playlists_become_candidate_pools_when_chosen(fake, store):
    _library(fake, saved=5)
    fake.state.items["mine"].append({"added_at": None, "item": track(0)})  # also saved
    client = _client(_connect(fake))
    sync.sync(store, client)
    pooled = store.execute("SELECT count(*) FROM tracks WHERE pool IS NOT NULL").fetchone()[0]
    assert pooled == 0  # a playlist of one's own is one's own music
    pools.set_pool_playlists(store, ["mine"])
    rows = dict(
        store.execute(
            "SELECT spotify_uri, pool FROM tracks WHERE spotify_uri IN (?, ?)",
            (track(900)["uri"], track(0)["uri"]),
        ).fetchall()
    )
    assert rows == {track(900)["uri"]: "Spotify: Road trip", track(0)["uri"]: None}
    assert store.counts()["candidates"] == 7
    pools.set_pool_playlists(store, [])
    assert store.counts()["candidates"] == 0


def test_spotify_tracks_are_matched_to_local_files(fake, store, music):
    make_track(
        music / "a.flac",
        {"artist": "Nina Ray", "title": "Blue Hour", "isrc": "GBAAA2100001"},
        seconds=3.0,
    )
    make_track(music / "b.flac", {"artist": "The Lanterns", "title": "Northern Road"}, seconds=3.0)
    make_track(music / "c.flac", {"artist": "Odd Pair", "title": "Same Name"}, seconds=3.0)
    make_track(music / "d.flac", {"artist": "Only Local", "title": "Never Streamed"}, seconds=3.0)
    scan_library([music], store)
    fake.state.saved = [
        # same ISRC, different spelling of everything else
        {
            "added_at": "2026-01-02T00:00:00Z",
            "track": track(
                1,
                artist="N. Ray",
                title="Blue Hour - 2021 Mix",
                isrc="GBAAA2100001",
                duration_ms=3000,
            ),
        },
        # words in another order and a typo, close in length
        {
            "added_at": "2026-01-03T00:00:00Z",
            "track": track(2, artist="Lanterns, The", title="Northern Raod", duration_ms=3500),
        },
        # the same name, but a minute longer: another recording
        {
            "added_at": "2026-01-04T00:00:00Z",
            "track": track(3, artist="Odd Pair", title="Same Nam", duration_ms=63_000),
        },
        {"added_at": "2026-01-05T00:00:00Z", "track": track(4, artist="Stream", title="Only")},
    ]
    summary = sync.sync(store, _client(_connect(fake)))
    report = summary.match
    assert (report.matched, report.by_isrc, report.by_name) == (2, 1, 1)
    assert sorted(report.spotify_only["title"]) == ["Only", "Same Nam"]
    assert sorted(report.local_only["title"]) == ["Never Streamed", "Same Name"]
    assert report.spotify_without_features == 2
    merged = store.execute(
        "SELECT t.spotify_uri, f.display_path FROM tracks t JOIN files f ON f.track_id = t.id "
        "JOIN spotify_saved s ON s.track_id = t.id ORDER BY f.display_path"
    ).fetchall()
    assert [(uri, path.rsplit("/", 1)[-1]) for uri, path in merged] == [
        (track(1)["uri"], "a.flac"),
        (track(2)["uri"], "b.flac"),
    ]
    assert store.counts()["library_tracks"] == 6  # 4 files + 2 Spotify-only


def _approve(store: Store, count: int) -> None:
    with store.batch():
        for n in range(count):
            uri = track(2000 + n)["uri"]
            cursor = store.execute(
                "INSERT INTO tracks (title, spotify_uri, pool, added_at, updated_at) "
                "VALUES (?, ?, 'Spotify search', '2026-01-01', '2026-01-01')",
                (f"Song {n}", uri),
            )
            store.execute(
                "INSERT INTO decisions VALUES (?, 'approved', ?)",
                (cursor.lastrowid, f"2026-11-01T00:{n // 60:02d}:{n % 60:02d}+00:00"),
            )
        store.execute(  # an approved local file without a URI
            "INSERT INTO tracks (id, title, added_at, updated_at) VALUES (99999, 'Local', 'x', 'x')"
        )
        store.execute("INSERT INTO decisions VALUES (99999, 'approved', '2026-11-02')")


def test_the_playlist_is_written_in_batches_once_and_resumes_after_a_failure(fake, store):
    client = _client(_connect(fake))
    _approve(store, 250)
    fake.state.add_failures = [2, 3, 4, 5]  # the second batch fails, retries included
    first = push.push_approved(store, client)
    assert first.created and first.added == 100 and "502" in first.stopped
    assert first.not_on_spotify == 1
    playlist = first.playlist_id
    assert len(fake.state.items[playlist]) == 100
    second = push.push_approved(store, client)
    assert not second.created and not second.stopped
    assert (second.already, second.added) == (100, 150)
    third = push.push_approved(store, client)
    assert (third.already, third.added) == (250, 0)
    uris = [entry["item"]["uri"] for entry in fake.state.items[playlist]]
    assert uris == [track(2000 + n)["uri"] for n in range(250)]  # in order, no duplicates
    assert len(fake.requests("POST /v1/me/playlists")) == 1
    public = next(p for p in fake.state.playlists if p["id"] == playlist)["public"]
    assert public is False


def test_searches_around_artists_are_capped_and_asked_once(fake, store):
    fake.state.search = {"Nina Ray": [track(3000 + i, artist="Nina Ray") for i in range(25)]}
    client = _client(_connect(fake))
    counts = search.search_around(store, client, ["Nina Ray", "Nobody"])
    assert counts == {"queries": 2, "cached": 0, "found": 10, "already_yours": 0, "new": 10}
    assert store.counts()["candidates"] == 10
    again = search.search_around(store, client, ["Nina Ray"])
    assert again["cached"] == 1 and len(fake.requests("GET /v1/search")) == 2


def test_search_results_the_person_owns_are_already_theirs(fake, store, music):
    make_track(music / "a.flac", {"artist": "Nina Ray", "title": "Blue Hour"}, seconds=3.0)
    make_track(music / "b.flac", {"artist": "Nina Ray", "title": "Red Hour"}, seconds=3.0)
    scan_library([music], store)
    fake.state.search = {
        "Nina Ray": [
            track(1, artist="Nina Ray", title="Blue Hour - 2011 Remaster", duration_ms=3000),
            track(2, artist="Nina Ray", title="Red Hour (Live)", duration_ms=3000),
            track(3, artist="Nina Ray", title="Green Hour", duration_ms=3000),
        ]
    }
    counts = search.search_around(store, _client(_connect(fake)), ["Nina Ray"])
    assert (counts["found"], counts["already_yours"], counts["new"]) == (3, 1, 2)
    assert store.counts()["candidates"] == 2  # the live take and the new song
    owned = store.execute(
        "SELECT t.title FROM tracks t JOIN files f ON f.track_id = t.id WHERE t.spotify_uri = ?",
        (track(1)["uri"],),
    ).fetchone()
    assert owned["title"] == "Blue Hour"


def test_no_token_or_secret_reaches_a_message_or_the_log(fake, store, caplog, capsys):
    caplog.set_level(logging.DEBUG)
    _library(fake, saved=3)
    settings = _connect(fake)
    messages = []
    client = _client(settings, messages=messages)
    fake.expire_token()
    fake.fail("GET /v1/me/player/recently-played", 403)
    summary = sync.sync(store, client)
    fake.state.tokens.clear()
    fake.state.refresh_tokens.clear()  # now even a refresh fails
    broken = sync.sync(store, client)
    assert broken.problems
    text = "\n".join(
        [
            *messages,
            *summary.lines(),
            *broken.lines(),
            caplog.text,
            repr(settings),
            *capsys.readouterr(),
        ]
    )
    for secret in ("access-", "refresh-", CLIENT_SECRET):
        assert secret not in text


def test_the_command_line_syncs_and_pushes(fake, store, capsys, monkeypatch):
    _library(fake, saved=4)
    _connect(fake)
    assert cli.main(["spotify", "sync"]) == 0
    out = capsys.readouterr().out
    assert "4 saved tracks new" in out
    assert cli.main(["spotify", "status"]) == 0
    assert "connected as A Person" in capsys.readouterr().out
    _approve(store, 3)
    assert cli.main(["spotify", "push", "--name", "Weekly finds"]) == 0
    assert "Weekly finds: 3 added" in capsys.readouterr().out
    assert cli.main(["spotify", "disconnect"]) == 0
    assert cli.main(["spotify", "sync"]) == 2
    assert "not connected" in capsys.readouterr().err


def _app():
    from pathlib import Path

    from streamlit.testing.v1 import AppTest

    root = Path(__file__).resolve().parent.parent
    return AppTest.from_file(str(root / "streamlit_app.py"), default_timeout=120)


def test_the_dashboard_connects_syncs_and_chooses_pools(fake, store):
    _library(fake, saved=6)
    settings = connect.load_config()
    app = _app()
    app.run()
    app.switch_page("app_pages/sources.py").run()
    buttons = [b for b in app.get("link_button") if "Connect Spotify" in str(b.proto.label)]
    assert buttons, "no Connect button"
    query = {k: v[0] for k, v in parse_qs(urlparse(buttons[0].proto.url).query).items()}
    assert query["redirect_uri"] == "http://127.0.0.1:8501/"

    # Spotify sends the person back to the root address with the code.
    back = _app()
    back.query_params["code"] = CODE
    back.query_params["state"] = query["state"]
    back.run()
    assert not back.exception, back.exception
    assert any("Spotify is connected" in s.value for s in back.success)
    assert connect.connected(settings) and "code" not in back.query_params

    back.switch_page("app_pages/sources.py").run()
    sync_button = next(b for b in back.button if b.label == "Sync with Spotify")
    sync_button.click().run()
    assert not back.exception, back.exception
    text = "\n".join(m.value for m in back.markdown)
    assert "connected as A Person" in text and "6 saved tracks new" in text
    pools = next(m for m in back.multiselect if "candidate pools" in m.label)
    pools.set_value(["mine"]).run()
    assert store.counts()["candidates"] == 7


def test_a_refused_connection_is_explained(fake):
    app = _app()
    app.query_params["error"] = "access_denied"
    app.query_params["state"] = "whatever"
    app.run()
    assert any("did not connect: access_denied" in e.value for e in app.error)
    assert not connect.connected(connect.load_config())


def test_numbers_in_a_name_must_agree():
    from trace.sources.matching import pair_up

    def side(rows, start):
        return pd.DataFrame(
            [
                {
                    "id": start + i,
                    "isrc": None,
                    "match_key": key,
                    "duration": 300.0,
                    "pool": None,
                    "title": key,
                    "artists": "[]",
                }
                for i, key in enumerate(rows)
            ]
        )

    spotify = side(["orchestra\x1fsymphony no 5", "orchestra\x1fadagio in g minor"], 0)
    local = side(["orchestra\x1fsymphony no 6", "orchestra\x1fadagio in g mnor"], 10)
    assert pair_up(spotify, local) == [(1, 11, "name")]


def _limits(fake, prefix: str) -> set[int]:
    return {int(parse_qs(urlparse(path).query)["limit"][0]) for _, path, _ in fake.requests(prefix)}


def test_every_paged_call_asks_for_the_documented_maximum(fake, store):
    _library(fake)
    fake.state.items["mine"] = [
        {"added_at": "2026-06-01T00:00:00Z", "item": track(900 + i)} for i in range(120)
    ]
    fake.state.search = {"Nina Ray": [track(3000, artist="Nina Ray")]}
    client = _client(_connect(fake))
    summary = sync.sync(store, client)
    search.search_around(store, client, ["Nina Ray"])
    assert not summary.problems, summary.problems
    assert summary.playlist_items == 120 and len(fake.requests("GET /v1/playlists/mine")) == 3
    for prefix in (
        "GET /v1/me/tracks",
        "GET /v1/me/player/recently-played",
        "GET /v1/me/top/tracks",
        "GET /v1/me/playlists",
        "GET /v1/playlists/mine/items",
    ):
        assert _limits(fake, prefix) == {50}, prefix
    assert _limits(fake, "GET /v1/search") == {10}


def test_an_invalid_limit_is_asked_once_more_with_a_smaller_page(fake, store):
    _library(fake, saved=45)
    fake.state.max_limit["/me/tracks"] = 20  # Spotify refusing even the documented 50
    messages = []
    summary = sync.sync(store, _client(_connect(fake), messages=messages))
    assert not summary.problems, summary.problems
    assert summary.saved == 45
    assert _limits(fake, "GET /v1/me/tracks") == {50, 20}
    assert any("asking again with pages of 20" in m for m in messages), messages
    fake.state.max_limit["/me/playlists"] = 5  # refused again: stopped with Spotify's words
    store.set_setting("spotify.saved_until", "")
    again = sync.sync(store, _client(connect.load_config()))
    assert any("Invalid limit" in p for p in again.problems), again.problems


def test_rotated_refresh_tokens_are_stored_so_a_second_refresh_works(fake, store, monkeypatch):
    monkeypatch.delenv("SPOTIFY_CLIENT_SECRET")
    settings = _connect(fake)
    client = _client(settings)
    first = json.loads(settings.token_path.read_text())["refresh_token"]
    for _ in range(2):
        fake.expire_token()
        assert client.call("reading your profile", "me")["id"] == "person"
    stored = json.loads(settings.token_path.read_text())["refresh_token"]
    assert stored != first and stored in fake.state.refresh_tokens
    assert first not in fake.state.refresh_tokens  # the server rotated it away
    assert len(fake.requests("POST /api/token")) == 3  # the code, then two refreshes


def test_spotipys_http_error_lines_are_shown_only_with_verbose(fake, caplog, capsys):
    _library(fake, saved=3)
    _connect(fake)
    spotipy_logger, urllib3_logger = logging.getLogger("spotipy"), logging.getLogger("urllib3")
    levels = spotipy_logger.level, urllib3_logger.level
    caplog.set_level(logging.WARNING)
    try:
        fake.fail("GET /v1/me/tracks", 429, {"Retry-After": "0"})
        assert cli.main(["spotify", "sync"]) == 0
        assert not [r for r in caplog.records if r.name.startswith(("spotipy", "urllib3"))]
        assert "rate limit" in capsys.readouterr().err  # TRACE's own message
        caplog.clear()
        fake.fail("GET /v1/me/tracks", 429, {"Retry-After": "0"})
        assert cli.main(["--verbose", "spotify", "sync"]) == 0
        assert any("HTTP Error for GET" in r.getMessage() for r in caplog.records)
    finally:
        spotipy_logger.setLevel(levels[0])
        urllib3_logger.setLevel(levels[1])


def test_a_damaged_or_unreadable_token_file_says_what_is_wrong(fake, store):
    settings = _connect(fake)
    settings.token_path.write_text('{"access_token": "acc')  # cut off mid-write
    with pytest.raises(connect.TokenFileError, match=r"damaged .*delete it and connect"):
        connect.connected(settings)
    assert "token cannot be used" in " ".join(cli_status(store))
    settings.token_path.unlink()
    settings.token_path.mkdir()  # unreadable as a file, whoever runs the test
    with pytest.raises(connect.TokenFileError, match="cannot be read"):
        connect.connected(settings)
    settings.token_path.rmdir()
    assert not connect.connected(settings)  # no file at all: simply not connected


def cli_status(store) -> list[str]:
    from trace.sources.spotify.commands import status_lines

    return status_lines(store)


def test_token_writes_from_many_threads_never_collide(tmp_path, monkeypatch):
    import threading

    synced = []
    real_fsync = os.fsync
    monkeypatch.setattr(connect.os, "fsync", lambda fd: synced.append(fd) or real_fsync(fd))
    path = tmp_path / "spotify-token.json"

    def write(n: int) -> None:
        for i in range(25):
            connect._write_private(path, {"access_token": f"{n}-{i}", "pad": "x" * 5000})

    threads = [threading.Thread(target=write, args=(n,)) for n in range(6)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert json.loads(path.read_text())["access_token"].endswith("-24")
    assert stat.S_IMODE(os.stat(path).st_mode) == 0o600
    assert sorted(p.name for p in tmp_path.iterdir()) == ["spotify-token.json"]  # no leftovers
    assert len(synced) == 2 * 6 * 25  # the file and its folder, every time


def test_spotipy_pkce_behaviour_trace_relies_on_is_pinned(fake, monkeypatch):
    """TRACE sets the PKCE verifier of a connect started earlier and computes its
    challenge itself; these are the spotipy behaviours that rely on, checked so that an
    upgrade that changes them fails here rather than at a person's connect."""
    monkeypatch.delenv("SPOTIFY_CLIENT_SECRET")
    settings = connect.load_config()
    manager = connect.auth_manager(settings)
    assert manager.code_verifier is None and manager.code_challenge is None
    manager.get_pkce_handshake_parameters()
    assert connect.pkce_challenge(manager.code_verifier) == manager.code_challenge
    url = manager.get_authorize_url(state="s")
    assert parse_qs(urlparse(url).query)["code_challenge"] == [manager.code_challenge]
    # Both attributes set: get_access_token sends this verifier, not a new one.
    manager.code_verifier = "v" * 64
    manager.code_challenge = connect.pkce_challenge(manager.code_verifier)
    fake.state.verifier_challenge = manager.code_challenge
    manager.get_access_token(CODE, check_cache=False)
    assert connect.connected(settings)
    # With no code and no token, spotipy asks for one through get_authorization_code,
    # which TRACE answers with an error instead of a terminal prompt.
    connect.disconnect(settings)
    with pytest.raises(connect.NotConnectedError):
        connect.auth_manager(settings).get_access_token()


def test_approved_catalogue_tracks_reach_the_playlist_by_exact_search(fake, store):
    """A catalogue candidate has no Spotify URI: it is found by ``isrc:``, else by artist
    and title (never a live take), and the ones Spotify lacks are named."""
    by_isrc = track(4001, artist="Nova", title="Drift", isrc="GBAAA0000001")
    live = track(4002, artist="Kite", title="Glow (Live)")
    studio = track(4003, artist="Kite", title="Glow")
    fake.state.search = {"Nova": [by_isrc], "Kite": [live, studio]}
    with store.batch():
        for n, (artist, title, isrc) in enumerate(
            [("Nova", "Drift", "GBAAA0000001"), ("Kite", "Glow", None), ("Vale", "Hush", None)]
        ):
            cursor = store.execute(
                "INSERT INTO tracks (title, artists, isrc, duration, pool, added_at, updated_at) "
                "VALUES (?, ?, ?, 200, 'Deezer: related artists', 'x', 'x')",
                (title, json.dumps([artist]), isrc),
            )
            store.execute(
                "INSERT INTO decisions VALUES (?, 'approved', ?)",
                (cursor.lastrowid, f"2026-11-01T00:00:0{n}+00:00"),
            )
    summary = push.push_approved(store, _client(_connect(fake)))
    assert (summary.found_by_search, summary.added, summary.not_on_spotify) == (2, 2, 1)
    assert summary.missing_names == ["Vale – Hush"]
    assert "Spotify does not have: Vale – Hush" in str(summary)
    uris = [entry["item"]["uri"] for entry in fake.state.items[summary.playlist_id]]
    assert uris == [by_isrc["uri"], studio["uri"]]
    queries = [parse_qs(urlparse(r[1]).query)["q"][0] for r in fake.requests("GET /v1/search")]
    assert queries[0] == "isrc:GBAAA0000001"

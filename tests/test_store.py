"""The store: WAL, schema versions, forward migrations, transactions, bad databases."""

from __future__ import annotations

import sqlite3

import pytest

from trace import store as store_module
from trace.errors import StoreError
from trace.store import MIGRATIONS, Store


def test_new_store_is_wal_and_at_the_latest_schema(home):
    with Store() as store:
        assert store.path == home / "trace.sqlite3"
        assert store.execute("PRAGMA journal_mode").fetchone()[0] == "wal"
        assert store.schema_version == len(MIGRATIONS)
        tables = {r[0] for r in store.execute("SELECT name FROM sqlite_master WHERE type='table'")}
        assert {"tracks", "files", "plays", "scan_errors", "decisions", "folders"} <= tables


def test_forward_migration_keeps_the_data(tmp_path, monkeypatch):
    path = tmp_path / "db.sqlite3"
    with Store(path) as store, store.batch():
        store.execute("INSERT INTO tracks (title, added_at, updated_at) VALUES ('kept', 'x', 'x')")
    later = "ALTER TABLE tracks ADD COLUMN mood TEXT;"
    monkeypatch.setattr(store_module, "MIGRATIONS", (*MIGRATIONS, later))
    with Store(path) as store:
        assert store.schema_version == len(MIGRATIONS) + 1
        assert [tuple(r) for r in store.execute("SELECT title, mood FROM tracks")] == [
            ("kept", None)
        ]


def test_a_failed_migration_changes_nothing(tmp_path, monkeypatch):
    path = tmp_path / "db.sqlite3"
    Store(path).close()
    broken = "ALTER TABLE tracks ADD COLUMN a TEXT; THIS IS NOT SQL;"
    monkeypatch.setattr(store_module, "MIGRATIONS", (*MIGRATIONS, broken))
    with pytest.raises(StoreError):
        Store(path)
    connection = sqlite3.connect(path)
    assert connection.execute("PRAGMA user_version").fetchone()[0] == len(MIGRATIONS)
    columns = [r[1] for r in connection.execute("PRAGMA table_info(tracks)")]
    assert "a" not in columns


def test_a_newer_database_is_refused_untouched(tmp_path):
    path = tmp_path / "db.sqlite3"
    Store(path).close()
    connection = sqlite3.connect(path)
    connection.execute("PRAGMA user_version = 99")
    connection.close()
    with pytest.raises(StoreError, match="newer TRACE"):
        Store(path)


def test_a_file_that_is_not_a_database(tmp_path):
    path = tmp_path / "db.sqlite3"
    path.write_bytes(b"this is not sqlite" * 100)
    with pytest.raises(StoreError, match="cannot be opened"):
        Store(path)
    assert path.read_bytes() == b"this is not sqlite" * 100


def test_a_batch_is_all_or_nothing(store):
    with pytest.raises(RuntimeError), store.batch():
        store.execute("INSERT INTO tracks (title, added_at, updated_at) VALUES ('a', 'x', 'x')")
        raise RuntimeError("power cut")
    assert store.execute("SELECT count(*) FROM tracks").fetchone()[0] == 0


def test_fingerprint_follows_changes(store):
    before = store.fingerprint()
    assert store.fingerprint() == before
    with store.batch():
        store.execute("INSERT INTO tracks (title, added_at, updated_at) VALUES ('a', 'x', 'y')")
    assert store.fingerprint() != before


def test_the_decisions_fingerprint_says_which_tracks_went_which_way(store, monkeypatch):
    """A whole page decided in one second, then two verdicts swapped in the next: the
    count, the time and the approvals are the same, and the ranking must still change."""
    with store.batch():
        a, b = (
            store.execute(
                "INSERT INTO tracks (title, pool, added_at, updated_at) VALUES (?, 'p', 'x', 'y')",
                (title,),
            ).lastrowid
            for title in "ab"
        )
    monkeypatch.setattr(store_module, "now", lambda: "2026-12-01T12:00:00Z")
    with store.batch():
        store.decide(a, "approved")
        store.decide(b, "rejected")
    before = store.fingerprint("decisions")
    with store.batch():
        store.decide(a, "rejected")
        store.decide(b, "approved")
    assert store.fingerprint("decisions") != before
    with store.batch():
        store.decide(a, "approved")
        store.decide(b, "rejected")
    assert store.fingerprint("decisions") == before


def test_the_plays_fingerprint_says_which_plays(store):
    """A history forgotten and another of the same size imported reuses the row ids."""
    with store.batch():
        a, b = (
            store.execute(
                "INSERT INTO tracks (title, added_at, updated_at) VALUES (?, 'x', 'y')", (t,)
            ).lastrowid
            for t in "ab"
        )

    def history(track: int, day: str) -> str:
        with store.batch():
            store.execute("DELETE FROM plays")
            store.execute(
                "INSERT INTO plays (track_id, played_at, ms_played, source, skipped) "
                "VALUES (?, ?, 200000, 'test', 0)",
                (track, day),
            )
        return store.fingerprint("plays")

    first = history(a, "2026-11-01T10:00:00Z")
    assert history(b, "2026-11-01T10:00:00Z") != first
    assert history(a, "2026-11-02T10:00:00Z") != first
    assert history(a, "2026-11-01T10:00:00Z") == first


def test_the_library_and_the_candidates_have_fingerprints_of_their_own(store):
    def add(title: str, pool: str | None, signature: str) -> None:
        with store.batch():
            track = store.execute(
                "INSERT INTO tracks (title, pool, added_at, updated_at) VALUES (?, ?, 'x', 'y')",
                (title, pool),
            ).lastrowid
            store.execute(
                "INSERT INTO files (path, display_path, track_id, size, mtime_ns, signature, "
                "status, first_seen_at, read_at) VALUES (?, ?, ?, 1, 1, ?, 'ok', 'x', 'x')",
                (title.encode(), title, track, signature),
            )

    FEATURES = (  # noqa: N806
        "INSERT INTO features (signature, extractor, data, extracted_at) VALUES (?, 'v', '{}', ?)"
    )

    def sides() -> tuple[str, str]:
        computed = store.side_fingerprint(pool=False), store.side_fingerprint(pool=True)
        assert store.side_fingerprints() == computed  # the remembered ones follow too
        return computed

    add("mine", None, "s1")
    library, pool = sides()
    add("candidate", "new", "s2")
    assert sides()[0] == library and sides()[1] != pool
    library, pool = sides()
    with store.batch():  # the candidate's features arrive
        store.execute(FEATURES, ("s2", "2026-12-01"))
    assert sides()[0] == library and sides()[1] != pool
    library, pool = sides()
    with store.batch():  # the library track's features arrive
        store.execute(FEATURES, ("s1", "2026-12-02"))
    assert sides()[0] != library and sides()[1] == pool
    library, pool = sides()
    with store.batch():  # the candidate is moved into the library, as a pool move does it
        store.execute("UPDATE tracks SET pool = NULL, updated_at = 'z' WHERE title = 'candidate'")
    assert sides()[0] != library and sides()[1] != pool


def test_settings_round_trip(store):
    assert store.get_setting("k", "default") == "default"
    store.set_setting("k", "v1")
    store.set_setting("k", "v2")
    assert store.get_setting("k") == "v2"


def _upgraded(path, monkeypatch, version: int, sql: str) -> Store:
    """A store written by the TRACE of schema ``version`` (``sql`` run in it), reopened
    by this one."""
    monkeypatch.setattr(store_module, "MIGRATIONS", MIGRATIONS[:version])
    with Store(path) as old, old.batch():
        old.execute(sql)
    monkeypatch.setattr(store_module, "MIGRATIONS", MIGRATIONS)
    return Store(path)


def test_a_version_1_library_gains_the_later_tables(tmp_path, monkeypatch):
    sql = "INSERT INTO tracks (title, added_at, updated_at) VALUES ('old', 'x', 'x')"
    with _upgraded(tmp_path / "db.sqlite3", monkeypatch, 1, sql) as store:
        assert store.schema_version == len(MIGRATIONS) == 9
        assert store.execute("SELECT title FROM tracks").fetchone()[0] == "old"
        row = store.execute("SELECT recording_mbid, artist_mbids FROM tracks").fetchone()
        assert tuple(row) == (None, "[]")
        assert store.execute("SELECT count(*) FROM features").fetchone()[0] == 0
        assert store.execute("SELECT count(*) FROM spotify_playlists").fetchone()[0] == 0
        assert store.execute("SELECT count(*) FROM previews").fetchone()[0] == 0
        assert store.execute("SELECT count(*) FROM embeddings").fetchone()[0] == 0


def test_features_stored_before_the_decoder_column_read_as_pyav(tmp_path, monkeypatch):
    sql = "INSERT INTO features VALUES ('sig', '1/3x20s', '{}', 'x')"
    with _upgraded(tmp_path / "db.sqlite3", monkeypatch, 4, sql) as store:
        row = store.execute("SELECT extractor, decoder FROM features").fetchone()
        assert tuple(row) == ("1/3x20s", "PyAV (FFmpeg)")


def test_two_connections_opening_a_new_home_at_once_both_succeed(tmp_path):
    """The dashboard's warm-up thread and a page may open a fresh home together: the one
    that loses the race to migrate finds the schema made and goes on."""
    import threading

    path = tmp_path / "race.sqlite3"
    errors: list[BaseException] = []
    barrier = threading.Barrier(4)

    def open_it() -> None:
        barrier.wait()
        try:
            with Store(path) as store:
                assert store.schema_version == len(MIGRATIONS)
        except BaseException as error:  # collected, to fail the test below
            errors.append(error)

    threads = [threading.Thread(target=open_it) for _ in range(4)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert errors == []


def test_remembered_fingerprints_see_a_move_in_the_same_second_and_a_replaced_file(tmp_path):
    """A track moved into a pool in the same second as the last change, by another
    connection, changes the sides; a Store still open on a file replaced at its path
    never lends its old numbers to the new file."""
    path = tmp_path / "trace.sqlite3"
    with Store(path) as first, first.batch():
        for title in ("a", "b"):
            first.execute(
                "INSERT INTO tracks (title, artists, genres, added_at, updated_at) "
                "VALUES (?, '[]', '[]', 'T', 'T')",
                (title,),
            )
    with Store(path) as reader:
        before = reader.side_fingerprints()
        with Store(path) as writer:
            writer.execute("UPDATE tracks SET pool = 'p', updated_at = 'T' WHERE title = 'b'")
        after = reader.side_fingerprints()
        assert after == (reader.side_fingerprint(pool=False), reader.side_fingerprint(pool=True))
        assert after[0] != before[0] and after[1] != before[1]

        old = reader.fingerprint("tracks")
        for leftover in tmp_path.glob("trace.sqlite3*"):
            leftover.unlink()
        with Store(path) as fresh:  # an empty library at the same path
            assert fresh.fingerprint("tracks") == fresh.fingerprint("tracks")
            assert reader.fingerprint("tracks") == old  # still reads its own file
            assert fresh.fingerprint("tracks") != old

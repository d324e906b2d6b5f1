"""Re-scans: unchanged files cost a stat, changes are read, history survives."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest
from audiofiles import make_track, tag_vorbis

from trace.errors import ParameterError
from trace.library import scan as scan_module
from trace.library.scan import scan_library
from trace.store import now

ROOT = Path(__file__).resolve().parent.parent


@pytest.fixture
def reads(monkeypatch):
    """The paths probe_file was asked to read."""
    seen: list[bytes] = []
    real = scan_module.probe_file

    def counting(path):
        seen.append(path)
        return real(path)

    monkeypatch.setattr(scan_module, "probe_file", counting)
    return seen


def add_play(store, track_id):
    with store.batch():
        store.execute(
            "INSERT INTO plays (track_id, played_at, ms_played, source) VALUES (?, ?, ?, ?)",
            (track_id, now(), 180_000, "test"),
        )


def test_unchanged_files_are_not_read_again(music, store, reads):
    for i in range(5):
        make_track(music / f"t{i}.flac", {"title": f"T{i}"})
    (music / "bad.mp3").write_bytes(b"not audio at all" * 10)
    first = scan_library([music], store)
    assert (first.new, first.errors, len(reads)) == (5, 1, 6)

    reads.clear()
    second = scan_library([music], store)
    assert reads == []
    assert (second.new, second.unchanged, second.errors) == (0, 5, 1)
    assert len(store.scan_errors()) == 1  # the stored reason stands


def test_changed_file_is_reread_and_keeps_its_track(music, store, reads):
    path = make_track(music / "a.flac", {"title": "Before"})
    scan_library([music], store)
    track_id = int(store.tracks().iloc[0]["id"])
    tag_vorbis(path, {"title": "After"})
    os.utime(path, ns=(0, path.stat().st_mtime_ns + 10**9))

    reads.clear()
    summary = scan_library([music], store)

    assert summary.changed == 1 and len(reads) == 1
    track = store.tracks().iloc[0]
    assert (int(track["id"]), track["title"]) == (track_id, "After")


def test_missing_files_keep_their_history_and_come_back(music, store):
    path = make_track(music / "gone.flac", {"title": "Gone"})
    scan_library([music], store)
    track_id = int(store.tracks().iloc[0]["id"])
    add_play(store, track_id)
    kept = path.read_bytes()
    path.unlink()

    assert scan_library([music], store).missing == 1
    track = store.tracks().iloc[0]
    assert track["status"] == "missing"
    assert store.counts()["plays"] == 1

    path.write_bytes(kept)
    summary = scan_library([music], store)
    assert summary.changed == 1
    assert store.tracks().iloc[0]["status"] == "ok"
    assert int(store.tracks().iloc[0]["id"]) == track_id


def test_a_moved_file_keeps_its_track_and_plays(music, store):
    make_track(music / "old" / "song.flac", {"title": "Song"})
    scan_library([music], store)
    track_id = int(store.tracks().iloc[0]["id"])
    add_play(store, track_id)
    (music / "new").mkdir()
    os.rename(music / "old" / "song.flac", music / "new" / "song.flac")

    summary = scan_library([music], store)

    assert (summary.moved, summary.new, summary.missing) == (1, 0, 0)
    tracks = store.tracks()
    assert len(tracks) == 1
    assert int(tracks.iloc[0]["id"]) == track_id
    assert tracks.iloc[0]["path"].endswith("new/song.flac")


def test_fixed_file_loses_its_error(music, store):
    path = music / "later.flac"
    path.write_text("placeholder")
    scan_library([music], store)
    assert len(store.scan_errors()) == 1
    path.unlink()
    make_track(path, {"title": "Later"})
    scan_library([music], store)
    assert len(store.scan_errors()) == 0
    assert list(store.tracks()["title"]) == ["Later"]


def test_scanning_one_folder_leaves_the_others_alone(tmp_path, store):
    make_track(tmp_path / "a" / "1.flac", {"title": "A"})
    make_track(tmp_path / "b" / "2.flac", {"title": "B"})
    scan_library([tmp_path / "a", tmp_path / "b"], store)
    summary = scan_library([tmp_path / "a"], store)
    assert summary.missing == 0
    assert set(store.tracks()["status"]) == {"ok"}


def test_an_interrupted_scan_keeps_its_batches_and_resumes(music, store, reads):
    for i in range(7):
        make_track(music / f"{i}.flac", {"title": str(i)})

    def crash_after_first_batch(done, total, message):
        if done >= 3 and "Read" in message:
            raise KeyboardInterrupt

    with pytest.raises(KeyboardInterrupt):
        scan_library([music], store, batch_size=3, progress=crash_after_first_batch)
    assert len(store.tracks()) == 3

    reads.clear()
    summary = scan_library([music], store, batch_size=3)
    assert (summary.unchanged, summary.new) == (3, 4)
    assert len(reads) == 4
    assert len(store.tracks()) == 7


def test_killed_process_loses_nothing_committed(music, home):
    for i in range(6):
        make_track(music / f"{i}.flac", {"title": str(i)})
    script = (
        "import os, sys\n"
        "from trace.library.scan import scan_library\n"
        "from trace.store import Store\n"
        "def die(done, total, message):\n"
        "    if done >= 2 and 'Read' in message: os._exit(9)\n"
        "scan_library([sys.argv[1]], Store(), batch_size=2, progress=die)\n"
    )
    env = {**os.environ, "TRACE_HOME": str(home)}
    result = subprocess.run([sys.executable, "-c", script, str(music)], cwd=ROOT, env=env)
    assert result.returncode == 9
    from trace.store import Store

    with Store() as store:
        assert len(store.tracks()) == 2
        assert scan_library([music], store).new == 4


def test_candidate_pool_is_not_the_library(tmp_path, store):
    make_track(tmp_path / "mine" / "a.flac", {"title": "Mine"})
    make_track(tmp_path / "new" / "b.flac", {"title": "Candidate"})
    scan_library([tmp_path / "mine"], store)
    scan_library([tmp_path / "new"], store, pool="new music")
    assert list(store.tracks()["title"]) == ["Mine"]
    candidates = store.tracks(candidates=True)
    assert list(candidates["title"]) == ["Candidate"]
    assert list(candidates["pool"]) == ["new music"]
    assert store.counts()["library_tracks"] == 1 and store.counts()["candidates"] == 1
    folders = store.folders()
    assert set(folders["pool"].fillna("library")) == {"library", "new music"}


@pytest.mark.parametrize("pool", ["", "   ", "x" * 81])
def test_pool_name_is_checked(pool, music, store):
    with pytest.raises(ParameterError, match="pool"):
        scan_library([music], store, pool=pool)


def test_added_at_is_the_earliest_timestamp(music, store):
    path = make_track(music / "old.flac", {"title": "Old"})
    os.utime(path, (1_500_000_000, 1_500_000_000))  # July 2017
    scan_library([music], store)
    assert store.tracks().iloc[0]["added_at"].startswith("2017-07-14")


def test_command_line_scan_prints_a_summary(music, home):
    make_track(music / "a.flac", {"title": "A"})
    (music / "b.mp3").write_bytes(b"")
    env = {**os.environ, "TRACE_HOME": str(home)}
    result = subprocess.run(
        [sys.executable, "-m", "trace", "scan", str(music)],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
    )
    assert result.returncode == 0, result.stderr
    assert "1 new" in result.stdout and "1 errors" in result.stdout
    assert "b.mp3: empty file" in result.stdout

"""Bad input: every file found becomes a track or a scan error, and the scan goes on."""

from __future__ import annotations

import os
import struct

import pytest
from audiofiles import make_track, write_audio
from mutagen.id3 import APIC, ID3, TIT2

from trace.library.scan import scan_library


def reasons(store) -> dict[str, str]:
    errors = store.scan_errors()
    return {os.path.basename(p): r for p, r in zip(errors["path"], errors["reason"], strict=True)}


def titles(store) -> set[str]:
    return set(store.tracks()["title"])


def test_a_folder_of_bad_files_scans_around_them(music, store):
    make_track(music / "good.flac", {"title": "Good"})
    (music / "empty.mp3").write_bytes(b"")
    good = (music / "good.flac").read_bytes()
    (music / "truncated.flac").write_bytes(good[:60])
    (music / "noise.mp3").write_bytes(os.urandom(20_000))
    (music / "notes.flac").write_text("these are not the sounds you are looking for\n" * 50)
    (music / "cover.jpg").write_bytes(b"\xff\xd8\xff\xe0 jpeg")
    (music / "x.mp3").mkdir()
    make_track(music / "x.mp3" / "inside.ogg", {"title": "Inside"})

    summary = scan_library([music], store)

    assert titles(store) == {"Good", "Inside"}
    assert reasons(store) == {
        "empty.mp3": "empty file",
        "truncated.flac": "corrupt header",
        "noise.mp3": "corrupt header",
        "notes.flac": "not an audio file",
    }
    assert summary.found == 6 and summary.new == 2 and summary.errors == 4
    assert summary.ignored == 1  # the cover


def test_truncated_audio_with_a_whole_header_is_kept(music, store):
    path = write_audio(music / "half.mp3", seconds=4.0)
    data = path.read_bytes()
    path.write_bytes(data[: len(data) // 2])
    scan_library([music], store)
    assert titles(store) == {"half"}


def test_header_claiming_days_of_audio(music, store):
    path = write_audio(music / "days.wav", seconds=1.0)
    data = bytearray(path.read_bytes())
    at = data.find(b"data")
    data[at + 4 : at + 8] = struct.pack("<I", 0xFFFFFF00)  # ~27 hours of 16-bit mono
    path.write_bytes(bytes(data))
    scan_library([music], store)
    assert reasons(store) == {"days.wav": "implausible duration"}


def test_broken_and_oversized_id3_frames_keep_the_audio(music, store):
    audio = write_audio(music / "src.mp3", seconds=2.0).read_bytes()
    (music / "src.mp3").unlink()
    # A frame claiming to be larger than the whole tag.
    frame = b"TIT2" + struct.pack(">I", 0x0FFFFFFF) + b"\x00\x00" + b"\x03broken"
    tag = b"ID3\x03\x00\x00" + bytes([0, 0, 0, len(frame)]) + frame
    (music / "broken-frame.mp3").write_bytes(tag + audio)
    # A tag header claiming 200 MiB in a small file.
    (music / "huge-tag.mp3").write_bytes(b"ID3\x04\x00\x00\x7f\x7f\x7f\x7f" + audio)

    summary = scan_library([music], store)

    assert summary.found == 2
    paths = [os.path.basename(p) for p in store.tracks()["path"]]
    assert "broken-frame.mp3" in paths
    assert reasons(store) == {"huge-tag.mp3": "corrupt header"}


def test_eight_mib_embedded_picture(music, store):
    path = write_audio(music / "cover-art.mp3")
    tags = ID3()
    tags.add(TIT2(encoding=3, text=["With Art"]))
    tags.add(APIC(encoding=3, mime="image/png", type=3, desc="", data=os.urandom(8 << 20)))
    tags.save(path)
    scan_library([music], store)
    assert titles(store) == {"With Art"}


@pytest.mark.parametrize(
    "name",
    [b"line\nbreak - title.ogg", b"bad-\xff\xfe-utf8.ogg", b"\xc3\xa9t\xc3\xa9 - caf\xc3\xa9.ogg"],
)
def test_any_bytes_in_file_names(name, music, store):
    write_audio(music / "plain.ogg")
    os.rename(music / "plain.ogg", os.fsencode(music) + b"/" + name)
    summary = scan_library([music], store)
    assert summary.new == 1 and summary.errors == 0
    assert store.tracks().iloc[0]["path"].startswith(str(music))
    assert scan_library([music], store).unchanged == 1


def test_255_byte_file_name(music, store):
    name = "n" * 251 + ".ogg"
    write_audio(music / name)
    scan_library([music], store)
    assert titles(store) == {"n" * 251}


def test_symlinks_dangling_self_and_loop(music, store):
    make_track(music / "album" / "a.flac", {"title": "A"})
    os.symlink(music / "nowhere.flac", music / "dangling.flac")
    os.symlink(music / "self.flac", music / "self.flac")
    os.symlink(music, music / "album" / "back-to-top")  # a folder loop

    summary = scan_library([music], store)

    assert titles(store) == {"A"}
    assert reasons(store) == {"dangling.flac": "broken symlink", "self.flac": "symlink loop"}
    assert summary.errors == 2


def test_fifo_is_reported_never_opened(music, store):
    os.mkfifo(music / "pipe.mp3")
    make_track(music / "b.flac", {"title": "B"})
    scan_library([music], store)  # would hang forever if the FIFO were opened for reading
    assert reasons(store) == {"pipe.mp3": "not a regular file"}
    assert titles(store) == {"B"}


def test_unreadable_file_and_folder(music, store, monkeypatch):
    make_track(music / "fine.flac", {"title": "Fine"})
    make_track(music / "locked.flac", {"title": "Locked"})
    make_track(music / "private" / "hidden.flac", {"title": "Hidden"})
    locked_file = os.fsencode(music / "locked.flac")
    locked_folder = os.fsencode(music / "private")
    real_open, real_scandir = os.open, os.scandir

    def guarded_open(path, *args, **kwargs):
        if os.fsencode(path) == locked_file:
            raise PermissionError(13, "Permission denied", path)
        return real_open(path, *args, **kwargs)

    def guarded_scandir(path):
        if os.fsencode(path) == locked_folder:
            raise PermissionError(13, "Permission denied", path)
        return real_scandir(path)

    # Tests may run as root, for whom chmod 000 does not stop reading: inject the error.
    monkeypatch.setattr(os, "open", guarded_open)
    monkeypatch.setattr(os, "scandir", guarded_scandir)

    scan_library([music], store)

    assert titles(store) == {"Fine"}
    assert reasons(store) == {"locked.flac": "permission denied", "private": "folder unreadable"}


def test_unreadable_folder_does_not_mark_its_known_files_missing(music, store, monkeypatch):
    make_track(music / "private" / "hidden.flac", {"title": "Hidden"})
    scan_library([music], store)
    real_scandir = os.scandir
    locked = os.fsencode(music / "private")
    monkeypatch.setattr(
        os,
        "scandir",
        lambda p: (
            (_ for _ in ()).throw(PermissionError(13, "Permission denied"))
            if os.fsencode(p) == locked
            else real_scandir(p)
        ),
    )
    summary = scan_library([music], store)
    assert summary.missing == 0
    assert store.tracks().iloc[0]["status"] == "ok"


def test_a_folder_that_does_not_exist(tmp_path, music, store):
    make_track(music / "a.flac", {"title": "A"})
    summary = scan_library([tmp_path / "nope", music], store)
    assert titles(store) == {"A"}
    assert reasons(store) == {"nope": "folder not found"}
    assert summary.errors == 1


def test_a_bug_in_trace_is_an_internal_error_not_a_corrupt_file(music, store, monkeypatch):
    from trace.library import probe

    make_track(music / "good.flac", {"title": "Good"})
    monkeypatch.setattr(probe, "sniff_format", None)  # TRACE's own code now fails: a bug
    scan_library([music], store)
    detail = store.execute("SELECT reason, detail FROM scan_errors").fetchone()
    assert detail["reason"] == "internal error"
    first, _, trace_back = detail["detail"].partition("\n\n")
    assert first.startswith("internal error: TypeError: ") and first.endswith("please report")
    assert "Traceback" in trace_back and "probe.py" in trace_back


def test_a_library_failing_on_a_file_is_still_the_files_fault(music, store, monkeypatch):
    from trace.library import probe

    make_track(music / "odd.flac", {"title": "Odd"})

    def library_fails(*args, **kwargs):
        return struct.unpack(">I", b"")  # as mutagen does on a cut-off header

    monkeypatch.setattr(probe, "read_audio", library_fails)
    scan_library([music], store)
    assert reasons(store) == {"odd.flac": "corrupt file"}


def test_a_bug_reading_tags_keeps_the_audio_and_says_to_report_it(music, store, monkeypatch):
    from trace.library import tags

    make_track(music / "a.flac", {"title": "Tagged"})
    monkeypatch.setattr(tags, "vorbis_tags", None)
    scan_library([music], store)
    assert store.counts()["library_tracks"] == 1
    warning = store.execute("SELECT detail FROM scan_errors").fetchone()[0]
    assert "internal error: TypeError" in warning and "please report" in warning

"""Reading formats and tags: every supported format, every tag family, odd values."""

from __future__ import annotations

import json
import os

import pytest
from audiofiles import make_track, tag_id3, write_audio
from hypothesis import given
from hypothesis import strategies as st
from mutagen.id3 import ID3, TIT2, TPE1

from trace.library.probe import names_from_path
from trace.library.scan import scan_library
from trace.library.text import clean_text, parse_number_pair, year_of

FULL_TAGS = {
    "title": "Night Drive",
    "artist": ["Ada Lovelace", "Grace Hopper"],
    "album": "Engines",
    "albumartist": "Various",
    "genre": ["Synthwave", "Electronic"],
    "date": "2019-05-04",
    "tracknumber": "3/12",
    "discnumber": "1/2",
    "isrc": "USRC17607839",
    "label": "Analytical Records",
    "comment": "first take",
}
EXPECTED_FORMAT = {
    "mp3": "MP3",
    "flac": "FLAC",
    "ogg": "Ogg Vorbis",
    "opus": "Opus",
    "m4a": "M4A",
    "wav": "WAV",
    "aiff": "AIFF",
}


def only_track(store):
    tracks = store.tracks()
    assert len(tracks) == 1, store.scan_errors()
    return tracks.iloc[0]


@pytest.mark.parametrize("ext", sorted(EXPECTED_FORMAT))
def test_every_format_is_read_with_its_tags(ext, music, store):
    tags = dict(FULL_TAGS)
    if ext == "m4a":
        tags["tracknumber"] = (3, 12)
        tags.pop("discnumber")
        tags["ISRC"] = tags.pop("isrc")
        tags["LABEL"] = tags.pop("label")
    elif ext not in ("mp3", "wav", "aiff"):
        tags["label"] = tags.pop("label")
    make_track(music / f"song.{ext}", tags, seconds=3.0)

    summary = scan_library([music], store)

    assert (summary.new, summary.errors) == (1, 0), summary.problems
    track = only_track(store)
    assert track["format"] == EXPECTED_FORMAT[ext]
    assert track["title"] == "Night Drive"
    assert json.loads(track["artists"]) == ["Ada Lovelace", "Grace Hopper"]
    assert track["album"] == "Engines"
    assert track["album_artist"] == "Various"
    assert json.loads(track["genres"]) == ["Synthwave", "Electronic"]
    assert track["year"] == 2019
    assert (track["track_number"], track["track_total"]) == (3, 12)
    assert track["isrc"] == "USRC17607839"
    assert track["label"] == "Analytical Records"
    assert track["comment"] == "first take"
    assert track["duration"] == pytest.approx(3.0, abs=0.15)
    assert track["sample_rate"] in (22050, 48000)
    assert track["channels"] == 1


@pytest.mark.parametrize("version", [3, 4])
def test_id3_versions_and_rating_and_play_count(version, music, store):
    path = write_audio(music / "a.mp3")
    tag_id3(path, {"title": "T", "artist": "A", "popm": 204, "pcnt": 17}, version=version)
    scan_library([music], store)
    track = only_track(store)
    assert track["rating"] == pytest.approx(0.8)
    assert track["play_count"] == 17
    assert ID3(path).version[1] == version


def test_id3v1_only(music, store):
    path = write_audio(music / "old.mp3")
    tag_id3(path, {"title": "Old Song", "artist": "Old Band", "genre": "Rock"}, v1=2)
    tags = ID3(path)
    tags.delete(path, delete_v1=False, delete_v2=True)  # leave only the 128-byte v1 tag
    scan_library([music], store)
    track = only_track(store)
    assert (track["title"], json.loads(track["artists"])) == ("Old Song", ["Old Band"])
    assert json.loads(track["genres"]) == ["Rock"]


def test_fmps_vorbis_rating_and_play_count(music, store):
    make_track(music / "a.flac", {"title": "x", "FMPS_Rating": "0.6", "FMPS_Playcount": "42"})
    scan_library([music], store)
    track = only_track(store)
    assert track["rating"] == pytest.approx(0.6)
    assert track["play_count"] == 42


def test_of_several_title_values_the_file_names_own(music, store):
    """Some rippers write every title of the album into each file: the file name says
    which is this file's."""
    titles = ["Living Caves", "Mirror", "Laboratory"]
    make_track(music / "hr3-laboratory.flac", {"title": titles, "artist": "NeonCorridor"})
    make_track(music / "one.flac", {"title": ["Song", "Remastered"], "artist": "A"})
    scan_library([music], store)
    titles_by_path = dict(
        store.execute(
            "SELECT f.display_path, t.title FROM tracks t JOIN files f ON f.track_id = t.id"
        ).fetchall()
    )
    named = {os.path.basename(p): t for p, t in titles_by_path.items()}
    assert named == {"hr3-laboratory.flac": "Laboratory", "one.flac": "Song"}


@pytest.mark.parametrize(
    ("name", "artist", "title"),
    [
        ("Miles Davis - So What.flac", "Miles Davis", "So What"),
        ("07 - Nina Simone - Sinnerman.flac", "Nina Simone", "Sinnerman"),
        ("just a recording.flac", None, "just a recording"),
        ("A - B - C.flac", None, "A - B - C"),
        ("01 - Intro.flac", None, "01 - Intro"),
    ],
)
def test_untagged_files_take_names_from_the_file_name(name, artist, title, music, store):
    write_audio(music / name)
    scan_library([music], store)
    track = only_track(store)
    assert track["title"] == title
    assert json.loads(track["artists"]) == ([artist] if artist else [])


def test_tag_text_with_control_characters_and_legacy_encoding(music, store):
    path = write_audio(music / "x.mp3")
    tags = ID3()
    # A latin-1 frame holding cp1251 bytes reads as mojibake, never as a crash.
    tags.add(TIT2(encoding=0, text=["\xcf\xf0\xe8\xe2\xe5\xf2\x07 bell"]))
    tags.add(TPE1(encoding=3, text=["Nul\x00Byte", "Line\nBreak"]))
    tags.save(path, v2_version=3)
    scan_library([music], store)
    track = only_track(store)
    assert "\x07" not in track["title"] and track["title"].endswith("bell")
    artists = json.loads(track["artists"])
    assert all(not any(ord(c) < 32 for c in a) for a in artists)
    assert any("Line Break" in artist for artist in artists)  # v2.3 joins values with "/"


def test_format_comes_from_content_not_extension(music, store):
    make_track(music / "really-mp3.mp3", {"title": "Disguised"})
    os.rename(music / "really-mp3.mp3", music / "disguised.flac")
    scan_library([music], store)
    track = only_track(store)
    assert (track["format"], track["title"]) == ("MP3", "Disguised")


@given(st.binary(max_size=300))
def test_any_file_name_gives_a_clean_title(name):
    artist, title = names_from_path(b"/music/" + name.replace(b"/", b"_"))
    assert title
    for text in (artist or "", title):
        assert not any(ord(c) < 32 for c in text)


@given(st.text(max_size=200))
def test_clean_text_never_keeps_control_characters(text):
    cleaned = clean_text(text)
    if cleaned is not None:
        assert cleaned == cleaned.strip() and "  " not in cleaned
        assert not any(ord(c) < 32 or 0x7F <= ord(c) <= 0x9F for c in cleaned)


def test_number_pairs_and_years():
    assert parse_number_pair("3/12") == (3, 12)
    assert parse_number_pair(" 7 ") == (7, None)
    assert parse_number_pair("/9") == (None, 9)
    assert parse_number_pair("side A") == (None, None)
    assert year_of("2019-05-04T10:00") == 2019
    assert year_of("05/04/1999") == 1999
    assert year_of("12345") is None

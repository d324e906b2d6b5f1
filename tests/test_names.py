"""Readable names from the path where tags say nothing."""

from __future__ import annotations

import pandas as pd
import pytest

from trace.library.names import bare_title, folder_name, readable_names


@pytest.mark.parametrize(
    ("path", "folder"),
    [
        ("/home/me/Music/wesnoth/music/track18.ogg", "wesnoth"),
        ("/x/The Battle for Wesnoth OST/CD1/17 - Love Theme.flac", "The Battle for Wesnoth OST"),
        ("/srv/Naev_Soundtrack/ogg/intro.ogg", "Naev Soundtrack"),
        ("/music/a.mp3", None),
        ("a.mp3", None),
    ],
)
def test_the_folder_that_names_something(path, folder):
    assert folder_name(path) == folder


@pytest.mark.parametrize(
    ("title", "bare"),
    [
        ("17 - Love Theme", "Love Theme"),
        ("01. Opening", "Opening"),
        ("03 Song", "Song"),
        ("A1 - Side Track", "Side Track"),
        ("Intro2", "Intro2"),
        ("2 Become 1", "2 Become 1"),  # a single digit and a space: part of the name
        ("1979", "1979"),
    ],
)
def test_a_file_names_track_number_goes(title, bare):
    assert bare_title(title) == bare


def test_only_untagged_tracks_take_names_from_their_path():
    frame = pd.DataFrame(
        {
            "artist": ["", "Doug Kaufman", ""],
            "album": [None, "The Battle for Wesnoth OST", None],
            "title": ["17 - Love Theme", "12 - Elvish Theme", "Intro"],
            "path": ["/m/wesnoth/music/17 - Love Theme.ogg", "/m/w/12.ogg", None],
        }
    )
    shown = readable_names(frame)
    assert shown["artist"].tolist() == ["wesnoth", "Doug Kaufman", ""]
    assert shown["album"].fillna("").tolist() == ["wesnoth", "The Battle for Wesnoth OST", ""]
    assert shown["title"].tolist() == ["Love Theme", "12 - Elvish Theme", "Intro"]
    assert frame["artist"].tolist() == ["", "Doug Kaufman", ""]  # the input is left as is


def test_placeholder_tags_count_as_missing():
    frame = pd.DataFrame(
        {
            "artist": ["<Unknown>", "Kite"],
            "album": ["???", "Glow"],
            "title": ["11 - Track 11", "Glow"],
            "genre": ["Electronic; (None)", "(None)"],
            "path": ["/m/ufoai/PsymongR3.ogg", "/m/kite/glow.ogg"],
        }
    )
    shown = readable_names(frame)
    assert shown["artist"].tolist() == ["ufoai", "Kite"]
    assert shown["album"].tolist() == ["ufoai", "Glow"]
    assert shown["title"].tolist() == ["Track 11", "Glow"]
    assert shown["genre"].tolist() == ["Electronic", ""]

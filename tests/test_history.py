"""Importing Spotify's streaming-history export, in each of its three shapes."""

from __future__ import annotations

import json
import zipfile

import pytest

from trace import cli
from trace.analysis import interest
from trace.errors import SourceError
from trace.sources import history


def extended(ts, ms, title="Blue Hour", artist="Nina Ray", uri="1" * 22, **extra):
    return {
        "ts": ts,
        "platform": "linux",
        "ms_played": ms,
        "conn_country": "DE",
        "master_metadata_track_name": title,
        "master_metadata_album_artist_name": artist,
        "master_metadata_album_album_name": "Dusk",
        "spotify_track_uri": f"spotify:track:{uri}" if uri else None,
        "episode_name": None,
        "reason_start": "trackdone",
        "reason_end": extra.pop("reason_end", "trackdone"),
        "shuffle": False,
        "skipped": extra.pop("skipped", None),
        "offline": False,
        "incognito_mode": False,
        **extra,
    }


ENTRIES = [
    extended("2025-01-05T20:00:00Z", 200_000),  # a play
    extended("2025-01-05T20:04:00Z", 150_000, skipped=True),  # a skip
    extended("2025-01-05T20:06:00Z", 90_000, reason_end="fwdbtn"),  # a skip, older data
    extended("2025-01-05T20:07:00Z", 12_000),  # a short play
    extended(
        "2025-01-06T08:00:00Z", 240_000, title="Northern Road", artist="The Lanterns", uri="2" * 22
    ),
    {
        **extended("2025-01-06T09:00:00Z", 1_800_000, title=None, artist=None, uri=None),
        "episode_name": "A podcast",
    },
]
ACCOUNT = [  # the account-data shape: minute precision, no URI
    {
        "endTime": "2025-01-05 20:00",
        "artistName": "Nina Ray",
        "trackName": "Blue Hour",
        "msPlayed": 200_000,
    },  # the same play as the first extended entry
    {
        "endTime": "2024-12-24 18:30",
        "artistName": "Old Friend",
        "trackName": "Snow",
        "msPlayed": 180_000,
    },
]
ENDSONG = [
    extended("2019-03-01T10:00:00Z", 210_000, title="Early", artist="Nina Ray", uri="3" * 22)
]


def _write(folder, name, data):
    path = folder / name
    path.write_text(json.dumps(data) if not isinstance(data, str) else data, encoding="utf-8")
    return path


def test_all_three_shapes_import_with_skips_and_short_plays_kept_apart(store, tmp_path):
    files = [
        _write(tmp_path, "Streaming_History_Audio_2025.json", ENTRIES),
        _write(tmp_path, "StreamingHistory_music_0.json", ACCOUNT),
        _write(tmp_path, "endsong_0.json", ENDSONG),
    ]
    summary = history.import_history(files, store)
    assert summary.entries == 9 and summary.not_music == 1 and not summary.problems
    assert summary.added == 7  # the account file's 20:00 play is the extended one
    assert (summary.plays, summary.skips, summary.short) == (4, 2, 1)
    assert summary.already == 1
    rows = store.frame("SELECT ms_played, skipped FROM plays ORDER BY played_at")
    assert rows["skipped"].sum() == 2 and len(rows) == 7
    events = interest.listening_events(store)
    assert (events["kind"] == "play").sum() == 4  # skips and short plays are not plays
    titles = set(store.frame("SELECT title FROM tracks")["title"])
    assert titles == {"Blue Hour", "Northern Road", "Snow", "Early"}
    # A track first met in the history joined when it was first heard.
    early = store.execute("SELECT added_at FROM tracks WHERE title = 'Early'").fetchone()[0]
    assert early.startswith("2019-03-01T10:00:00")

    again = history.import_history(files, store)
    assert again.added == 0 and again.already == 8 and again.new_tracks == 0
    assert store.execute("SELECT count(*) FROM plays").fetchone()[0] == 7


def test_the_whole_zip_is_read_and_other_files_ignored(store, tmp_path):
    archive = tmp_path / "my_spotify_data.zip"
    with zipfile.ZipFile(archive, "w") as zipped:
        zipped.writestr(
            "Spotify Extended Streaming History/Streaming_History_Audio_2025.json",
            json.dumps(ENTRIES),
        )
        zipped.writestr(
            "Spotify Extended Streaming History/Streaming_History_Video_2025.json",
            json.dumps([{"ts": "2025-01-01T00:00:00Z"}]),
        )
        zipped.writestr("Spotify Account Data/Userdata.json", json.dumps({"username": "x"}))
        zipped.writestr("Spotify Account Data/StreamingHistory_music_0.json", json.dumps(ACCOUNT))
    summary = history.import_history([archive], store)
    assert len(summary.files) == 2 and summary.added == 6 and not summary.problems


def test_a_malformed_file_is_named_with_its_position_and_the_rest_imported(store, tmp_path):
    broken = json.dumps(ENTRIES, indent=1)
    broken = broken[: broken.index('"ms_played"', 200)] + "ms_played: oops" + broken[-50:]
    files = [
        _write(tmp_path, "Streaming_History_Audio_2024.json", broken),
        _write(
            tmp_path,
            "StreamingHistory_music_1.json",
            [
                ACCOUNT[1],
                {"endTime": "yesterday", "artistName": "A", "trackName": "B", "msPlayed": 1},
                {"artistName": "A", "trackName": "B"},
                {
                    "endTime": "2024-12-25 18:30",
                    "artistName": "A",
                    "trackName": "B",
                    "msPlayed": -5,
                },
            ],
        ),
        _write(tmp_path, "Streaming_History_Audio_2023.json", {"not": "a list"}),
    ]
    summary = history.import_history(files, store)
    problems = "\n".join(summary.problems)
    line = broken[: broken.index("ms_played: oops")].count("\n") + 1
    assert f"Streaming_History_Audio_2024.json: not valid JSON at line {line}, column" in problems
    assert "StreamingHistory_music_1.json: entry 2: endTime is not a date and time" in problems
    assert "StreamingHistory_music_1.json: entry 3: neither 'ts' nor 'endTime'" in problems
    assert "entry 4: msPlayed is not a length in milliseconds" in problems
    assert "Streaming_History_Audio_2023.json: expected a list of plays" in problems
    assert summary.added == 1  # the one good entry


def test_nothing_to_import_is_said_plainly(store, tmp_path):
    (tmp_path / "notes.txt").write_text("hello")
    with pytest.raises(SourceError, match="No streaming-history files"):
        history.import_history([tmp_path / "notes.txt"], store)
    bad_zip = tmp_path / "export.zip"
    bad_zip.write_bytes(b"not a zip")
    with pytest.raises(SourceError, match="not a readable zip"):
        history.import_history([bad_zip], store)


def test_the_command_line_imports_a_history_zip(home, tmp_path, capsys):
    archive = tmp_path / "my_spotify_data.zip"
    with zipfile.ZipFile(archive, "w") as zipped:
        zipped.writestr("Streaming_History_Audio_2025.json", json.dumps(ENTRIES))
    assert cli.main(["import", str(archive)]) == 0
    out = capsys.readouterr().out
    assert "6 entries in 1 file(s); 5 added (2 plays, 2 skips, 1 under 30 s)" in out
    assert cli.main(["import", str(archive)]) == 0
    assert "0 added" in capsys.readouterr().out


def test_the_match_line_says_what_was_matched_now_in_total_and_what_is_left(
    home, tmp_path, music, capsys
):
    from audiofiles import make_track

    from trace.library.scan import scan_library
    from trace.store import Store

    make_track(music / "a.flac", {"artist": "Nina Ray", "title": "Blue Hour"}, seconds=3.0)
    with Store() as store:
        scan_library([music], store)
    plays = [  # account-data shape: no URI, so the matched tracks get none either
        {
            "endTime": f"2025-01-0{day} 20:00",
            "artistName": "Nina Ray",
            "trackName": title,
            "msPlayed": 200_000,
        }
        for day, title in (
            (1, "Blue Hour"),
            (2, "Blue Hour"),
            (3, "Blue Hour - 2011 Remaster"),
            (4, "Snow"),
        )
    ]
    path = _write(tmp_path, "StreamingHistory_music_0.json", plays)
    assert cli.main(["import", str(path)]) == 0
    out = capsys.readouterr().out
    assert "Matched to local files this time: 1 Spotify track (0 by MusicBrainz id, " in out
    assert "0 by ISRC, 1 by artist" in out
    assert "with 3 plays. In total 1 of 2 Spotify tracks and 3 of 4 plays are on local" in out
    assert "Left unmatched: 1 Spotify track without local audio (1 plays;" in out
    assert cli.main(["import", str(path)]) == 0
    again = capsys.readouterr().out
    assert "0 added" in again and "4 already imported" in again
    assert "this time: 0 Spotify tracks" in again and "In total 1 of 2 Spotify tracks" in again

"""Listening history from ListenBrainz and Last.fm, and MusicBrainz ids as an identity."""

from __future__ import annotations

import json
import zipfile
from datetime import UTC, datetime

import pytest
from audiofiles import make_track
from mutagen.id3 import ID3, UFID

from trace import cli
from trace.analysis import interest
from trace.errors import SourceError
from trace.library.scan import scan_library
from trace.sources import history, listens, scrobble_csv

# One recording id per tag family, and the listens that name them.
MBIDS = {
    "mp3": "0f7d2c84-6a4e-4f4c-9a51-1c2b3d4e5f60",
    "flac": "1a2b3c4d-5e6f-4a7b-8c9d-0e1f2a3b4c5d",
    "ogg": "2b3c4d5e-6f7a-4b8c-9d0e-1f2a3b4c5d6e",
    "m4a": "3c4d5e6f-7a8b-4c9d-8e1f-2a3b4c5d6e7f",
}
RELEASE = "9e8d7c6b-5a4f-4e3d-8c2b-1a0f9e8d7c6b"
ARTISTS = ["aaaaaaaa-1111-4222-8333-444444444444", "bbbbbbbb-1111-4222-8333-444444444444"]
TITLES = {"mp3": "Blue Hour", "flac": "Northern Road", "ogg": "Snowfall", "m4a": "Ember"}
ARTIST = {"mp3": "Nina Ray", "flac": "The Lanterns", "ogg": "Odd Kin", "m4a": "Mara"}
START = int(datetime(2025, 3, 1, 20, 0, tzinfo=UTC).timestamp())


@pytest.fixture
def library(store, music):
    """Four files, one per tag family, each tagged with MusicBrainz ids as Picard does."""
    for ext, mbid in MBIDS.items():
        tags = {"title": TITLES[ext], "artist": ARTIST[ext]}
        if ext == "mp3":
            tags |= {"MusicBrainz Album Id": RELEASE, "MusicBrainz Artist Id": ARTISTS}
        elif ext == "m4a":
            tags |= {
                "MusicBrainz Track Id": mbid,
                "MusicBrainz Album Id": RELEASE,
                "MusicBrainz Artist Id": ARTISTS,
            }
        else:
            tags |= {
                "MUSICBRAINZ_TRACKID": mbid,
                "MUSICBRAINZ_ALBUMID": RELEASE,
                "MUSICBRAINZ_ARTISTID": ARTISTS,
            }
        path = make_track(music / f"{ext}.{ext}", tags, seconds=1.0)
        if ext == "mp3":
            id3 = ID3(path)
            id3.add(UFID(owner="http://musicbrainz.org", data=mbid.encode()))
            id3.save()
    scan_library([music], store)
    return store


def lb_listen(at, artist, title, *, mbid=None, mapped=None, duration_ms=None, release=None):
    info = {"submission_client": "navidrome", "media_player": "Navidrome"}
    if mbid:
        info["recording_mbid"] = mbid
    if duration_ms:
        info["duration_ms"] = duration_ms
    listen = {
        "listened_at": at,
        "inserted_at": START + 3600,
        "recording_msid": "5f0a0b0c-0000-4000-8000-000000000000",
        "track_metadata": {
            "artist_name": artist,
            "track_name": title,
            "release_name": release,
            "additional_info": info,
        },
    }
    if mapped:
        listen["track_metadata"]["mbid_mapping"] = {"recording_mbid": mapped}
    return listen


def lb_history():
    """Eight listens: by recording id under other names, by name, and of unknown tracks."""
    return [
        lb_listen(START, "nina ray", "Blue Hour (Live)", mbid=MBIDS["mp3"]),
        lb_listen(START + 300, "Someone", "Untitled", mbid=MBIDS["flac"]),
        lb_listen(START + 600, "Odd Kin", "Snowfall", mapped=MBIDS["ogg"]),
        lb_listen(START + 900, "Mara", "Ember", duration_ms=1000),  # by name and length
        lb_listen(START + 1200, "Mara", "Ember", duration_ms=1000),
        lb_listen(START + 1500, "Far Away", "Not Here", release="Elsewhere"),
        lb_listen(START + 1800, "Far Away", "Not Here", release="Elsewhere"),
        lb_listen(START + 2100, "Far Away", "Also Not Here"),
    ]


def lb_zip(path, listens_by_file, *, extra=True):
    with zipfile.ZipFile(path, "w") as archive:
        for name, lines in listens_by_file.items():
            archive.writestr(
                name, "\n".join(x if isinstance(x, str) else json.dumps(x) for x in lines)
            )
        if extra:
            archive.writestr("user.json", json.dumps({"user_id": 1, "username": "me"}))
            archive.writestr(
                "feedback.jsonl",
                json.dumps({"recording_mbid": MBIDS["mp3"], "score": 1, "created": START}),
            )
    return path


def play_counts(store):
    """Plays per title."""
    frame = store.frame(
        "SELECT t.title, count(*) AS n FROM plays p JOIN tracks t ON t.id = p.track_id "
        "GROUP BY t.title"
    )
    return dict(zip(frame["title"], frame["n"], strict=True))


def test_the_scan_reads_musicbrainz_ids_from_every_tag_family(library):
    rows = library.frame("SELECT title, recording_mbid, release_mbid, artist_mbids FROM tracks")
    by_title = {row.title: row for row in rows.itertuples()}
    for ext, mbid in MBIDS.items():
        row = by_title[TITLES[ext]]
        assert row.recording_mbid == mbid, ext
        assert row.release_mbid == RELEASE, ext
        assert json.loads(row.artist_mbids) == ARTISTS, ext


def test_a_listenbrainz_zip_lands_on_files_by_recording_id_then_by_name(library, tmp_path):
    history_lines = lb_history()
    archive = lb_zip(
        tmp_path / "listenbrainz_me.zip",
        {
            "listens/2025/3.jsonl": [
                *map(json.dumps, history_lines[:4]),
                '{"listened_at": 1740859200, "track_metadata": {',  # cut off
                json.dumps({"listened_at": START}),  # no track_metadata
                json.dumps(lb_listen("yesterday", "A", "B")),
                *map(json.dumps, history_lines[4:]),
            ]
        },
    )
    summary = listens.import_listens([archive], library)
    assert summary.files == ["listenbrainz_me.zip:listens/2025/3.jsonl"]
    assert summary.entries == 11 and summary.added == 8
    problems = "\n".join(summary.problems)
    assert "listens/2025/3.jsonl: line 5: not valid JSON" in problems
    assert "listens/2025/3.jsonl: line 6: no track_metadata" in problems
    assert "listens/2025/3.jsonl: line 7: not a date and time: 'yesterday'" in problems
    counts = play_counts(library)
    # Recording ids win over the names the player sent; the rest match by name and length.
    assert counts == {
        "Blue Hour": 1,
        "Northern Road": 1,
        "Snowfall": 1,
        "Ember": 2,
        "Not Here": 2,
        "Also Not Here": 1,
    }
    assert summary.matched == 5
    assert summary.unmatched.to_dict("records") == [
        {"artist": "Far Away", "title": "Not Here", "listens": 2},
        {"artist": "Far Away", "title": "Also Not Here", "listens": 1},
    ]
    text = str(summary)
    assert "Read 11 listens from 1 file(s): 8 added, 0 already imported" in text
    assert "5 are of tracks in your music folders; 3 listens of 2 tracks have no local file" in text
    assert "3 line(s) could not be read; the rest was imported" in text

    again = listens.import_listens([archive], library)
    assert again.added == 0 and again.already == 8
    assert library.execute("SELECT count(*) FROM plays").fetchone()[0] == 8
    assert again.matched == 5


def test_a_listen_imported_before_the_scan_joins_its_file_by_recording_id(store, music, tmp_path):
    export = tmp_path / "listens.json"  # the older export: one JSON array
    export.write_text(json.dumps([lb_listen(START, "Nina R.", "Blue Hour?", mbid=MBIDS["flac"])]))
    first = listens.import_listens([export], store)
    assert first.matched == 0 and len(first.unmatched) == 1
    make_track(
        music / "a.flac",
        {"title": "Northern Road", "artist": "The Lanterns", "MUSICBRAINZ_TRACKID": MBIDS["flac"]},
        seconds=1.0,
    )
    scan_library([music], store)
    again = listens.import_listens([export], store)
    assert again.already == 1 and again.matched == 1 and again.unmatched.empty
    assert play_counts(store) == {"Northern Road": 1}


def test_two_recordings_with_one_name_stay_apart(library, tmp_path):
    live = "4d5e6f7a-8b9c-4d0e-8f1a-2b3c4d5e6f7a"
    export = tmp_path / "listens.jsonl"
    export.write_text(json.dumps(lb_listen(START, "The Lanterns", "Northern Road", mbid=live)))
    summary = listens.import_listens([export], library)
    assert summary.matched == 0 and summary.new_tracks == 1


LASTFM_ROWS = [  # artist, album, track, date: the listens of lb_history, minus a few seconds
    ("Nina Ray", "Dusk", "Blue Hour", "01 Mar 2025 20:00"),
    ("The Lanterns", "Roads", "Northern Road", "01 Mar 2025 20:05"),
    ("Odd Kin", "", "Snowfall", "01 Mar 2025 20:10"),
    ("Far Away", "Elsewhere", "Not Here", "01 Mar 2025 20:25"),
    ("Far Away", "Elsewhere", "Not Here", "01 Mar 2025 20:30"),
    ("Far Away", "", "Only On Last.fm", "01 Mar 2025 21:00"),
]


def csv_text(rows, header=None):
    lines = [",".join(header)] if header else []
    lines += [",".join(f'"{cell}"' for cell in row) for row in rows]
    return "\n".join(lines) + "\n"


def unix(text):
    return str(int(datetime.strptime(text, "%d %b %Y %H:%M").replace(tzinfo=UTC).timestamp()))


def iso(text):
    return datetime.strptime(text, "%d %b %Y %H:%M").isoformat()


MAINSTREAM = ["uts", "utc_time", "artist", "artist_mbid", "album", "album_mbid", "track", "mbid"]
CSV_SHAPES = {  # name: (header, row from an (artist, album, track, date) row)
    "lastfm-to-csv": (None, lambda r: r),
    "header-uts": (MAINSTREAM, lambda r: (unix(r[3]), r[3], r[0], "", r[1], "", r[2], "")),
    "timestamp-artist-title": (["timestamp", "artist", "title"], lambda r: (iso(r[3]), *r[::2])),
    "plain-unix-no-header": (None, lambda r: (unix(r[3]), r[0], r[2])),
}


@pytest.mark.parametrize("shape", CSV_SHAPES)
def test_the_same_listens_from_two_services_count_once(library, tmp_path, shape):
    header, row_of = CSV_SHAPES[shape]
    archive = lb_zip(tmp_path / "lb.zip", {"listens/2025/3.jsonl": lb_history()})
    listens.import_listens([archive], library)
    scrobbles = tmp_path / "scrobbles.csv"
    rows = [row_of(row) for row in LASTFM_ROWS]
    scrobbles.write_text(csv_text(rows, header) + '"Broken","row"\n')
    assert scrobble_csv.is_scrobble_csv(scrobbles.read_bytes())
    summary = listens.import_listens([scrobbles], library)
    assert summary.entries == 7 and summary.added == 1 and summary.elsewhere == 5
    broken_line = len(rows) + 1 + bool(header)
    assert len(summary.problems) == 1
    assert summary.problems[0].startswith(f"scrobbles.csv: line {broken_line}: 2 field(s)")
    assert "5 already there from another service (counted once)" in str(summary)
    counts = play_counts(library)
    assert counts["Not Here"] == 2 and counts["Only On Last.fm"] == 1
    events = interest.listening_events(library)
    assert (events["kind"] == "play").sum() == 9  # 8 from ListenBrainz, 1 only on Last.fm


def test_a_spotify_play_scrobbled_to_lastfm_counts_once(store, tmp_path):
    # Spotify stamps the end of playback; Last.fm the start.
    spotify = tmp_path / "Streaming_History_Audio_2025.json"
    spotify.write_text(
        json.dumps(
            [
                {
                    "ts": "2025-03-01T20:03:20Z",
                    "ms_played": 200_000,
                    "master_metadata_track_name": "Blue Hour",
                    "master_metadata_album_artist_name": "Nina Ray",
                    "master_metadata_album_album_name": "Dusk",
                    "spotify_track_uri": "spotify:track:" + "1" * 22,
                }
            ]
        )
    )
    history.import_history([spotify], store)
    scrobbles = tmp_path / "lastfm.csv"
    scrobbles.write_text(csv_text([("Nina Ray", "Dusk", "Blue Hour", "01 Mar 2025 20:00")]))
    summary = listens.import_listens([scrobbles], store)
    assert summary.elsewhere == 1 and summary.added == 0
    assert store.execute("SELECT count(*) FROM plays").fetchone()[0] == 1


def test_feature_csvs_and_other_files_are_not_taken_for_scrobbles(store, tmp_path):
    features = "track_name,artist,danceability,energy,tempo\nA,B,0.5,0.5,120\n"
    assert not scrobble_csv.is_scrobble_csv(features.encode())
    assert not scrobble_csv.is_scrobble_csv(b"artist,title\nA,B\n")
    assert scrobble_csv.is_scrobble_csv(b"1740859200,A,B\n")
    (tmp_path / "notes.csv").write_text("hello,world\n")
    summary = listens.import_listens([tmp_path / "notes.csv"], store)
    assert summary.problems == [
        "notes.csv: line 1: neither a header naming artist, track and date nor a scrobble; "
        "file skipped"
    ]
    (tmp_path / "notes.txt").write_text("hello")
    with pytest.raises(SourceError, match="No listens found"):
        listens.import_listens([tmp_path / "notes.txt", tmp_path], store)


def test_the_command_line_recognises_each_file_by_its_content(home, tmp_path, capsys, music):
    folder = tmp_path / "exports"
    folder.mkdir()
    lb_zip(folder / "listenbrainz.zip", {"listens/2025/3.jsonl": lb_history()})
    (folder / "scrobbles.csv").write_text(csv_text(LASTFM_ROWS))
    features = tmp_path / "features.csv"
    features.write_text("track_name,artist,danceability,energy\nNot Here,Far Away,0.5,0.4\n")
    old = tmp_path / "listens.json"
    old.write_text(json.dumps(lb_history()))
    assert cli.main(["import", str(folder), str(features), str(old)]) == 0
    out = capsys.readouterr().out
    # The folder's zip and CSV, then the older export again: each listen is counted once.
    assert (
        "Listens: Read 22 listens from 3 file(s): 11 added, 8 already imported, "
        "3 already there from another service (counted once). 0 are of tracks in your "
        "music folders; 11 listens of 9 tracks have no local file." in out
    )
    assert "Far Away — Not Here (2 listens)" in out
    assert "features.csv: Read 1 rows: 1 imported (1 matched" in out
    notes = tmp_path / "notes.txt"
    notes.write_text("hello")
    assert cli.main(["import", str(notes)]) == 2
    assert "notes.txt holds no listening history" in capsys.readouterr().err

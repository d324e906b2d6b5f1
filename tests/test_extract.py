"""Extraction runs: stored per content and extractor, resumable, parallel; export; import."""

from __future__ import annotations

import csv
import os
import shutil
import subprocess
import sys
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from audiofiles import make_track, write_samples

from trace.analysis.table import export_csv, feature_table
from trace.audio import extract as extract_module
from trace.audio import synth
from trace.audio import windows as windows_module
from trace.audio.extract import extract_library, pending_jobs
from trace.audio.windows import Windows, extractor_id
from trace.errors import SourceError
from trace.library.scan import scan_library
from trace.sources.csv_import import import_feature_csv, spotify_uri

ROOT = Path(__file__).resolve().parent.parent
SHORT = Windows(count=2, seconds=5, whole_below=12)


def loop_file(path: Path, bpm: float, seed: int = 0) -> Path:
    rng = np.random.default_rng(seed)
    signal = synth.normalise(synth.drum_pattern(bpm, 8, rng) + 0.2 * synth.progression(0, False, 8))
    return write_samples(path, signal[:, None], synth.SR)


@pytest.fixture
def library(music, store):
    for i, bpm in enumerate((90, 120, 150)):
        loop_file(music / f"Band {i} - Song {i}.flac", bpm, seed=i)
    write_samples(music / "silence.flac", np.zeros((synth.SR * 8, 1), np.float32), synth.SR)
    scan_library([music], store)
    return music


def count(store, table: str) -> int:
    return store.execute(f"SELECT count(*) FROM {table}").fetchone()[0]


def test_extract_stores_features_and_failures_once(library, store):
    summary = extract_library(store, windows=SHORT, workers=1)
    assert (summary.extracted, summary.failed) == (3, 1)
    assert summary.problems[0][1].startswith("silent")
    assert (count(store, "features"), count(store, "feature_errors")) == (3, 1)

    again = extract_library(store, windows=SHORT, workers=1)
    assert (again.extracted, again.failed, again.already) == (0, 0, 3)


def test_new_windows_or_a_new_version_recompute(library, store, monkeypatch):
    extract_library(store, windows=SHORT, workers=1)
    other = Windows(count=1, seconds=6, whole_below=12)
    assert len(pending_jobs(store, extractor_id(other))) == 4
    monkeypatch.setattr(windows_module, "EXTRACTOR_VERSION", 99)
    assert extractor_id(SHORT).startswith("99/")
    assert len(pending_jobs(store, extractor_id(SHORT))) == 4


def test_identical_files_are_analysed_once(music, store):
    first = loop_file(music / "a.flac", 100)
    shutil.copyfile(first, music / "copy.flac")
    scan_library([music], store)
    assert extract_library(store, windows=SHORT, workers=1).extracted == 1
    table = feature_table(store, extractor=extractor_id(SHORT))
    assert table["f_tempo"].notna().all() and len(table) == 2


def test_parallel_workers_give_the_same_numbers(library, store, tmp_path):
    extract_library(store, windows=SHORT, workers=2)
    parallel = feature_table(store, extractor=extractor_id(SHORT)).set_index("title")
    store.execute("DELETE FROM features")
    extract_library(store, windows=SHORT, workers=1)
    serial = feature_table(store, extractor=extractor_id(SHORT)).set_index("title")
    pd.testing.assert_series_equal(parallel["f_tempo"], serial["f_tempo"])
    assert parallel["f_mfcc_05_mean"].notna().sum() == 3


def test_an_interrupted_run_keeps_its_batches(library, store, monkeypatch):
    monkeypatch.setattr(extract_module, "BATCH_SIZE", 2)
    monkeypatch.setattr(extract_module, "BATCH_SECONDS", 1e9)  # a slow, busy machine too

    def stop_after_first_batch(done, total, message):
        if done >= 2:
            raise KeyboardInterrupt

    with pytest.raises(KeyboardInterrupt):
        extract_library(store, windows=SHORT, workers=1, progress=stop_after_first_batch)
    kept = count(store, "features") + count(store, "feature_errors")
    assert kept == 2
    rest = extract_library(store, windows=SHORT, workers=1)
    assert rest.extracted + rest.failed == 2


def test_export_writes_one_row_per_track_with_tags_and_features(library, store, tmp_path):
    extract_library(store, windows=SHORT, workers=1)
    out = tmp_path / "library.csv"
    assert export_csv(store, out, extractor=extractor_id(SHORT)) == 4
    table = pd.read_csv(out)
    assert {"location", "title", "artist", "tempo", "energy", "mfcc_13_std"} <= set(table.columns)
    assert table["location"].str.endswith(".flac").all()
    assert table.loc[table["title"] == "Song 1", "tempo"].item() == pytest.approx(120, rel=0.03)
    assert table.loc[table["title"] == "silence", "tempo"].isna().all()
    # after the features: what MusiCNN heard, the embedding then every tag
    columns = list(table.columns)
    assert columns.index("emb_000") > columns.index("mfcc_13_std")
    assert columns[columns.index("emb_000") : columns.index("emb_000") + 200] == [
        f"emb_{i:03d}" for i in range(200)
    ]
    assert columns[-50:][:2] == ["tag_rock", "tag_pop"] and "tag_female_vocalists" in columns
    heard = table[table["title"] != "silence"]
    assert heard["emb_000"].notna().all()
    assert table.loc[table["title"] == "silence", "emb_000"].isna().all()
    assert heard[columns[-50:]].stack().between(0, 1).all()


def test_musicnn_hears_each_track_in_the_same_pass(library, store, monkeypatch):
    """The embedding and tags are stored with the features, from the same windows; the
    same audio gives the same embedding as the model on those windows; a model failure
    keeps the features."""
    from trace.audio import ear
    from trace.audio.decode import decode_windows

    extract_library(store, windows=SHORT, workers=1)
    assert count(store, "embeddings") == 3
    table = feature_table(store, extractor=extractor_id(SHORT)).set_index("title")
    emb = table[list(ear.EMBEDDING_COLUMNS)].astype(float)
    decoded = decode_windows(library / "Band 1 - Song 1.flac", windows=SHORT)
    direct = ear.hear(decoded.mono, rate=decoded.rate, bounds=decoded.bounds)
    assert direct.patches == 2 * 1  # two 5-s windows: one 3-s patch each
    np.testing.assert_allclose(emb.loc["Song 1"], direct.embedding, atol=0.01)  # float16
    # three loops at three tempi: their embeddings differ
    assert np.abs(emb.loc["Song 0"] - emb.loc["Song 2"]).max() > 0.05
    assert set(table["vocals"].unique()) <= {"", "female", "male"}

    def broken(*args, **kwargs):
        raise RuntimeError("weights unreadable")

    store.execute("DELETE FROM features")
    store.execute("DELETE FROM embeddings")
    monkeypatch.setattr(ear, "hear", broken)
    again = extract_library(store, windows=SHORT, workers=1)
    assert (again.extracted, count(store, "embeddings")) == (3, 0)
    table = feature_table(store, extractor=extractor_id(SHORT))
    assert table["f_tempo"].notna().sum() == 3 and table["emb_000"].isna().all()


def test_a_run_without_musicnn_is_heard_by_the_next_without_redoing_the_features(library, store):
    """The demo's first pass leaves MusiCNN out; the next run hears only what was left,
    keeps the features as they were, and the fingerprint the pages key on moves."""
    first = extract_library(store, windows=SHORT, workers=1, hear=False)
    assert (first.extracted, count(store, "embeddings")) == (3, 0)
    stored = store.execute("SELECT signature, extracted_at FROM features").fetchall()
    before = store.side_fingerprint(pool=False)
    assert pending_jobs(store, extractor_id(SHORT), hear=False) == []
    jobs = pending_jobs(store, extractor_id(SHORT))
    assert len(jobs) == 3 and not any(job.features for job in jobs)  # the silent file failed
    second = extract_library(store, windows=SHORT, workers=1)
    assert (second.extracted, second.failed, count(store, "embeddings")) == (3, 0, 3)
    assert store.execute("SELECT signature, extracted_at FROM features").fetchall() == stored
    assert store.side_fingerprint(pool=False) != before
    assert pending_jobs(store, extractor_id(SHORT)) == []


def test_patches_heard_are_spread_over_the_windows():
    from trace.audio.ear import chosen

    assert chosen(4, 6).tolist() == [0, 1, 2, 3]
    assert chosen(18, 6).tolist() == [1, 4, 7, 10, 13, 16]  # two per 20-s window
    assert len(set(chosen(33, 6).tolist())) == 6


def test_command_line_scan_extract_and_export(music, home, tmp_path):
    for i in range(3):
        loop_file(music / f"{i}.ogg", 100 + 10 * i, seed=i)
    env = {**os.environ, "TRACE_HOME": str(home)}

    def run(*args):
        result = subprocess.run(
            [sys.executable, "-m", "trace", *args],
            cwd=ROOT,
            env=env,
            capture_output=True,
            text=True,
            timeout=300,
        )
        assert result.returncode == 0, result.stderr
        return result.stdout

    output = run("scan", "--extract", "--workers", "2", "--window-seconds", "5", str(music))
    assert "Extracted features of 3 tracks" in output
    run("export", "--window-seconds", "5", str(tmp_path / "out.csv"))
    assert len(pd.read_csv(tmp_path / "out.csv")) == 3


EXPORTIFY_HEADER = [
    "Track URI",
    "Track Name",
    "Artist Name(s)",
    "Album Name",
    "Danceability",
    "Energy",
    "Key",
    "Loudness",
    "Mode",
    "Speechiness",
    "Acousticness",
    "Instrumentalness",
    "Liveness",
    "Valence",
    "Tempo",
    "Time Signature",
    "Duration (ms)",
]


def write_csv(path: Path, header: list[str], rows: list[list[object]]) -> Path:
    with path.open("w", newline="", encoding="utf-8") as handle:
        writer = csv.writer(handle)
        writer.writerow(header)
        writer.writerows(rows)
    return path


def exportify_row(uri: str, title: str, artist: str, **changes) -> list[object]:
    values = {
        "Danceability": 0.7,
        "Energy": 0.8,
        "Key": 5,
        "Loudness": -6.5,
        "Mode": 1,
        "Speechiness": 0.05,
        "Acousticness": 0.1,
        "Instrumentalness": 0.0,
        "Liveness": 0.1,
        "Valence": 0.9,
        "Tempo": 121.0,
        "Time Signature": 4,
        "Duration (ms)": 200000,
        **changes,
    }
    return [uri, title, artist, "Album", *[values[h] for h in EXPORTIFY_HEADER[4:]]]


def test_import_exportify_csv_reports_bad_rows_and_keeps_good_ones(library, store, tmp_path):
    extract_library(store, windows=SHORT, workers=1)
    rows = [
        exportify_row("spotify:track:4uLU6hMCjMI75M1A2tKUQC", "Song 1", "Band 1"),  # matches
        exportify_row("spotify:track:1301WleyT98MSxVHPZCA6M", "New Song", "Someone", Key=-1),
        exportify_row("spotify:track:0000000000000000000001", "Bad", "X", Danceability=1.7),
        exportify_row("spotify:track:0000000000000000000002", "Bad", "X", Tempo="fast"),
        exportify_row("", "", "", Energy=0.5),
        exportify_row("spotify:track:0000000000000000000003", "Bad", "X", Mode=0.5),
    ]
    path = write_csv(tmp_path / "liked.csv", EXPORTIFY_HEADER, rows)

    summary = import_feature_csv(path, store)

    assert (summary.rows, summary.matched, summary.created) == (6, 1, 1)
    lines = {line: why for line, why in summary.problems}
    assert set(lines) == {4, 5, 6, 7}
    assert "danceability = 1.7 is outside 0…1" in lines[4]
    assert "tempo is not a number" in lines[5]
    assert "no track URI and no artist + title" in lines[6]
    assert "mode = 0.5 is not a whole number" in lines[7]

    table = feature_table(store, extractor=extractor_id(SHORT)).set_index("title")
    song = table.loc["Song 1"]
    assert song["feature_source"] == "audio"
    assert song["f_valence"] == pytest.approx(0.9)  # imported fills what audio cannot give
    assert song["f_tempo"] == pytest.approx(120, rel=0.03)  # own measurement wins
    new = table.loc["New Song"]
    assert new["feature_source"] == "imported" and pd.isna(new["f_key"])
    assert new["spotify_uri"] == "spotify:track:1301WleyT98MSxVHPZCA6M"

    again = import_feature_csv(path, store)
    assert (again.matched, again.created) == (2, 0)  # importing twice adds nothing


def test_import_dataset_style_columns_as_a_pool(store, tmp_path):
    header = ["track_id", "artists", "track_name", "danceability", "energy", "tempo", "valence"]
    rows = [
        ["5SuOikwiRyPMVoIQDJUgSV", "Gen Hoshino", "Comedy", 0.676, 0.461, 87.9, 0.715],
        ["4qPNDBW1i3p13qLCt0Ki3A", "Ben Woodward;Another", "Ghost", 0.42, 0.166, 77.5, 0.267],
    ]
    summary = import_feature_csv(
        write_csv(tmp_path / "dataset.csv", header, rows), store, pool="catalogue"
    )
    assert summary.created == 2 and not summary.problems
    candidates = store.tracks(candidates=True)
    assert set(candidates["pool"]) == {"catalogue"}
    assert '"Another"' in candidates.loc[candidates["title"] == "Ghost", "artists"].item()


def test_import_refuses_files_it_cannot_use(store, tmp_path):
    no_features = write_csv(tmp_path / "a.csv", ["name", "artist"], [["x", "y"]])
    with pytest.raises(SourceError, match="no audio feature columns"):
        import_feature_csv(no_features, store)
    no_identity = write_csv(tmp_path / "b.csv", ["energy"], [[0.5]])
    with pytest.raises(SourceError, match="names no tracks"):
        import_feature_csv(no_identity, store)
    with pytest.raises(SourceError, match="Cannot read"):
        import_feature_csv(tmp_path / "missing.csv", store)


def test_spotify_uri_forms():
    track = "4uLU6hMCjMI75M1A2tKUQC"
    assert spotify_uri(track) == f"spotify:track:{track}"
    assert spotify_uri(f"https://open.spotify.com/track/{track}?si=abc") == f"spotify:track:{track}"
    assert spotify_uri("spotify:album:4uLU6hMCjMI75M1A2tKUQC") is None
    assert spotify_uri("not an id") is None


def test_scan_tags_survive_into_the_table(music, store):
    make_track(
        music / "t.flac", {"title": "Tagged", "artist": ["A", "B"], "genre": "Jazz"}, seconds=6
    )
    scan_library([music], store)
    table = feature_table(store, extractor=extractor_id(SHORT))
    assert table.loc[0, "artist"] == "A; B" and table.loc[0, "feature_source"] == "none"


def test_workers_never_rerun_the_callers_script(library, store, tmp_path, monkeypatch):
    """As under Streamlit, where ``__main__`` is the dashboard script."""
    marker = tmp_path / "script-ran"
    script = tmp_path / "dashboard.py"
    script.write_text(f"open({str(marker)!r}, 'w').close()\n")
    fake_main = type(sys)("__main__")
    fake_main.__file__ = str(script)
    monkeypatch.setitem(sys.modules, "__main__", fake_main)
    summary = extract_library(store, windows=SHORT, workers=2)
    assert summary.extracted == 3
    assert not marker.exists()


def test_a_file_ffmpeg_refuses_is_read_by_libsndfile(tmp_path):
    """A MATLAB 5 sound file: FFmpeg says "Invalid data found", libsndfile reads it."""
    import av
    import soundfile

    from trace.audio.decode import LIBSNDFILE, decode_windows
    from trace.audio.features import analyse

    signal = synth.normalise(synth.drum_pattern(120, 8, np.random.default_rng(3)))
    path = tmp_path / "beat.mat"
    soundfile.write(path, signal, synth.SR, format="MAT5", subtype="PCM_16")
    with pytest.raises(av.InvalidDataError), av.open(str(path)):
        pass
    read, rate = soundfile.read(path, dtype="float32")
    assert rate == synth.SR and np.abs(read - signal).max() < 1e-3
    decoded = decode_windows(bytes(path), windows=SHORT)
    assert decoded.decoder == LIBSNDFILE and decoded.source_rate == synth.SR
    assert decoded.duration == pytest.approx(8.0, abs=0.01)
    assert analyse(decoded)["tempo"] == pytest.approx(120, rel=0.05)


def test_extraction_falls_back_to_libsndfile_and_records_the_decoder(library, store, monkeypatch):
    import av

    from trace.audio import decode

    real_open = decode.av.open

    def refuse_band_1(fileobj, *args, **kwargs):
        if b"Band 1" in os.fsencode(fileobj.name):
            raise av.InvalidDataError(1094995529, "Invalid data found when processing input")
        return real_open(fileobj, *args, **kwargs)

    monkeypatch.setattr(decode.av, "open", refuse_band_1)
    summary = extract_library(store, windows=SHORT, workers=1)
    assert (summary.extracted, summary.failed) == (3, 1)  # the silent file still fails
    decoders = dict(
        store.execute(
            "SELECT f.display_path, x.decoder FROM features x JOIN files f "
            "ON f.signature = x.signature"
        ).fetchall()
    )
    assert {Path(p).name: d for p, d in decoders.items()} == {
        "Band 0 - Song 0.flac": decode.PYAV,
        "Band 1 - Song 1.flac": decode.LIBSNDFILE,
        "Band 2 - Song 2.flac": decode.PYAV,
    }


def test_a_bug_in_the_analysis_is_an_internal_error(library, store, monkeypatch):
    from trace.audio import features

    monkeypatch.setattr(features, "descriptors", None)  # TRACE's own code now fails
    summary = extract_library(store, windows=SHORT, workers=1)
    rows = store.execute("SELECT display_path, reason, detail FROM feature_errors").fetchall()
    internal = [row for row in rows if row["reason"] == "internal error"]
    assert len(internal) == 3 and summary.failed == 4  # and the silent file is still silent
    assert internal[0]["detail"].startswith("internal error: AttributeError: ")
    assert "please report\n\nTraceback" in internal[0]["detail"]


def test_a_library_failing_on_a_file_is_analysis_failed(library, store, monkeypatch):
    import librosa

    from trace.audio import extract

    def librosa_refuses(decoded):
        librosa.util.valid_audio(np.array([np.nan], dtype=np.float32))

    monkeypatch.setattr(extract, "analyse", librosa_refuses)
    extract_library(store, windows=SHORT, workers=1)
    reasons = {row[0] for row in store.execute("SELECT reason FROM feature_errors")}
    assert reasons == {"analysis failed"}  # the silent file too: analysis never ran

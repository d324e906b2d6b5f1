"""The demo library: real files that scan and analyse cleanly, with the intended shape."""

from __future__ import annotations

import json
import os

import pandas as pd
from sklearn.ensemble import RandomForestClassifier
from sklearn.model_selection import cross_val_score

from trace import demo
from trace.analysis.table import feature_table
from trace.audio.windows import Windows, extractor_id
from trace.demo.build import install_demo, plans
from trace.demo.catalogue import MONTHS, library_plan
from trace.demo.render import render_plan
from trace.library.scan import scan_library
from trace.store import Store


def test_the_demo_scans_and_analyses_cleanly(demo_home, demo_store):
    _, summary = demo_home
    assert (summary.library_tracks, summary.candidates) == (240, 120)
    counts = demo_store.counts()
    assert counts["scan_errors"] == 0 and counts["scan_warnings"] == 0
    assert demo_store.execute("SELECT count(*) FROM feature_errors").fetchone()[0] == 0
    table = feature_table(demo_store, extractor=extractor_id(Windows()))
    assert (table["feature_source"] == "audio").all()
    assert demo.is_active(demo_store) and not demo.needs_demo(demo_store)


def test_tags_have_artists_albums_genres_years_in_three_formats(demo_store):
    tracks = demo_store.tracks()
    assert set(tracks["format"]) == {"MP3", "FLAC", "Ogg Vorbis"}
    genres = {g for value in tracks["genres"] for g in json.loads(value)}
    assert {"Electronic", "Ambient", "Hip-Hop", "Pop", "Rock"} <= genres
    artists = {a for value in tracks["artists"] for a in json.loads(value)}
    assert len(artists) >= 20
    assert tracks["album"].notna().all() and tracks["year"].between(1970, 2026).all()
    assert 0.15 < tracks["rating"].notna().mean() < 0.5


def month_shares(frame: pd.DataFrame, time_column: str) -> pd.DataFrame:
    months = pd.to_datetime(frame[time_column], utc=True).dt.tz_localize(None).dt.to_period("M")
    return pd.crosstab(months, frame["style"], normalize="index")


def test_interest_drifts_from_ambient_to_electronic(demo_store):
    library, _ = plans(demo_store)
    style = {str(p.path): p.style for p in library}
    plays = demo_store.frame(
        "SELECT p.played_at, p.skipped, f.display_path AS path FROM plays p "
        "JOIN files f ON f.track_id = p.track_id"
    )
    plays["style"] = plays["path"].map(style)
    shares = month_shares(plays, "played_at")
    assert len(shares) >= MONTHS - 1
    early, late = shares.iloc[:3].mean(), shares.iloc[-3:].mean()
    assert early["ambient"] > 0.3 > late["ambient"]
    assert late["electronic"] > 0.3 > early["electronic"]
    assert 0.05 < plays["skipped"].mean() < 0.15

    tracks = demo_store.tracks()
    tracks["style"] = tracks["path"].map(style)
    added = tracks.dropna(subset=["style"])
    first_added = pd.to_datetime(added["added_at"]).groupby(added["style"]).median()
    assert first_added["ambient"] < first_added["hiphop"] < first_added["electronic"]


def test_candidates_include_a_style_the_library_lacks(demo_store):
    library, pool = plans(demo_store)
    assert {p.style for p in pool} - {p.style for p in library} == {"chiptune"}
    candidates = demo_store.tracks(candidates=True)
    assert set(candidates["pool"]) == {demo.POOL_NAME}
    assert not set(candidates["path"]) & set(demo_store.tracks()["path"])


def test_styles_are_separable_from_the_extracted_features(demo_store):
    library, _ = plans(demo_store)
    style = {str(p.path): p.style for p in library if p.blend is None}
    table = feature_table(demo_store, extractor=extractor_id(Windows()))
    table["style"] = table["path"].map(style)
    table = table.dropna(subset=["style"])
    features = [c for c in table.columns if c.startswith("f_") and c != "f_duration_ms"]
    x = table[features].astype(float).to_numpy()
    y = table["style"].astype(str).to_numpy()
    model = RandomForestClassifier(n_estimators=200, random_state=0)
    assert cross_val_score(model, x, y, cv=5).mean() >= 0.9


def test_building_again_adds_nothing(demo_home, demo_store):
    before = demo_store.counts()
    mtimes = {p: os.stat(p).st_mtime_ns for p in demo_store.tracks()["path"]}
    again = install_demo(demo_store, workers=1)
    assert again.rendered == 0 and again.extraction.extracted == 0
    assert demo_store.counts() == before
    assert {p: os.stat(p).st_mtime_ns for p in mtimes} == mtimes


def test_rendering_is_deterministic(tmp_path):
    anchor = pd.Timestamp("2026-01-01", tz="UTC").to_pydatetime()
    first = library_plan(tmp_path / "a", seed=7, anchor=anchor)
    second = library_plan(tmp_path / "b", seed=7, anchor=anchor)
    assert [(p.title, p.style, p.seed) for p in first] == [
        (p.title, p.style, p.seed) for p in second
    ]
    a, b = render_plan(first[0]), render_plan(second[0])
    assert a.read_bytes() == b.read_bytes()


def test_removing_the_demo(home, monkeypatch):
    monkeypatch.setenv("TRACE_DEMO", "on")
    with Store() as store:
        library, _ = plans(store)
        for plan in library[:3]:
            render_plan(plan)
        scan_library([demo.demo_folder() / "library"], store)
        store.set_setting(demo.ACTIVE_SETTING, "1")
        assert store.counts()["library_tracks"] == 3
        demo.remove_demo(store)
        assert store.counts()["library_tracks"] == 0
        assert not demo.is_active(store)
        assert not demo.needs_demo(store)  # removed for good, not rebuilt on next start
    assert not demo.demo_folder().exists()

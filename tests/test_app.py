"""Every page runs under Streamlit's AppTest, empty and with a library."""

from __future__ import annotations

import json
import subprocess
import sys
import threading
from pathlib import Path

import pytest
from audiofiles import make_track
from streamlit.testing.v1 import AppTest

from trace import cli, demo, weekly
from trace.analysis import pipeline
from trace.audio.windows import EXTRACTOR_VERSION, Windows
from trace.library.scan import scan_library
from trace.store import Store
from trace.ui import charts, jobs
from trace.ui import demo as demo_ui
from trace.ui import reanalysis as reanalysis_ui

ROOT = Path(__file__).resolve().parent.parent
PAGES = [
    "app_pages/library.py",
    "app_pages/taste_map.py",
    "app_pages/interest.py",
    "app_pages/discover.py",
    "app_pages/report.py",
    "app_pages/sources.py",
]


def run_page(page: str) -> AppTest:
    app = AppTest.from_file(str(ROOT / "streamlit_app.py"), default_timeout=180)
    app.run()
    if page != PAGES[0]:
        app.switch_page(page).run()
    assert not app.exception, app.exception
    return app


@pytest.mark.parametrize("page", PAGES)
def test_every_page_runs_on_an_empty_library(page, home):
    run_page(page)


def test_empty_library_says_how_to_start(home):
    app = run_page("app_pages/library.py")
    assert "library is empty" in app.info[0].value
    assert app.button  # the Scan button of the form


@pytest.mark.parametrize(
    ("page", "says"),
    [
        ("app_pages/taste_map.py", "Not enough to map yet"),
        ("app_pages/interest.py", "Not enough to map yet"),
        ("app_pages/discover.py", "candidate pool"),
    ],
)
def test_empty_pages_explain_themselves(page, says, home):
    app = run_page(page)
    assert any(says in i.value for i in app.info)


@pytest.mark.parametrize("page", PAGES)
def test_every_page_runs_on_a_library(page, store, music):
    make_track(
        music / "a.flac", {"title": "Alpha", "artist": "Ann", "genre": "Jazz", "date": "1999"}
    )
    make_track(music / "b.mp3", {"title": "Beta", "artist": "Bob", "genre": "Rock"})
    (music / "broken.mp3").write_bytes(b"")
    scan_library([music], store)
    app = run_page(page)
    if page == "app_pages/library.py":
        assert app.metric[0].value == "2"
        titles = set(app.dataframe[0].value["Title"])
        assert titles == {"Alpha", "Beta"}
        assert any("1 file skipped" in e.label for e in app.expander)


def test_scanning_from_the_page(home, music):
    make_track(music / "a.flac", {"title": "From The Page"})
    app = run_page("app_pages/library.py")
    app.text_input[0].input(str(music))
    app.button[0].click().run()
    assert not app.exception
    assert any("1 new" in s.value for s in app.success)
    app.run()
    assert "From The Page" in set(app.dataframe[0].value["Title"])


def test_scanning_a_candidate_pool_from_the_page(home, music):
    make_track(music / "a.flac", {"title": "New To Me"})
    app = run_page("app_pages/sources.py")
    assert not any(t.label == "Pool name" for t in app.text_input)  # only with the switch
    next(t for t in app.toggle if "candidate pool" in t.label).set_value(True).run()
    next(t for t in app.text_input if t.label == "Pool name").input("from a friend")
    next(t for t in app.text_input if t.label == "Music folder").input(str(music))
    next(c for c in app.checkbox if "Analyse" in c.label).uncheck()
    next(b for b in app.button if b.label == "Scan").click().run()
    assert not app.exception
    with Store() as store:
        pools = store.execute("SELECT pool FROM tracks WHERE title = 'New To Me'").fetchall()
    assert [tuple(p) for p in pools] == [("from a friend",)]


def test_the_demo_says_so(store, music):
    """(AppTest's switch_page runs the page alone; the browser test checks every page.)"""
    make_track(music / "a.flac", {"title": "Alpha"})
    scan_library([music], store)
    store.set_setting(demo.ACTIVE_SETTING, "1")
    app = run_page(PAGES[0])
    assert "demo library" in app.info[0].value and "Sources" in app.info[0].value


def test_a_fresh_home_builds_the_demo_without_being_asked(home, monkeypatch):
    calls = []
    monkeypatch.setenv("TRACE_DEMO", "on")

    def fake_job(*arguments):
        calls.append(arguments)
        with Store() as opened:
            opened.set_setting(demo.REMOVED_SETTING, "1")  # stands in for a built demo
        return jobs.JobResult(True, ["Demo ready."], "")

    def fake_background_job(*arguments, log):
        calls.append(arguments)  # a process that is still running, as the real one is
        return subprocess.Popen([sys.executable, "-c", "import time; time.sleep(120)"])

    monkeypatch.setattr(demo_ui, "run_job", fake_job)
    monkeypatch.setattr(demo_ui, "start_job", fake_background_job)
    app = run_page("app_pages/library.py")
    assert calls[0] == ("demo", "--part", "library")
    assert calls[1] == ("demo", "--part", "candidates")
    job = demo_ui._background_jobs()["candidates"]
    try:
        app.switch_page("app_pages/discover.py").run()
        assert "being composed and analysed in the background" in app.info[0].value
        job.kill()
        job.wait()
        app.run()
        assert "Composing the demo's candidate tracks failed** (signal 9)" in app.error[0].value
    finally:
        job.kill()
        demo_ui._background_jobs().clear()


def test_a_failed_candidates_job_says_why_and_how_to_retry(home, monkeypatch):
    home.mkdir(parents=True, exist_ok=True)
    (home / demo_ui.CANDIDATES_LOG).write_text("Composing…\nOSError: No space left on device\n")
    failed = subprocess.Popen([sys.executable, "-c", "raise SystemExit(1)"])
    failed.wait()
    demo_ui._background_jobs()["candidates"] = failed
    restarted = []
    monkeypatch.setattr(
        demo_ui,
        "start_job",
        lambda *arguments, log: (
            restarted.append(arguments) or subprocess.Popen([sys.executable, "-c", "pass"])
        ),
    )
    try:
        app = run_page("app_pages/discover.py")
        assert "failed** (exit code 1)" in app.error[0].value
        assert "No space left on device" in app.code[0].value
        assert not any("No candidates yet" in i.value for i in app.info)
        app.button(key="demo-candidates-retry").click().run()
        assert restarted == [("demo", "--part", "candidates")]
    finally:
        demo_ui._background_jobs().clear()


def test_a_finished_candidates_job_with_none_found_is_an_empty_state(home):
    done = subprocess.Popen([sys.executable, "-c", "pass"])
    done.wait()
    demo_ui._background_jobs()["candidates"] = done
    try:
        app = run_page("app_pages/discover.py")
        assert "No candidates yet" in app.info[0].value and not app.error
    finally:
        demo_ui._background_jobs().clear()


def test_an_extractor_change_reanalyses_in_the_background_with_progress(store, music, monkeypatch):
    for name in ("Alpha", "Beta"):
        make_track(music / f"{name}.flac", {"title": name})
    scan_library([music], store)
    windows = Windows()
    older = f"{EXTRACTOR_VERSION - 1}/{windows.count}x{windows.seconds:g}s"
    for (signature,) in store.execute("SELECT signature FROM files").fetchall():
        store.execute(
            "INSERT INTO features (signature, extractor, data, extracted_at) VALUES (?, ?, ?, 'x')",
            (signature, older, json.dumps({"tempo": 100.0, "tempo_confidence": 0.9})),
        )
    started = []

    def fake_background_job(*arguments, log):
        started.append(arguments)  # still running, as a real re-analysis would be
        return subprocess.Popen([sys.executable, "-c", "import time; time.sleep(120)"])

    monkeypatch.setattr(reanalysis_ui, "start_job", fake_background_job)
    try:
        app = run_page("app_pages/library.py")
        assert started == [("extract",)]
        progress = app.get("progress")[0].proto.text
        assert "0 of 2 tracks" in progress and older in progress
        assert app.metric[3].value == "2"  # the previous features, not an empty library
        assert set(app.dataframe[0].value["Tempo"]) == {"100 BPM"}
        assert pipeline.Inputs.of(store).extractor == older  # the map, too: one version
        app.run()
        assert started == [("extract",)]  # once per server, not on every rerun
    finally:
        for job in reanalysis_ui._jobs().values():
            job.kill()
        reanalysis_ui._jobs().clear()


def test_a_job_writing_a_megabyte_to_stderr_does_not_hang():
    script = (
        "import json, sys\n"
        "sys.stderr.write('x' * 2**20)\n"
        "print(json.dumps({'progress': {'done': 1, 'total': 2, 'message': 'half'}}))\n"
        "print('Done.')\n"
    )
    seen, results = [], []
    worker = threading.Thread(
        target=lambda: results.append(
            jobs.run_with_progress(
                [sys.executable, "-c", script], lambda *update: seen.append(update)
            )
        ),
        daemon=True,
    )
    worker.start()
    worker.join(timeout=60)
    assert not worker.is_alive(), "the job's output was not read: it hangs on a full pipe"
    result = results[0]
    assert result.ok and result.lines == ["Done."] and seen == [(0.5, "half")]
    assert len(result.error) == 2**20


def on_demo(page: str) -> AppTest:
    app = run_page(page)
    assert not app.exception
    return app


def test_the_taste_map_reclusters_when_a_slider_moves(demo_copy):
    app = on_demo("app_pages/taste_map.py")
    assert app.metric[0].value == "240"
    assert int(app.metric[1].value) >= 5
    assert any("Suggested:" in m.value for m in app.markdown)
    size = app.slider(key="setting.cluster.min_cluster_size")
    size.set_value(60).run()
    assert not app.exception
    assert int(app.metric[1].value) < 5  # only a few clusters that large
    with Store() as store:  # the setting is saved for the batch job
        saved = json.loads(store.get_setting(pipeline.PARAMS_SETTING))
    assert saved["cluster"]["min_cluster_size"] == 60

    app.switch_page("app_pages/library.py").run()
    app.switch_page("app_pages/taste_map.py").run()  # and survives a page switch
    assert app.slider(key="setting.cluster.min_cluster_size").value == 60


def test_musicnn_joins_the_map_and_can_be_turned_off(demo_copy):
    app = on_demo("app_pages/taste_map.py")
    learned = app.toggle(key="setting.features.learned")
    assert learned.value is True
    with Store() as store:
        heard = store.execute("SELECT count(*) FROM embeddings").fetchone()[0]
    assert heard >= 240  # every demo track was heard by MusiCNN in the extraction
    learned.set_value(False).run()
    assert not app.exception
    with Store() as store:
        saved = json.loads(store.get_setting(pipeline.PARAMS_SETTING))
    assert saved["features"]["learned"] is False
    app.switch_page("app_pages/library.py").run()
    assert "Heard" in app.dataframe[-1].value.columns  # the track list says what it heard


def test_the_report_page_makes_a_file_to_download_and_interest_tells_the_hours(demo_copy):
    app = on_demo("app_pages/report.py")
    app.text_input(key="report-zone").set_value("Europe/Berlin")
    next(b for b in app.button if b.label == "Make the report").click().run()
    assert not app.exception, app.exception
    assert any("Your report of" in s.value and "Europe/Berlin" in s.value for s in app.success)
    html = app.session_state["report-html"]
    assert html.startswith("<!DOCTYPE html>") and "The hours of your day" in html
    assert len(app.get("download_button")) == 1

    app.switch_page("app_pages/interest.py").run()
    assert not app.exception
    said = [m.value for m in app.markdown if m.value.startswith("**Your ")]
    assert len(said) == 1 and ("much the same" in said[0] or " are " in said[0])
    assert any(s.value == "The hours of your day" for s in app.subheader)

    app.switch_page("app_pages/discover.py").run()
    app.selectbox(key="discover-time-context").set_value("hour").run()
    assert not app.exception, app.exception
    with Store() as store:
        saved = json.loads(store.get_setting(pipeline.PARAMS_SETTING))
    assert saved["ranking"]["hours"] in ("mornings", "afternoons", "evenings", "nights")
    assert saved["ranking"]["day"] == "" and saved["ranking"]["timezone"] == "Europe/Berlin"


def test_a_layout_slider_keeps_the_clusters(demo_copy):
    app = on_demo("app_pages/taste_map.py")
    before = app.metric[1].value, app.metric[3].value
    app.slider(key="setting.embed.layout_min_dist").set_value(0.5).run()
    assert not app.exception
    assert (app.metric[1].value, app.metric[3].value) == before


def test_recent_interest_names_the_late_style(demo_copy):
    app = on_demo("app_pages/interest.py")
    assert "Lately you have been into" in app.success[0].value
    table = app.dataframe[0].value
    assert table["Lift"].is_monotonic_decreasing
    assert (table["Holds a recent interest"] == "yes").sum() >= 1
    assert len(app.get("vega_lite_chart")) >= 2  # where the listening moved, and the lifts
    app.slider(key="setting.interest.half_life_days").set_value(365.0).run()
    assert not app.exception
    assert app.dataframe[0].value["Lift"].max() < table["Lift"].max()  # slower decay


def test_discover_lists_ranked_candidates_with_reasons(demo_copy):
    with Store() as store:  # a Spotify candidate: no audio, no features
        store.execute(
            "INSERT INTO tracks (title, artists, pool, added_at, updated_at) "
            "VALUES ('Far Away', '[\"Someone\"]', 'Spotify search', '2026-01-01', '2026-01-01')"
        )
    app = on_demo("app_pages/discover.py")
    assert any("1 candidate without audio features" in c.value for c in app.caption)
    frame = app.dataframe[0].value  # the decision editor
    assert set(frame["Decision"]) == {"—"}
    assert len(frame) >= 5
    assert frame["Why"].str.contains("close to |sounds like ", case=False).all()
    assert (frame["For"] != "—").sum() >= 5  # the interest each serves
    app.slider(key="setting.ranking.energy_range").set_value((0.95, 1.0)).run()
    assert any("No candidate fits" in i.value for i in app.info)


def test_the_genre_tab_shows_the_forests_quality_and_confusion(demo_copy):
    app = on_demo("app_pages/library.py")
    assert len(app.get("vega_lite_chart")) == 6  # only the open tab is drawn
    app.session_state["library-tab"] = "Genres"
    app.run()
    assert not app.exception, app.exception
    text = " ".join(m.value for m in app.markdown)
    assert "held-out accuracy" in text and "genres" in text
    assert len(app.get("vega_lite_chart")) == 1  # the confusion matrix


def test_discover_blends_preference_filters_by_mood_and_orders_the_playlist(demo_copy):
    app = on_demo("app_pages/discover.py")
    frame = app.dataframe[0].value
    assert frame["Genre (guessed)"].notna().all()
    app.slider(key="setting.ranking.preference_weight").set_value(0.5).run()
    assert not app.exception, app.exception
    assert any("Preference model:" in c.value for c in app.caption)
    app.selectbox(key="setting.ranking.mood").set_value("energetic").run()
    assert any("Mood context **energetic**" in c.value for c in app.caption)
    with Store() as store:
        saved = json.loads(store.get_setting("analysis.params"))["ranking"]
    assert saved["mood"] == "energetic" and saved["preference_weight"] == 0.5


def test_discover_the_weekly_job_and_analyse_give_one_list(demo_copy, tmp_path):
    """Every setting that shapes Discover's list is saved, and the command line and the
    weekly job rank with the same stages."""
    app = on_demo("app_pages/discover.py")
    app.slider(key="setting.ranking.candidates").set_value(12).run()
    app.slider(key="setting.ranking.energy_range").set_value((0.3, 1.0)).run()
    app.slider(key="setting.ranking.preference_weight").set_value(0.4).run()
    assert not app.exception, app.exception
    shown = app.dataframe[0].value
    discover = list(zip(shown["Artist"], shown["Title"], strict=True))
    assert 5 <= len(discover) <= 12

    assert cli.main(["analyse", "--json", str(tmp_path / "a.json")]) == 0
    analysed = json.loads((tmp_path / "a.json").read_text())["candidates"]
    with Store() as store:
        picks = weekly.run_weekly(store, dry_run=True).picks

    assert [(c["artist"], c["title"]) for c in analysed] == discover
    assert [(p["artist"], p["title"]) for p in picks] == discover


def button(app: AppTest, label: str):
    return next(b for b in app.button if b.label == label)


def test_the_review_decides_one_at_a_time_and_undoes_even_after_the_last(demo_copy):
    app = on_demo("app_pages/discover.py")
    app.slider(key="setting.ranking.candidates").set_value(5).run()
    titles = []
    for _ in range(5):
        titles += [m.value for m in app.markdown if m.value.startswith("### ")]
        button(app, "Approve").click().run()
        assert not app.exception, app.exception
    assert len(set(titles)) == 5  # each press moved on to another candidate
    assert any("Every candidate here is decided" in s.value for s in app.success)
    with Store() as store:
        assert list(store.decisions()["decision"]) == ["approved"] * 5

    button(app, "Undo").click().run()  # from the "all decided" screen
    with Store() as store:
        assert len(store.decisions()) == 4
    assert [m.value for m in app.markdown if m.value.startswith("### ")] == titles[-1:]


def test_a_decision_in_the_review_shows_on_the_whole_page_at_once(demo_copy):
    app = on_demo("app_pages/discover.py")
    title = next(m.value for m in app.markdown if m.value.startswith("### "))
    listed_before = len(app.dataframe[0].value)  # the All candidates list
    button(app, "Approve").click().run()
    second = next(m.value for m in app.markdown if m.value.startswith("### "))
    button(app, "Reject").click().run()
    assert not app.exception, app.exception
    texts = [str(getattr(e, "proto", "")) for e in app.get("progress")]
    assert any("2 of " in t and "1 approved" in t for t in texts), texts
    # the playlist lists the approval and the list has lost both, with no extra step
    assert not [c for c in app.caption if c.value == "Nothing approved yet."]
    artist, _, name = title.removeprefix("### ").partition(" – ")
    listed = app.dataframe[-1].value  # the approved tracks, in their editor
    assert list(zip(listed["Artist"], listed["Title"], strict=True)) == [(artist, name)]
    remaining = app.dataframe[0].value
    assert len(remaining) <= listed_before
    for decided in (title, second):
        a, _, t = decided.removeprefix("### ").partition(" – ")
        assert (a, t) not in set(zip(remaining["Artist"], remaining["Title"], strict=True))


def test_discover_accounts_for_every_candidate(demo_copy):
    app = on_demo("app_pages/discover.py")
    shown = len(app.dataframe[0].value)
    caption = next(c.value for c in app.caption if c.value.startswith("Not proposed: "))
    counts = [int(part.split()[0]) for part in caption.removeprefix("Not proposed: ").split("; ")]
    assert "ranked below these" in caption
    with Store() as store:
        pool = store.execute("SELECT count(*) FROM tracks WHERE pool IS NOT NULL").fetchone()[0]
    assert shown + sum(counts) == pool == 120


def test_new_candidates_leave_the_map_of_the_library_as_it_is(demo_copy):
    app = on_demo("app_pages/taste_map.py")
    with Store() as store:  # a candidate is retagged: the pool is new, the library is not
        before = pipeline.Inputs.of(store)
        store.execute(
            "UPDATE tracks SET updated_at = '2099-01-01T00:00:00+00:00' "
            "WHERE id = (SELECT min(id) FROM tracks WHERE pool IS NOT NULL)"
        )
        after = pipeline.Inputs.of(store)
    assert (after.features, after.pool != before.pool) == (before.features, True)
    app.run()
    assert not app.exception
    assert not [w for w in app.warning if "out of date" in w.value]
    assert app.metric[0].value == "240"


def test_a_changed_library_shows_the_last_map_until_the_new_one_is_drawn(demo_copy):
    from trace.ui import background

    app = on_demo("app_pages/taste_map.py")  # mapped, and kept on disk
    assert not [w for w in app.warning if "out of date" in w.value]
    with Store() as store:  # a track is retagged: the library's content is new
        store.execute(
            "UPDATE tracks SET updated_at = '2099-01-01T00:00:00+00:00' "
            "WHERE id = (SELECT min(id) FROM tracks WHERE pool IS NULL)"
        )
        changed = pipeline.Inputs.of(store).features
    app.run()
    assert not app.exception
    assert [w for w in app.warning if "out of date" in w.value]
    assert app.metric[0].value == "240"  # the last map, drawn at once

    job = background.map_job(changed)  # the one the page started
    job.thread.join(timeout=600)
    assert job.ok, job.error
    app.run()
    assert not app.exception
    assert not [w for w in app.warning if "out of date" in w.value]
    assert any("Suggested:" in m.value for m in app.markdown)  # the job made the sweep too


def test_the_key_histogram_names_the_twelve_pitch_classes():
    import pandas as pd

    from trace.ui import charts

    chart = charts.feature_histogram(pd.DataFrame({"f_key": [0.0, 0, 4, 11]}), "key").to_dict()
    rows = next(iter(chart["datasets"].values()))
    assert [r["pitch"] for r in rows] == list(charts.PITCHES)
    assert {r["pitch"]: r["tracks"] for r in rows if r["tracks"]} == {"C": 2, "E": 1, "B": 1}


def test_a_big_library_lists_a_page_of_tracks_and_finds_the_others(demo_copy, monkeypatch):
    """Above TRACK_ROWS the list sends that many rows, says how many there are, and a
    search over titles, artists, albums, genres and paths finds any of them."""
    monkeypatch.setattr(charts, "TRACK_ROWS", 10)
    app = on_demo("app_pages/library.py")
    total = int(app.metric[0].value.replace(",", ""))
    assert len(app.dataframe[0].value) == 10
    assert any(f"{total:,} tracks" in c.value and "first 10" in c.value for c in app.caption)
    wanted = app.dataframe[0].value["Artist"].iloc[-1]
    app.text_input(key="library-find").input(wanted.upper()).run()
    listed = app.dataframe[0].value
    assert 0 < len(listed) <= 10 and wanted in set(listed["Artist"])
    assert any("tracks match" in c.value for c in app.caption)
    app.text_input(key="library-find").input("no such words anywhere").run()
    assert len(app.dataframe[0].value) == 0

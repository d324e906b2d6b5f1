"""The listening report: the hours of the day, whether the picks stuck, the HTML file."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from browser import CHROMIUM, CHROMIUM_FLAGS

from trace.analysis import hours, outcomes
from trace.errors import ParameterError
from trace.store import Store

ROOT = Path(__file__).resolve().parent.parent
DAY0 = pd.Timestamp("2026-03-01", tz="UTC")


def day_of_plays(days: int, evening_energy: float, seed: int = 0):
    """Ten tracks of energy 0.1 … 1.0; each day 12 plays in the day and 4 in the evening
    (UTC 18–21), the evening's drawn from tracks near ``evening_energy``."""
    rng = np.random.default_rng(seed)
    table = pd.DataFrame({"id": range(10), "f_energy": np.linspace(0.1, 1.0, 10)})
    rows = []
    for day in range(days):
        for _ in range(12):
            rows.append(
                (
                    int(rng.integers(0, 10)),
                    DAY0 + pd.Timedelta(days=day, hours=int(rng.integers(8, 17))),
                )
            )
        near = np.clip(round(evening_energy * 10) - 1 + rng.integers(-1, 2, 4), 0, 9)
        for track in near:
            rows.append(
                (int(track), DAY0 + pd.Timedelta(days=day, hours=int(rng.integers(18, 22))))
            )
    plays = pd.DataFrame(rows, columns=["track_id", "at"])
    return plays, table


def test_calmer_evenings_are_told_and_a_steady_day_is_not():
    plays, table = day_of_plays(40, evening_energy=0.2)
    found = hours.listening_hours(plays, table, None)
    assert found.sentence.startswith("Your evenings are calmer: energy 0.")
    assert "UTC" in found.zone_note and found.zone == "UTC"
    assert found.grid["plays"].sum() == len(plays) and len(found.grid) == 7 * 24
    steady, _ = day_of_plays(40, evening_energy=0.55)
    said = hours.listening_hours(steady, table, None).sentence
    assert said.startswith("Your music sounds much the same")
    few, _ = day_of_plays(5, evening_energy=0.2)  # too few days to tell
    assert hours.listening_hours(few, table, None).sentence.startswith("Your music sounds")


def test_hours_are_read_in_the_given_zone():
    table = pd.DataFrame({"id": [0], "f_energy": [0.5]})
    at = [DAY0 + pd.Timedelta(days=d, hours=20) for d in range(3)]  # a Sunday 20:00 UTC first
    plays = pd.DataFrame({"track_id": 0, "at": at})
    for zone, weekday, hour in ((None, 6, 20), ("Asia/Tokyo", 0, 5)):  # Tokyo: UTC+9
        grid = hours.listening_hours(plays, table, zone).grid
        assert grid.loc[(grid["weekday"] == weekday) & (grid["hour"] == hour), "plays"].item() == 1
    with pytest.raises(ParameterError, match="Europe/Berlin"):
        hours.zone_of("Mars/Olympus")


def decided(store: Store, approved_played: int, approved: int = 12, rejected: int = 6) -> None:
    """Candidates decided on the first of March; ``approved_played`` of the approved are
    played three times after, one rejected once, and one before the decision only."""
    with store.batch():
        for i in range(approved + rejected + 20):
            pool = "new" if i < approved + rejected + 10 else None
            store.execute(
                "INSERT INTO tracks (id, title, pool, added_at, updated_at) VALUES (?, ?, ?, ?, ?)",
                (i + 1, f"t{i}", pool, "2026-03-02T00:00:00+00:00", "x"),
            )
        for i in range(approved + rejected):
            decision = "approved" if i < approved else "rejected"
            store.execute(
                "INSERT INTO decisions VALUES (?, ?, ?)",
                (i + 1, decision, "2026-03-01T12:00:00+00:00"),
            )
        plays = [(1, "2026-02-20T10:00:00+00:00")]  # before its decision: not counted
        plays += [
            (i + 1, f"2026-03-{d:02d}T10:00:00+00:00")
            for i in range(approved_played)
            for d in (3, 9, 20)
        ]
        plays += [(approved + 1, "2026-03-05T10:00:00+00:00")]
        for track, at in plays:
            store.execute(
                "INSERT INTO plays (track_id, played_at, ms_played, source) VALUES (?, ?, ?, ?)",
                (track, at, 200_000, "test"),
            )


def test_picks_that_stuck_are_counted_after_the_decision(store):
    decided(store, approved_played=9)
    found = outcomes.picks_outcomes(store)
    assert found.enough
    row = found.table.loc["approved"]
    assert (row["tracks"], row["played"], row["plays"]) == (12, 0.75, 2.25)
    assert row["days"] == pytest.approx(17.0)
    assert found.table.loc["rejected", "played"] == pytest.approx(1 / 6)
    assert found.table.loc["never proposed", "tracks"] == 10
    assert found.sentence.startswith("Of the 12 candidates you approved, 75% were played")


def test_too_few_decisions_give_counts_not_a_rate(store):
    decided(store, approved_played=2, approved=3)
    found = outcomes.picks_outcomes(store)
    assert not found.enough and found.sentence.startswith("Too few decisions to tell yet: 3")


def run_report(home: Path, out: Path, *extra: str) -> subprocess.CompletedProcess:
    return subprocess.run(
        [sys.executable, "-m", "trace", "report", str(out), *extra],
        cwd=ROOT,
        env={**__import__("os").environ, "TRACE_HOME": str(home), "PYTHONPATH": str(ROOT)},
        capture_output=True,
        text=True,
        timeout=600,
    )


def test_the_report_opens_offline_with_every_chart_drawn(demo_copy, tmp_path):
    from playwright.sync_api import sync_playwright

    out = tmp_path / "report.html"
    done = run_report(demo_copy, out, "--timezone", "Europe/Berlin")
    assert done.returncode == 0, done.stderr
    assert "Wrote the report of" in done.stdout and "Europe/Berlin" in done.stdout
    text = out.read_text()
    assert out.stat().st_size < 10e6
    assert str(demo_copy) not in text and str(ROOT) not in text and "/tmp/" not in text
    for section in ("How your listening moved", "The sound of the period", "Top artists",
                    "The hours of your day", "picks stuck", "How this was made"):  # fmt: skip
        assert section in text
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_FLAGS)
        context = browser.new_context(offline=True)
        page = context.new_page()
        asked, errors = [], []
        page.on("request", lambda request: asked.append(request.url))
        page.on("pageerror", lambda error: errors.append(str(error)))
        page.goto(out.as_uri())
        drawn = "c => c.querySelector('svg .role-mark')"
        page.wait_for_function(
            f"[...document.querySelectorAll('.chart')].every({drawn})", timeout=30_000
        )
        marks = page.eval_on_selector_all(
            ".chart", "charts => charts.map(c => c.querySelectorAll('svg .role-mark > *').length)"
        )
        browser.close()
    assert len(marks) >= 4 and min(marks) > 0, marks
    assert errors == [] and [u for u in asked if not u.startswith(("file:", "data:"))] == []


def test_a_period_without_plays_says_so(demo_copy, tmp_path):
    out = tmp_path / "empty.html"
    done = run_report(demo_copy, out, "--from", "2001-01-01", "--to", "2001-12-31")
    assert done.returncode == 0, done.stderr
    text = out.read_text()
    assert "No plays in this period" in text and "2001-01-01 to 2001-12-31" in text
    bad = run_report(demo_copy, out, "--from", "2002-01-01", "--to", "2001-12-31")
    assert bad.returncode != 0 and "start must come before" in bad.stderr


def test_the_time_now_names_its_part_of_the_day_and_weekday():
    at = pd.Timestamp("2026-12-05 19:30", tz="UTC")  # a Saturday
    assert hours.now_context(None, at) == ("evenings", "Sat")
    assert hours.now_context("Asia/Tokyo", at) == ("nights", "Sun")  # 04:30 on Sunday
    assert hours.context_words("evenings", "Sat") == "your Saturday evenings"
    assert hours.context_words("", "Sun") == "your Sundays"


def test_a_history_of_streams_without_audio_still_gets_its_report(home, tmp_path):
    """Plays of tracks with no features (streamed, no preview heard): no map can be made,
    but the tops, the hours and the rest are there, and the map's place says why."""
    with Store() as store, store.batch():
        for i in range(30):
            store.execute(
                "INSERT INTO tracks (id, title, artists, added_at, updated_at) "
                "VALUES (?, ?, ?, ?, ?)",
                (i + 1, f"Song {i}", f'["Band {i % 3}"]', "2026-01-01T00:00:00+00:00", "x"),
            )
        for i in range(300):
            store.execute(
                "INSERT INTO plays (track_id, played_at, ms_played, source) VALUES (?, ?, ?, ?)",
                (i % 30 + 1, (DAY0 + pd.Timedelta(hours=7 * i)).isoformat(), 200_000, "spotify"),
            )
    out = tmp_path / "streams.html"
    done = run_report(home, out, "--from", "2026-01-01", "--to", "2026-12-31")
    assert done.returncode == 0, done.stderr
    text = out.read_text()
    assert "No taste map yet" in text and "Band 0 (100 plays)" in text
    assert "The hours of your day" in text and "spotify (300)" in text

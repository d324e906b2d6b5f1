"""Big-library runs: a killed extraction resumes with only what is left; progress has an ETA."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
from pathlib import Path

import numpy as np
from audiofiles import write_samples

from trace.audio import extract as extract_module
from trace.audio import synth
from trace.audio.extract import extract_library
from trace.audio.windows import Windows
from trace.library import pace as pace_module
from trace.library.pace import Pace, duration_text
from trace.library.scan import scan_library
from trace.store import Store

ROOT = Path(__file__).resolve().parent.parent
SHORT = Windows(count=2, seconds=5, whole_below=12)


def make_songs(folder: Path, count: int) -> None:
    rng = np.random.default_rng(18)
    for i in range(count):
        bpm = float(rng.uniform(80, 160))
        beat = synth.drum_pattern(bpm, 6, rng)
        beat = synth.normalise(beat + 0.01 * rng.standard_normal(len(beat)).astype(np.float32))
        write_samples(folder / f"{i:03d}.flac", beat[:, None], synth.SR)


def test_pace_waits_for_a_measured_rate_then_gives_time_left():
    now = [100.0]
    pace = Pace(clock=lambda: now[0])
    assert pace.text(0, 600) == ""  # nothing done yet: the start-up is not measured
    now[0] = 130.0
    assert pace.text(10, 600) == ""  # the first unit starts the clock
    now[0] = 131.0
    assert pace.text(20, 600) == ""  # too little time to promise anything
    now[0] = 190.0
    assert pace.text(110, 600) == "100 a minute · about 5 min left"


def test_durations_read_as_a_person_says_them():
    assert [duration_text(s) for s in (12, 600, 3 * 3600 + 5 * 60, -4)] == [
        "12 s",
        "10 min",
        "3 h 05 min",
        "0 s",
    ]


def test_extraction_progress_says_rate_and_time_left(music, store, monkeypatch):
    make_songs(music, 4)
    scan_library([music], store)
    monkeypatch.setattr(pace_module, "MIN_SECONDS", 0.0)
    monkeypatch.setattr(extract_module, "BATCH_SIZE", 1)
    messages: list[str] = []
    extract_library(store, windows=SHORT, workers=1, progress=lambda d, t, m: messages.append(m))
    assert messages[1] == "Analysed 1 of 4 tracks"
    assert "of 4 tracks · " in messages[2] and messages[2].endswith(" left")
    assert messages[-1].startswith("Extracted features of 4 tracks")


def test_scan_progress_says_rate_and_time_left(music, store, monkeypatch):
    make_songs(music, 3)
    monkeypatch.setattr(pace_module, "MIN_SECONDS", 0.0)
    messages: list[str] = []
    scan_library([music], store, batch_size=1, progress=lambda d, t, m: messages.append(m))
    assert any(m.startswith("Read 2 of 3 files · ") and m.endswith(" left") for m in messages)


def test_a_killed_extraction_resumes_with_only_the_remaining_files(music, home):
    total = 48
    make_songs(music, total)
    env = {**os.environ, "TRACE_HOME": str(home)}
    command = [sys.executable, "-m", "trace", "--progress", "jsonl"]
    options = ["--workers", "2", "--window-seconds", "5"]
    subprocess.run([*command, "scan", str(music)], cwd=ROOT, env=env, check=True, timeout=120)

    run = subprocess.Popen(
        [*command, "extract", *options], cwd=ROOT, env=env, stdout=subprocess.PIPE, text=True
    )
    reported = 0
    for line in run.stdout:
        reported = json.loads(line)["progress"]["done"]
        if 0 < reported < total:
            run.send_signal(signal.SIGKILL)  # no clean-up: as a crash or a power cut
            break
    run.wait(timeout=60)
    run.stdout.close()
    assert run.returncode == -signal.SIGKILL

    with Store() as store:
        kept = store.execute("SELECT count(*) FROM features").fetchone()[0]
    assert reported <= kept < total  # what was reported done had been committed

    again = subprocess.run(
        [*command, "extract", *options], cwd=ROOT, env=env, capture_output=True, text=True
    )
    assert again.returncode == 0, again.stderr
    lines = again.stdout.splitlines()
    progress = [json.loads(line)["progress"] for line in lines if line.startswith("{")]
    assert progress[0]["message"] == "Starting 2 workers…"
    assert progress[0]["total"] == total - kept  # only the remaining files are queued
    assert f"Extracted features of {total - kept} tracks" in again.stdout
    assert f"{kept} were already done" in again.stdout

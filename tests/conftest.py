from __future__ import annotations

import os
import shutil

import pytest

from trace.store import Store


@pytest.fixture
def home(tmp_path, monkeypatch):
    """A fresh TRACE home folder for the test."""
    folder = tmp_path / "trace-home"
    monkeypatch.setenv("TRACE_HOME", str(folder))
    monkeypatch.setenv("TRACE_DEMO", "off")  # tests that want the demo build it themselves
    return folder


@pytest.fixture
def store(home):
    with Store() as opened:
        yield opened


@pytest.fixture
def music(tmp_path):
    """An empty music folder."""
    folder = tmp_path / "music"
    folder.mkdir()
    return folder


@pytest.fixture(scope="session")
def demo_home(tmp_path_factory):
    """One full demo (library, candidates, history), built once for the whole run (about
    a minute and a half) and shared: tests that change the store use :func:`demo_copy`."""
    from trace.demo.build import install_demo

    home = tmp_path_factory.mktemp("demo-home")
    previous = os.environ.get("TRACE_HOME")
    os.environ["TRACE_HOME"] = str(home)
    try:
        with Store() as store:
            summary = install_demo(store, workers=2)
    finally:
        if previous is None:
            os.environ.pop("TRACE_HOME", None)
        else:
            os.environ["TRACE_HOME"] = previous
    return home, summary


@pytest.fixture
def demo_store(demo_home, monkeypatch):
    monkeypatch.setenv("TRACE_HOME", str(demo_home[0]))
    with Store() as store:
        yield store


@pytest.fixture
def demo_copy(demo_home, tmp_path, monkeypatch):
    """A TRACE home of its own whose store is a copy of the demo's (the audio files stay
    in the shared demo folder): for tests that approve, save settings, or rescan."""
    home = tmp_path / "demo-copy"
    home.mkdir()
    with Store(demo_home[0] / "trace.sqlite3") as source:
        source.execute("PRAGMA wal_checkpoint(TRUNCATE)")
    shutil.copy2(demo_home[0] / "trace.sqlite3", home / "trace.sqlite3")
    monkeypatch.setenv("TRACE_HOME", str(home))
    monkeypatch.setenv("TRACE_DEMO", "off")
    return home

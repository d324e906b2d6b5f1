from __future__ import annotations

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

"""The dashboard started from another folder: loopback only, the project's config applied."""

from __future__ import annotations

import socket
import urllib.parse
from pathlib import Path

import pytest
from browser import browser_page, dashboard, open_page

from trace.sources.spotify import connect
from trace.ui import serve

HOSTILE_CONFIG = """[server]
address = "0.0.0.0"
[theme]
base = "light"
backgroundColor = "#FFFFFF"
"""


def _listening_addresses(port: int) -> set[str]:
    """Local addresses of the sockets listening on ``port`` (from /proc/net/tcp, tcp6)."""
    found = set()
    for table in ("/proc/net/tcp", "/proc/net/tcp6"):
        for line in Path(table).read_text().splitlines()[1:]:
            local, state = line.split()[1], line.split()[3]
            address, hex_port = local.split(":")
            if state == "0A" and int(hex_port, 16) == port:  # 0A: LISTEN
                found.add(address)
    return found


@pytest.fixture
def elsewhere(tmp_path):
    """A folder that is not the project, with a config.toml asking for every interface."""
    (tmp_path / "trace-home").mkdir(exist_ok=True)
    folder = tmp_path / "elsewhere"
    (folder / ".streamlit").mkdir(parents=True)
    (folder / ".streamlit" / "config.toml").write_text(HOSTILE_CONFIG)
    return folder


def test_the_address_is_loopback_unless_named_on_the_command_line():
    assert serve.streamlit_argv(["--server.port", "9000"])[3:] == [
        "--server.address",
        "127.0.0.1",
        "--server.port",
        "9000",
    ]
    assert "127.0.0.1" not in serve.streamlit_argv(["--server.address=0.0.0.0"])
    assert serve.streamlit_argv(["--server.address", "::1"]).count("--server.address") == 1


def test_started_from_another_folder_it_listens_on_loopback_only(home, elsewhere):
    with dashboard(home, cwd=elsewhere, env={"STREAMLIT_SERVER_ADDRESS": "0.0.0.0"}) as url:
        port = urllib.parse.urlparse(url).port
        assert _listening_addresses(port) == {"0100007F"}  # 127.0.0.1, nothing else
        with pytest.raises(OSError), socket.create_connection(("::1", port), timeout=2):
            pass


def test_the_project_secrets_are_read_by_the_apps_path(tmp_path, monkeypatch):
    assert serve.APP.parent / ".streamlit" / "secrets.toml" == connect.PROJECT_SECRETS
    monkeypatch.chdir(tmp_path)
    monkeypatch.delenv("SPOTIFY_CLIENT_ID", raising=False)
    project = tmp_path / "project-secrets.toml"
    project.write_text('[spotify]\nclient_id = "from-the-project"\n')
    monkeypatch.setattr(connect, "PROJECT_SECRETS", project)
    (tmp_path / ".streamlit").mkdir()
    (tmp_path / ".streamlit" / "secrets.toml").write_text('[spotify]\nclient_id = "from-cwd"\n')
    assert connect.load_config().client_id == "from-the-project"


@pytest.mark.browser
def test_started_from_another_folder_it_keeps_the_projects_theme(home, elsewhere):
    with dashboard(home, cwd=elsewhere) as url, browser_page() as page:
        open_page(page, url)
        background = page.locator("[data-testid='stApp']").evaluate(
            "element => getComputedStyle(element).backgroundColor"
        )
        assert background == "rgb(15, 17, 21)"  # #0F1115, .streamlit/config.toml's theme

"""A real dashboard in a real browser: `streamlit run` on a free loopback port, driven by
Playwright in Debian's headless Chromium. Shared by the browser tests and benchmarks."""

from __future__ import annotations

import os
import socket
import subprocess
import sys
import time
import urllib.request
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
CHROMIUM = "/usr/bin/chromium"
CHROMIUM_FLAGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
]
IDLE = "[data-testid='stApp'][data-test-script-state='notRunning']"
SCREENSHOTS = ROOT / "artifacts" / "screenshots"


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


@contextmanager
def dashboard(
    home: Path, *, timeout: float = 120.0, cwd: Path = ROOT, env: dict | None = None
) -> Iterator[str]:
    """Start the dashboard with ``TRACE_HOME=home`` from ``cwd``; yields its base URL."""
    port = free_port()
    env = {**os.environ, "PYTHONPATH": str(ROOT), **(env or {}), "TRACE_HOME": str(home)}
    log = (home / "streamlit.log").open("wb")
    server = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "trace.ui.serve",  # what scripts/dashboard.sh runs
            "--server.port",
            str(port),
            "--server.headless",
            "true",
        ],
        cwd=cwd,
        env=env,
        stdout=log,
        stderr=subprocess.STDOUT,
    )
    url = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + timeout
        while True:
            try:
                with urllib.request.urlopen(f"{url}/_stcore/health", timeout=2) as response:
                    if response.status == 200:
                        break
            except OSError:
                pass
            if server.poll() is not None or time.monotonic() > deadline:
                raise RuntimeError(f"streamlit did not start; see {home / 'streamlit.log'}")
            time.sleep(0.2)
        yield url
    finally:
        server.terminate()
        try:
            server.wait(timeout=10)
        except subprocess.TimeoutExpired:
            server.kill()
        log.close()


@contextmanager
def browser_page() -> Iterator[object]:
    """A Playwright page in headless Chromium, 1400×1000."""
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_FLAGS)
        try:
            context = browser.new_context(viewport={"width": 1400, "height": 1000})
            yield context.new_page()
        finally:
            browser.close()


def open_page(page, url: str, *, timeout_ms: int = 120_000) -> None:
    """Go to ``url`` and wait until the script has run and drawn its title."""
    page.goto(url)
    wait_idle(page, timeout_ms=timeout_ms)


def wait_idle(page, *, timeout_ms: int = 120_000) -> None:
    page.wait_for_selector("h1", timeout=timeout_ms)
    page.wait_for_selector(IDLE, timeout=timeout_ms)
    exceptions = page.locator("[data-testid='stException']")
    if exceptions.count():
        raise AssertionError(exceptions.first.inner_text())


def screenshot(page, name: str) -> Path:
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    path = SCREENSHOTS / f"{name}.png"
    page.wait_for_timeout(1000)  # Vega draws its charts after the script has finished
    page.screenshot(path=str(path), full_page=True)
    return path

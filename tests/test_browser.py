"""The dashboard in a real headless Chromium: every page opens without an exception."""

from __future__ import annotations

import pytest
from audiofiles import make_track
from browser import browser_page, dashboard, open_page, screenshot

from trace import demo
from trace.scan import scan_library
from trace.store import Store

pytestmark = pytest.mark.browser

PAGES = {"library": "", "sources": "sources"}


def test_every_page_opens_in_a_browser(home, music):
    for i, style in enumerate(["Jazz", "Rock", "Ambient"]):
        make_track(
            music / f"{i}.flac", {"title": f"Song {i}", "artist": f"Band {i}", "genre": style}
        )
    (music / "broken.mp3").write_bytes(b"\x00" * 100)
    with Store() as store:
        scan_library([music], store)
        store.set_setting(demo.ACTIVE_SETTING, "1")

    with dashboard(home) as url, browser_page() as page:
        for name, path in PAGES.items():
            open_page(page, f"{url}/{path}")
            screenshot(page, name)
            assert page.locator("h1").first.inner_text() == name.title()
            banner = page.locator("[data-testid='stAlert']").first.inner_text()
            assert "exploring the TRACE demo library" in banner
        open_page(page, url)
        assert (
            page.get_by_text("Song 1").count()
            or page.locator("[data-testid='stDataFrame']").count()
        )
        assert "Tracks" in page.locator("[data-testid='stMetric']").first.inner_text()

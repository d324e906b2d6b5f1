"""The dashboard in a real headless Chromium, on the demo library: every page opens without
an exception, a slider re-clusters, a candidate is approved and lands in the playlist."""

from __future__ import annotations

import re

import pytest
from browser import browser_page, dashboard, open_page, screenshot, wait_idle

from trace.store import Store

pytestmark = pytest.mark.browser

PAGES = {
    "library": ("", "Library"),
    "taste-map": ("taste_map", "Taste map"),
    "recent-interest": ("interest", "Recent interest"),
    "discover": ("discover", "Discover"),
    "sources": ("sources", "Sources"),
}


def metric(page, label: str) -> str:
    box = page.locator("[data-testid='stMetric']").filter(has_text=label).first
    return box.locator("[data-testid='stMetricValue']").inner_text()


def test_every_page_on_the_demo_slider_approve_and_playlist(demo_copy):
    with dashboard(demo_copy) as url, browser_page() as page:
        for name, (path, title) in PAGES.items():
            open_page(page, f"{url}/{path}")  # also straight to a page, as a bookmark does
            assert page.locator("h1").first.inner_text() == title
            banner = page.locator("[data-testid='stAlert']").first.inner_text()
            assert "exploring the TRACE demo library" in banner
            page.wait_for_selector(
                "[data-testid='stVegaLiteChart'], [data-testid='stDataFrame']", timeout=30_000
            )
            screenshot(page, name)

        # Approve the first candidate in the decision editor.
        open_page(page, f"{url}/discover")
        page.get_by_role("tab", name="All candidates").click()
        grid = page.locator("[data-testid='stDataFrame']").first
        box = grid.bounding_box()
        page.mouse.dblclick(box["x"] + 30, box["y"] + 35 + 17)  # first row, Decision cell
        page.wait_for_timeout(500)
        page.keyboard.type("Approve")
        page.keyboard.press("Enter")
        page.wait_for_timeout(1000)
        wait_idle(page)
        approved = page.locator("[data-testid='stDataFrame']").nth(1)
        approved.wait_for(timeout=30_000)

        # Save the playlist into the TRACE home and read it back.
        page.get_by_role("button", name="Save TRACE Discover.m3u8").click()
        page.wait_for_selector("text=Saved 1 track to", timeout=30_000)
        screenshot(page, "discover-approved")

        # A slider: a larger smallest-cluster size can only keep or lower the cluster count.
        open_page(page, f"{url}/taste_map")
        before = int(metric(page, "Clusters"))
        slider = page.get_by_role("slider", name=re.compile(r"^Smallest cluster"))
        slider.focus()
        for _ in range(50):
            page.keyboard.press("ArrowRight")
        page.wait_for_timeout(500)
        wait_idle(page)
        assert slider.get_attribute("aria-valuetext") == "60"
        assert int(metric(page, "Clusters")) < before

    playlist = (demo_copy / "playlists" / "TRACE Discover.m3u8").read_text(encoding="utf-8")
    lines = playlist.splitlines()
    assert lines[0] == "#EXTM3U" and lines[2].startswith("#EXTINF:")
    assert lines[3].endswith((".mp3", ".flac", ".ogg")) and "/demo/new music/" in lines[3]


PLAYABLE = """() => {
    const audio = document.querySelector('audio');
    const caption = [...document.querySelectorAll('p')]
        .find(p => /^\\d+ s from /.test(p.innerText));
    if (!audio || !caption || audio.readyState < 2) return false;
    const stated = parseFloat(caption.innerText);
    return stated >= 5 && stated <= 30 && Math.abs(audio.duration - stated) <= 1;
}"""


def excerpt_plays(page, *, timeout_ms: int = 30_000) -> bool:
    """Wait until the first audio element can play and lasts as long as its caption says
    ("20 s from 0:00: …", at most 30 s)."""
    page.wait_for_function(PLAYABLE, timeout=timeout_ms)
    return True


def test_review_plays_an_excerpt_approves_and_moves_on_and_a_map_click_plays(demo_copy):
    with dashboard(demo_copy) as url, browser_page() as page:
        open_page(page, f"{url}/discover")
        assert excerpt_plays(page)
        first = page.locator("h3").first.inner_text()
        assert page.get_by_text("0 of", exact=False).count()
        page.get_by_role("button", name="Approve").click()
        page.wait_for_function(
            "first => document.querySelector('h3') && "
            "document.querySelector('h3').innerText !== first",
            arg=first,
            timeout=30_000,
        )
        page.get_by_text("1 of", exact=False).first.wait_for(timeout=10_000)
        wait_idle(page)  # the whole page took the decision: the playlist lists it
        assert page.get_by_text("Nothing approved yet.").count() == 0
        assert excerpt_plays(page)
        screenshot(page, "discover-review")
        with Store(demo_copy / "trace.sqlite3") as store:
            decided = store.decisions()
            named = store.frame(
                "SELECT title FROM tracks WHERE id = ?", (int(decided["track_id"].iloc[0]),)
            )
        assert list(decided["decision"]) == ["approved"]
        assert first.endswith(named["title"].iloc[0])

        open_page(page, f"{url}/taste_map")
        chart = page.locator("[data-testid='stVegaLiteChart']").first
        box = chart.bounding_box()
        hit = None
        for fy in [i / 24 for i in range(2, 23)]:  # hover until a tooltip names a track
            for fx in [i / 32 for i in range(2, 31)]:
                x, y = box["x"] + fx * box["width"], box["y"] + fy * min(box["height"], 560)
                page.mouse.move(x, y)
                if page.locator("#vg-tooltip-element.visible").count():
                    hit = (x, y)
                    break
            if hit:
                break
        assert hit, "no point found under the mouse"
        page.mouse.click(*hit)
        page.wait_for_selector("[class*='st-key-map-track']", timeout=30_000)
        wait_idle(page)
        assert excerpt_plays(page)
        screenshot(page, "taste-map-click")

"""The README's screenshots, taken from the demo in a real browser.

    python bench/screenshots.py [--out docs/screenshots] [--home DIR]

Builds a demo TRACE home (or copies ``--home``), starts the dashboard, and saves every page,
the one-at-a-time review and a clicked point on the Taste map as PNGs. The viewport is
tall so that a page's charts are seen whole; look at every picture before committing it.
"""

from __future__ import annotations

import argparse
import os
import shutil
import tempfile
from pathlib import Path

import common
from browser import browser_page, dashboard, open_page

PAGES = {
    "library": "",
    "taste-map": "taste_map",
    "recent-interest": "interest",
    "discover": "discover",
    "sources": "sources",
}
CHART = "[data-testid='stVegaLiteChart']"


def demo_home(into: Path, source: Path | None) -> Path:
    """A TRACE home with the demo installed: a copy of ``source``, or built afresh."""
    home = into / "home"
    if source is not None:
        shutil.copytree(source, home, symlinks=True)
        return home
    from trace.demo.build import install_demo
    from trace.store import Store

    home.mkdir()
    os.environ["TRACE_HOME"] = str(home)
    with Store() as store:
        install_demo(store, workers=2)
    return home


def shoot(page, path: Path) -> None:
    page.wait_for_timeout(1500)  # Vega draws after the script has finished
    page.screenshot(path=str(path))
    print(f"wrote {path}")


def click_a_point(page) -> None:
    """Hover over the Taste map until a tooltip names a track, then click there."""
    box = page.locator(CHART).first.bounding_box()
    for fy in [i / 24 for i in range(2, 23)]:
        for fx in [i / 32 for i in range(2, 31)]:
            x, y = box["x"] + fx * box["width"], box["y"] + fy * min(box["height"], 560)
            page.mouse.move(x, y)
            if page.locator("#vg-tooltip-element.visible").count():
                page.mouse.click(x, y)
                page.wait_for_selector("[class*='st-key-map-track']", timeout=30_000)
                return
    raise RuntimeError("no point found under the mouse")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--out", type=Path, default=common.ROOT / "docs" / "screenshots")
    parser.add_argument("--home", type=Path, help="a demo TRACE home to copy (default: build)")
    parser.add_argument("--height", type=int, default=1500)
    args = parser.parse_args()
    args.out.mkdir(parents=True, exist_ok=True)
    with tempfile.TemporaryDirectory() as scratch:
        home = demo_home(Path(scratch), args.home)
        with dashboard(home, timeout=180) as url, browser_page() as page:
            page.set_viewport_size({"width": 1400, "height": args.height})
            for name, path in PAGES.items():
                open_page(page, f"{url}/{path}")
                if name != "sources":  # the only page without a chart
                    page.wait_for_selector(CHART, timeout=120_000)
                shoot(page, args.out / f"{name}.png")
            open_page(page, f"{url}/discover")
            page.wait_for_selector("audio", timeout=60_000)
            shoot(page, args.out / "review.png")
            open_page(page, f"{url}/taste_map")
            page.wait_for_selector(CHART, timeout=120_000)
            click_a_point(page)
            page.locator("[class*='st-key-map-track']").first.scroll_into_view_if_needed()
            shoot(page, args.out / "taste-map-track.png")


if __name__ == "__main__":
    main()

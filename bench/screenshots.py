"""The README's screenshots, taken from the demo in a real browser.

    python bench/screenshots.py [--out docs/screenshots] [--home DIR]

Builds a demo TRACE home (or copies ``--home``), starts the dashboard, and saves every page,
the one-at-a-time review and a clicked point on the Taste map as PNGs. For the review of a
catalogue candidate, ``discover`` first runs against a local stand-in of Deezer (the tests'
``fake_catalogue``) whose related artists' top tracks are 30 s clips rendered in the
demo's late style: no network is used. The viewport is
tall so that a page's charts are seen whole; look at every picture before committing it.
"""

from __future__ import annotations

import argparse
import os
import shutil
import subprocess
import sys
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


RELATED = {"Neon Relay": 9001, "Pulse Harbor": 9002}


def catalogue_candidates(home: Path) -> int:
    """Run ``discover`` on the demo against a local Deezer whose artists related to the
    interests' play the interest's style; how many candidates it added."""
    import numpy as np
    from fake_catalogue import deezer_track, serve_catalogue

    from trace.analysis import pipeline
    from trace.demo.render import encode
    from trace.demo.styles import SR, STYLES, render
    from trace.sources.catalogue.discover import discover_candidates
    from trace.sources.catalogue.services import Deezer
    from trace.store import Store

    os.environ["TRACE_HOME"] = str(home)
    rng = np.random.default_rng(7)
    with Store() as store, serve_catalogue() as fake, tempfile.TemporaryDirectory() as work:
        artists = pipeline.interest_artists(pipeline.analyse(store))
        for n, artist in enumerate(artists):
            fake.add_artist(8000 + n, artist)
            fake.relate(8000 + n, list(RELATED.values()))
        for name, artist_id in RELATED.items():
            fake.add_artist(artist_id, name, nb_fan=5000)
            for k, title in enumerate(("Afterglow Circuit", "Static Bloom", "Night Ferry")):
                samples, *_ = render(STYLES["electronic"], rng, 30.0)
                clip = Path(work) / f"{artist_id}-{k}.mp3"
                encode(clip, samples, SR, fmt="mp3")
                track = deezer_track(
                    artist_id * 10 + k,
                    artist=name,
                    title=title,
                    artist_id=artist_id,
                    album=f"{name} EP",
                    rank=1000 - k,
                )
                fake.add_deezer(track, clip.read_bytes())
        summary = discover_candidates(
            store, artists, deezer=Deezer(fake.deezer_url), budget=6, workers=2
        )
    print(summary)
    return summary.added


def show_a_catalogue_candidate(page) -> None:
    """Press Later in the review until a catalogue candidate is the one shown."""
    for _ in range(30):
        if page.get_by_text("preview from Deezer").count():
            return
        page.get_by_role("button", name="Later").first.click()
        page.wait_for_timeout(1500)
    raise RuntimeError("no catalogue candidate among the first 30 in the review")


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
        catalogue_candidates(home)
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
            show_a_catalogue_candidate(page)
            shoot(page, args.out / "review-catalogue.png")
            open_page(page, f"{url}/taste_map")
            page.wait_for_selector(CHART, timeout=120_000)
            click_a_point(page)
            page.locator("[class*='st-key-map-track']").first.scroll_into_view_if_needed()
            shoot(page, args.out / "taste-map-track.png")
            open_page(page, f"{url}/interest")
            page.wait_for_selector(CHART, timeout=120_000)
            page.get_by_text("The hours of your day").first.evaluate(
                "e => e.scrollIntoView({block: 'start'})"
            )
            shoot(page, args.out / "recent-interest-hours.png")
        report_shot(home, Path(scratch) / "report.html", args.out / "report.png")


def report_shot(home: Path, html: Path, out: Path) -> None:
    """``python -m trace report`` on the demo, opened offline, its top 2,400 px."""
    env = {**os.environ, "TRACE_HOME": str(home), "PYTHONPATH": str(common.ROOT)}
    subprocess.run(
        [sys.executable, "-m", "trace", "report", str(html), "--timezone", "Europe/Berlin"],
        env=env,
        check=True,
        capture_output=True,
    )
    with browser_page() as page:
        page.context.set_offline(True)
        page.set_viewport_size({"width": 1100, "height": 2400})
        page.goto(html.as_uri())
        drawn = "c => c.querySelector('svg .role-mark')"
        page.wait_for_function(f"[...document.querySelectorAll('.chart')].every({drawn})")
        shoot(page, out)


if __name__ == "__main__":
    main()

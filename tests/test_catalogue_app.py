"""The catalogue on the Sources page: off until the person turns it on, saying what it
sends; then the previews run in the background against a local fake of Deezer and iTunes
and the page says what they found."""

from __future__ import annotations

import time
from pathlib import Path

from fake_catalogue import deezer_track, mp3_clip, serve_catalogue
from streamlit.testing.v1 import AppTest

from trace.library.identity import Identity, track_for
from trace.sources.catalogue.consent import enabled
from trace.ui import catalogue as catalogue_ui

ROOT = Path(__file__).resolve().parent.parent


def sources_page() -> AppTest:
    app = AppTest.from_file(str(ROOT / "streamlit_app.py"), default_timeout=180)
    app.run()
    app.switch_page("app_pages/sources.py").run()
    assert not app.exception, app.exception
    return app


def labels(app: AppTest) -> list[str]:
    return [b.label for b in app.button]


def test_the_catalogue_is_off_until_turned_on_then_hears_in_the_background(store, monkeypatch):
    with store.batch():
        for n, (artist, title) in enumerate([("Nova", "Drift"), ("Nobody", "Nothing")]):
            identity = Identity(title=title, artists=[artist], uri=f"spotify:track:{n:022d}")
            track_for(store, identity, None)
    with serve_catalogue() as fake:
        fake.add_deezer(deezer_track(7, artist="Nova", title="Drift"), mp3_clip(30.0))
        monkeypatch.setenv("TRACE_DEEZER_API_URL", fake.deezer_url)
        monkeypatch.setenv("TRACE_ITUNES_API_URL", fake.itunes_url)
        try:
            app = sources_page()
            text = " ".join(m.value for m in app.markdown)
            assert "Nothing is sent until you turn this on" in text
            assert (
                "Of 2 tracks without a file: 0 tracks heard through a preview; 2 not looked up yet"
                in text
            )
            assert "Hear the tracks without a file" not in labels(app)
            assert fake.requests == []

            app.toggle(key="catalogue-on").set_value(True).run()
            assert enabled(store)
            hear = next(b for b in app.button if b.label == "Hear the tracks without a file")
            hear.click().run()
            deadline = time.monotonic() + 240
            while catalogue_ui._running() is not None and time.monotonic() < deadline:
                time.sleep(1)
            app.run()
            assert not app.exception, app.exception
            said = " ".join(s.value for s in app.success)
            assert "Previews: 1 found (1 by Deezer search); 1 not found" in said
            text = " ".join(m.value for m in app.markdown)
            assert "1 track heard through a preview" in text
            assert "1 not in the catalogue" in text
        finally:
            for job in catalogue_ui._jobs().values():
                job.kill()
            catalogue_ui._jobs().clear()

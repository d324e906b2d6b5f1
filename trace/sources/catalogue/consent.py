"""Whether the person has turned the catalogue on: nothing is sent to Deezer or iTunes
before they do (on Sources; the ``previews`` and ``discover`` commands turn it on for
their run). What is sent: a track's artist, title and ISRC, and the artists whose
related artists TRACE looks for."""

from __future__ import annotations

from trace.store import Store

SETTING = "catalogue.enabled"
SENT = "the artist, title and ISRC of each track without a file, and the artists of your interests"


def enabled(store: Store) -> bool:
    return store.get_setting(SETTING, "off") == "on"


def set_enabled(store: Store, on: bool) -> None:
    store.set_setting(SETTING, "on" if on else "off")

"""Players: a local track as a short cached excerpt, a Spotify track in Spotify's own
embed player, and a plain word where there is nothing to play."""

from __future__ import annotations

import contextlib
import threading
from collections.abc import Iterable

import pandas as pd
import streamlit as st

from trace.audio.decode import DecodeFailure
from trace.audio.excerpt import MIME, excerpt
from trace.sources.catalogue.clips import preview_of
from trace.store import Store
from trace.ui.charts import minutes_seconds

SPOTIFY_TRACK = "spotify:track:"
EMBED_HEIGHT = 152


def spotify_id(location: object) -> str | None:
    """The track id of a ``spotify:track:…`` URI, else ``None``."""
    text = str(location or "")
    return text.removeprefix(SPOTIFY_TRACK) if text.startswith(SPOTIFY_TRACK) else None


SERVICE_NAMES = {"deezer": "Deezer", "itunes": "Apple Music"}
CLIP_FORMAT = {".mp3": "audio/mpeg", ".m4a": "audio/mp4"}


def player(location: object, *, label: str = "", track_id: int | None = None) -> bool:
    """A player for a path or Spotify URI (``label`` above it); whether one is shown.

    A track without a file that is heard through a catalogue preview (``track_id`` given)
    plays that very clip — the audio TRACE analysed — with links to the track on the
    catalogue and on Spotify."""
    if label:
        st.markdown(label)
    is_file = bool(location) and isinstance(location, str) and not spotify_id(location)
    if track_id is not None and not is_file and _preview_player(track_id, location):
        return True
    return _player(location)


def _preview_player(track_id: int, location: object) -> bool:
    with Store() as store:
        preview = preview_of(store, track_id)
    if preview is None:
        return False
    service = SERVICE_NAMES.get(preview["service"], preview["service"])
    if preview["path"] is not None:
        st.audio(preview["path"].read_bytes(), format=CLIP_FORMAT.get(preview["path"].suffix))
        st.caption(f"The 30 s preview from {service} that TRACE analysed.")
    else:
        st.info(
            f"The {service} preview TRACE analysed is no longer kept on this machine; "
            "open the track there to hear it.",
            icon=":material/music_off:",
        )
    links = st.columns(2)
    if preview["link"]:
        links[0].link_button(f"Open on {service}", preview["link"], icon=":material/open_in_new:")
    if spotify_id(location):
        links[1].link_button(
            "Open in Spotify",
            f"https://open.spotify.com/track/{spotify_id(location)}",
            icon=":material/open_in_new:",
        )
    return True


def _player(location: object) -> bool:
    track_id = spotify_id(location)
    if track_id:
        st.iframe(f"https://open.spotify.com/embed/track/{track_id}", height=EMBED_HEIGHT)
        st.link_button(
            "Open in Spotify",
            f"https://open.spotify.com/track/{track_id}",
            icon=":material/open_in_new:",
        )
        return True
    if not location or (isinstance(location, float) and location != location):
        st.info(
            "Nothing to play: no local file and no Spotify id for this track.",
            icon=":material/music_off:",
        )
        return False
    try:
        made = excerpt(str(location))
    except DecodeFailure as failure:
        st.warning(
            f"This file cannot be played ({failure.reason}"
            + (f": {failure.detail}" if failure.detail else "")
            + ").",
            icon=":material/error:",
        )
        return False
    st.audio(made.read(), format=MIME)
    st.caption(  # whole seconds, as the player counts them
        f"{int(made.seconds)} s from {minutes_seconds(made.start)}: the part most like the "
        "rest of the track."
    )
    return True


def prefetch(locations: Iterable[object]) -> None:
    """Make the excerpts of the local files among ``locations`` in the background, so
    the next candidate plays at once."""
    paths = [str(p) for p in locations if p and not spotify_id(p) and isinstance(p, str)]
    if paths:
        threading.Thread(target=_make_all, args=(paths,), daemon=True).start()


def _make_all(paths: list[str]) -> None:
    for path in paths:
        with contextlib.suppress(DecodeFailure):  # said when the person gets there
            excerpt(path)


def track_details(table: pd.DataFrame, track_id: int | None) -> None:
    """The clicked track of ``table`` (tracks × features, with ``id``): who, what, a few
    of its numbers and a player. Nothing when no track is clicked."""
    rows = table[table["id"] == track_id] if track_id is not None else table.iloc[:0]
    if rows.empty:
        return
    track = rows.iloc[0]
    with st.container(border=True, key="map-track"):
        st.markdown(f"**{track['artist'] or 'Unknown artist'} – {track['title']}**")
        facts = [str(track[c]) for c in ("album", "genre") if track.get(c)]
        for feature, shown in (("tempo", "{:.0f} BPM"), ("energy", "energy {:.2f}")):
            if pd.notna(track.get(f"f_{feature}")):
                facts.append(shown.format(float(track[f"f_{feature}"])))
        if track.get("feature_source") == "preview":
            facts.append("heard through a 30 s preview (one excerpt: its tempo is less sure)")
        st.caption(" · ".join(facts))
        location = track.get("path")
        if not isinstance(location, str) or not location:
            location = track.get("spotify_uri")
        player(location, track_id=int(track["id"]))

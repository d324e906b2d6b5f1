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
from trace.ui.charts import minutes_seconds

SPOTIFY_TRACK = "spotify:track:"
EMBED_HEIGHT = 152


def spotify_id(location: object) -> str | None:
    """The track id of a ``spotify:track:…`` URI, else ``None``."""
    text = str(location or "")
    return text.removeprefix(SPOTIFY_TRACK) if text.startswith(SPOTIFY_TRACK) else None


def player(location: object, *, label: str = "") -> bool:
    """A player for a path or Spotify URI (``label`` above it); whether one is shown."""
    if label:
        st.markdown(label)
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
        st.caption(" · ".join(facts))
        location = track.get("path")
        if not isinstance(location, str) or not location:
            location = track.get("spotify_uri")
        player(location)

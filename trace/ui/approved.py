"""The approved candidates as a playlist: kept or dropped, ordered, downloaded, saved as
M3U8 or pushed to Spotify."""

from __future__ import annotations

import json
from pathlib import Path

import pandas as pd
import streamlit as st

from trace import config
from trace.analysis.order import (
    CURVES,
    HARMONIC,
    compatible_share,
    order_tracks,
    random_share,
)
from trace.analysis.pipeline import Inputs
from trace.playlist import ORDER_SETTING, m3u8, saved_order, web_links, write_m3u8
from trace.store import Store
from trace.ui import charts, data, spotify

ORDER_LABELS = {
    "": "As approved",
    "tempo": "Tempo",
    "energy": "Energy",
    HARMONIC: "Harmonic mixing (key and tempo)",
}


def approved_tracks() -> pd.DataFrame:
    """The approved candidates' track rows, as stored."""
    database, fingerprint = data.library_key()
    with Store() as store:
        decided = store.decisions()
    approved = decided.loc[decided["decision"] == "approved", "track_id"]
    tracks = data.tracks(database, fingerprint, candidates=True).set_index("id")
    return tracks.loc[tracks.index.intersection(approved)].reset_index()


def playlist_section(keys: Inputs) -> None:
    """The approved tracks, their order, and every way out of TRACE."""
    chosen = approved_tracks()
    if chosen.empty:
        st.caption("Nothing approved yet.")
        return
    chosen = playlist_order(chosen)
    keep = st.data_editor(
        pd.DataFrame(
            {
                "Keep": True,
                "Artist": chosen["artist"],
                "Title": chosen["title"],
                "Length": chosen["duration"].map(charts.minutes_seconds),
                "File": chosen["path"],
            }
        ),
        key=f"approved-{keys.decisions}",
        hide_index=True,
        width="stretch",
        disabled=["Artist", "Title", "Length", "File"],
    )
    dropped = chosen.loc[~keep["Keep"].to_numpy(), "id"]
    if len(dropped):
        with Store() as store:
            for track_id in dropped:
                store.decide(int(track_id), None)
        st.rerun()
    downloads(chosen)
    save_form(chosen)
    spotify.push_form(len(chosen), order=[int(i) for i in chosen["id"]])


def playlist_order(chosen: pd.DataFrame) -> pd.DataFrame:
    """The approved tracks in the order chosen here (saved for the weekly job too)."""
    with Store() as store:
        saved_by, saved_curve = saved_order(store)
    left, right = st.columns(2)
    by = left.selectbox(
        "Order the playlist by",
        list(ORDER_LABELS),
        index=list(ORDER_LABELS).index(saved_by) if saved_by in ORDER_LABELS else 0,
        format_func=ORDER_LABELS.get,
    )
    curve = right.selectbox(
        "Curve",
        CURVES,
        index=CURVES.index(saved_curve) if saved_curve in CURVES else 0,
        disabled=not by or by == HARMONIC,
        help="Rising, falling, or steady (each step to the nearest value); never the same "
        "artist twice in a row where it can be avoided.",
    )
    if (by, curve) != (saved_by, saved_curve):
        with Store() as store:
            store.set_setting(ORDER_SETTING, json.dumps({"by": by, "curve": curve}))
    if not by:
        return chosen
    database, fingerprint = data.library_key()
    table = data.features(database, fingerprint, candidates=True).set_index("id")
    features = table.loc[chosen["id"], [c for c in table.columns if c.startswith("f_")]]
    ordered, repeats = order_tracks(
        chosen.join(features.reset_index(drop=True)), by=by, curve=curve
    )
    if repeats:
        st.caption(f"{charts.plural(repeats, 'same-artist neighbour')} could not be avoided.")
    if by == HARMONIC:
        st.caption(harmonic_note(ordered))
    return ordered[chosen.columns]


def harmonic_note(ordered: pd.DataFrame) -> str:
    """What share of the neighbours mix in key, against a random order and the tempo curve."""
    share, pairs = compatible_share(ordered)
    if not pairs:
        return "No two neighbours both have a key TRACE is sure of: ordered by tempo alone."
    by_tempo, _ = compatible_share(order_tracks(ordered, by="tempo", curve="steady")[0])
    return (
        f"{share:.0%} of the {pairs} neighbouring pairs whose keys TRACE is sure of mix in key "
        f"(the same key, one step round the Camelot wheel, or the relative major/minor); "
        f"a random order would give about {random_share(ordered):.0%}, the steady tempo "
        f"curve {by_tempo:.0%}. Unsure keys and tempi are placed by the rest."
    )


def downloads(chosen: pd.DataFrame) -> None:
    left, right = st.columns(2)
    left.download_button(
        "Download the playlist (M3U8, absolute paths)",
        m3u8(chosen, name="TRACE Discover").text,
        file_name="trace-discover.m3u8",
        mime="audio/x-mpegurl",
    )
    spotify_links = [
        next((u for u in web_links(row) if "spotify.com" in u), "") for row in chosen.itertuples()
    ]
    table = chosen[["artist", "title", "album", "duration", "path", "isrc"]].assign(
        spotify=spotify_links, catalogue=chosen["catalogue_link"].fillna("")
    )
    right.download_button(
        "Download as CSV",
        table.to_csv(index=False),
        file_name="trace-discover.csv",
        mime="text/csv",
    )


def save_form(chosen: pd.DataFrame) -> None:
    """A folder box and a button that writes ``TRACE Discover.m3u8`` there."""
    with st.form("save-playlist"):
        folder = st.text_input("Save into folder", value=str(config.home() / "playlists"))
        relative = st.toggle("Paths relative to that folder (for players on other machines)")
        if not st.form_submit_button("Save TRACE Discover.m3u8"):
            return
    target = Path(folder).expanduser()
    try:
        target.mkdir(parents=True, exist_ok=True)
        written = write_m3u8(
            chosen, target / "TRACE Discover.m3u8", relative=relative, name="TRACE Discover"
        )
    except OSError as error:
        st.error(f"Could not save the playlist in {target}: {error.strerror or error}")
        return
    note = f" {written.as_links} without a local file as web links." if written.as_links else ""
    if written.without_file:
        note += f" {written.without_file} with neither a file nor a link left out."
    saved = charts.plural(written.written, "track")
    st.success(f"Saved {saved} to {target / 'TRACE Discover.m3u8'}.{note}")

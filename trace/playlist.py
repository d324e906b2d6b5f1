"""Playlists as files: extended M3U in UTF-8 (``.m3u8``), the format players share.

Each entry is an ``#EXTINF:seconds,Artist - Title`` line followed by the file's path —
absolute, or relative to the folder the playlist is saved in (so a music folder and its
playlists can move together). A track without a local file (a Spotify track, a
catalogue candidate) is written as its web address — Spotify's, else the catalogue's —
after a comment line with its ISRC and links, so a player that opens URLs plays it and
a person can find it; one with none of these is left out and counted.
"""

from __future__ import annotations

import json
import math
import os
from dataclasses import dataclass
from pathlib import Path

import pandas as pd

from trace.analysis.order import order_tracks
from trace.analysis.table import feature_table
from trace.store import Store


@dataclass(frozen=True, slots=True)
class Playlist:
    text: str
    written: int
    without_file: int  # left out: no file and no address
    as_links: int = 0  # written as a web address, having no file


def web_links(row: object) -> list[str]:
    """A track's addresses on the web: Spotify's, then the catalogue's."""
    links = []
    uri = getattr(row, "spotify_uri", None)
    if isinstance(uri, str) and uri.startswith("spotify:track:"):
        links.append("https://open.spotify.com/track/" + uri.removeprefix("spotify:track:"))
    link = getattr(row, "catalogue_link", None)
    if isinstance(link, str) and link.startswith("http"):
        links.append(link)
    return links


def m3u8(tracks: pd.DataFrame, *, relative_to: Path | None = None, name: str = "") -> Playlist:
    """The playlist of ``tracks`` (columns ``path``, ``artist``, ``title``, ``duration``),
    in their order. With ``relative_to``, paths are relative to that folder."""
    lines = ["#EXTM3U"]
    if name:
        lines.append(f"#PLAYLIST:{_one_line(name)}")
    written = without = links = 0
    for row in tracks.itertuples(index=False):
        path = getattr(row, "path", None)
        comment = []
        if isinstance(path, str) and path:
            if relative_to is not None:
                path = os.path.relpath(path, relative_to)
        else:
            addresses = web_links(row)
            if not addresses:
                without += 1
                continue
            isrc = getattr(row, "isrc", None)
            facts = [f"ISRC {isrc}"] if isinstance(isrc, str) and isrc else []
            comment = [f"# no local file: {' · '.join([*facts, *addresses])}"]
            path = addresses[0]
            links += 1
        duration = getattr(row, "duration", None)
        known = isinstance(duration, int | float) and math.isfinite(duration)
        seconds = round(duration) if known else -1
        label = f"{_one_line(getattr(row, 'artist', '') or '')} - {_one_line(row.title or '')}"
        lines += [*comment, f"#EXTINF:{seconds},{label.strip(' -')}", path]
        written += 1
    return Playlist("\n".join(lines) + "\n", written, without, links)


def _one_line(text: str) -> str:
    return " ".join(str(text).split())


def write_m3u8(
    tracks: pd.DataFrame, path: Path, *, relative: bool = False, name: str = ""
) -> Playlist:
    """Write the playlist to ``path`` (atomically: a half-written playlist never replaces
    a good one)."""
    playlist = m3u8(tracks, relative_to=path.parent.resolve() if relative else None, name=name)
    partial = path.with_name(f".{path.name}.partial")
    partial.write_text(playlist.text, encoding="utf-8")
    os.replace(partial, path)
    return playlist


ORDER_SETTING = "playlist.order"
"""Saved choice of playlist order: ``{"by": "tempo" | "energy" | "", "curve": …}``."""


def saved_order(store: Store) -> tuple[str, str]:
    """``(by, curve)`` saved from the dashboard; ``("", "rising")`` keeps approval order."""
    chosen = json.loads(store.get_setting(ORDER_SETTING, "{}") or "{}")
    return str(chosen.get("by", "")), str(chosen.get("curve", "rising"))


def approved_tracks(
    store: Store, *, extractor: str, by: str = "", curve: str = "rising"
) -> tuple[pd.DataFrame, int]:
    """The approved tracks (with their features), oldest approval first — or along the
    ``by`` feature's ``curve`` with no artist twice in a row (:mod:`trace.analysis.order`); and
    how many same-artist neighbours could not be avoided."""
    decided = store.decisions()
    approved = decided[decided["decision"] == "approved"].iloc[::-1]["track_id"].astype(int)
    table = (
        pd.concat(
            [feature_table(store, extractor=extractor, candidates=flag) for flag in (True, False)],
            ignore_index=True,
        )
        .drop_duplicates("id")
        .set_index("id")
    )
    chosen = table.loc[[i for i in approved if i in table.index]].reset_index()
    if not by or chosen.empty:
        return chosen, 0
    return order_tracks(chosen, by=by, curve=curve)

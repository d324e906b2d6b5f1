"""Readable names for tracks whose tags say little: what the path says instead.

A half-tagged library is full of files named ``track18.ogg`` or ``17 - Love Theme.flac``
in a folder that names the game, the album or the artist. Where a track has no artist
tag its folder stands in — the nearest one that names something, not ``music``, ``ogg``
or ``CD1`` — where it has no album tag the same folder does, and a title taken from a
file name loses its track number. Only what is shown changes: the store keeps the tags
as they are.
"""

from __future__ import annotations

import re
from pathlib import PurePath

import pandas as pd

GENERIC_FOLDERS = frozenset(
    {
        "music",
        "musik",
        "musique",
        "audio",
        "songs",
        "song",
        "tracks",
        "track",
        "soundtrack",
        "soundtracks",
        "ost",
        "bgm",
        "mp3",
        "ogg",
        "flac",
        "opus",
        "m4a",
        "aac",
        "wav",
        "aiff",
        "media",
        "files",
        "data",
        "sound",
        "sounds",
        "sfx",
        "downloads",
        "download",
        "new",
        "misc",
        "other",
        "various",
        "unknown",
        "singles",
        "albums",
        "library",
        "collection",
        "share",
        "usr",
        "local",
        "home",
        "games",
        "game",
    }
)
_NUMBERED_FOLDER = re.compile(r"^(cd|disc|disk|side|part|vol|volume)[\s._-]*\d+$", re.I)
_TRACK_NUMBER = re.compile(r"^\s*(?:(?:\d{1,3}|[A-D]\d{1,2})\s*[-._)]\s*|\d{2,3}\s+)(?=\S)")


def folder_name(path: object) -> str | None:
    """The nearest of the two folders above ``path`` that names something, or ``None``."""
    if not isinstance(path, str) or not path:
        return None
    for part in reversed(PurePath(path).parent.parts[-2:]):
        bare = part.strip()
        words = re.sub(r"[\W_]+", " ", bare).casefold().split()
        if not words or _NUMBERED_FOLDER.match(bare) or set(words) <= GENERIC_FOLDERS:
            continue
        if bare in ("/", "\\") or bare.endswith(":\\"):
            continue
        return bare.replace("_", " ")
    return None


def bare_title(title: object) -> object:
    """A title taken from a file name, without its leading track number."""
    if not isinstance(title, str):
        return title
    stripped = _TRACK_NUMBER.sub("", title)
    return stripped if stripped.strip() else title


PLACEHOLDERS = frozenset(
    {"", "(none)", "none", "<unknown>", "unknown", "unknown artist", "unknown album", "???", "-"}
)
"""Tag values that say nothing (written by rippers and players): read as missing."""


def _blank(values: pd.Series) -> pd.Series:
    text = values.fillna("").astype(str).str.strip()
    return text.str.casefold().isin(PLACEHOLDERS)


def _without_placeholder_genres(frame: pd.DataFrame) -> pd.DataFrame:
    """The genre lists ("; "-joined) without values that say nothing ("(None)")."""
    if "genre" not in frame:
        return frame
    genres = frame["genre"].fillna("").astype(str)
    odd = genres.str.casefold().str.contains(r"\(none\)|<unknown>|\?\?\?|^unknown$", regex=True)
    if not odd.any():
        return frame
    out = frame.copy()
    out.loc[odd, "genre"] = genres[odd].map(
        lambda text: "; ".join(
            g for g in text.split("; ") if g.strip().casefold() not in PLACEHOLDERS
        )
    )
    return out


def readable_names(frame: pd.DataFrame) -> pd.DataFrame:
    """``frame`` (columns ``artist``, ``album``, ``title``, ``path``) with an untagged
    track's artist and album (missing, or a placeholder such as "<Unknown>" or "???")
    filled from its folder and its title without the track number; rows with tags are
    left as they are."""
    if frame.empty or "path" not in frame:
        return frame
    frame = _without_placeholder_genres(frame)
    no_artist = _blank(frame["artist"])
    no_album = _blank(frame["album"])
    if not (no_artist.any() or no_album.any()):
        return frame
    out = frame.copy()
    folders = out["path"].where(no_artist | no_album).map(folder_name)
    out.loc[no_artist, "artist"] = folders[no_artist].fillna("").to_numpy()
    out.loc[no_album, "album"] = folders[no_album].to_numpy()
    from_file = no_artist & out["path"].notna()
    out.loc[from_file, "title"] = out.loc[from_file, "title"].map(bare_title)
    return out

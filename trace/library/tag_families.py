"""One function per tag family (ID3, Vorbis comments, MP4 atoms) into one :class:`Tags`."""

from __future__ import annotations

import re
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass
from typing import Any

from mutagen.id3 import ID3
from mutagen.mp4 import MP4FreeForm, MP4Tags

from trace.library.text import clean_text, clean_values, parse_number_pair, year_of


@dataclass(frozen=True, slots=True)
class Tags:
    """Tag values in one shape whatever the tag family. Missing values are ``None``."""

    title: str | None = None
    artists: tuple[str, ...] = ()
    album: str | None = None
    album_artist: str | None = None
    genres: tuple[str, ...] = ()
    date: str | None = None
    year: int | None = None
    track_number: int | None = None
    track_total: int | None = None
    disc_number: int | None = None
    disc_total: int | None = None
    isrc: str | None = None
    label: str | None = None
    comment: str | None = None
    rating: float | None = None
    """0–1: POPM/255 or FMPS_Rating; ``None`` when unrated."""
    play_count: int | None = None
    recording_mbid: str | None = None
    """MusicBrainz recording id (Picard's "track id"): the same recording everywhere."""
    release_mbid: str | None = None
    artist_mbids: tuple[str, ...] = ()
    titles: tuple[str, ...] = ()
    """Every title value, when a file holds several (some rippers write a whole album's)."""


_MBID = re.compile(r"[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}")


def musicbrainz_ids(values: Iterable[object]) -> tuple[str, ...]:
    """The MusicBrainz ids (UUIDs, lower case) in tag or export values, in order.

    One value may hold several ids ("id1/id2" in ID3 v2.3, "id1; id2" elsewhere);
    anything that is not a UUID is left out rather than stored as an identity.
    """
    found: dict[str, None] = {}
    for value in values:
        if isinstance(value, bytes):
            value = value.decode("ascii", "replace")
        for mbid in _MBID.findall(str(value or "").lower()):
            found.setdefault(mbid, None)
    return tuple(found)


def musicbrainz_id(value: object) -> str | None:
    """The one MusicBrainz id in ``value``, or ``None``."""
    ids = musicbrainz_ids([value])
    return ids[0] if ids else None


def _first(values: tuple[str, ...]) -> str | None:
    return values[0] if values else None


def _unit_interval(value: object) -> float | None:
    try:
        number = float(clean_text(value) or "nan")
    except ValueError:
        return None
    return number if 0.0 < number <= 1.0 else None


def _count(value: object) -> int | None:
    try:
        number = int(float(clean_text(value) or "nan"))
    except (ValueError, OverflowError):
        return None
    return number if number >= 0 else None


def _build(get: Callable[[str], tuple[str, ...]], **overrides: Any) -> Tags:
    """Tags from a getter of cleaned values by Vorbis-style field name."""
    date = _first(get("date")) or _first(get("year"))
    track_number, track_total = parse_number_pair(_first(get("tracknumber")))
    disc_number, disc_total = parse_number_pair(_first(get("discnumber")))
    values: dict[str, Any] = {
        "title": _first(get("title")),
        "titles": get("title"),
        "artists": get("artist"),
        "album": _first(get("album")),
        "album_artist": _first(get("albumartist")),
        "genres": get("genre"),
        "date": date,
        "year": year_of(date),
        "track_number": track_number,
        "track_total": track_total or _count(_first(get("tracktotal"))),
        "disc_number": disc_number,
        "disc_total": disc_total or _count(_first(get("disctotal"))),
        "isrc": _first(get("isrc")),
        "label": _first(get("label")),
        "comment": _first(get("comment")),
        "rating": _unit_interval(_first(get("fmps_rating"))),
        "play_count": _count(_first(get("fmps_playcount"))),
        "recording_mbid": musicbrainz_id(_first(get("musicbrainz_trackid"))),
        "release_mbid": musicbrainz_id(_first(get("musicbrainz_albumid"))),
        "artist_mbids": musicbrainz_ids(get("musicbrainz_artistid")),
    }
    values.update({k: v for k, v in overrides.items() if v not in (None, ())})
    return Tags(**values)


_VORBIS_ALIASES = {
    "albumartist": ("albumartist", "album artist", "album_artist"),
    "label": ("label", "organization", "publisher"),
    "comment": ("comment", "description"),
    "tracktotal": ("tracktotal", "totaltracks"),
    "disctotal": ("disctotal", "totaldiscs"),
}


def vorbis_tags(raw: Mapping[str, list[str]]) -> Tags:
    """Tags from Vorbis comments (FLAC, Ogg Vorbis, Opus); keys are case-insensitive."""
    lowered: dict[str, list[str]] = {}
    for key, value in raw.items():
        lowered.setdefault(str(key).lower(), []).extend(value)

    def get(name: str) -> tuple[str, ...]:
        for alias in _VORBIS_ALIASES.get(name, (name,)):
            if lowered.get(alias):
                return clean_values(lowered[alias])
        return ()

    return _build(get)


_ID3_FRAMES = {
    "title": "TIT2",
    "artist": "TPE1",
    "album": "TALB",
    "albumartist": "TPE2",
    "date": "TDRC",
    "year": "TYER",
    "tracknumber": "TRCK",
    "discnumber": "TPOS",
    "isrc": "TSRC",
    "label": "TPUB",
    "fmps_rating": "TXXX:FMPS_Rating",
    "fmps_playcount": "TXXX:FMPS_Playcount",
    "musicbrainz_albumid": "TXXX:MusicBrainz Album Id",
    "musicbrainz_artistid": "TXXX:MusicBrainz Artist Id",
}
MUSICBRAINZ_UFID = "http://musicbrainz.org"
"""The UFID owner under which Picard stores the recording id in ID3."""


def _id3_recording(raw: ID3) -> str | None:
    ufids = [frame.data for frame in raw.getall("UFID") if frame.owner == MUSICBRAINZ_UFID]
    texts = [t for frame in raw.getall("TXXX:MusicBrainz Track Id") for t in frame.text]
    return _first(musicbrainz_ids([*ufids, *texts]))


def id3_tags(raw: ID3) -> Tags:
    """Tags from ID3 (v1, v2.3, v2.4), as in MP3, WAV and AIFF files."""

    def get(name: str) -> tuple[str, ...]:
        if name == "genre":
            return clean_values(g for frame in raw.getall("TCON") for g in frame.genres)
        if name == "comment":
            frames = sorted(raw.getall("COMM"), key=lambda f: f.desc != "")
            return clean_values(t for frame in frames for t in frame.text)
        frame_id = _ID3_FRAMES.get(name)
        if frame_id is None:
            return ()
        return clean_values(str(t) for frame in raw.getall(frame_id) for t in frame.text)

    ratings = [frame.rating / 255 for frame in raw.getall("POPM") if frame.rating]
    popm_counts = [getattr(frame, "count", 0) for frame in raw.getall("POPM")]
    play_counts = [frame.count for frame in raw.getall("PCNT")] or [c for c in popm_counts if c]
    return _build(
        get,
        rating=max(ratings) if ratings else None,
        play_count=max(play_counts) if play_counts else None,
        recording_mbid=_id3_recording(raw),
    )


_MP4_ATOMS = {
    "title": "\xa9nam",
    "artist": "\xa9ART",
    "album": "\xa9alb",
    "albumartist": "aART",
    "genre": "\xa9gen",
    "date": "\xa9day",
    "comment": "\xa9cmt",
    "isrc": "----:com.apple.iTunes:ISRC",
    "label": "----:com.apple.iTunes:LABEL",
    "fmps_rating": "----:com.apple.iTunes:FMPS_Rating",
    "fmps_playcount": "----:com.apple.iTunes:FMPS_Playcount",
    "musicbrainz_trackid": "----:com.apple.iTunes:MusicBrainz Track Id",
    "musicbrainz_albumid": "----:com.apple.iTunes:MusicBrainz Album Id",
    "musicbrainz_artistid": "----:com.apple.iTunes:MusicBrainz Artist Id",
}


def mp4_tags(raw: MP4Tags) -> Tags:
    """Tags from MP4/M4A atoms, including iTunes free-form ones."""

    def get(name: str) -> tuple[str, ...]:
        atom = _MP4_ATOMS.get(name)
        values = raw.get(atom, []) if atom else []
        return clean_values(
            bytes(v).decode("utf-8", "replace") if isinstance(v, MP4FreeForm) else v for v in values
        )

    track = (raw.get("trkn") or [(None, None)])[0]
    disc = (raw.get("disk") or [(None, None)])[0]
    return _build(
        get,
        track_number=track[0] or None,
        track_total=track[1] or None,
        disc_number=disc[0] or None,
        disc_total=disc[1] or None,
    )

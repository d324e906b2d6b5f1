"""Writing tags: the inverse of :mod:`trace.library.tag_families`, used by the demo library."""

from __future__ import annotations

from pathlib import Path

import mutagen
from mutagen.id3 import COMM, ID3, POPM, TALB, TCON, TDRC, TIT2, TPE1, TPE2, TPUB, TRCK, TXXX
from mutagen.mp3 import MP3

from trace.library.tag_families import Tags


def write_tags(path: Path, tags: Tags) -> None:
    """Write ``tags`` into the MP3, FLAC or Ogg file at ``path`` (ID3v2.4 or Vorbis).

    The format is read from the file, not its name.
    """
    if isinstance(mutagen.File(path), MP3):
        _write_id3(path, tags)
    else:
        _write_vorbis(path, tags)


def _write_id3(path: Path, tags: Tags) -> None:
    id3 = ID3()
    text_frames = (
        (TIT2, [tags.title]),
        (TPE1, list(tags.artists)),
        (TALB, [tags.album]),
        (TPE2, [tags.album_artist]),
        (TCON, list(tags.genres)),
        (TDRC, [tags.date]),
        (
            TRCK,
            [f"{tags.track_number}/{tags.track_total}" if tags.track_total else tags.track_number],
        ),
        (TPUB, [tags.label]),
    )
    for frame, values in text_frames:
        values = [str(v) for v in values if v]
        if values:
            id3.add(frame(encoding=3, text=values))
    if tags.comment:
        id3.add(COMM(encoding=3, lang="eng", desc="", text=[tags.comment]))
    if tags.rating is not None:
        id3.add(POPM(email="trace", rating=round(tags.rating * 255), count=tags.play_count or 0))
    if tags.play_count is not None:
        id3.add(TXXX(encoding=3, desc="FMPS_Playcount", text=[str(tags.play_count)]))
    id3.save(path, v2_version=4)


def _write_vorbis(path: Path, tags: Tags) -> None:
    audio = mutagen.File(path)
    if audio is None:
        raise ValueError(f"{path} is not a file mutagen can tag")
    if audio.tags is None:
        audio.add_tags()
    fields = {
        "title": [tags.title],
        "artist": list(tags.artists),
        "album": [tags.album],
        "albumartist": [tags.album_artist],
        "genre": list(tags.genres),
        "date": [tags.date],
        "tracknumber": [tags.track_number],
        "tracktotal": [tags.track_total],
        "label": [tags.label],
        "comment": [tags.comment],
        "fmps_rating": [tags.rating],
        "fmps_playcount": [tags.play_count],
    }
    for key, values in fields.items():
        values = [str(v) for v in values if v is not None and v != ""]
        if values:
            audio.tags[key] = values
    audio.save()

"""Reading what an audio file says about itself: its format, stream and tags.

The format is decided from the file's first bytes, never from its extension, so an MP3
named ``.flac`` is read as the MP3 it is. Tags are read with mutagen, one tag family at a
time (ID3, Vorbis comments, MP4 atoms), into one :class:`Tags` shape. Tag text is
cleaned of NUL and control characters; multi-valued fields (artists, genres) are kept as
tuples. A tag block that cannot be parsed does not lose the file: its stream information
is kept and the problem is reported as a warning.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field
from typing import BinaryIO

from mutagen.aac import AAC
from mutagen.aiff import AIFF
from mutagen.flac import FLAC
from mutagen.id3 import ID3
from mutagen.mp3 import MP3, MPEGInfo
from mutagen.mp4 import MP4, MP4Tags
from mutagen.oggflac import OggFLAC
from mutagen.oggopus import OggOpus
from mutagen.oggvorbis import OggVorbis
from mutagen.wave import WAVE

from trace.errors import internal_error_detail
from trace.library.tag_families import Tags, id3_tags, mp4_tags, vorbis_tags

MAX_DURATION_S = 24 * 3600
"""Longer than a day is not a music file but a broken header."""

_READERS = {
    "MP3": MP3,
    "FLAC": FLAC,
    "Ogg Vorbis": OggVorbis,
    "Opus": OggOpus,
    "Ogg FLAC": OggFLAC,
    "M4A": MP4,
    "AAC": AAC,
    "WAV": WAVE,
    "AIFF": AIFF,
}

_UNSUPPORTED_MAGIC = {
    b"0&\xb2u\x8ef\xcf\x11": "WMA/ASF",
    b"MAC ": "Monkey's Audio (APE)",
    b"wvpk": "WavPack",
    b"MPCK": "Musepack",
    b"MP+": "Musepack",
    b"DSD ": "DSD (DSF)",
    b"FRM8": "DSD (DFF)",
    b"RF64": "RF64 (64-bit WAV)",
    b"caff": "Core Audio (CAF)",
    b"MThd": "MIDI",
}
_MP3_EXTENSIONS = (b".mp3", b".mp2", b".mpga")


class UnreadableAudio(Exception):  # noqa: N818 - a reason, not a crash
    """A file that cannot become a track; ``reason`` is short and person-facing."""

    def __init__(self, reason: str, detail: str = "") -> None:
        super().__init__(reason if not detail else f"{reason}: {detail}")
        self.reason = reason
        self.detail = detail


@dataclass(frozen=True, slots=True)
class StreamInfo:
    """What the container header says about the audio stream."""

    format: str
    duration: float
    bitrate: int | None
    sample_rate: int | None
    channels: int | None


@dataclass(frozen=True, slots=True)
class AudioFile:
    """The result of reading one file."""

    stream: StreamInfo
    tags: Tags
    warnings: tuple[str, ...] = field(default=())


def sniff_format(fileobj: BinaryIO, name: bytes = b"") -> str:
    """The audio format of an open file from its first bytes.

    Raises
    ------
    UnreadableAudio
        The bytes are a known but unsupported format, or not audio at all.
    """
    fileobj.seek(0)
    header = fileobj.read(64)
    if header.startswith(b"ID3") and len(header) >= 10:
        # An ID3v2 block may stand in front of MP3, but also of FLAC or AAC: look past it.
        size = sum((byte & 0x7F) << (7 * (3 - i)) for i, byte in enumerate(header[6:10]))
        fileobj.seek(10 + size + (10 if header[5] & 0x10 else 0))
        after = fileobj.read(4)
        if after.startswith(b"fLaC"):
            return "FLAC"
        return "AAC" if _is_adts(after) else "MP3"
    if header.startswith(b"fLaC"):
        return "FLAC"
    if header.startswith(b"OggS"):
        return _ogg_codec(header)
    if header[4:8] == b"ftyp":
        return "M4A"
    if header[:4] == b"RIFF" and header[8:12] == b"WAVE":
        return "WAV"
    if header[:4] == b"FORM" and header[8:12] in (b"AIFF", b"AIFC"):
        return "AIFF"
    if len(header) >= 2 and header[0] == 0xFF and header[1] & 0xE0 == 0xE0:
        return "AAC" if _is_adts(header) else "MP3"
    for magic, fmt in _UNSUPPORTED_MAGIC.items():
        if header.startswith(magic):
            raise UnreadableAudio("unsupported format", fmt)
    if name.lower().endswith(_MP3_EXTENSIONS):
        return "MP3"  # MP3 may start with junk before the first frame; mutagen seeks it
    raise UnreadableAudio("not an audio file", _describe_bytes(header))


def _is_adts(data: bytes) -> bool:
    """An MPEG sync word whose layer bits are 00: ADTS AAC rather than MPEG audio."""
    return len(data) >= 2 and data[0] == 0xFF and data[1] & 0xF6 == 0xF0


def _ogg_codec(header: bytes) -> str:
    packet = header[28:40]
    if packet.startswith(b"\x01vorbis"):
        return "Ogg Vorbis"
    if packet.startswith(b"OpusHead"):
        return "Opus"
    if packet.startswith(b"\x7fFLAC"):
        return "Ogg FLAC"
    raise UnreadableAudio("unsupported format", "Ogg stream with a codec other than Vorbis/Opus")


def _describe_bytes(header: bytes) -> str:
    if not header.strip(b"\x00"):
        return "the file starts with zero bytes"
    printable = sum(32 <= b < 127 or b in (9, 10, 13) for b in header)
    if printable > 0.95 * len(header):
        return "the file looks like text"
    return "no known audio header"


def read_audio(fileobj: BinaryIO, *, fmt: str, size: int) -> AudioFile:
    """Read stream information and tags of an open file of format ``fmt``.

    Raises
    ------
    UnreadableAudio
        The stream header is corrupt, or claims an impossible duration.
    """
    reader = _READERS[fmt]
    warnings: list[str] = []
    try:
        fileobj.seek(0)
        audio = reader(fileobj)
        info, raw_tags = audio.info, audio.tags
    except Exception as error:  # mutagen's own errors for a bad file are of many types
        if internal_error_detail(error):
            raise  # TRACE's bug: the probe records it as an internal error
        info = _stream_without_tags(fileobj, fmt)
        if info is None:
            raise UnreadableAudio("corrupt header", f"not a valid {fmt} file ({error})") from error
        raw_tags = None
        warnings.append(f"tags unreadable, kept the audio ({error})")
    stream = _stream_info(info, fmt=fmt, size=size)
    try:
        tags = _tags(raw_tags)
    except Exception as error:  # odd tags must not cost the audio
        internal = internal_error_detail(error)
        warnings.append(
            f"tags not read, kept the audio ({internal})"
            if internal
            else f"tags unreadable, kept the audio ({error})"
        )
        tags = Tags()
    return AudioFile(stream=stream, tags=tags, warnings=tuple(warnings))


def _stream_without_tags(fileobj: BinaryIO, fmt: str) -> object | None:
    """Stream info of an MP3 whose ID3 block is broken; other formats need their header."""
    if fmt != "MP3":
        return None
    try:
        fileobj.seek(0)
        return MPEGInfo(fileobj)
    except Exception:
        return None


def _stream_info(info: object, *, fmt: str, size: int) -> StreamInfo:
    duration = float(getattr(info, "length", 0.0) or 0.0)
    if not math.isfinite(duration) or duration <= 0:
        raise UnreadableAudio("no audio", f"the {fmt} header describes no audio frames")
    if duration > MAX_DURATION_S:
        raise UnreadableAudio(
            "implausible duration", f"the header claims {duration / 3600:.0f} hours"
        )
    bits = getattr(info, "bits_per_sample", 0) or 0
    if fmt in ("WAV", "AIFF") and bits:
        # Uncompressed: the header's length must fit in the file (compressed silence
        # is legitimately tiny, so only PCM is checked this way).
        expected = (
            duration * (getattr(info, "sample_rate", 0) or 0) * (info.channels or 1) * bits / 8
        )
        if size < 0.5 * expected:
            raise UnreadableAudio(
                "truncated or corrupt header",
                f"the header claims {duration:.0f} s but the file holds only {size} bytes",
            )
    bitrate = getattr(info, "bitrate", None) or None
    return StreamInfo(
        format=fmt,
        duration=duration,
        bitrate=int(bitrate) if bitrate else None,
        # Opus always decodes at 48 kHz; its header stores only the source's rate.
        sample_rate=getattr(info, "sample_rate", None) or (48000 if fmt == "Opus" else None),
        channels=getattr(info, "channels", None) or None,
    )


def _tags(raw: object | None) -> Tags:
    if raw is None:
        return Tags()
    if isinstance(raw, ID3):
        return id3_tags(raw)
    if isinstance(raw, MP4Tags):
        return mp4_tags(raw)
    return vorbis_tags(raw)

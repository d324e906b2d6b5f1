"""Audio files made in the tests: synthesised signals, encoded, tagged with mutagen."""

from __future__ import annotations

from pathlib import Path

import av
import mutagen
import numpy as np
import soundfile as sf
from mutagen.flac import FLAC
from mutagen.id3 import (
    COMM,
    ID3,
    PCNT,
    POPM,
    TALB,
    TCON,
    TDRC,
    TIT2,
    TPE1,
    TPE2,
    TPOS,
    TPUB,
    TRCK,
    TSRC,
    TXXX,
)
from mutagen.mp4 import MP4, MP4FreeForm
from mutagen.oggopus import OggOpus
from mutagen.oggvorbis import OggVorbis

SOUNDFILE_FORMATS = {
    "wav": ("WAV", "PCM_16"),
    "flac": ("FLAC", "PCM_16"),
    "ogg": ("OGG", "VORBIS"),
    "opus": ("OGG", "OPUS"),
    "mp3": ("MP3", "MPEG_LAYER_III"),
    "aiff": ("AIFF", "PCM_16"),
}


def tone(seconds: float = 2.0, *, sr: int = 22050, freq: float = 440.0, channels: int = 1):
    """A sine tone at -10 dBFS, shape (samples, channels)."""
    t = np.arange(int(seconds * sr)) / sr
    mono = (0.3 * np.sin(2 * np.pi * freq * t)).astype(np.float32)
    return np.repeat(mono[:, None], channels, axis=1), sr


def write_audio(path: Path, *, seconds: float = 2.0, sr: int = 22050, channels: int = 1) -> Path:
    """Encode a tone into ``path``; the format is the path's extension."""
    ext = path.suffix.lower().lstrip(".")
    samples, sr = tone(seconds, sr=48000 if ext == "opus" else sr, channels=channels)
    path.parent.mkdir(parents=True, exist_ok=True)
    if ext in ("m4a", "mp4"):
        _write_m4a(path, samples, sr)
    else:
        write_samples(path, samples, sr)
    return path


def write_samples(path: Path, samples: np.ndarray, sr: int) -> Path:
    """Encode (samples, channels) with libsndfile; the format is the path's extension."""
    fmt, subtype = SOUNDFILE_FORMATS[path.suffix.lower().lstrip(".")]
    if samples.ndim == 1:
        samples = samples[:, None]
    with sf.SoundFile(path, "w", sr, samples.shape[1], format=fmt, subtype=subtype) as out:
        # Block by block: libvorbis overflows its stack on long single writes.
        for start in range(0, len(samples), 32768):
            out.write(samples[start : start + 32768])
    return path


def _write_m4a(path: Path, samples: np.ndarray, sr: int) -> None:
    with av.open(str(path), "w", format="mp4") as container:
        stream = container.add_stream("aac", rate=sr, layout="mono")
        frame = av.AudioFrame.from_ndarray(samples.T.copy(), format="fltp", layout="mono")
        frame.rate = sr
        for packet in stream.encode(frame):
            container.mux(packet)
        for packet in stream.encode(None):
            container.mux(packet)


def tag_id3(path: Path, tags: dict, *, version: int = 4, v1: int = 1) -> None:
    """Write ID3 frames to an MP3, WAV or AIFF file."""
    frames = {
        "title": TIT2,
        "artist": TPE1,
        "album": TALB,
        "albumartist": TPE2,
        "genre": TCON,
        "date": TDRC,
        "tracknumber": TRCK,
        "discnumber": TPOS,
        "isrc": TSRC,
        "label": TPUB,
    }
    suffix = path.suffix.lower()
    if suffix in (".wav", ".aiff"):
        audio = mutagen.File(path)
        audio.add_tags()
        id3 = audio.tags
    else:
        id3 = ID3()
    for key, value in tags.items():
        values = value if isinstance(value, list) else [value]
        if key in frames:
            id3.add(frames[key](encoding=3, text=[str(v) for v in values]))
        elif key == "comment":
            id3.add(COMM(encoding=3, lang="eng", desc="", text=values))
        elif key == "popm":
            id3.add(POPM(email="test@trace", rating=value, count=0))
        elif key == "pcnt":
            id3.add(PCNT(count=value))
        else:
            id3.add(TXXX(encoding=3, desc=key, text=values))
    if suffix in (".wav", ".aiff"):
        audio.save()
    else:
        id3.save(path, v2_version=version, v1=v1)


def tag_vorbis(path: Path, tags: dict) -> None:
    """Write Vorbis comments to a FLAC, Ogg Vorbis or Opus file."""
    reader = {".flac": FLAC, ".ogg": OggVorbis, ".opus": OggOpus}[path.suffix.lower()]
    audio = reader(path)
    for key, value in tags.items():
        audio[key] = [str(v) for v in (value if isinstance(value, list) else [value])]
    audio.save()


def tag_mp4(path: Path, tags: dict) -> None:
    atoms = {
        "title": "\xa9nam",
        "artist": "\xa9ART",
        "album": "\xa9alb",
        "albumartist": "aART",
        "genre": "\xa9gen",
        "date": "\xa9day",
        "comment": "\xa9cmt",
    }
    audio = MP4(path)
    for key, value in tags.items():
        values = value if isinstance(value, list) else [value]
        if key in atoms:
            audio[atoms[key]] = [str(v) for v in values]
        elif key == "tracknumber":
            audio["trkn"] = [tuple(value)]
        else:
            audio[f"----:com.apple.iTunes:{key}"] = [MP4FreeForm(str(v).encode()) for v in values]
    audio.save()


def make_track(path: Path, tags: dict | None = None, **audio) -> Path:
    """An encoded, tagged track at ``path``."""
    write_audio(path, **audio)
    if tags:
        ext = path.suffix.lower()
        if ext in (".mp3", ".wav", ".aiff"):
            tag_id3(path, tags)
        elif ext in (".m4a", ".mp4"):
            tag_mp4(path, tags)
        else:
            tag_vorbis(path, tags)
    return path

"""Rendering one planned demo track: synthesise, encode, tag, date."""

from __future__ import annotations

import os
from pathlib import Path

import av
import numpy as np
import soundfile as sf
import soxr

from trace.demo.catalogue import TrackPlan, style_of
from trace.demo.styles import SR, STYLES, render
from trace.library.tag_families import Tags
from trace.library.tagging import write_tags

_SUBTYPES = {"flac": ("FLAC", "PCM_16"), "ogg": ("OGG", "VORBIS")}
VORBIS_LEVEL = 0.2
"""libsndfile's Vorbis compression level (0 best … 1 smallest). Its default cuts the
highs, which made each style's Ogg files a cluster of their own (docs/FEATURES.md)."""
MP3_RATE = 44_100
"""MP3s are written at 44.1 kHz, as nearly all are: at 22.05 kHz the encoder cuts
everything above about 10 kHz, a codec trace the features would pick up."""
MP3_BIT_RATE = 128_000
MP3_SPEED = "7"
"""LAME's ``-q`` (0 slowest … 9 fastest). At 7 an MP3 takes about 0.3 s instead of the
0.44 s libsndfile took, and MP3s were the largest part of composing the demo; the
lowpass depends on the bit rate, not on ``-q``: about 17 kHz at 128 kbps, far above the
11 kHz TRACE analyses."""


def encode(path: Path, samples: np.ndarray, sr: int, *, fmt: str) -> None:
    """Write mono samples to ``path`` as ``fmt`` ("mp3", "flac" or "ogg")."""
    if fmt == "mp3":
        _encode_mp3(path, soxr.resample(samples, sr, MP3_RATE).astype(np.float32))
        return
    major, subtype = _SUBTYPES[fmt]
    level = VORBIS_LEVEL if fmt == "ogg" else None
    with sf.SoundFile(
        path, "w", sr, 1, format=major, subtype=subtype, compression_level=level
    ) as out:
        # Block by block: libvorbis overflows its stack on long single writes.
        for start in range(0, len(samples), 32768):
            out.write(samples[start : start + 32768])


def _encode_mp3(path: Path, samples: np.ndarray) -> None:
    """LAME through PyAV, at a constant 128 kbps."""
    with av.open(str(path), "w", format="mp3") as out:
        stream = out.add_stream("libmp3lame", rate=MP3_RATE, layout="mono")
        stream.bit_rate = MP3_BIT_RATE
        stream.codec_context.options = {"compression_level": MP3_SPEED}
        frame = av.AudioFrame.from_ndarray(samples[None, :], format="flt", layout="mono")
        frame.rate = MP3_RATE
        for packet in [*stream.encode(frame), *stream.encode(None)]:
            out.mux(packet)


TASTE = {
    "electronic": 0.85,
    "ambient": 0.75,
    "acoustic": 0.6,
    "pop": 0.5,
    "hiphop": 0.4,
    "rock": 0.3,
}
"""The demo listener's typical star rating per style (0–1), ±0.3 per track: the
ratings have a pattern the preference forest can find, as a real listener's do."""


def render_plan(plan: TrackPlan) -> Path:
    """Synthesise, encode and tag the track of ``plan``; date its file if it is owned."""
    rng = np.random.default_rng(plan.seed)
    blend = STYLES[plan.blend] if plan.blend else None
    style = style_of(plan)
    samples, _, _, _ = render(style, rng, plan.seconds, blend=blend)
    plan.path.parent.mkdir(parents=True, exist_ok=True)
    # Written and tagged under a hidden name, then renamed: a killed run leaves no half file.
    partial = plan.path.with_name("." + plan.path.name)
    fmt = plan.path.suffix.lower().lstrip(".")
    encode(partial, samples, SR, fmt=fmt)
    rating = None
    if rng.random() < 0.3:  # about a third of the files carry a rating, as in real libraries
        spread = rng.uniform(-0.3, 0.3)
        rating = float(np.clip(np.round(TASTE.get(plan.style, 0.5) + spread, 1), 0.1, 1.0))
    write_tags(
        partial,
        Tags(
            title=plan.title,
            artists=(plan.artist,),
            album=plan.album,
            album_artist=plan.artist,
            genres=style.genres[: 1 + int(rng.integers(len(style.genres)))],
            date=str(plan.year),
            year=plan.year,
            track_number=plan.track_number,
            track_total=12,
            label="TRACE Demo Records",
            comment="Composed by TRACE's demo generator",
            rating=rating,
        ),
    )
    if plan.added_at is not None:
        stamp = plan.added_at.timestamp()
        os.utime(partial, (stamp, stamp))
    os.replace(partial, plan.path)
    return plan.path

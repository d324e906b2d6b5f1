"""Short excerpts to listen to: the most representative 30 s of a file, small, cached.

The browser is never sent a whole file. :func:`excerpt` decodes only the parts TRACE
analyses (:class:`~trace.audio.windows.Windows`' centres, at 25 %, 50 % and 75 % of the
track), widened to the excerpt's length; describes each by its loudness and its spectral
envelope (log energy in mel-spaced bands); and keeps the one nearest the track's own
centroid — the average of those descriptions — so a listener hears what the track is
mostly like rather than an intro, a break or a fade. That part is encoded as Opus in Ogg
(48 kbit/s: about 180 kB for 30 s; Chromium, Firefox and Safari play it) and cached in
the TRACE home under a size limit, least recently used first out.
"""

from __future__ import annotations

import hashlib
import io
import os
import threading
from dataclasses import dataclass
from pathlib import Path

import av
import numpy as np

from trace import config
from trace.audio.decode import DecodeFailure, decode_windows
from trace.audio.windows import Windows

EXCERPT_SECONDS = 30.0
RATE = 48_000
BITRATE = 48_000
FADE_SECONDS = 0.5
CACHE_LIMIT_BYTES = 64 * 2**20
"""About 350 excerpts of 30 s."""
MIME = "audio/ogg"
VERSION = 1
"""Bump when an excerpt would come out differently, so cached ones are remade."""
BANDS = 24


@dataclass(frozen=True, slots=True)
class Excerpt:
    """A cached excerpt: its file, where it starts in the track and how long it is."""

    path: Path
    start: float
    seconds: float
    cached: bool

    def read(self) -> bytes:
        return self.path.read_bytes()


def cache_folder() -> Path:
    return config.home() / "excerpts"


def excerpt(
    source: bytes | str | os.PathLike,
    *,
    seconds: float = EXCERPT_SECONDS,
    folder: Path | None = None,
    limit_bytes: int = CACHE_LIMIT_BYTES,
) -> Excerpt:
    """The cached excerpt of the file at ``source``, made now if it is not cached.

    Raises
    ------
    DecodeFailure
        The file is gone or cannot be decoded; ``reason`` says why.
    """
    folder = folder or cache_folder()
    try:
        stat = os.stat(source)
    except OSError as error:
        raise DecodeFailure("missing", error.strerror or str(error)) from error
    key = hashlib.sha1(
        f"{VERSION}|{os.fsdecode(source)}|{stat.st_size}|{stat.st_mtime_ns}|{seconds:g}".encode(
            "utf-8", "surrogateescape"
        )
    ).hexdigest()[:20]
    for found in folder.glob(f"{key}-*.ogg"):
        os.utime(found)  # its access time, kept as mtime: relatime mounts do not keep atime
        start_ms, length_ms = found.stem.split("-")[1:3]
        return Excerpt(found, int(start_ms) / 1000, int(length_ms) / 1000, cached=True)
    decoded = decode_windows(source, windows=excerpt_windows(seconds), rate=RATE)
    start_sample, end_sample = representative(decoded.stereo, decoded.bounds, seconds=seconds)
    samples = decoded.stereo[:, start_sample:end_sample]
    start = window_start(decoded.bounds, decoded.duration, start_sample, seconds=seconds)
    encoded = encode_opus(samples)
    folder.mkdir(parents=True, exist_ok=True)
    length = samples.shape[1] / RATE
    target = folder / f"{key}-{round(start * 1000)}-{round(length * 1000)}.ogg"
    partial = target.with_suffix(f".{threading.get_ident()}.part")
    partial.write_bytes(encoded)
    partial.replace(target)  # whole or not at all, even with two sessions at once
    bound_cache(folder, limit_bytes=limit_bytes, keep=target)
    return Excerpt(target, start, length, cached=False)


def excerpt_windows(seconds: float) -> Windows:
    """The analysed windows' centres, each widened to ``seconds``; a track shorter than
    three of them is decoded whole (and cut in :func:`representative`)."""
    return Windows(count=3, seconds=seconds, whole_below=3 * seconds)


def candidate_spans(bounds: list[tuple[int, int]], *, length: int) -> list[tuple[int, int]]:
    """``(start, end)`` sample ranges to choose from: each decoded window, or — for a
    track decoded whole — windows of ``length`` centred at 25 %, 50 % and 75 %."""
    if len(bounds) > 1:
        return list(bounds)
    start, end = bounds[0]
    total = end - start
    if total <= length:
        return [(start, end)]
    spans = []
    for centre in (0.25, 0.5, 0.75):
        first = min(max(start, start + round(total * centre) - length // 2), end - length)
        spans.append((first, first + length))
    return spans


def representative(
    stereo: np.ndarray, bounds: list[tuple[int, int]], *, seconds: float, rate: int = RATE
) -> tuple[int, int]:
    """The sample range, among :func:`candidate_spans`, whose description (loudness and
    spectral envelope) is nearest the average description of them all."""
    spans = candidate_spans(bounds, length=round(seconds * rate))
    if len(spans) == 1:
        return spans[0]
    mono = stereo.mean(axis=0)
    described = np.stack([describe(mono[a:b], rate=rate) for a, b in spans])
    spread = described.std(axis=0) + 1e-6
    distance = np.linalg.norm((described - described.mean(axis=0)) / spread, axis=1)
    return spans[int(np.argmin(distance))]


def describe(mono: np.ndarray, *, rate: int) -> np.ndarray:
    """Loudness (dB) and mean log energy in :data:`BANDS` mel-spaced bands, shape (25,)."""
    n_fft = 4096
    frames = len(mono) // n_fft
    if frames == 0:
        return np.zeros(BANDS + 1)
    blocks = mono[: frames * n_fft].reshape(frames, n_fft) * np.hanning(n_fft)
    power = np.abs(np.fft.rfft(blocks, axis=1)) ** 2
    freqs = np.fft.rfftfreq(n_fft, 1 / rate)
    mel = 2595 * np.log10(1 + freqs / 700)
    edges = np.linspace(mel[1], 2595 * np.log10(1 + 16000 / 700), BANDS + 1)
    band = np.clip(np.searchsorted(edges, mel) - 1, -1, BANDS)
    energy = np.stack(
        [power[:, band == b].sum(axis=1) for b in range(BANDS)], axis=1
    )  # (frames, bands)
    envelope = np.log10(energy + 1e-10).mean(axis=0)
    loudness = 10 * np.log10(np.mean(mono**2) + 1e-12)
    return np.concatenate([[loudness], envelope])


def window_start(
    bounds: list[tuple[int, int]], duration: float, sample: int, *, seconds: float
) -> float:
    """Where, in seconds of the track, the decoded sample ``sample`` lies."""
    if len(bounds) == 1:
        return sample / RATE
    spans = excerpt_windows(seconds).spans(duration)
    for (first, last), (start, _end) in zip(bounds, spans, strict=False):
        if first <= sample < last:
            return start + (sample - first) / RATE
    return 0.0


def encode_opus(stereo: np.ndarray, *, rate: int = RATE, bitrate: int = BITRATE) -> bytes:
    """``stereo`` (2, n) float samples at ``rate`` as Opus in an Ogg file, faded in and out."""
    samples = np.clip(stereo.astype(np.float32), -1.0, 1.0)
    fade = min(round(FADE_SECONDS * rate), samples.shape[1] // 4)
    if fade:
        ramp = np.linspace(0.0, 1.0, fade, dtype=np.float32)
        samples[:, :fade] *= ramp
        samples[:, -fade:] *= ramp[::-1]
    buffer = io.BytesIO()
    with av.open(buffer, "w", format="ogg") as container:
        stream = container.add_stream("libopus", rate=rate, layout="stereo")
        stream.bit_rate = bitrate
        # Level 5 of 0–10: 40 % faster than libopus' default, no audible loss at this rate.
        stream.codec_context.options = {"compression_level": "5"}
        frame = av.AudioFrame.from_ndarray(
            np.ascontiguousarray(samples.T).reshape(1, -1), format="flt", layout="stereo"
        )
        frame.sample_rate = rate
        for packet in stream.encode(frame):
            container.mux(packet)
        for packet in stream.encode(None):
            container.mux(packet)
    return buffer.getvalue()


def bound_cache(
    folder: Path, *, limit_bytes: int, keep: Path | None = None, pattern: str = "*.ogg"
) -> int:
    """Delete the least recently used files matching ``pattern`` (the excerpts) until the
    folder holds at most ``limit_bytes`` (``keep`` stays, however large); how many were
    deleted."""
    entries = []
    for path in folder.glob(pattern):
        try:
            stat = path.stat()
        except FileNotFoundError:  # another session evicted it first
            continue
        entries.append((stat.st_mtime_ns, stat.st_size, path))
    total = sum(size for _, size, _ in entries)
    deleted = 0
    for _, size, path in sorted(entries):
        if total <= limit_bytes:
            break
        if path == keep:
            continue
        path.unlink(missing_ok=True)
        total -= size
        deleted += 1
    return deleted

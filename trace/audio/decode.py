"""Decoding the analysed windows of a file to float samples, with PyAV or libsndfile.

PyAV ships FFmpeg inside its wheel, so every format the scan accepts decodes without a
system ffmpeg. Only the windows analysed are decoded: the container seeks to each
window's start (to the key frame before it) and decoding stops at the window's end, so a
two-hour file costs what a three-minute one does. Files are opened as Python file
objects, so any file name (any bytes) works.

Some real files FFmpeg refuses ("Invalid data found when processing input": certain Ogg
Vorbis encoders, odd WAV or AIFF headers) libsndfile reads; when PyAV fails, ``soundfile``
is tried before the file is called undecodable, and :attr:`Decoded.decoder` says which
one read it.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import av
import numpy as np
import soundfile
import soxr

from trace.audio.windows import Windows

ANALYSIS_RATE = 22050
"""Samples per second of the analysed signal: enough for every descriptor (up to 11 kHz)."""

MAX_UNKNOWN_LENGTH_S = 600.0
"""A stream whose length the container does not tell is decoded up to this long."""

PYAV = "PyAV (FFmpeg)"
LIBSNDFILE = "libsndfile"


class DecodeFailure(Exception):  # noqa: N818 - a per-file outcome, recorded with its reason
    """A file that cannot be analysed; ``reason`` is short and person-facing."""

    def __init__(self, reason: str, detail: str = "") -> None:
        super().__init__(f"{reason}: {detail}" if detail else reason)
        self.reason = reason
        self.detail = detail


@dataclass(frozen=True, slots=True)
class Decoded:
    """The decoded windows of one file.

    ``stereo`` has shape (2, n) — channels downmixed to two by FFmpeg's standard matrix,
    for loudness; ``mono`` has shape (n,). Both at ``rate`` Hz, windows concatenated,
    with ``bounds`` giving each window's sample range in them.
    """

    stereo: np.ndarray
    rate: int
    bounds: list[tuple[int, int]]
    duration: float
    source_rate: int
    source_channels: int
    decoder: str = PYAV

    @property
    def mono(self) -> np.ndarray:
        return self.stereo.mean(axis=0)


def decode_windows(
    path: bytes | str, *, windows: Windows | None = None, rate: int = ANALYSIS_RATE
) -> Decoded:
    """Decode the analysed windows of the file at ``path``, with PyAV, or with
    libsndfile where PyAV fails.

    Raises
    ------
    DecodeFailure
        The file has no audio stream or cannot be decoded by either.
    """
    windows = windows or Windows()
    try:
        return _decode_with_pyav(path, windows, rate)
    except DecodeFailure as failure:
        if failure.reason != "undecodable":
            raise
        try:
            return _decode_with_soundfile(path, windows, rate)
        except (soundfile.LibsndfileError, OSError, ValueError, RuntimeError):
            raise failure from None


def _decode_with_pyav(path: bytes | str, windows: Windows, rate: int) -> Decoded:
    try:
        with open(path, "rb") as fileobj, av.open(fileobj, metadata_errors="ignore") as container:
            if not container.streams.audio:
                raise DecodeFailure("undecodable", "the file holds no audio stream")
            stream = container.streams.audio[0]
            duration = _duration(container, stream)
            known = duration is not None
            spans = windows.spans(duration) if known else [(0.0, MAX_UNKNOWN_LENGTH_S)]
            pieces = [
                _decode_span(container, stream, start, end, rate, seek=known and start > 0)
                for start, end in spans
            ]
            source_rate = stream.codec_context.sample_rate or 0
            source_channels = stream.codec_context.channels or 0
    except DecodeFailure:
        raise
    except (av.FFmpegError, OSError, ValueError) as error:
        raise DecodeFailure("undecodable", str(error)) from error
    return _joined(pieces, rate, duration, source_rate, source_channels, PYAV)


def _decode_with_soundfile(path: bytes | str, windows: Windows, rate: int) -> Decoded:
    """The same windows read by libsndfile (Ogg Vorbis, FLAC, WAV, AIFF, MP3 where the
    build has it…); raises ``soundfile.LibsndfileError`` for what it cannot read."""
    with open(path, "rb") as fileobj, soundfile.SoundFile(fileobj) as sound:
        source_rate, channels = sound.samplerate, sound.channels
        duration = sound.frames / source_rate if sound.frames > 0 else None
        if duration is None:
            raise DecodeFailure("undecodable", "libsndfile reads no frames")
        pieces = []
        for start, end in windows.spans(duration):
            sound.seek(min(round(start * source_rate), sound.frames))
            data = sound.read(round((end - start) * source_rate), dtype="float32", always_2d=True)
            stereo = _downmix(np.ascontiguousarray(data.T))
            if source_rate != rate:
                stereo = soxr.resample(stereo.T, source_rate, rate, quality="HQ").T
            pieces.append(np.ascontiguousarray(stereo, dtype=np.float32))
    return _joined(pieces, rate, duration, source_rate, channels, LIBSNDFILE)


def _joined(
    pieces: list[np.ndarray],
    rate: int,
    duration: float | None,
    source_rate: int,
    source_channels: int,
    decoder: str,
) -> Decoded:
    bounds, offset = [], 0
    for piece in pieces:
        bounds.append((offset, offset + piece.shape[1]))
        offset += piece.shape[1]
    stereo = np.concatenate(pieces, axis=1) if pieces else np.zeros((2, 0), np.float32)
    total = duration if duration is not None else stereo.shape[1] / rate
    return Decoded(stereo, rate, bounds, total, source_rate, source_channels, decoder)


def _duration(container: av.container.InputContainer, stream: av.AudioStream) -> float | None:
    if stream.duration is not None and stream.time_base is not None:
        seconds = float(stream.duration * stream.time_base)
    elif container.duration is not None:
        seconds = container.duration / av.time_base
    else:
        return None
    return seconds if math.isfinite(seconds) and seconds > 0 else None


def _decode_span(
    container: av.container.InputContainer,
    stream: av.AudioStream,
    start: float,
    end: float,
    rate: int,
    *,
    seek: bool,
) -> np.ndarray:
    """Samples from ``start`` to ``end`` seconds, shape (2, n), float32 at ``rate``.

    Frames are queued in an FFmpeg audio FIFO as the decoder gives them and converted to
    numpy in one go (Ogg Vorbis gives thousands of small frames a minute: converting each
    cost as much as decoding); soxr then resamples the whole span at once. (PyAV's
    per-frame resampler costs more than the decoding itself.)
    """
    if seek:
        container.seek(int(start / stream.time_base), stream=stream, backward=True)
    source_rate = stream.codec_context.sample_rate or rate
    wanted = round((end - start) * source_rate)
    fifo = av.AudioFifo()
    skip = 0
    for frame in container.decode(stream):
        frame_start = frame.time if frame.time is not None else start
        if frame_start + frame.samples / source_rate <= start:
            continue
        if not fifo.samples:
            skip = max(0, round((start - frame_start) * source_rate))
        frame.pts = None  # the FIFO checks timestamps are continuous; they need not be
        fifo.write(frame)
        if fifo.samples >= wanted + skip:
            break
    joined = fifo.read()
    if joined is None:
        return np.zeros((2, 0), np.float32)
    data = joined.to_ndarray()
    stereo = _as_stereo_float(data, joined.format, len(joined.layout.channels))
    stereo = stereo[:, skip : skip + wanted]
    if source_rate != rate:
        stereo = soxr.resample(stereo.T, source_rate, rate, quality="HQ").T
    return np.ascontiguousarray(stereo, dtype=np.float32)


_SCALE = {
    "s16": 1 / 2**15,
    "s16p": 1 / 2**15,
    "s32": 1 / 2**31,
    "s32p": 1 / 2**31,
    "u8": 1 / 2**7,
    "u8p": 1 / 2**7,
}


def _as_stereo_float(data: np.ndarray, fmt: av.AudioFormat, channels: int) -> np.ndarray:
    """Decoded samples as float32 of shape (2, samples), whatever the layout and format."""
    if not fmt.is_planar:  # interleaved: (1, samples * channels)
        data = data.reshape(-1, channels).T
    data = data.astype(np.float32, copy=False)
    if fmt.name.startswith("u8"):
        data -= 128
    if fmt.name in _SCALE:
        data *= _SCALE[fmt.name]
    return _downmix(data)


def _downmix(data: np.ndarray) -> np.ndarray:
    """Mono → both channels; stereo unchanged; more channels → ITU-R BS.775 downmix
    (front left/right, centre and surrounds at −3 dB, LFE dropped), in FFmpeg's
    channel order (FL, FR, FC, LFE, BL/SL, BR/SR, …)."""
    count = data.shape[0]
    if count == 1:
        return np.repeat(data, 2, axis=0)
    if count == 2:
        return data
    left, right = data[0].copy(), data[1].copy()
    if count >= 3:
        left += 0.7071 * data[2]
        right += 0.7071 * data[2]
    if count >= 6:
        left += 0.7071 * data[4]
        right += 0.7071 * data[5]
    return np.stack([left, right]) / (1 + 0.7071 * (1 + (count >= 6)))

"""The learned ear: what MusiCNN hears in a track, computed beside its features.

:func:`hear` runs :mod:`trace.audio.musicnn` (the MSD model, in NumPy) on the windows the
extractor has already decoded, so a track is decoded once for both. It hears at most
:data:`MAX_PATCHES` 3-s patches, spread evenly over the windows, and keeps their mean: the
track's 200-d embedding and its 50 tag probabilities. They are stored as float16 blobs
(:func:`to_blob`, :func:`from_blobs`) in the ``embeddings`` table, keyed like the
features. The model is imported only by :func:`hear`, so the pages read stored
embeddings without loading it.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

MODEL = "musicnn-msd"
DIMENSIONS = 200
MAX_PATCHES = 6
"""Patches heard per track (of the 18 in three 20-s windows). Six, two per window, keep
the neighbours of all 18 (docs/PERFORMANCE.md, "How many patches") at a third of the
time: about 0.2 s of CPU a track instead of 0.6."""
EMBEDDING_COLUMNS = tuple(f"emb_{i:03d}" for i in range(DIMENSIONS))


@dataclass(frozen=True, slots=True)
class Heard:
    """A track as MusiCNN hears it: the mean over the patches heard."""

    embedding: np.ndarray
    """``(200,)`` float32, the penultimate layer."""
    tags: np.ndarray
    """``(50,)`` float32 in [0, 1], in the order of :data:`trace.audio.musicnn.TAGS`."""
    patches: int


def chosen(count: int, limit: int = MAX_PATCHES) -> np.ndarray:
    """Which of ``count`` patches are heard: all of them up to ``limit``, else ``limit``
    spread evenly (the centre of each of ``limit`` equal stretches)."""
    if count <= limit:
        return np.arange(count)
    return ((np.arange(limit) + 0.5) * count / limit).astype(int)


def hear(
    mono: np.ndarray, *, rate: int, bounds: list[tuple[int, int]], limit: int = MAX_PATCHES
) -> Heard:
    """MusiCNN's embedding and tags of the windows ``bounds`` of ``mono`` (as
    :class:`trace.audio.decode.Decoded` gives them). A window too short for a patch is
    repeated to fill one (:func:`trace.audio.musicnn.patches`)."""
    from trace.audio import musicnn

    windows = [musicnn.log_mel(mono[start:end], rate=rate) for start, end in bounds]
    every = np.concatenate([musicnn.patches(log_mel=mel) for mel in windows])
    out = musicnn.forward(patches=every[chosen(len(every), limit)])
    return Heard(out.embedding.mean(axis=0), out.tags.mean(axis=0), len(out.embedding))


def to_blob(values: np.ndarray) -> bytes:
    """``values`` as little-endian float16 bytes (the stored form)."""
    return np.asarray(values, dtype="<f2").tobytes()


def from_blobs(blobs: list[bytes], width: int) -> np.ndarray:
    """Stored blobs back as an ``(n, width)`` float32 matrix."""
    if not blobs:
        return np.zeros((0, width), np.float32)
    return np.frombuffer(b"".join(blobs), dtype="<f2").reshape(len(blobs), width).astype(np.float32)


def warm_up() -> None:
    """Load the model's weights (and its mel filters) once, on a synthetic tone: a fork
    server that has done so hands them to every worker it forks."""
    rate = 16000
    t = np.arange(3 * rate) / rate
    tone = (0.2 * np.sin(2 * np.pi * 440 * t)).astype(np.float32)
    hear(tone, rate=rate, bounds=[(0, len(tone))])

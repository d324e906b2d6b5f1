"""Excerpts: the most representative part is chosen, encoded small, cached under a bound."""

from __future__ import annotations

import os

import av
import numpy as np
import pytest

from trace.audio import synth
from trace.audio.decode import DecodeFailure
from trace.audio.excerpt import RATE, bound_cache, candidate_spans, excerpt, representative
from trace.demo.render import encode

rng = np.random.default_rng(16)


def drums_with_a_quiet_intro(seconds: float, quiet_until: float) -> np.ndarray:
    signal = 0.5 * synth.drum_pattern(120, seconds, rng, sr=synth.SR)
    signal[: int(quiet_until * synth.SR)] *= 0.02
    return signal


def test_the_window_most_like_the_rest_is_chosen_not_a_quiet_intro():
    loud = rng.normal(0, 0.3, (2, 30 * RATE)).astype(np.float32)
    quiet = 0.01 * loud
    stereo = np.concatenate([quiet, loud, loud * 0.9], axis=1)
    bounds = [(0, 30 * RATE), (30 * RATE, 60 * RATE), (60 * RATE, 90 * RATE)]
    assert representative(stereo, bounds, seconds=30) in bounds[1:]


def test_a_track_decoded_whole_is_cut_into_windows_inside_it():
    spans = candidate_spans([(0, 80 * RATE)], length=30 * RATE)
    assert len(spans) == 3 and all(b - a == 30 * RATE for a, b in spans)
    assert spans[0][0] >= 0 and spans[-1][1] <= 80 * RATE
    assert candidate_spans([(0, 20 * RATE)], length=30 * RATE) == [(0, 20 * RATE)]


@pytest.mark.parametrize("fmt", ["flac", "mp3"])
def test_an_excerpt_is_30_s_of_small_opus_cached_and_skips_the_intro(tmp_path, fmt):
    path = tmp_path / f"track.{fmt}"
    encode(path, drums_with_a_quiet_intro(180, quiet_until=70), synth.SR, fmt=fmt)
    made = excerpt(path, folder=tmp_path / "cache")
    assert not made.cached and made.start >= 70 - 1
    assert made.path.stat().st_size < 300_000  # a 3-minute FLAC is megabytes
    with av.open(str(made.path)) as container:
        stream = container.streams.audio[0]
        assert stream.codec_context.name == "opus"
        assert float(container.duration / 1e6) == pytest.approx(30, abs=0.5)
    again = excerpt(path, folder=tmp_path / "cache")
    assert again.cached and again.path == made.path


def test_an_undecodable_or_missing_file_says_why(tmp_path):
    broken = tmp_path / "broken.mp3"
    broken.write_bytes(b"not audio at all" * 100)
    with pytest.raises(DecodeFailure):
        excerpt(broken, folder=tmp_path / "cache")
    with pytest.raises(DecodeFailure, match="missing"):
        excerpt(tmp_path / "gone.flac", folder=tmp_path / "cache")


def test_the_cache_keeps_under_its_bound_dropping_the_least_recently_used(tmp_path):
    folder = tmp_path / "cache"
    folder.mkdir()
    for i in range(10):
        path = folder / f"k{i}-0-30000.ogg"
        path.write_bytes(b"x" * 1000)
        os.utime(path, ns=(i * 10**9, i * 10**9))
    os.utime(folder / "k0-0-30000.ogg")  # used just now
    assert bound_cache(folder, limit_bytes=4500) == 6
    left = sorted(p.name for p in folder.iterdir())
    assert left == ["k0-0-30000.ogg", "k7-0-30000.ogg", "k8-0-30000.ogg", "k9-0-30000.ogg"]
    assert sum(p.stat().st_size for p in folder.iterdir()) <= 4500


def test_making_an_excerpt_bounds_the_cache(tmp_path):
    path = tmp_path / "track.flac"
    encode(path, drums_with_a_quiet_intro(60, quiet_until=0), synth.SR, fmt="flac")
    folder = tmp_path / "cache"
    folder.mkdir()
    old = folder / "old-0-30000.ogg"
    old.write_bytes(b"x" * 50_000)
    os.utime(old, ns=(0, 0))
    made = excerpt(path, folder=folder, limit_bytes=250_000)  # room for the new one only
    assert made.path.exists() and not old.exists()

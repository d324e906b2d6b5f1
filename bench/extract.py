"""Feature extraction speed on 3-minute 44.1 kHz stereo files (MP3, FLAC, Ogg Vorbis).

    python bench/extract.py [--files-per-format 40] [--window-seconds 20]

Reports, on the same files in the same run:
- seconds per track for decoding alone and for decoding plus features (one core);
- tracks per minute of `extract_library` with both cores (worker start-up included);
- two baselines, each over every file, on both cores, one BLAS/OpenMP thread per worker
  as TRACE's workers run, pool start-up included:
  * **naive, whole file**: `librosa.load` of the whole 3-minute file and the same kinds
    of librosa features computed one by one from the waveform — the way a person would
    first write it;
  * **same 60 s**: the same librosa calls on the same audio TRACE analyses (its three
    20-second windows, each loaded with `librosa.load(offset=…, duration=…)`), so the
    ratio shows what TRACE's own code gains, not what analysing less audio gains.
Targets: at least 240 tracks per minute on 2 cores, and 3 times the whole-file baseline's.
These are synthetic files; real libraries (AAC, Opus, 24-bit FLAC, 1–10 minutes) run
slower — quote a figure with what it was measured on.
"""

from __future__ import annotations

import argparse
import multiprocessing
import tempfile
import time
from pathlib import Path

import common
import librosa
import numpy as np
from audiofiles import write_samples
from threadpoolctl import threadpool_limits

from trace.audio import synth
from trace.audio.decode import decode_windows
from trace.audio.extract import extract_library
from trace.audio.features import extract_file
from trace.audio.windows import Windows
from trace.library.scan import scan_library
from trace.store import Store

FORMATS = ("mp3", "flac", "ogg")
SR = 44100


def make_files(folder: Path, per_format: int) -> list[Path]:
    rng = np.random.default_rng(0)
    base = []
    for i in range(3):
        beat = synth.drum_pattern(96 + 20 * i, 180, rng, sr=SR)
        chords = synth.progression(i * 4, bool(i % 2), 180, sr=SR)
        base.append(synth.normalise(beat + 0.4 * chords, -3))
    paths = []
    for i in range(per_format * len(FORMATS)):
        ext = FORMATS[i % len(FORMATS)]
        left = base[i % 3] + 0.003 * rng.standard_normal(len(base[0])).astype(np.float32)
        right = np.roll(left, 50)
        paths.append(write_samples(folder / f"{i:03d}.{ext}", np.stack([left, right], 1), SR))
    return paths


def naive(path: Path) -> float:
    """The whole-file baseline: decode everything, then one librosa call per feature."""
    return _librosa_features(*librosa.load(path, sr=22050, mono=True))


def same_audio(path: Path) -> float:
    """The same-audio baseline: TRACE's default windows, then one librosa call per feature."""
    duration = librosa.get_duration(path=path)
    pieces = [
        librosa.load(path, sr=22050, mono=True, offset=start, duration=end - start)[0]
        for start, end in Windows().spans(duration)
    ]
    return _librosa_features(np.concatenate(pieces), 22050)


def _librosa_features(y: np.ndarray, sr: int) -> float:
    librosa.feature.spectral_centroid(y=y, sr=sr)
    librosa.feature.spectral_bandwidth(y=y, sr=sr)
    librosa.feature.spectral_rolloff(y=y, sr=sr)
    librosa.feature.spectral_flatness(y=y)
    librosa.feature.spectral_contrast(y=y, sr=sr)
    librosa.feature.zero_crossing_rate(y)
    librosa.feature.rms(y=y)
    librosa.feature.mfcc(y=y, sr=sr, n_mfcc=13)
    librosa.feature.chroma_stft(y=y, sr=sr)
    onset = librosa.onset.onset_strength(y=y, sr=sr)
    return float(librosa.feature.tempo(onset_envelope=onset, sr=sr)[0])


def per_track(function, paths: list[Path]) -> float:
    function(paths[0])  # warm
    started = time.perf_counter()
    for path in paths:
        function(path)
    return (time.perf_counter() - started) / len(paths)


def _one_thread() -> None:
    threadpool_limits(limits=1)  # as TRACE's extraction workers run (trace.audio.warm)


def parallel_rate(function, paths: list[Path]) -> float:
    """Tracks per minute over both cores, pool start-up included."""
    started = time.perf_counter()
    with multiprocessing.get_context("forkserver").Pool(2, initializer=_one_thread) as pool:
        pool.map(function, paths, chunksize=1)
    return len(paths) / (time.perf_counter() - started) * 60


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--files-per-format", type=int, default=40)
    parser.add_argument("--window-seconds", type=float, default=Windows().seconds)
    args = parser.parse_args()
    windows = Windows(seconds=args.window_seconds)
    with tempfile.TemporaryDirectory() as tmp:
        folder = Path(tmp) / "music"
        folder.mkdir()
        paths = make_files(folder, args.files_per_format)
        sample = paths[: len(FORMATS) * 4]
        with threadpool_limits(limits=1):  # as the extraction workers run
            decode_s = per_track(lambda p: decode_windows(p, windows=windows), sample)
            full_s = per_track(lambda p: extract_file(p, windows=windows), sample)
        ticks: list[tuple[float, int]] = []
        with Store(Path(tmp) / "trace.sqlite3") as store:
            scan_library([folder], store)
            summary = extract_library(
                store,
                windows=windows,
                workers=2,
                progress=lambda done, total, message: ticks.append((time.perf_counter(), done)),
            )
        rate = summary.extracted / summary.seconds * 60
        working = [(t, d) for t, d in ticks if 0 < d < len(paths)]
        steady = (working[-1][1] - working[0][1]) / (working[-1][0] - working[0][0]) * 60
        with threadpool_limits(limits=1):
            naive_s = per_track(naive, sample[: len(FORMATS) * 2])
        naive_rate = parallel_rate(naive, paths)
        same_rate = parallel_rate(same_audio, paths)
    print(f"machine: {common.machine()}")
    print(
        f"{len(paths)} files of 180 s, 44.1 kHz stereo; windows {windows.count} × "
        f"{windows.seconds:g} s"
    )
    print(f"| TRACE decode only, 1 core | {decode_s:.3f} s/track |")
    print(f"| TRACE decode + features, 1 core | {full_s:.3f} s/track | {60 / full_s:.0f}/min |")
    print(f"| TRACE extract_library, 2 workers, whole run | {rate:.0f} tracks/min | target ≥ 240 |")
    print(f"| TRACE extract_library, 2 workers, after start-up | {steady:.0f} tracks/min | |")
    print(f"| naive librosa, whole file, 1 core | {naive_s:.3f} s/track | {60 / naive_s:.0f}/min |")
    print(f"| naive librosa, whole file, 2 workers | {naive_rate:.0f} tracks/min | |")
    print(f"| librosa on the same 60 s, 2 workers | {same_rate:.0f} tracks/min | |")
    print(f"| TRACE vs whole-file baseline | {rate / naive_rate:.1f}× | target ≥ 3× |")
    print(f"| TRACE vs same-60-s baseline | {rate / same_rate:.1f}× | |")


if __name__ == "__main__":
    main()

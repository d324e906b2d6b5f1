"""Feature extraction speed on real, varied files: 500 tracks of 1–10 min in five formats.

    python bench/varied.py                       # once: builds bench/varied/ (git-ignored)
    python bench/extract_varied.py [--profile-files 4] [--per-format] [--skip-run]

Reports, on the set ``bench/varied.py`` builds from the real corpus (MP3, AAC, Opus, Ogg
Vorbis, FLAC 16/24-bit; 44.1–96 kHz):
- tracks per minute of ``extract_library`` with 2 workers over all 500 files, worker
  start-up included (target ≥ 300), and after start-up;
- with ``--per-format``, the same for each format's 100 files alone;
- where one worker's time goes, per format: ``--profile-files`` files of each format
  decoded and analysed in this process under cProfile (one BLAS thread, warmed up as a
  worker is), split into stages: opening, seeking, decoding, resampling, the STFT and
  the rest of the spectrogram family, frame descriptors, tempo (tempogram and the beat
  tracker), key, loudness, and MusiCNN (:mod:`trace.audio.ear`: the log-mel, the network).
"""

from __future__ import annotations

import argparse
import cProfile
import os
import pstats
import tempfile
import time
from pathlib import Path

import common
import varied
from threadpoolctl import threadpool_limits

from trace.audio import ear
from trace.audio.decode import decode_windows
from trace.audio.extract import extract_library
from trace.audio.features import analyse, warm_up
from trace.library.scan import scan_library
from trace.store import Store

STAGES = {
    # stage: (file name ending, function name); cumulative time, so stages may nest
    "decode, all": ("decode.py", "decode_windows"),
    "  open": ("{built-in method av.container.core.open}", ""),
    "  seek": ("{method 'seek' of 'av.container.input.InputContainer' objects}", ""),
    "  resample (soxr)": ("soxr/__init__.py", "resample"),
    "analyse, all": ("features.py", "analyse"),
    "  spectrogram family": ("descriptors.py", "spectra"),
    "    STFT": ("librosa/core/spectrum.py", "stft"),
    "  frame descriptors": ("descriptors.py", "frame_descriptors"),
    "  tempo, all": ("estimates.py", "rhythm"),
    "    beat tracker": ("librosa/beat.py", "beat_track"),
    "  key": ("estimates.py", "key"),
    "  loudness": ("estimates.py", "loudness"),
    "MusiCNN, all (6 patches)": ("ear.py", "hear"),
    "  log-mel (with resampling to 16 kHz)": ("musicnn.py", "log_mel"),
    "  network": ("musicnn.py", "forward"),
    "    front-end (timbral and temporal convolutions)": ("musicnn.py", "_front_end"),
}


def load() -> str:
    return "load " + " ".join(f"{x:.2f}" for x in os.getloadavg())


def stage_seconds(stats: pstats.Stats) -> dict[str, float]:
    """Cumulative seconds of each stage in ``stats``."""
    out = dict.fromkeys(STAGES, 0.0)
    for (filename, _, function), (_, _, _, cumulative, _) in stats.stats.items():
        for stage, (file_end, name) in STAGES.items():
            matched = function == file_end if not name else filename.endswith(file_end)
            if matched and (not name or function == name):
                out[stage] += cumulative
    return out


def profile(paths: list[Path]) -> tuple[float, dict[str, float]]:
    """Seconds a track and seconds a track per stage, one process, one thread."""
    profiler = cProfile.Profile()
    started = time.perf_counter()
    with threadpool_limits(limits=1):
        profiler.enable()
        for path in paths:
            decoded = decode_windows(path)
            analyse(decoded)
            ear.hear(decoded.mono, rate=decoded.rate, bounds=decoded.bounds)
        profiler.disable()
    per_track = (time.perf_counter() - started) / len(paths)
    stages = stage_seconds(pstats.Stats(profiler))
    return per_track, {stage: seconds / len(paths) for stage, seconds in stages.items()}


def library_rate(folder: Path) -> tuple[int, float, float]:
    """Tracks, tracks a minute (start-up included) and after start-up, 2 workers."""
    ticks: list[tuple[float, int]] = []
    with tempfile.TemporaryDirectory() as tmp, Store(Path(tmp) / "trace.sqlite3") as store:
        scan_library([folder], store)
        summary = extract_library(
            store, workers=2, progress=lambda done, total, _: ticks.append((time.monotonic(), done))
        )
    total = summary.extracted + summary.failed
    working = [(t, d) for t, d in ticks if 0 < d < total]
    steady = (working[-1][1] - working[0][1]) / (working[-1][0] - working[0][0]) * 60
    if summary.failed:
        print(f"  {summary.failed} failed: {summary.problems[:3]}")
    return total, total / summary.seconds * 60, steady


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--files", type=int, default=500)
    parser.add_argument("--profile-files", type=int, default=4, help="per format; 0 skips")
    parser.add_argument("--per-format", action="store_true", help="time each format alone too")
    parser.add_argument("--skip-run", action="store_true", help="profile only")
    args = parser.parse_args()
    planned = varied.build(args.files)
    print(f"machine: {common.machine()}")
    print(f"{len(planned)} files in {varied.FOLDER}; {load()}")
    if not args.skip_run:
        total, rate, steady = library_rate(varied.FOLDER)
        print(
            f"| all formats, {total} files, 2 workers | {rate:.0f}/min | {steady:.0f}/min "
            f"after start-up | {load()} |"
        )
    if args.per_format:
        for fmt in varied.FORMATS:
            total, rate, steady = library_rate(varied.FOLDER / fmt)
            print(
                f"| {fmt}, {total} files, 2 workers | {rate:.0f}/min | {steady:.0f}/min "
                f"after start-up | {load()} |"
            )
    if args.profile_files:
        warm_up()
        ear.warm_up()
        originals = [p for p in planned if not p.copy_of]
        rows = []
        for fmt in varied.FORMATS:
            picked = [p for p in originals if p.fmt == fmt][: args.profile_files]
            minutes = sum(p.seconds for p in picked) / len(picked) / 60
            per_track, stages = profile([varied.FOLDER / p.name for p in picked])
            rows.append((f"{fmt} ({minutes:.1f} min avg)", per_track, stages))
        print(f"\nOne process, seconds a track ({load()}):")
        print("| stage | " + " | ".join(name for name, *_ in rows) + " |")
        print("| --- |" + " --- |" * len(rows))
        print("| **whole track** | " + " | ".join(f"{s:.3f}" for _, s, _ in rows) + " |")
        for stage in STAGES:
            print(f"| {stage} | " + " | ".join(f"{st[stage]:.3f}" for *_, st in rows) + " |")


if __name__ == "__main__":
    main()

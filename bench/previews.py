"""Previews: what TRACE hears of a track through a 30 s catalogue clip, against the file.

    .venv/bin/python bench/corpus.py                     # once: the real corpus (bench/corpus/)
    .venv/bin/python bench/previews.py                   # clips at 30 %, 5 seeds
    .venv/bin/python bench/previews.py --seeds 10 --cutoffs 2 4 8
    .venv/bin/python bench/previews.py --start 0.1 --features-only
    .venv/bin/python bench/previews.py --lossless        # the same excerpts as FLAC
    .venv/bin/python bench/previews.py --mixed           # also: files library, clip candidates

A track with no local file (a Spotify track) is heard through a catalogue's 30-second
preview: Deezer's are 128 kbit/s MP3, iTunes' AAC, usually taken from inside the track
rather than from 0 s. This bench makes such a clip of every track of the real corpus and
measures what it changes.

**Clips.** For each track of ``bench/corpus/manifest.csv``: 30 s from ``--start`` of its
duration (0.3 by default; clamped so the clip fits; a track under 30 s is taken whole),
44.1 kHz stereo, encoded as MP3 at 128 kbit/s with FFmpeg's libmp3lame (PyAV), no fade,
into ``bench/corpus/previews/start-0.30/clips/`` (gitignored). Made once: a second run
finds them there. ``--lossless`` writes the same excerpts as 16-bit FLAC instead
(``start-0.30-flac/``): the control that tells what the excerpt changes from what the
MP3 changes.

**Features.** The clips are scanned and extracted into a TRACE home of their own by
``bench/recommend.py``'s ``_extracted_home`` — the same ``trace scan --extract`` as the
whole files of ``bench/corpus/home``, so the extractor is identical (a clip of ≤ 100 s is
analysed whole, one window, where a full track gets three 20-s windows at 25/50/75 %).
For every numeric feature: Pearson and Spearman correlation clip against whole file, and
the share of tracks whose value moves by more than a noticeable step (:func:`step_of`):
tempo 4 % (a move by an octave, ×2 or ×½ within 4 %, counted apart), loudness 1 dB, a 0–1
estimate 0.1, key and mode any change, every raw descriptor half its standard deviation
over the corpus's whole files. ``duration_ms`` is left out: a clip is 30 s by
construction, and a catalogue gives the track's length anyway.

**Recommendations.** ``bench/recommend.py``'s real-corpus evaluation, run twice in the
same process on the same seeds: once as it is (features from the whole files) and once on
a copy of the corpus home in which every file's feature row holds its clip's features
instead (its ``duration_ms`` kept), so library AND candidates are heard only through
clips while tracks, ids, tags, splits and listeners stay the same (a track whose clip
cannot be analysed — silent, say — keeps its file's features, and the run says how
many). Reported: TRACE's hit@10, hit@20, NDCG@20 and interest found, files against
clips, the baselines beside them, and hit@10 clips ÷ files with a 90 % bootstrap
interval over the seeds (target: ≥ 0.9), followed by ``bench/recommend.py``'s own
summary of both runs. ``--mixed`` adds a third run on the same worlds: a library of
files with only the candidates heard through clips (a person's own files, the catalogue's
previews), see :func:`candidates_heard_through`.
"""

from __future__ import annotations

import argparse
import csv
import json
import os
import shutil
import sqlite3
import sys
import time
from contextlib import contextmanager, nullcontext
from multiprocessing import Pool
from pathlib import Path

import av
import common
import numpy as np
import pandas as pd
import recommend
import soundfile as sf
from scipy import stats

CORPUS = recommend.CORPUS
CLIP_SECONDS = 30.0
CLIP_RATE = 44100
CLIP_BIT_RATE = 128_000
UNIT_FEATURES = frozenset(
    {
        "energy",
        "danceability",
        "acousticness",
        "key_confidence",
        "tempo_confidence",
        "pulse_clarity",
        "onset_activity",
    }
)
"""Estimates on a 0–1 scale: a move of 0.1 is noticeable."""
SPOTIFY_NAMED = ("tempo", "loudness", "energy", "danceability", "acousticness", "key", "mode")
LEFT_OUT = frozenset({"duration_ms"})
TRACE = "TRACE"


# -- clips ----------------------------------------------------------------------------------


def _read(path: Path) -> np.ndarray:
    """The whole file as float32 stereo at 44.1 kHz, ``(2, samples)``: FFmpeg, or
    libsndfile for the few Ogg files FFmpeg refuses."""
    try:
        with av.open(str(path)) as container:
            stream = container.streams.audio[0]
            resampler = av.AudioResampler(format="fltp", layout="stereo", rate=CLIP_RATE)
            chunks = []
            for frame in container.decode(stream):
                chunks.extend(f.to_ndarray() for f in resampler.resample(frame))
            chunks.extend(f.to_ndarray() for f in resampler.resample(None))
        return np.concatenate(chunks, axis=1).astype(np.float32)
    except (av.error.FFmpegError, ValueError, IndexError):
        data, rate = sf.read(str(path), dtype="float32", always_2d=True)
        import librosa

        stereo = np.repeat(data.T, 2, axis=0)[:2] if data.shape[1] == 1 else data.T[:2]
        return librosa.resample(np.ascontiguousarray(stereo), orig_sr=rate, target_sr=CLIP_RATE)


def clip_span(duration: float, start: float) -> tuple[float, float]:
    """``(begin, end)`` in seconds of the preview of a track ``duration`` long: 30 s from
    ``start`` × duration, moved back so it fits; a shorter track whole."""
    if duration <= CLIP_SECONDS:
        return 0.0, duration
    begin = min(max(0.0, start * duration), duration - CLIP_SECONDS)
    return begin, begin + CLIP_SECONDS


def _encode(samples: np.ndarray, target: Path) -> None:
    """``samples`` (2, n) as a 128 kbit/s MP3 at ``target`` (written whole, then renamed)."""
    partial = target.with_suffix(".part.mp3")
    with av.open(str(partial), "w", format="mp3") as out:
        stream = out.add_stream("libmp3lame", rate=CLIP_RATE, layout="stereo")
        stream.bit_rate = CLIP_BIT_RATE
        step = 1152
        for first in range(0, samples.shape[1], step):
            chunk = np.ascontiguousarray(samples[:, first : first + step])
            frame = av.AudioFrame.from_ndarray(chunk, format="fltp", layout="stereo")
            frame.rate = CLIP_RATE
            frame.pts = first
            for packet in stream.encode(frame):
                out.mux(packet)
        for packet in stream.encode(None):
            out.mux(packet)
    partial.replace(target)


def _make_clip(job: tuple[Path, Path, float]) -> tuple[str, float, float, str]:
    original, target, start = job
    target.parent.mkdir(parents=True, exist_ok=True)
    if target.exists():
        return str(target), float("nan"), float("nan"), "cached"
    try:
        samples = _read(original)
        duration = samples.shape[1] / CLIP_RATE
        begin, end = clip_span(duration, start)
        clip = samples[:, round(begin * CLIP_RATE) : round(end * CLIP_RATE)]
        if target.suffix == ".flac":  # the control: the same excerpt, lossless
            partial = target.with_suffix(".part.flac")
            sf.write(str(partial), clip.T, CLIP_RATE, subtype="PCM_16")
            partial.replace(target)
        else:
            _encode(clip, target)
        return str(target), duration, begin, "made"
    except Exception as error:  # one track must not stop the run
        return str(target), float("nan"), float("nan"), f"failed: {type(error).__name__}: {error}"


def manifest() -> list[dict[str, str]]:
    path = CORPUS / "manifest.csv"
    if not path.exists():
        sys.exit("No corpus yet: run `.venv/bin/python bench/corpus.py` first.")
    with path.open() as handle:
        return list(csv.DictReader(handle))


def make_clips(folder: Path, start: float, workers: int, suffix: str = ".mp3") -> int:
    """A clip of every manifest track in ``folder/<source>/<number>.mp3`` — numbered as
    ``bench/recommend.py``'s ``real_corpus`` links the files, so number = manifest row."""
    jobs = []
    for number, row in enumerate(manifest()):
        original = Path(row["path"])
        if not original.is_absolute():
            original = CORPUS / original
        target = folder / row["source"] / f"{number:04d}{suffix}"
        jobs.append((original, target, start))
    todo = [job for job in jobs if not job[1].exists()]
    if todo:
        print(f"Cutting {len(todo)} clips of 30 s from {start:.0%} into {folder}…", flush=True)
        started = time.perf_counter()
        with Pool(workers) as pool:
            outcomes = pool.map(_make_clip, todo, chunksize=4)
        failed = [o for o in outcomes if o[3].startswith("failed")]
        for path, _, _, reason in failed:
            print(f"  {path}: {reason}", flush=True)
        print(
            f"  {len(todo) - len(failed)} clips in {time.perf_counter() - started:.0f} s, "
            f"{len(failed)} failed",
            flush=True,
        )
    return len(jobs)


def clip_home(base: Path, clips: Path, expected: int) -> Path:
    """A TRACE home with the clips scanned and analysed by the dashboard's extractor."""
    home = base / "home"
    home.mkdir(parents=True, exist_ok=True)
    recommend._extracted_home(home, clips)
    with sqlite3.connect(home / "trace.sqlite3") as db:
        scanned = db.execute("SELECT count(*) FROM files").fetchone()[0]
    if scanned < expected:  # clips added since the home was made
        from trace import cli

        cli.main(["scan", "--extract", str(clips)])
    return home


# -- features: clip against whole file -------------------------------------------------------


def _number(path: bytes) -> int:
    return int(Path(os.fsdecode(bytes(path))).stem)


def features_by_number(home: Path) -> pd.DataFrame:
    """The current extractor's features of every file in ``home``, indexed by the
    manifest row number in the file's name; ``signature`` beside them."""
    from trace.audio.windows import Windows, extractor_id

    with sqlite3.connect(home / "trace.sqlite3") as db:
        rows = db.execute(
            "SELECT f.path, f.signature, x.data FROM files f JOIN features x "
            "ON x.signature = f.signature AND x.extractor = ?",
            (extractor_id(Windows()),),
        ).fetchall()
    table = pd.DataFrame.from_records(
        [{"number": _number(p), "signature": s, **json.loads(d)} for p, s, d in rows]
    )
    return table.set_index("number").sort_index()


def step_of(feature: str, whole: pd.Series) -> tuple[float, str]:
    """The noticeable step of ``feature`` and how it is stated."""
    if feature == "tempo":
        return 0.04, "4 % (octave apart)"
    if feature == "loudness":
        return 1.0, "1 dB"
    if feature in ("key", "mode"):
        return 0.5, "any change"
    if feature in UNIT_FEATURES:
        return 0.1, "0.1"
    return 0.5 * float(whole.std()), "½ sd"


def agreement(whole: pd.DataFrame, clip: pd.DataFrame) -> pd.DataFrame:
    """One row per feature: correlations and the share moved by more than its step."""
    both = whole.index.intersection(clip.index)
    rows = []
    for feature in whole.columns:
        if feature in LEFT_OUT or feature == "signature" or feature not in clip.columns:
            continue
        a = whole.loc[both, feature].astype(float)
        b = clip.loc[both, feature].astype(float)
        ok = a.notna() & b.notna()
        a, b = a[ok], b[ok]
        step, stated = step_of(feature, a)
        octave = float("nan")
        if feature == "tempo":
            ratio = b / a
            octave_hit = ((ratio / 2 - 1).abs() <= step) | ((ratio * 2 - 1).abs() <= step)
            moved = ((ratio - 1).abs() > step) & ~octave_hit
            octave = float(octave_hit.mean())
        elif feature == "key":
            moved = (a.round() % 12) != (b.round() % 12)
        else:
            moved = (b - a).abs() > step
        circular = feature == "key"
        rows.append(
            {
                "feature": feature,
                "pearson": float("nan") if circular else stats.pearsonr(a, b)[0],
                "spearman": float("nan") if circular else stats.spearmanr(a, b)[0],
                "step": stated,
                "step_value": step,
                "moved": float(moved.mean()),
                "octave": octave,
                "median_whole": float(a.median()),
                "median_clip": float(b.median()),
                "tracks": int(ok.sum()),
            }
        )
    table = pd.DataFrame(rows)
    return table.sort_values(["pearson", "moved"], ascending=[False, True], na_position="last")


def agreement_table(table: pd.DataFrame, only: tuple[str, ...] | None = None) -> str:
    lines = [
        "| feature | Pearson | Spearman | step | moved > step | median whole → clip |",
        "| --- | --- | --- | --- | --- | --- |",
    ]
    for r in table.itertuples():
        if only and r.feature not in only:
            continue
        moved = f"{r.moved:.0%}"
        if r.feature == "tempo":
            moved += f" (+ {r.octave:.0%} by an octave)"
        corr = "–" if np.isnan(r.pearson) else f"{r.pearson:.3f}"
        rank = "–" if np.isnan(r.spearman) else f"{r.spearman:.3f}"
        lines.append(
            f"| {r.feature} | {corr} | {rank} | {r.step} | {moved} | "
            f"{r.median_whole:.3g} → {r.median_clip:.3g} |"
        )
    return "\n".join(lines)


# -- recommendations: the same worlds heard through clips ------------------------------------


def swapped_home(whole_home: Path, clips: pd.DataFrame, base: Path) -> tuple[Path, int]:
    """A copy of the corpus home in which every file's features are its clip's (the
    whole file's ``duration_ms`` kept). Returns the home and how many files kept their
    whole-file features because their clip has none."""
    from trace.audio.windows import Windows, extractor_id

    extractor = extractor_id(Windows())
    home = base / "swapped-home"
    if home.exists():
        shutil.rmtree(home)
    home.mkdir(parents=True)
    with (
        sqlite3.connect(whole_home / "trace.sqlite3") as source,
        sqlite3.connect(home / "trace.sqlite3") as target,
    ):
        source.backup(target)
    db = sqlite3.connect(home / "trace.sqlite3")
    rows = db.execute(
        "SELECT f.path, f.signature, x.data FROM files f JOIN features x "
        "ON x.signature = f.signature AND x.extractor = ?",
        (extractor,),
    ).fetchall()
    updates, kept = [], 0
    for path, signature, data in rows:
        number = _number(path)
        if number not in clips.index:
            kept += 1
            continue
        features = {
            k: float(v) for k, v in clips.loc[number].items() if k != "signature" and pd.notna(v)
        }
        features["duration_ms"] = json.loads(data)["duration_ms"]
        updates.append((json.dumps(features), signature, extractor))
    db.executemany("UPDATE features SET data = ? WHERE signature = ? AND extractor = ?", updates)
    db.commit()
    db.close()
    return home, kept


def _bootstrap_ratio(files: pd.Series, clips: pd.Series, draws: int = 4000) -> tuple[float, float]:
    """90 % interval of mean(clips) ÷ mean(files), resampling seeds (paired)."""
    rng = np.random.default_rng(0)
    pick = rng.integers(0, len(files), (draws, len(files)))
    ratios = clips.to_numpy()[pick].mean(axis=1) / files.to_numpy()[pick].mean(axis=1)
    low, high = np.quantile(ratios, [0.05, 0.95])
    return float(low), float(high)


def compare(rows: pd.DataFrame, conditions: list[str]) -> str:
    """Each condition against the files, per method; the ratio for TRACE; interest found."""
    interest = rows[rows["shape"] != "steady"]
    means = interest.pivot_table(
        index="method", columns="corpus", values=["hit@10", "hit@20", "ndcg@20"], sort=False
    )
    order = [TRACE] + [m for m in recommend.BASELINES if m in means.index]
    columns = [(metric, c) for metric in ("hit@10", "hit@20", "ndcg@20") for c in conditions]
    lines = [
        "| method | " + " | ".join(f"{m.replace('ndcg', 'NDCG')} {c}" for m, c in columns) + " |",
        "| --- |" + " --- |" * len(columns),
    ]
    for method in order:
        r = means.loc[method]
        lines.append(f"| {method} | " + " | ".join(f"{r[col]:.3f}" for col in columns) + " |")
    simple = [m for m in order if m not in (TRACE, "TRACE before (cluster lift)")]
    for corpus in conditions:
        best = max(simple, key=lambda m: means.loc[m, ("hit@10", corpus)])
        trace = means.loc[TRACE, ("hit@10", corpus)]
        value = means.loc[best, ("hit@10", corpus)]
        lines.append(
            f"\n{corpus}: best simple baseline {best} {value:.3f}; TRACE ÷ it {trace / value:.2f}×"
        )
    trace = interest[interest["method"] == TRACE]
    by_seed = trace.pivot_table(index="seed", columns="corpus", values="hit@10")
    by_shape = trace.pivot_table(index="shape", columns="corpus", values="hit@10", sort=False)
    found = (
        rows[rows["method"] == TRACE]
        .assign(found=lambda f: f["found"].astype(float))
        .pivot_table(index="shape", columns="corpus", values="found", sort=False)
    )
    files = by_seed["files"]
    for corpus in conditions[1:]:
        heard = by_seed[corpus]
        ratio = heard.mean() / files.mean()
        low, high = _bootstrap_ratio(files, heard)
        verdict = "met" if ratio >= 0.9 else "NOT met"
        lines.append(
            f"\nTRACE hit@10: files {files.mean():.3f}, {corpus} {heard.mean():.3f}; "
            f"{corpus} ÷ files {ratio:.3f} [90 % over {len(by_seed)} seeds: {low:.3f}, "
            f"{high:.3f}]; target ≥ 0.90: {verdict}"
        )
        lines.append(
            f"per seed (files → {corpus}): "
            + ", ".join(f"{s}: {files[s]:.3f} → {heard[s]:.3f}" for s in by_seed.index)
        )
        lines.append(
            f"TRACE hit@10 by shape (files → {corpus}): "
            + ", ".join(f"{s} {r['files']:.3f} → {r[corpus]:.3f}" for s, r in by_shape.iterrows())
        )
        lines.append(
            f"interest found (steady: none declared; files → {corpus}): "
            + ", ".join(f"{s} {r['files']:.0%} → {r[corpus]:.0%}" for s, r in found.iterrows())
        )
    return "\n".join(lines)


@contextmanager
def candidates_heard_through(heard: Path):
    """``bench/recommend.py``'s worlds with only the candidates heard through clips: each
    world made as ever, then every pool track's features replaced by its clip's (from
    :func:`swapped_home`'s ``heard``) — a library of files, candidates from a catalogue."""
    from trace.audio.windows import Windows, extractor_id

    extractor = extractor_id(Windows())
    with sqlite3.connect(heard / "trace.sqlite3") as db:
        clip_of = dict(
            db.execute(
                "SELECT signature, data FROM features WHERE extractor = ?", (extractor,)
            ).fetchall()
        )
    original = recommend.make_world

    def make_world(corpus_home, seed, work, *, small=None):
        world = original(corpus_home, seed, work, small=small)
        pool = [int(t) for t in world.tracks.loc[~world.tracks["in_library"], "id"]]
        with sqlite3.connect(world.home / "trace.sqlite3") as db:
            signatures = [
                db.execute("SELECT signature FROM files WHERE track_id = ?", (t,)).fetchone()[0]
                for t in pool
            ]
            db.executemany(
                "UPDATE features SET data = ? WHERE signature = ? AND extractor = ?",
                [(clip_of[s], s, extractor) for s in signatures],
            )
        return world

    recommend.make_world = make_world
    try:
        yield
    finally:
        recommend.make_world = original


# -- running it -------------------------------------------------------------------------------


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--start", type=float, default=0.3, help="clip start, share of length")
    parser.add_argument("--seeds", type=int, default=5)
    parser.add_argument("--cutoffs", type=int, nargs="+", default=[2, 4, 8])
    parser.add_argument("--workers", type=int, default=os.cpu_count() or 1)
    parser.add_argument("--features-only", action="store_true", help="no recommendations")
    parser.add_argument(
        "--lossless",
        action="store_true",
        help="the control: the same 30 s as 16-bit FLAC, to tell the excerpt from the MP3",
    )
    parser.add_argument(
        "--mixed",
        action="store_true",
        help="also a library of files with candidates heard through clips",
    )
    parser.add_argument("--csv", type=Path, help="write each track's features, whole and clip")
    args = parser.parse_args()
    if not 0.0 <= args.start <= 1.0:
        parser.error("--start is a share of the track's length, 0–1")
    started = time.perf_counter()
    base = CORPUS / "previews" / f"start-{args.start:.2f}{'-flac' if args.lossless else ''}"
    folder = base / "clips"
    expected = make_clips(folder, args.start, args.workers, ".flac" if args.lossless else ".mp3")

    whole_home = CORPUS / "home"
    whole_home.mkdir(parents=True, exist_ok=True)
    recommend.real_corpus(whole_home)
    home = clip_home(base, folder, expected)
    whole = features_by_number(whole_home)
    clip = features_by_number(home)
    print(
        f"\nfeatures: {len(whole)} whole files, {len(clip)} clips, "
        f"{len(whole.index.intersection(clip.index))} both "
        f"({time.perf_counter() - started:.0f} s so far)",
        flush=True,
    )
    table = agreement(whole, clip)
    if args.csv:
        joined = pd.merge(
            whole.drop(columns="signature"),
            clip.drop(columns="signature"),
            left_index=True,
            right_index=True,
            suffixes=("_whole", "_clip"),
        )
        joined.to_csv(args.csv)

    print(f"\nmachine: {common.machine()}")
    codec = "16-bit FLAC (the lossless control)" if args.lossless else "MP3 128 kbit/s"
    print(f"clips: 30 s from {args.start:.0%} of each track, {codec}")
    print("\n### Feature agreement, clip against whole file (sorted by Pearson)\n")
    print(agreement_table(table))
    print("\nThe Spotify-named ones:\n")
    print(agreement_table(table, SPOTIFY_NAMED))
    if args.features_only:
        print(f"\n{time.perf_counter() - started:.0f} s in all")
        return

    heard, kept = swapped_home(whole_home, clip, base)
    if kept:
        print(f"\n{kept} files kept their whole-file features: their clip has none")
    seeds = list(range(args.seeds))
    parts, all_rounds = [], []
    conditions = {"files": (whole_home, nullcontext()), "clips": (heard, nullcontext())}
    if args.mixed:
        conditions["mixed"] = (whole_home, candidates_heard_through(heard))
    for corpus, (corpus_home, worlds) in conditions.items():
        began = time.perf_counter()
        with worlds:
            rows, rounds = recommend.evaluate(
                corpus, corpus_home, seeds, args.cutoffs, base / "worlds" / corpus, False
            )
        rows["corpus"], rounds["corpus"] = corpus, corpus
        parts.append(rows)
        all_rounds.append(rounds)
        print(f"{corpus}: {len(rows)} rows in {time.perf_counter() - began:.0f} s", flush=True)
    rows = pd.concat(parts, ignore_index=True)
    rounds = pd.concat(all_rounds, ignore_index=True)
    print(
        f"\n### Recommendations, files against clips ({len(seeds)} seeds, cutoffs "
        f"{' '.join(map(str, args.cutoffs))} weeks; mean over listeners with an interest)\n"
    )
    print(compare(rows, list(conditions)))
    print("\n## bench/recommend.py's summary of every run")
    print(recommend.summarise(rows, rounds))
    print(f"\n{time.perf_counter() - started:.0f} s in all")


if __name__ == "__main__":
    main()

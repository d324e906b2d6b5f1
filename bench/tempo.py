"""TRACE's tempo against the truth, on the tempo set and on the 20 songs it was tuned on.

    .venv/bin/python bench/tempo_set.py               # once: the set (bench/corpus/tempo/)
    .venv/bin/python bench/tempo.py                   # held_out, tuning and the old 20
    .venv/bin/python bench/tempo.py --split held_out --csv /tmp/tempo.csv
    .venv/bin/python bench/tempo.py --split tuning --no-old

Every piece of ``bench/corpus/tempo/manifest.csv`` (``--split`` picks ``held_out``,
``tuning`` or ``all``) and, unless ``--no-old``, every song of ``bench/corpus/manifest.csv``
with a true tempo (the 20 songs TRACE's tempo constants were tuned on) is decoded and
analysed exactly as the extractor does (:func:`trace.audio.decode.decode_windows`, then
:func:`trace.audio.features.analyse`), in 2 worker processes with one BLAS thread each,
warmed up with :func:`trace.audio.features.warm_up`. In the same run, naive
``librosa.beat.beat_track`` (``bench/features.py``'s ``naive_tempo``) reads the first 60 s
of the same decoded audio (the analysed windows, joined).

Printed as markdown, for each group (``held_out``, ``tuning``, ``old 20``) apart:

1. the share within 4 % of the true tempo, octave-tolerant (within 4 % of ×½, ×1 or ×2)
   and third-tolerant (×⅓, ×1 or ×3), for TRACE and naive, overall and per tempo band
   (< 90, 90–140, > 140 BPM, by the true tempo);
2. how TRACE (and naive) miss: estimate / truth bucketed as ≈ ⅓, ½, ⅔, ¾, 1, 4/3, 3/2, 2, 3
   (each within 4 %) or other;
3. the ROC AUC of ``tempo_confidence`` for right (within 4 %) against wrong readings;
4. the mean seconds per track (decode + analyse; naive's beat tracking apart);
5. per source and per meter, the share right and octave-tolerant.

``--csv OUT`` writes every row: the manifest's columns, TRACE's tempo and confidence, the
naive tempo, both ratios and buckets, and the seconds.
"""

from __future__ import annotations

import argparse
import csv
import multiprocessing
import sys
import time
from collections import Counter
from pathlib import Path

import common
import numpy as np

CORPUS = common.ROOT / "bench" / "corpus"
TEMPO_SET = CORPUS / "tempo" / "manifest.csv"
OLD = CORPUS / "manifest.csv"
TOLERANCE = 0.04
NAIVE_SECONDS = 60.0
GROUPS = ("held_out", "tuning", "old 20")
BANDS = ("<90", "90-140", ">140")
BUCKETS = (
    ("1/3", 1 / 3),
    ("1/2", 1 / 2),
    ("2/3", 2 / 3),
    ("3/4", 3 / 4),
    ("1", 1.0),
    ("4/3", 4 / 3),
    ("3/2", 3 / 2),
    ("2", 2.0),
    ("3", 3.0),
)
OCTAVE = (0.5, 1.0, 2.0)
THIRD = (1 / 3, 1.0, 3.0)
METHODS = (("TRACE", "tempo"), ("naive", "naive_tempo"))


# --- measuring, in the workers -------------------------------------------------------------


def _start_worker() -> None:
    from threadpoolctl import threadpool_limits

    from trace.audio.features import warm_up

    threadpool_limits(limits=1)  # as TRACE's extraction workers run (trace.audio.warm)
    warm_up()


def measure(row: dict[str, str]) -> dict[str, object]:
    """TRACE's tempo and confidence and the naive tempo of one row's file, with timings."""
    import features  # bench/features.py: naive_tempo

    from trace.audio.decode import DecodeFailure, decode_windows
    from trace.audio.features import analyse

    result: dict[str, object] = dict(row)
    started = time.perf_counter()
    try:
        decoded = decode_windows(row["file"])
        found = analyse(decoded)
    except DecodeFailure as failure:
        result["error"] = str(failure)
        return result
    result["trace_s"] = time.perf_counter() - started
    result["tempo"] = float(found["tempo"])
    result["tempo_confidence"] = float(found["tempo_confidence"])
    started = time.perf_counter()
    first = decoded.mono[: int(NAIVE_SECONDS * decoded.rate)]
    result["naive_tempo"] = features.naive_tempo(first, decoded.rate)
    result["naive_s"] = time.perf_counter() - started
    return result


# --- scoring -------------------------------------------------------------------------------


def within(estimate: np.ndarray, truth: np.ndarray, factors: tuple[float, ...]) -> np.ndarray:
    """Whether each estimate is within 4 % of its truth times any of ``factors``."""
    return np.any([np.abs(estimate - truth * f) <= TOLERANCE * truth * f for f in factors], axis=0)


def bucket(ratio: float) -> str:
    """The ratio bucket (``"2/3"`` …) an estimate / truth ratio is within 4 % of, or other."""
    for name, factor in BUCKETS:
        if abs(ratio - factor) <= TOLERANCE * factor:
            return name
    return "other"


def band(bpm: float) -> str:
    return BANDS[0] if bpm < 90 else (BANDS[1] if bpm <= 140 else BANDS[2])


def roc_auc(scores: np.ndarray, right: np.ndarray) -> float:
    """The probability that a right reading has a higher confidence than a wrong one."""
    pos, neg = scores[right], scores[~right]
    if not len(pos) or not len(neg):
        return float("nan")
    greater = (pos[:, None] > neg[None, :]).sum() + 0.5 * (pos[:, None] == neg[None, :]).sum()
    return float(greater / (len(pos) * len(neg)))


def share(mask: np.ndarray) -> str:
    return f"{mask.mean():.0%} ({int(mask.sum())}/{len(mask)})" if len(mask) else "–"


def columns(rows: list[dict[str, object]], name: str) -> np.ndarray:
    return np.array([float(row[name]) for row in rows])  # type: ignore[arg-type]


def accuracy_table(groups: dict[str, list[dict[str, object]]]) -> str:
    lines = [
        "| group | band | n | TRACE within 4 % | TRACE ×½ ×1 ×2 | TRACE ×⅓ ×1 ×3 | "
        "naive within 4 % | naive ×½ ×1 ×2 | naive ×⅓ ×1 ×3 |",
        "| --- | --- | --- | --- | --- | --- | --- | --- | --- |",
    ]
    for group, rows in groups.items():
        for which in ("all", *BANDS):
            part = [r for r in rows if which == "all" or band(float(r["bpm"])) == which]
            if not part:
                continue
            truth = columns(part, "bpm")
            cells = []
            for _, column in METHODS:
                estimate = columns(part, column)
                cells += [
                    share(within(estimate, truth, (1.0,))),
                    share(within(estimate, truth, OCTAVE)),
                    share(within(estimate, truth, THIRD)),
                ]
            lines.append(f"| {group} | {which} | {len(part)} | " + " | ".join(cells) + " |")
    return "\n".join(lines)


def miss_table(groups: dict[str, list[dict[str, object]]]) -> str:
    names = [name for name, _ in BUCKETS] + ["other"]
    lines = [
        "| group | method | n | "
        + " | ".join(f"≈{n}" if n != "other" else n for n in names)
        + " |",
        "| --- | --- | --- | " + " | ".join("---" for _ in names) + " |",
    ]
    for group, rows in groups.items():
        for label, column in METHODS:
            counts = Counter(bucket(float(r[column]) / float(r["bpm"])) for r in rows)
            cells = [str(counts.get(name, 0)) for name in names]
            lines.append(f"| {group} | {label} | {len(rows)} | " + " | ".join(cells) + " |")
    return "\n".join(lines)


def confidence_table(groups: dict[str, list[dict[str, object]]]) -> str:
    lines = [
        "| group | n | right | ROC AUC (right vs wrong) | median conf. right | "
        "median conf. wrong | AUC, octave-tolerant right |",
        "| --- | --- | --- | --- | --- | --- | --- |",
    ]
    for group, rows in groups.items():
        truth, estimate = columns(rows, "bpm"), columns(rows, "tempo")
        confidence = columns(rows, "tempo_confidence")
        right = within(estimate, truth, (1.0,))
        octave = within(estimate, truth, OCTAVE)
        med_right = f"{np.median(confidence[right]):.2f}" if right.any() else "–"
        med_wrong = f"{np.median(confidence[~right]):.2f}" if (~right).any() else "–"
        lines.append(
            f"| {group} | {len(rows)} | {int(right.sum())} | {roc_auc(confidence, right):.2f} | "
            f"{med_right} | {med_wrong} | {roc_auc(confidence, octave):.2f} |"
        )
    return "\n".join(lines)


def timing_table(groups: dict[str, list[dict[str, object]]]) -> str:
    lines = [
        "| group | n | TRACE decode + analyse, s/track | naive beat_track (60 s), s/track |",
        "| --- | --- | --- | --- |",
    ]
    for group, rows in groups.items():
        lines.append(
            f"| {group} | {len(rows)} | {columns(rows, 'trace_s').mean():.2f} | "
            f"{columns(rows, 'naive_s').mean():.2f} |"
        )
    return "\n".join(lines)


def breakdown_table(groups: dict[str, list[dict[str, object]]], key: str) -> str:
    lines = [
        f"| group | {key} | n | TRACE within 4 % | TRACE ×½ ×1 ×2 | naive within 4 % | "
        "naive ×½ ×1 ×2 | TRACE misses (ratio buckets) |",
        "| --- | --- | --- | --- | --- | --- | --- | --- |",
    ]
    for group, rows in groups.items():
        for value in sorted({str(r.get(key, "")) for r in rows}):
            part = [r for r in rows if str(r.get(key, "")) == value]
            truth = columns(part, "bpm")
            cells = []
            for _, column in METHODS:
                estimate = columns(part, column)
                cells += [
                    share(within(estimate, truth, (1.0,))),
                    share(within(estimate, truth, OCTAVE)),
                ]
            misses = Counter(bucket(float(r["tempo"]) / float(r["bpm"])) for r in part)
            misses.pop("1", None)
            missed = ", ".join(f"{n}×{k}" for k, n in misses.most_common()) or "–"
            lines.append(
                f"| {group} | {value or '–'} | {len(part)} | "
                + " | ".join(cells)
                + f" | {missed} |"
            )
    return "\n".join(lines)


def report(groups: dict[str, list[dict[str, object]]], seconds: float) -> str:
    from trace.audio.windows import Windows, extractor_id

    count = sum(len(rows) for rows in groups.values())
    return "\n\n".join(
        [
            f"{common.machine()}; extractor {extractor_id(Windows())}; {count} tracks in "
            f"{seconds:.0f} s (2 workers)",
            "### Accuracy (true tempo bands)\n\n" + accuracy_table(groups),
            "### How the readings miss: estimate / truth\n\n" + miss_table(groups),
            "### tempo_confidence: right (within 4 %) vs wrong\n\n" + confidence_table(groups),
            "### Time per track\n\n" + timing_table(groups),
            "### Per source\n\n" + breakdown_table(groups, "source"),
            "### Per meter\n\n" + breakdown_table(groups, "meter"),
        ]
    )


# --- rows and commands ---------------------------------------------------------------------


def read(path: Path) -> list[dict[str, str]]:
    with path.open(newline="") as handle:
        return list(csv.DictReader(handle))


def tempo_set_rows(split: str) -> list[dict[str, str]]:
    if not TEMPO_SET.exists():
        sys.exit("No tempo set yet: run `.venv/bin/python bench/tempo_set.py` first.")
    rows = read(TEMPO_SET)
    chosen = [r for r in rows if split == "all" or r["split"] == split]
    for row in chosen:
        row["file"] = str(TEMPO_SET.parent / row["path"])
        row["group"] = row["split"]
    return chosen


def old_rows() -> list[dict[str, str]]:
    if not OLD.exists():
        print("No corpus manifest: the old 20 songs are left out.", file=sys.stderr)
        return []
    rows = [r for r in read(OLD) if r["bpm"]]
    for row in rows:
        row["file"] = str(OLD.parent / row["path"])
        row["group"] = "old 20"
        row["split"] = "old 20"
        row["meter"] = ""
    return rows


def write_csv(path: Path, rows: list[dict[str, object]]) -> None:
    extra = ["trace_ratio", "trace_bucket", "naive_ratio", "naive_bucket"]
    for row in rows:
        truth = float(row["bpm"])  # type: ignore[arg-type]
        for prefix, column in (("trace", "tempo"), ("naive", "naive_tempo")):
            ratio = float(row[column]) / truth  # type: ignore[arg-type]
            row[f"{prefix}_ratio"] = f"{ratio:.4f}"
            row[f"{prefix}_bucket"] = bucket(ratio)
    names: list[str] = []
    for row in rows:
        names += [key for key in row if key not in names]
    names += [key for key in extra if key not in names]
    with path.open("w", newline="") as handle:
        writer = csv.DictWriter(handle, fieldnames=names)
        writer.writeheader()
        writer.writerows(rows)


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--split", choices=("held_out", "tuning", "all"), default="all")
    parser.add_argument("--no-old", action="store_true", help="leave out the old 20 songs")
    parser.add_argument("--csv", type=Path, help="write every row here")
    parser.add_argument("--workers", type=int, default=2)
    args = parser.parse_args(argv)
    rows = tempo_set_rows(args.split) + ([] if args.no_old else old_rows())
    started = time.perf_counter()
    context = multiprocessing.get_context("forkserver")
    measured: list[dict[str, object]] = []
    with context.Pool(args.workers, initializer=_start_worker) as pool:
        for number, result in enumerate(pool.imap_unordered(measure, rows), 1):
            if "error" in result:
                print(f"  {result['path']}: {result['error']}", file=sys.stderr)
            else:
                measured.append(result)
            if number % 20 == 0:
                elapsed = time.perf_counter() - started
                print(f"  {number} of {len(rows)} tracks, {elapsed:.0f} s", file=sys.stderr)
    seconds = time.perf_counter() - started
    order = {path: i for i, path in enumerate(r["path"] for r in rows)}
    measured.sort(key=lambda r: order[str(r["path"])])
    groups = {
        group: [r for r in measured if r["group"] == group]
        for group in GROUPS
        if any(r["group"] == group for r in measured)
    }
    if args.csv:
        write_csv(args.csv, measured)
    print(report(groups, seconds))


if __name__ == "__main__":
    main()

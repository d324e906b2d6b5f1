"""The audio-feature estimates on real recordings: per genre, and tempo against the truth.

    .venv/bin/python bench/corpus.py              # once: the real corpus (bench/corpus/)
    .venv/bin/python bench/features.py            # about 6 min on one core
    .venv/bin/python bench/features.py --csv /tmp/features.csv --only-tagged

Every track of ``bench/corpus/manifest.csv`` is decoded and analysed exactly as the
extractor does (the same windows, :func:`trace.audio.features.analyse`). Printed:

1. **Per style** (the manifest's genre-like tag): the median and the interquartile range
   (25th–75th percentile) of every Spotify-named estimate, and of the tempo confidence.
2. **Bounds**: the share of the whole corpus at 0 and at 1 of each 0–1 estimate.
3. **Orderings listeners agree on**, with the gap between the groups' medians (target
   ≥ 0.15): danceability, dance above calm; energy, loud above calm; acousticness,
   acoustic above synthetic.
4. **Tempo on the annotated songs** (a true tempo from a MIDI tempo map shipped with the
   song or the composer's BPM tag): the share within 4 % of the truth, and the share
   within 4 % of the truth, its half or its double (octave errors allowed); TRACE beside
   naive ``librosa.beat.beat_track`` on the same decoded windows. Each song's line says
   both readings and TRACE's tempo confidence.
"""

from __future__ import annotations

import argparse
import csv
import sys
import time
from collections.abc import Callable, Iterable
from pathlib import Path

import common
import numpy as np
import pandas as pd

CORPUS = common.ROOT / "bench" / "corpus"
ESTIMATES = (
    "tempo",
    "tempo_confidence",
    "danceability",
    "energy",
    "acousticness",
    "loudness",
    "key_confidence",
)
DESCRIPTORS = ("beat_strength", "onset_activity", "pulse_clarity", "onset_rate", "key", "mode")
"""Kept in the --csv output, to see why an estimate came out as it did."""
UNIT_ESTIMATES = ("danceability", "energy", "acousticness", "key_confidence", "tempo_confidence")
GROUPS = {
    "dance": ("Electronic", "Dance", "Hip-Hop"),
    "calm": ("Ambient", "Orchestral", "Classical"),
    "loud": ("Metal", "Industrial", "Rock"),
    "quiet": ("Ambient", "Orchestral", "Classical"),
    "acoustic": ("Orchestral", "Classical", "Folk", "Acoustic"),
    "synthetic": ("Electronic", "Metal"),
}
ORDERINGS = (
    ("danceability", "dance", "calm"),
    ("energy", "loud", "quiet"),
    ("acousticness", "acoustic", "synthetic"),
)
MIN_GAP = 0.15
TOLERANCE = 0.04


def naive_tempo(mono: np.ndarray, rate: int) -> float:
    """librosa's beat tracker with its defaults, on the same samples TRACE analyses."""
    import librosa

    tempo, _ = librosa.beat.beat_track(y=mono, sr=rate)
    return float(np.atleast_1d(tempo)[0])


def measure(rows: list[dict[str, str]], decode: Callable, *, log: bool = True) -> pd.DataFrame:
    """One row per track: the manifest's columns, TRACE's estimates and the naive tempo."""
    from trace.audio.decode import DecodeFailure
    from trace.audio.features import analyse

    records, started = [], time.perf_counter()
    for number, row in enumerate(rows, 1):
        try:
            decoded = decode(row)
            features = analyse(decoded)
        except DecodeFailure as failure:
            print(f"  {row['path']}: {failure}", file=sys.stderr)
            continue
        names = (*ESTIMATES, *DESCRIPTORS)
        record = {**row, **{name: features.get(name, np.nan) for name in names}}
        if row.get("bpm"):
            record["naive_tempo"] = naive_tempo(decoded.mono, decoded.rate)
        records.append(record)
        if log and number % 50 == 0:
            elapsed = time.perf_counter() - started
            print(f"  {number} of {len(rows)} tracks, {elapsed:.0f} s", file=sys.stderr)
    table = pd.DataFrame(records)
    table["bpm"] = pd.to_numeric(table["bpm"], errors="coerce")
    return table


def within(estimate: pd.Series, truth: pd.Series, factors: Iterable[float]) -> pd.Series:
    """Whether ``estimate`` is within 4 % of ``truth`` times any of ``factors``."""
    close = [(estimate - truth * f).abs() <= TOLERANCE * truth * f for f in factors]
    return pd.concat(close, axis=1).any(axis=1)


def style_table(table: pd.DataFrame) -> str:
    """Markdown: per style, the median [25th–75th percentile] of each estimate."""
    names = [name for name in ESTIMATES if name in table]
    lines = [
        "| style | n | " + " | ".join(names) + " |",
        "| --- | --- | " + " | ".join("---" for _ in names) + " |",
    ]
    styled = table.assign(style=table["style"].replace("", "(untagged)"))
    groups = [*styled.groupby("style"), ("all", styled)]
    for style, part in groups:
        cells = []
        for name in names:
            values = part[name].dropna()
            digits = 0 if name in ("tempo", "loudness") else 2
            q1, q2, q3 = np.percentile(values, [25, 50, 75]) if len(values) else (np.nan,) * 3
            cells.append(f"{q2:.{digits}f} [{q1:.{digits}f}–{q3:.{digits}f}]")
        lines.append(f"| {style} | {len(part)} | " + " | ".join(cells) + " |")
    return "\n".join(lines)


def bounds_table(table: pd.DataFrame) -> str:
    lines = ["| estimate | at 0 | at 1 |", "| --- | --- | --- |"]
    for name in UNIT_ESTIMATES:
        if name in table:
            values = table[name].dropna()
            low, high = (values <= 0.005).mean(), (values >= 0.995).mean()
            lines.append(f"| {name} | {low:.0%} | {high:.0%} |")
    slow = (table["tempo"] < 90).mean()
    lines.append(f"\nTracks read under 90 BPM: {slow:.0%} of {len(table)}.")
    return "\n".join(lines)


def orderings(table: pd.DataFrame) -> str:
    lines = ["| estimate | higher group | median | lower group | median | gap | ≥ 0.15 |"]
    lines.append("| --- | --- | --- | --- | --- | --- | --- |")
    for name, high, low in ORDERINGS:
        upper = table.loc[table["style"].isin(GROUPS[high]), name].median()
        lower = table.loc[table["style"].isin(GROUPS[low]), name].median()
        gap = upper - lower
        styles = [
            f"{group} ({'/'.join(s for s in GROUPS[group] if s in set(table['style']))})"
            for group in (high, low)
        ]
        lines.append(
            f"| {name} | {styles[0]} | {upper:.2f} | {styles[1]} | {lower:.2f} | "
            f"{gap:+.2f} | {'yes' if gap >= MIN_GAP else 'no'} |"
        )
    return "\n".join(lines)


def tempo_accuracy(table: pd.DataFrame) -> str:
    annotated = table[table["bpm"].notna()].copy()
    if annotated.empty:
        return "No annotated songs."
    truth = annotated["bpm"]
    lines = ["| method | within 4 % | octave errors allowed (×½, ×2) |", "| --- | --- | --- |"]
    for label, column in (("TRACE", "tempo"), ("naive librosa beat_track", "naive_tempo")):
        exact = within(annotated[column], truth, (1.0,)).mean()
        octave = within(annotated[column], truth, (0.5, 1.0, 2.0)).mean()
        lines.append(f"| {label} | {exact:.0%} | {octave:.0%} |")
    lines.append(f"\n{len(annotated)} annotated songs:\n")
    lines.append("| source | title | true BPM | TRACE | confidence | naive |")
    lines.append("| --- | --- | --- | --- | --- | --- |")
    for _, row in annotated.sort_values(["source", "title"]).iterrows():
        lines.append(
            f"| {row['source']} | {row['title']} | {row['bpm']:g} | {row['tempo']:.1f} | "
            f"{row.get('tempo_confidence', np.nan):.2f} | {row['naive_tempo']:.1f} |"
        )
    return "\n".join(lines)


def report(table: pd.DataFrame) -> str:
    from trace.audio.windows import Windows, extractor_id

    return "\n\n".join(
        [
            f"{common.machine()}; extractor {extractor_id(Windows())}; {len(table)} tracks",
            "### Per style: median [25th–75th percentile]\n\n" + style_table(table),
            "### Share of the corpus at the bounds\n\n" + bounds_table(table),
            "### Orderings between genre groups (gap of medians)\n\n" + orderings(table),
            "### Tempo on the annotated songs\n\n" + tempo_accuracy(table),
        ]
    )


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--manifest", type=Path, default=CORPUS / "manifest.csv")
    parser.add_argument(
        "--only-tagged", action="store_true", help="only tracks with a style or a true tempo"
    )
    parser.add_argument("--csv", type=Path, help="write every track's estimates here")
    args = parser.parse_args(argv)
    if not args.manifest.exists():
        sys.exit("No corpus yet: run `.venv/bin/python bench/corpus.py` first.")
    with args.manifest.open(newline="") as handle:
        rows = list(csv.DictReader(handle))
    if args.only_tagged:
        rows = [row for row in rows if row["style"] or row["bpm"]]

    from trace.audio.decode import decode_windows

    folder = args.manifest.parent
    table = measure(rows, lambda row: decode_windows(str(folder / row["path"])))
    if args.csv:
        table.to_csv(args.csv, index=False)
    print(report(table))


if __name__ == "__main__":
    main()

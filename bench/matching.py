"""Precision and recall of matching Spotify's names to local files, on generated sets.

    python bench/matching.py [--seeds 10] [--songs 400]

Each set (``tests/spotify_names.py``) has local files and one Spotify track per file:
60 % the same recording under Spotify's version names ("- 2011 Remaster", "(Radio
Edit)", "- Mono", a featured artist, a typo…), 30 % another recording of it ("- Live",
"(Acoustic Version)", "- Demo", a remix… within 0.4 s of its length), 10 % another song
with a near name; and a fifth more Spotify tracks with no file. Precision: matches that
are right; recall: right answers found. Targets: precision ≥ 0.99, recall ≥ 0.95.
"""

from __future__ import annotations

import argparse
import statistics
import time

import common
from spotify_names import generate, score

from trace.sources.matching import pair_up


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--seeds", type=int, default=10)
    parser.add_argument("--songs", type=int, default=400)
    args = parser.parse_args()
    print(f"machine: {common.machine()}")
    precisions, recalls, seconds = [], [], []
    for seed in range(args.seeds):
        problem = generate(seed, songs=args.songs)
        start = time.perf_counter()
        pairs = pair_up(problem.spotify, problem.local)
        seconds.append(time.perf_counter() - start)
        precision, recall = score(pairs, problem.truth)
        precisions.append(precision)
        recalls.append(recall)
        print(
            f"seed {seed}: {len(problem.truth)} true pairs, {len(pairs)} matched; "
            f"precision {precision:.3f}, recall {recall:.3f}"
        )
    for name, values in (("precision", precisions), ("recall", recalls)):
        print(
            f"{name}: mean {statistics.mean(values):.3f}, min {min(values):.3f}, "
            f"max {max(values):.3f} over {args.seeds} sets"
        )
    print(f"pair_up: {statistics.median(seconds) * 1000:.0f} ms median per set")


if __name__ == "__main__":
    main()

"""Is MusiCNN's instrumental/vocals estimate right on tracks whose answer is known?

    .venv/bin/python bench/voices.py      # once: the labelled set (bench/corpus/voices/)
    .venv/bin/python bench/vocals.py

Each track of ``bench/corpus/voices/manifest.csv`` (labelled ``voice`` or ``none`` from
evidence outside the audio: see ``bench/voices.py``) is decoded and heard as TRACE's
extraction does (:func:`trace.audio.decode.decode_windows`, :func:`trace.audio.ear.hear`,
:func:`trace.analysis.heard.words`). Reported: the instrumental score per label, how well it
separates them (ROC AUC), and what the pages would say — "instrumental", "sung" (with the
voice where sure) or nothing (unsure) — against the label.
"""

from __future__ import annotations

import csv
import time
from multiprocessing import Pool
from pathlib import Path

import common
import numpy as np
import pandas as pd
from sklearn.metrics import roc_auc_score

VOICES = common.ROOT / "bench" / "corpus" / "voices"


def _heard(path: str) -> np.ndarray:
    from threadpoolctl import threadpool_limits

    from trace.audio import ear
    from trace.audio.decode import decode_windows

    with threadpool_limits(1):
        decoded = decode_windows(path)
        return ear.hear(decoded.mono, rate=decoded.rate, bounds=decoded.bounds).tags


def main() -> None:
    from trace.analysis import heard
    from trace.audio.musicnn import TAGS
    from trace.audio.trust import CONFIDENT

    manifest = VOICES / "manifest.csv"
    if not manifest.exists():
        raise SystemExit("No labelled set yet: run `.venv/bin/python bench/voices.py` first.")
    with manifest.open() as handle:
        rows = pd.DataFrame(list(csv.DictReader(handle)))
    paths = [str((VOICES / p).resolve()) if not Path(p).is_absolute() else p for p in rows["path"]]
    started = time.perf_counter()
    with Pool(2) as pool:
        tags = pd.DataFrame(pool.map(_heard, paths), columns=list(TAGS))
    words = heard.words(tags)
    rows = pd.concat([rows, words], axis=1)
    sure = rows["f_instrumental_confidence"] >= CONFIDENT
    said = np.where(sure, np.where(rows["f_instrumental"] >= 0.5, "instrumental", "sung"), "unsure")
    rows["said"] = said
    print(f"{len(rows)} tracks in {time.perf_counter() - started:.0f} s — {common.machine()}")
    print(
        rows.groupby(["label", "source"])
        .agg(
            tracks=("f_instrumental", "size"),
            instrumental_mean=("f_instrumental", "mean"),
            instrumental_min=("f_instrumental", "min"),
            instrumental_max=("f_instrumental", "max"),
        )
        .round(2)
        .to_string()
    )
    voice = (rows["label"] == "voice").astype(int)
    auc = roc_auc_score(voice, -rows["f_instrumental"])
    print(f"\nROC AUC of 1 − instrumental for 'voice': {auc:.3f}")
    for tag in ("instrumental", "female vocalists", "male vocalists"):
        sign = 1 if "vocal" in tag else -1
        print(f"  AUC of the {tag!r} tag alone: {roc_auc_score(voice, sign * tags[tag]):.3f}")
    print("\nWhat the pages say (rows: the label):")
    print(pd.crosstab(rows["label"], rows["said"]).to_string())
    print("\nVoices named where sung and sure:")
    print(pd.crosstab(rows["label"], rows["vocals"].replace("", "(none named)")).to_string())


if __name__ == "__main__":
    main()

"""Offline evaluation of the ranking on the demo library's history.

    python bench/recommend.py [--weeks 8] [--home PATH]

The last ``--weeks`` of the demo's history are held out. Tracks the person added in
that window are the "future discoveries": they are taken out of the library and hidden
among the demo's 120 candidates. Everything before the cutoff — the smaller library,
its plays and additions — is analysed as TRACE would, and each method ranks the pool:

- **TRACE**: the ranking of :mod:`trace.analysis.recommend` (recent-interest clusters weighted by
  lift, default caps);
- **random**: the expected result of a random order (mean of 200 shuffles);
- **original rule**: the clusters of the 30 most recently added tracks, the most
  frequent one, its candidates by the forest's probability;
- **nearest neighbours**: candidates by their distance to the nearest of the 30 most
  recent tracks, in the same scaled feature space.

Reported for k = 10 and 20: hit rate@k, the share of the top k that are held-out tracks,
and recall@k, the share of held-out tracks found in the top k.
"""

from __future__ import annotations

import argparse
import os
import tempfile
from dataclasses import replace
from pathlib import Path

import common
import numpy as np
import pandas as pd

K_VALUES = (10, 20, 40)
RECENT = 30


def load(home: Path):
    os.environ["TRACE_HOME"] = str(home)
    from trace import demo
    from trace.analysis.interest import listening_events
    from trace.analysis.table import feature_table
    from trace.audio.windows import Windows, extractor_id
    from trace.demo.build import install_demo
    from trace.store import Store

    with Store() as store:
        if demo.needs_demo(store) or not demo.is_active(store):
            print("Building the demo library (about a minute and a half)…", flush=True)
            install_demo(store)
        extractor = extractor_id(Windows())
        library = feature_table(store, extractor=extractor)
        pool = feature_table(store, extractor=extractor, candidates=True)
        events = listening_events(store)
    library["added_at"] = pd.to_datetime(library["added_at"], utc=True, format="ISO8601")
    return library, pool, events


def evaluate(library, pool, events, weeks: int) -> pd.DataFrame:
    from trace.analysis import pipeline
    from trace.analysis.classify import fit_cluster_model
    from trace.analysis.cluster import cluster_space
    from trace.analysis.embed import scale
    from trace.analysis.interest import recent_interest
    from trace.analysis.params import RankingParams
    from trace.analysis.recommend import rank_candidates

    params = pipeline.AnalysisParams()
    cutoff = events["at"].max() - pd.Timedelta(weeks=weeks)
    held_out = library[library["added_at"] > cutoff]
    before = library[library["added_at"] <= cutoff].reset_index(drop=True)
    candidates = pd.concat([held_out, pool], ignore_index=True)
    target = set(held_out["id"])
    past = events[events["at"] <= cutoff]
    print(
        f"Cutoff {cutoff:%Y-%m-%d}: {len(before)} library tracks before, {len(target)} added "
        f"after (held out), hidden among {len(candidates)} candidates; {len(past)} events."
    )

    scaled = scale(before, params.features)
    space = pipeline.cluster_space_of(scaled, params.embed)
    labels = cluster_space(space, params.cluster).labels
    model = fit_cluster_model(scaled.values, labels, scaled.columns)
    values = scaled.apply(candidates)
    interest = recent_interest(past, pd.Series(labels, index=before["id"]), params.interest)
    wide = replace(params.ranking, candidates=len(candidates))
    orders: dict[str, list[list[int]]] = {}

    ranking = rank_candidates(
        before, scaled.values, labels, candidates, values, model, interest, params=wide
    )
    orders["TRACE (default caps)"] = [list(ranking.proposed["track_id"])]
    loose = RankingParams(candidates=len(candidates), per_artist=100, per_album=100)
    ranking = rank_candidates(
        before, scaled.values, labels, candidates, values, model, interest, params=loose
    )
    orders["TRACE (no caps)"] = [list(ranking.proposed["track_id"])]

    rng = np.random.default_rng(0)
    ids = candidates["id"].to_numpy()
    orders["random (mean of 200)"] = [list(rng.permutation(ids)) for _ in range(200)]

    recent = before.sort_values("added_at").tail(RECENT).index
    recent_labels = labels[recent]
    clustered = recent_labels[recent_labels >= 0]
    top = np.bincount(clustered).argmax()
    probabilities = model.forest.predict_proba(values)
    column = list(model.forest.classes_).index(top)
    placed = probabilities.argmax(axis=1) == column
    order = np.argsort(-probabilities[:, column])
    orders["original rule (30 latest → top cluster)"] = [[ids[i] for i in order if placed[i]]]

    distance = np.linalg.norm(values[:, None, :] - scaled.values[recent][None, :, :], axis=2)
    orders["nearest neighbours of the 30 latest"] = [list(ids[np.argsort(distance.min(axis=1))])]

    rows = []
    for name, runs in orders.items():
        row = {"method": name}
        for k in K_VALUES:
            hits = [len(target & set(run[:k])) for run in runs]
            row[f"hit rate@{k}"] = float(np.mean([h / k for h in hits]))
            row[f"recall@{k}"] = float(np.mean([h / max(1, len(target)) for h in hits]))
        row["proposed"] = int(np.mean([len(run) for run in runs]))
        rows.append(row)
    return pd.DataFrame(rows)


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--weeks", type=int, default=8)
    parser.add_argument("--home", type=Path, help="a TRACE home with the demo (else a new one)")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        home = args.home or Path(tmp)
        library, pool, events = load(home)
        result = evaluate(library, pool, events, args.weeks)
    print(f"machine: {common.machine()}")
    columns = [c for c in result.columns if c != "method"]
    print("| method | " + " | ".join(columns) + " |")
    print("| --- |" + " --- |" * len(columns))
    for row in result.itertuples(index=False):
        cells = [f"{v:.2f}" if isinstance(v, float) else str(v) for v in row[1:]]
        print(f"| {row[0]} | " + " | ".join(cells) + " |")


if __name__ == "__main__":
    main()

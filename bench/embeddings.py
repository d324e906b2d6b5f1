"""MusiCNN (MSD) embeddings against TRACE's own features, on the real corpus (issue 30).

    .venv/bin/python bench/corpus.py                  # once: the real corpus (bench/corpus/)
    .venv/bin/python bench/embeddings.py              # neighbours + recommendations, 5 seeds
    .venv/bin/python bench/embeddings.py --neighbours-only
    .venv/bin/python bench/embeddings.py --neighbours-only --patches 100   # every patch
    .venv/bin/python bench/embeddings.py --seeds 12 --cutoffs 2 4 8

**Embeddings.** By default, what TRACE's extraction stored for the corpus home
(``bench/recommend.py``'s :func:`real_corpus`, which extracts what is missing): each
track's mean MusiCNN embedding and tags over 6 patches (:mod:`trace.audio.ear`). With
``--patches N``, every track of ``bench/corpus/manifest.csv`` is decoded as the extractor
decodes it and heard over at most N patches instead (``ear.hear(limit=N)``; 100 is
every patch), cached per N in ``bench/corpus/musicnn-msd-N-patches.npz`` (gitignored),
with the time of decoding and of the model per track, in ``--workers`` processes of one
BLAS thread each.

**Neighbour quality.** Three representations of the same tracks: TRACE's features (the
columns the map uses, :func:`trace.analysis.embed.select_columns` with the default
feature set, medians for gaps, each column standardised), the embedding alone (each
dimension standardised, constant ones dropped), and both with each block scaled to unit
total variance (then the embedding block weighted by ``w``; ``w`` = 1 is "each block
weighted equally", what :func:`trace.analysis.embed.scale` does). Per representation:
k-NN source accuracy (5 neighbours, cosine, leave-one-out; also euclidean, the map's
metric) and k-means ARI against the source (k = the number of sources, mean over 10
seeds). TRACE's features against both: an exact McNemar test on the paired k-NN
correctness.

**Validation split by source.** The 15 sources, sorted by name, are dealt alternately:
the even places (colobot, fretsonfire, hyperrogue, naev, planetblupi, supertux,
warzone2100, widelands) are the tuning half, the odd ones (freedroidrpg, hedgewars, mars,
nexuiz, singularity, ufoai, wesnoth) are held out. The block weight ``w`` is chosen on the
tuning half only; every figure is reported on the held-out sources alone (a corpus of
their tracks: neighbours, scaling and k-means among them) and on all sources.

**Recommendations.** ``bench/recommend.py``'s real-corpus evaluation (its worlds,
listeners, cutoffs, methods and metrics), run in one process on the same seeds twice, on
the same home: ``features`` (``FeatureParams(learned=False)``) and ``features+embedding``
(the default): the pipeline as it ships, nothing patched. The deciding listener's rounds
are left out unless ``--rounds``. Every table is also given for the listeners whose
interests all lie in the held-out sources, and in the tuning ones (the steady listener in
both).
"""

from __future__ import annotations

import argparse
import csv
import os
import sqlite3
import time
from contextlib import contextmanager, nullcontext
from multiprocessing import Pool
from pathlib import Path

import common
import listeners
import numpy as np
import pandas as pd
import previews
import recommend
from scipy import stats
from sklearn.cluster import KMeans
from sklearn.metrics import adjusted_rand_score
from sklearn.neighbors import NearestNeighbors

CORPUS = recommend.CORPUS
EMB = [f"emb_{i:03d}" for i in range(200)]
NEIGHBOURS = 5
KMEANS_SEEDS = 10
WEIGHTS = (0.25, 0.5, 1.0, 2.0, 4.0)
"""Embedding block weight (its total variance ÷ the features') tried on the tuning half."""
FEATURES, EMBEDDING, BOTH = "TRACE features", "MusiCNN embedding", "both, blocks equal"


def split(sources: list[str]) -> tuple[list[str], list[str]]:
    """The fixed validation split: sorted sources dealt alternately (tuning, held out)."""
    ordered = sorted(sources)
    return ordered[0::2], ordered[1::2]


# -- embeddings -------------------------------------------------------------------------------


def _embed_one(job: tuple[int, str, int]) -> tuple[int, np.ndarray, np.ndarray, int, float, float]:
    from threadpoolctl import threadpool_limits

    from trace.audio import ear
    from trace.audio.decode import decode_windows
    from trace.audio.windows import Windows

    number, path, limit = job
    with threadpool_limits(1):
        started = time.perf_counter()
        decoded = decode_windows(path, windows=Windows())
        decoded_at = time.perf_counter()
        heard = ear.hear(decoded.mono, rate=decoded.rate, bounds=decoded.bounds, limit=limit)
        done = time.perf_counter()
    return (
        number,
        heard.embedding,
        heard.tags,
        heard.patches,
        decoded_at - started,
        done - decoded_at,
    )


def embeddings(workers: int, limit: int) -> dict[str, np.ndarray]:
    """Every manifest track's mean embedding and taggram over at most ``limit`` patches
    (:func:`trace.audio.ear.hear`), by manifest row number; cached per ``limit``."""
    cache = CORPUS / f"musicnn-msd-{limit}-patches.npz"
    with (CORPUS / "manifest.csv").open() as handle:
        rows = list(csv.DictReader(handle))
    paths = {
        n: str(p if (p := Path(r["path"])).is_absolute() else CORPUS / p)
        for n, r in enumerate(rows)
    }
    have: dict[str, np.ndarray] = {}
    if cache.exists():
        with np.load(cache) as cached:
            have = {k: cached[k] for k in cached.files}
    known = set(have.get("number", np.zeros(0, int)).tolist())
    todo = [(n, p, limit) for n, p in paths.items() if n not in known]
    if todo:
        print(f"Embedding {len(todo)} tracks in {workers} processes…", flush=True)
        started = time.perf_counter()
        with Pool(workers) as pool:
            done = pool.map(_embed_one, todo, chunksize=4)
        print(f"… {time.perf_counter() - started:.0f} s", flush=True)
        new = {
            "number": np.array([d[0] for d in done]),
            "embedding": np.stack([d[1] for d in done]).astype(np.float32),
            "tags": np.stack([d[2] for d in done]).astype(np.float32),
            "patches": np.array([d[3] for d in done]),
            "decode_s": np.array([d[4] for d in done]),
            "embed_s": np.array([d[5] for d in done]),
        }
        have = {k: np.concatenate([have[k], v]) if have else v for k, v in new.items()}
        np.savez_compressed(cache, **have)
    order = np.argsort(have["number"])
    return {k: v[order] for k, v in have.items()}


def stored(home: Path) -> dict[str, np.ndarray]:
    """The embeddings and tags TRACE's extraction stored in ``home``, by manifest number."""
    from trace.analysis.table import learned
    from trace.audio.windows import Windows, extractor_id
    from trace.store import Store

    with Store(home / "trace.sqlite3") as store:
        known, embedding, tags = learned(store, extractor=extractor_id(Windows()))
        files = store.frame("SELECT path, signature FROM files WHERE status = 'ok'")
        patches = store.frame(
            "SELECT signature, patches FROM embeddings WHERE extractor = ?",
            (extractor_id(Windows()),),
        ).set_index("signature")["patches"]
    position = known.get_indexer(files["signature"])
    keep = position >= 0
    numbers = np.array([previews._number(bytes(p)) for p in files["path"][keep]])
    rows = position[keep]
    return {
        "number": numbers,
        "embedding": embedding[rows],
        "tags": tags[rows],
        "patches": patches.reindex(known[rows]).to_numpy(),
    }


# -- neighbour quality ------------------------------------------------------------------------


def _standardised(frame: pd.DataFrame) -> np.ndarray:
    values = frame.astype(float)
    values = values.fillna(values.median())
    values = values.loc[:, values.std() > 0]
    return ((values - values.mean()) / values.std(ddof=0)).to_numpy()


def representations(
    features: pd.DataFrame, embedding: pd.DataFrame, weights=(1.0,)
) -> dict[str, np.ndarray]:
    """Standardised blocks; ``both`` with each block at unit total variance, the
    embedding's then at ``w``."""
    f = _standardised(features)
    e = _standardised(embedding)
    out = {FEATURES: f, EMBEDDING: e}
    for w in weights:
        name = BOTH if w == 1.0 else f"both, embedding ×{w:g}"
        out[name] = np.hstack([f / np.sqrt(f.shape[1]), e * np.sqrt(w / e.shape[1])])
    return out


def knn_correct(x: np.ndarray, labels: np.ndarray, metric: str = "cosine") -> np.ndarray:
    """Leave-one-out: whether the majority source of the 5 nearest is the track's (ties
    go to the nearest's source among the tied)."""
    model = NearestNeighbors(n_neighbors=NEIGHBOURS + 1, metric=metric).fit(x)
    index = model.kneighbors(x, return_distance=False)
    right = np.zeros(len(x), bool)
    for i, row in enumerate(index):
        near = [j for j in row if j != i][:NEIGHBOURS]
        votes = pd.Series(labels[near]).value_counts()
        tied = set(votes.index[votes == votes.max()])
        winner = next(labels[j] for j in near if labels[j] in tied)
        right[i] = winner == labels[i]
    return right


def kmeans_ari(x: np.ndarray, labels: np.ndarray) -> float:
    k = len(set(labels))
    return float(
        np.mean(
            [
                adjusted_rand_score(labels, KMeans(k, n_init=10, random_state=seed).fit_predict(x))
                for seed in range(KMEANS_SEEDS)
            ]
        )
    )


def mcnemar(a: np.ndarray, b: np.ndarray) -> tuple[int, int, float]:
    """Exact McNemar: (only a right, only b right, two-sided p)."""
    only_a, only_b = int((a & ~b).sum()), int((~a & b).sum())
    n = only_a + only_b
    p = stats.binomtest(only_a, n, 0.5).pvalue if n else 1.0
    return only_a, only_b, float(p)


def neighbour_quality(
    features: pd.DataFrame, embedding: pd.DataFrame, sources: pd.Series
) -> tuple[str, float]:
    """The tables (held out, all, tuning), and the weight chosen on the tuning half."""
    tuning, held_out = split(sorted(sources.unique()))
    lines = []
    tune = sources.isin(tuning).to_numpy()
    tried = representations(features[tune], embedding[tune], WEIGHTS)
    labels = sources[tune].to_numpy()
    accuracy = {
        w: knn_correct(tried[BOTH if w == 1.0 else f"both, embedding ×{w:g}"], labels).mean()
        for w in WEIGHTS
    }
    best = max(WEIGHTS, key=lambda w: (accuracy[w], -abs(np.log(w))))
    lines.append(
        "\nBlock weight on the tuning half (k-NN cosine accuracy; embedding block total "
        "variance ÷ features'): "
        + ", ".join(f"×{w:g} {a:.3f}" for w, a in accuracy.items())
        + f" → chosen ×{best:g}"
    )
    weights = (1.0,) if best == 1.0 else (1.0, best)
    for name, keep in (
        ("held-out sources", sources.isin(held_out)),
        ("all sources", sources.notna()),
        ("tuning sources", sources.isin(tuning)),
    ):
        keep = keep.to_numpy()
        labels = sources[keep].to_numpy()
        reps = representations(features[keep], embedding[keep], weights)
        lines.append(
            f"\n#### {name}: {keep.sum()} tracks, {len(set(labels))} sources "
            f"({', '.join(sorted(set(labels)))})\n"
        )
        lines.append(
            "| representation | dims | k-NN source right (cosine) | k-NN (euclidean) | "
            "k-means ARI (10 seeds) |"
        )
        lines.append("| --- | --- | --- | --- | --- |")
        correct = {}
        for rep, x in reps.items():
            correct[rep] = knn_correct(x, labels)
            euclid = knn_correct(x, labels, "euclidean").mean()
            lines.append(
                f"| {rep} | {x.shape[1]} | {correct[rep].mean():.3f} | {euclid:.3f} | "
                f"{kmeans_ari(x, labels):.3f} |"
            )
        for rep in [r for r in reps if r.startswith("both") or r == EMBEDDING]:
            a, b, p = mcnemar(correct[FEATURES], correct[rep])
            lines.append(
                f"\nMcNemar, features against {rep}: {a} right only with features, "
                f"{b} right only with {rep}; exact p = {p:.4f}"
            )
    return "\n".join(lines), best


# -- recommendations --------------------------------------------------------------------------


@contextmanager
def without_rounds():
    original = recommend.decide_in_rounds, recommend.decide_in_fresh_batches
    recommend.decide_in_rounds = recommend.decide_in_fresh_batches = lambda *a, **k: iter(())
    try:
        yield
    finally:
        recommend.decide_in_rounds, recommend.decide_in_fresh_batches = original


def interests_of(rows: pd.DataFrame, sources: list[str]) -> pd.Series:
    return pd.Series(
        [listeners.choose(r.shape, int(r.seed), sources).interests for r in rows.itertuples()],
        index=rows.index,
    )


def compare(rows: pd.DataFrame, conditions: list[str], label: str) -> str:
    """TRACE per condition, the best simple baseline per condition, found per shape."""
    interest = rows[rows["shape"] != "steady"]
    lines = [f"\n#### {label}\n"]
    if interest.empty:
        return "\n".join([*lines, "(no listener)"])
    simple = [m for m in recommend.BASELINES if m != "TRACE before (cluster lift)"]
    lines.append(
        "| condition | TRACE hit@10 | hit@20 | NDCG@20 | best simple baseline (hit@10, hit@20, "
        "NDCG@20) | TRACE before (cluster lift) hit@10 | runs |"
    )
    lines.append("| --- | --- | --- | --- | --- | --- | --- |")
    for condition in conditions:
        part = interest[interest["corpus"] == condition]
        means = part.groupby("method")[["hit@10", "hit@20", "ndcg@20"]].mean()
        best = max(simple, key=lambda m: means.loc[m, "hit@10"])
        t, b = means.loc[previews.TRACE], means.loc[best]
        lines.append(
            f"| {condition} | {t['hit@10']:.3f} | {t['hit@20']:.3f} | {t['ndcg@20']:.3f} | "
            f"{best}: {b['hit@10']:.3f}, {b['hit@20']:.3f}, {b['ndcg@20']:.3f} | "
            f"{means.loc['TRACE before (cluster lift)', 'hit@10']:.3f} | "
            f"{(part['method'] == previews.TRACE).sum()} |"
        )
    trace = interest[interest["method"] == previews.TRACE]
    by_seed = trace.pivot_table(index="seed", columns="corpus", values="hit@10")
    first = by_seed[conditions[0]]
    for condition in conditions[1:]:
        other = by_seed[condition]
        low, high = previews._bootstrap_ratio(first, other)
        lines.append(
            f"\nTRACE hit@10 {condition} ÷ {conditions[0]}: {other.mean() / first.mean():.3f} "
            f"[90 % bootstrap over {len(by_seed)} seeds: {low:.3f}, {high:.3f}]; per seed: "
            + ", ".join(f"{s}: {first[s]:.3f} → {other[s]:.3f}" for s in by_seed.index)
        )
    shape_hit = trace.pivot_table(index="shape", columns="corpus", values="hit@10", sort=False)
    found = (
        rows[rows["method"] == previews.TRACE]
        .assign(found=lambda f: f["found"].astype(float))
        .pivot_table(index="shape", columns="corpus", values="found", sort=False)
    )
    runs = rows[rows["method"] == previews.TRACE].groupby("shape", sort=False).size()
    lines.append("\n| listener | " + " | ".join(f"found: {c}" for c in conditions))
    lines[-1] += " | " + " | ".join(f"TRACE hit@10: {c}" for c in conditions) + " | runs |"
    lines.append("| --- |" + " --- |" * (2 * len(conditions) + 1))
    for shape, r in found.iterrows():
        hits = shape_hit.loc[shape] if shape in shape_hit.index else None
        lines.append(
            f"| {shape}{' (none declared)' if shape == 'steady' else ''} | "
            + " | ".join(f"{r[c]:.0%}" for c in conditions)
            + " | "
            + " | ".join("–" if hits is None else f"{hits[c]:.3f}" for c in conditions)
            + f" | {runs[shape] // len(conditions)} |"
        )
    return "\n".join(lines)


def recommendations(seeds: list[int], cutoffs: list[int], rounds: bool) -> str:
    """``bench/recommend.py``'s evaluation on the corpus home, with and without the
    embedding (``FeatureParams.learned``): the pipeline as it ships, nothing patched."""
    from trace.analysis.params import FeatureParams
    from trace.analysis.pipeline import AnalysisParams

    home = CORPUS / "home"
    base = CORPUS / "embeddings"
    base.mkdir(exist_ok=True)
    conditions = {
        "features": AnalysisParams(features=FeatureParams(learned=False)),
        "features+embedding": AnalysisParams(),
    }
    parts = []
    with nullcontext() if rounds else without_rounds():
        for condition, params in conditions.items():
            began = time.perf_counter()
            rows, _ = recommend.evaluate(
                condition, home, seeds, cutoffs, base / "worlds", False, params=params
            )
            rows["corpus"] = condition
            parts.append(rows)
            print(
                f"{condition}: {len(rows)} rows in {time.perf_counter() - began:.0f} s",
                flush=True,
            )
    rows = pd.concat(parts, ignore_index=True)
    rows.to_csv(base / "rows.csv", index=False)
    names = sorted(pd.read_sql("SELECT DISTINCT source FROM eval_sources", _db(home))["source"])
    tuning, held_out = split(names)
    interests = interests_of(rows, names)
    all_held = interests.map(lambda i: bool(i) and set(i) <= set(held_out))
    all_tuning = interests.map(lambda i: bool(i) and set(i) <= set(tuning))
    steady = rows["shape"] == "steady"
    out = [
        compare(rows, list(conditions), "all listeners"),
        compare(
            rows[all_held | steady],
            list(conditions),
            "listeners whose interests are all held-out sources (steady included)",
        ),
        compare(
            rows[all_tuning | steady],
            list(conditions),
            "listeners whose interests are all tuning sources (steady included)",
        ),
    ]
    return "\n".join(out)


def _db(home: Path) -> sqlite3.Connection:
    return sqlite3.connect(home / "trace.sqlite3")


# -- running it -------------------------------------------------------------------------------


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--seeds", type=int, default=5)
    parser.add_argument("--cutoffs", type=int, nargs="+", default=[2, 4, 8])
    parser.add_argument("--workers", type=int, default=os.cpu_count() or 1)
    parser.add_argument("--neighbours-only", action="store_true", help="no recommendations")
    parser.add_argument("--rounds", action="store_true", help="also the deciding listener")
    parser.add_argument(
        "--patches",
        type=int,
        help="neighbours of the embedding of at most this many patches a track (embedded and "
        "cached apart; 100 is every patch), not of TRACE's stored one",
    )
    args = parser.parse_args()
    started = time.perf_counter()
    home = CORPUS / "home"
    home.mkdir(parents=True, exist_ok=True)
    recommend.real_corpus(home)
    found = embeddings(args.workers, args.patches) if args.patches else stored(home)
    embedding = pd.DataFrame(found["embedding"], index=found["number"], columns=EMB)

    from trace.analysis.embed import select_columns
    from trace.analysis.params import FeatureParams
    from trace.audio.musicnn import TAGS

    whole = previews.features_by_number(home)
    columns = select_columns(whole.drop(columns="signature").add_prefix("f_"), FeatureParams())
    with (CORPUS / "manifest.csv").open() as handle:
        source_of = {n: r["source"] for n, r in enumerate(csv.DictReader(handle))}
    numbers = whole.index.intersection(embedding.index)
    sources = pd.Series([source_of[n] for n in numbers], index=numbers)

    print(f"\nmachine: {common.machine()}")
    patches = found["patches"]
    print(
        f"\nembedding: {len(found['number'])} tracks, {patches.mean():.1f} patches of 3 s per "
        "track (mean)"
        + (
            f"; per track: decode {found['decode_s'].mean():.3f} s, MusiCNN "
            f"{found['embed_s'].mean():.3f} s "
            f"({1000 * found['embed_s'].sum() / patches.sum():.0f} ms per patch), one BLAS "
            f"thread per process, {args.workers} processes (times of the run that embedded them)"
            if args.patches
            else ", as TRACE's extraction stored them"
        )
    )
    tuning, held_out = split(sorted(sources.unique()))
    print(f"tuning sources: {', '.join(tuning)}\nheld-out sources: {', '.join(held_out)}")
    print(f"TRACE's map columns: {len(columns)}")
    tags = pd.DataFrame(found["tags"], index=found["number"], columns=list(TAGS))
    print("\nTop 3 MSD tags per source (mean taggram):")
    for source, group in tags.loc[numbers].groupby(sources):
        top = group.mean().sort_values(ascending=False)[:3]
        print(f"  {source}: " + ", ".join(f"{t} {v:.2f}" for t, v in top.items()))

    table, _chosen = neighbour_quality(
        whole.loc[numbers, columns], embedding.loc[numbers], sources.loc[numbers]
    )
    print("\n### Neighbour quality\n" + table)
    print(f"\n({time.perf_counter() - started:.0f} s so far)", flush=True)
    if args.neighbours_only:
        return
    print(
        "\n### Recommendations "
        f"({args.seeds} seeds, cutoffs {' '.join(map(str, args.cutoffs))} weeks)"
    )
    print(recommendations(list(range(args.seeds)), args.cutoffs, args.rounds))
    print(f"\n{time.perf_counter() - started:.0f} s in all")


if __name__ == "__main__":
    main()

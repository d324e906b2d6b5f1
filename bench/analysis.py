"""Speed of the map: UMAP, HDBSCAN and the whole analysis at 10,000 and 50,000 tracks.

    python bench/analysis.py [--tracks 10000] [--big 50000]

Synthetic tracks × 40 features (blobs of different sizes and spreads, like a library's
styles). Measured side by side in one run, each in a fresh process where it matters:

- umap-learn with its defaults (the yardstick), warm;
- a change of HDBSCAN parameters alone (target < 0.5 s);
- a change of a UMAP parameter: the layout's min_dist, and the cluster space's size,
  reusing the k-NN graph (target ≤ half the default fit);
- the first clustering in a fresh process — a server restart — with numba's on-disk
  cache warm (target < 15 s);
- peak memory of the whole analysis at 50,000 tracks (target < 1.5 GB);
- re-clustering at 50,000 tracks, split: HDBSCAN building its spanning tree, HDBSCAN
  with the tree kept (another min_cluster_size), the cluster profiles; and the map's
  stages read back from the results folder, as a restarted dashboard does.
"""

from __future__ import annotations

import argparse
import json
import subprocess
import sys
import time

import common

FEATURES = 40


def synthetic_table(n: int, seed: int = 0):
    import numpy as np
    import pandas as pd
    from sklearn.datasets import make_blobs

    rng = np.random.default_rng(seed)
    centres = rng.uniform(-8, 8, size=(14, FEATURES))
    spreads = rng.uniform(0.6, 1.6, size=14)
    x, _ = make_blobs(n_samples=n, centers=centres, cluster_std=spreads, random_state=seed)
    return pd.DataFrame(x, columns=[f"f_descriptor_{i:02d}" for i in range(FEATURES)])


def _timed(work):
    started = time.perf_counter()
    result = work()
    return result, time.perf_counter() - started


def in_process(n: int) -> dict[str, float]:
    """Everything that runs warm in one (server-like) process."""
    from dataclasses import replace

    import umap

    from trace.analysis import pipeline
    from trace.analysis.cluster import cluster_space
    from trace.analysis.embed import scale
    from trace.analysis.params import ClusterParams, EmbedParams, FeatureParams

    table = synthetic_table(n)
    pipeline.warm_up()
    scaled = scale(table, FeatureParams())
    # Warm umap-learn's own path too, above 4,096 points where NN-descent takes over.
    umap.UMAP(random_state=42).fit_transform(scaled.values[:5000])
    _, default_s = _timed(lambda: umap.UMAP(random_state=42).fit_transform(scaled.values))

    params = EmbedParams()
    _, knn_s = _timed(lambda: pipeline.knn_for(scaled.values, params))
    space, space_s = _timed(lambda: pipeline.cluster_space_of(scaled, params))
    _, layout_s = _timed(lambda: pipeline.layout_of(scaled, params))
    _, relayout_s = _timed(lambda: pipeline.layout_of(scaled, replace(params, layout_min_dist=0.3)))
    _, respace_s = _timed(
        lambda: pipeline.cluster_space_of(scaled, replace(params, n_components=8))
    )
    first, _ = _timed(lambda: cluster_space(space, ClusterParams()))
    _, recluster_s = _timed(
        lambda: cluster_space(space, ClusterParams(min_cluster_size=25, min_samples=8))
    )
    return {
        "default_umap_s": default_s,
        "knn_s": knn_s,
        "space_s": space_s,
        "layout_s": layout_s,
        "relayout_s": relayout_s,
        "respace_s": respace_s,
        "recluster_s": recluster_s,
        "clusters": first.n_clusters,
        "noise": first.noise_share,
    }


def fresh_process(n: int) -> dict[str, float]:
    """A new process (a restarted server): import, scale, k-NN, UMAP, HDBSCAN."""
    started = time.perf_counter()
    from trace import config
    from trace.analysis import pipeline
    from trace.analysis.cluster import cluster_space
    from trace.analysis.embed import scale
    from trace.analysis.params import ClusterParams, EmbedParams, FeatureParams

    config.prepare_process()
    table = synthetic_table(n)
    scaled = scale(table, FeatureParams())
    space = pipeline.cluster_space_of(scaled, EmbedParams())
    clustering = cluster_space(space, ClusterParams())
    return {"first_clustering_s": time.perf_counter() - started, "clusters": clustering.n_clusters}


def memory(n: int) -> dict[str, float]:
    """Peak resident memory of the whole map at ``n`` tracks: scale, k-NN, both UMAPs,
    HDBSCAN with its validity index, and the forest."""
    import resource

    from trace.analysis import pipeline
    from trace.analysis.classify import fit_cluster_model
    from trace.analysis.cluster import cluster_space
    from trace.analysis.embed import scale
    from trace.analysis.params import ClusterParams, EmbedParams, FeatureParams

    started = time.perf_counter()
    scaled = scale(synthetic_table(n), FeatureParams())
    space = pipeline.cluster_space_of(scaled, EmbedParams())
    pipeline.layout_of(scaled, EmbedParams())
    clustering = cluster_space(space, ClusterParams(min_cluster_size=50))
    fit_cluster_model(scaled.values, clustering.labels, scaled.columns)
    peak_mb = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    return {"peak_mb": peak_mb, "seconds": time.perf_counter() - started}


def recluster(n: int) -> dict[str, float]:
    """Where a slider move's time goes at ``n`` tracks, and reading the map from disk."""
    import tempfile
    from pathlib import Path

    import numpy as np
    import pandas as pd

    from trace.analysis import pipeline
    from trace.analysis.cluster import cluster_space
    from trace.analysis.params import ClusterParams
    from trace.analysis.profiles import profile_clusters
    from trace.analysis.results import DiskResults, StageCache

    table = synthetic_table(n)
    rng = np.random.default_rng(0)
    table["artist"] = [f"Artist {i}" for i in rng.integers(n // 8, size=n)]
    table["genre"] = [f"Genre {i % 14}" for i in range(n)]
    table["year"] = rng.integers(1970, 2026, size=n)
    with tempfile.TemporaryDirectory() as folder:
        disk = DiskResults(Path(folder), limit_bytes=2**31)
        inputs = pipeline.Inputs("bench", "f", "p", "d", "x")
        pipe = pipeline.Pipeline(inputs, pipeline.AnalysisParams(), StageCache(disk))
        pipe.cache.get("table", pipe.key("table"), lambda: table.assign(feature_source="audio"))
        pipe.map()
        space = pipe.space()
        _, tree_s = _timed(
            lambda: cluster_space(space, ClusterParams(min_cluster_size=11), memory=disk.trees)
        )
        labels, kept_s = _timed(
            lambda: (
                cluster_space(
                    space, ClusterParams(min_cluster_size=13, min_samples=11), memory=disk.trees
                ).labels
            )
        )
        _, profiles_s = _timed(lambda: profile_clusters(table, labels, space))
        restarted = pipeline.Pipeline(pipe.inputs, pipe.params, StageCache(disk))
        _, load_s = _timed(lambda: [restarted.map(), restarted.table()])
    return {
        "tree_s": tree_s,
        "kept_s": kept_s,
        "profiles_s": profiles_s,
        "load_s": load_s,
        "clusters": int(pd.Series(labels).max() + 1),
    }


def run_child(kind: str, n: int) -> dict[str, float]:
    output = subprocess.run(
        [sys.executable, __file__, "--child", kind, "--tracks", str(n)],
        check=True,
        capture_output=True,
        text=True,
        cwd=common.ROOT,
    ).stdout
    return json.loads(output.strip().splitlines()[-1])


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--tracks", type=int, default=10_000)
    parser.add_argument("--big", type=int, default=50_000)
    parser.add_argument("--child", choices=("warm", "fresh", "memory", "recluster"))
    args = parser.parse_args()
    if args.child:
        from trace import config

        config.prepare_process()  # as the dashboard and the command line do
        work = {
            "warm": in_process,
            "fresh": fresh_process,
            "memory": memory,
            "recluster": recluster,
        }[args.child]
        print(json.dumps(work(args.tracks)))
        return

    fresh_process(500)  # fills numba's on-disk cache, as any earlier run of TRACE has
    warm = run_child("warm", args.tracks)
    restart = run_child("fresh", args.tracks)
    big = run_child("memory", args.big)
    moved = run_child("recluster", args.big)
    half = warm["default_umap_s"] / 2
    n = f"{args.tracks:,}"
    print(f"machine: {common.machine()}")
    print(
        f"{n} tracks × {FEATURES} features: {warm['clusters']} clusters, "
        f"{warm['noise']:.0%} noise; k-NN graph {warm['knn_s']:.2f} s (once)"
    )
    print("| step | time | target |")
    print("| --- | --- | --- |")
    print(f"| umap-learn defaults, warm, {n} | {warm['default_umap_s']:.1f} s | yardstick |")
    print(f"| TRACE cluster space (5-D), {n} | {warm['space_s']:.1f} s | |")
    print(f"| TRACE 2-D layout, {n} | {warm['layout_s']:.1f} s | |")
    print(f"| change of HDBSCAN settings → re-clustered | {warm['recluster_s']:.2f} s | < 0.5 s |")
    print(
        f"| change of layout min_dist → re-embedded | {warm['relayout_s']:.1f} s | ≤ {half:.1f} s |"
    )
    print(
        f"| change of cluster-space size → re-embedded | {warm['respace_s']:.1f} s "
        f"| ≤ {half:.1f} s |"
    )
    print(
        f"| first clustering in a fresh process (numba cache warm), {n} | "
        f"{restart['first_clustering_s']:.1f} s | < 15 s |"
    )
    print(
        f"| peak memory, whole map at {args.big:,} | {big['peak_mb']:.0f} MB "
        f"({big['seconds']:.0f} s) | < 1,500 MB |"
    )
    big_n = f"{args.big:,}"
    print(f"| HDBSCAN building its spanning tree, {big_n} | {moved['tree_s']:.2f} s | |")
    print(f"| HDBSCAN with that tree kept (another min_cluster_size) | {moved['kept_s']:.2f} s | |")
    print(f"| cluster profiles, {big_n} | {moved['profiles_s']:.2f} s | |")
    print(
        f"| the map's stages read back from the results folder, {big_n} | "
        f"{moved['load_s']:.2f} s | |"
    )


if __name__ == "__main__":
    main()

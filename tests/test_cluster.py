"""The map: parameters, scaling, k-NN, UMAP and HDBSCAN on data with a known answer."""

from __future__ import annotations

import warnings

import numpy as np
import pandas as pd
import pytest
from sklearn.datasets import make_blobs
from sklearn.metrics import adjusted_rand_score

from trace.analysis.cluster import cluster_space, sweep
from trace.analysis.embed import knn_graph, scale, select_columns, umap_embed
from trace.analysis.params import ClusterParams, EmbedParams, FeatureParams
from trace.analysis.profiles import cluster_name, profile_clusters
from trace.errors import ParameterError

RNG = np.random.default_rng(0)


def blob_table(n: int = 600, centers: int = 5, dims: int = 12) -> tuple[pd.DataFrame, np.ndarray]:
    x, y = make_blobs(
        n_samples=n, centers=centers, n_features=dims, cluster_std=1.0, random_state=3
    )
    table = pd.DataFrame(x, columns=[f"f_mfcc_{i:02d}_mean" for i in range(1, dims + 1)])
    table["f_tempo"] = 100 + 10 * y + RNG.normal(0, 1, n)
    table["f_duration_ms"] = RNG.uniform(1e5, 3e5, n)  # never part of a map
    return table, y


@pytest.mark.parametrize(
    ("make", "message"),
    [
        (lambda: FeatureParams(feature_set="everything"), "feature_set"),
        (lambda: FeatureParams(feature_set="custom"), "custom"),
        (lambda: EmbedParams(n_neighbors=1), "n_neighbors"),
        (lambda: EmbedParams(metric="hamming"), "metric"),
        (lambda: ClusterParams(min_cluster_size=1), "min_cluster_size"),
        (lambda: ClusterParams(cluster_selection_method="best"), "cluster_selection_method"),
    ],
)
def test_parameters_are_checked_with_a_message_naming_them(make, message):
    with pytest.raises(ParameterError, match=message):
        make()


def test_feature_sets_pick_columns():
    table, _ = blob_table(50)
    table["f_valence"] = np.nan  # imported for nobody: left out
    assert select_columns(table, FeatureParams("spotify")) == ["tempo"]
    assert len(select_columns(table, FeatureParams("timbre"))) == 12
    assert "duration_ms" not in select_columns(table, FeatureParams("all"))
    custom = FeatureParams("custom", columns=("tempo", "mfcc_01_mean"))
    assert select_columns(table, custom) == ["tempo", "mfcc_01_mean"]


def test_scaling_fills_gaps_with_medians_and_applies_to_candidates():
    table, _ = blob_table(100)
    table.loc[:9, "f_tempo"] = np.nan
    scaled = scale(table, FeatureParams())
    assert np.isfinite(scaled.values).all()
    assert np.allclose(scaled.values.mean(axis=0), 0, atol=1e-9)
    again = scaled.apply(table)
    assert np.allclose(again, scaled.values)


def with_embedding(table: pd.DataFrame, y: np.ndarray, dims: int = 200) -> pd.DataFrame:
    """``emb_*`` columns, 200 of them, that hold the blobs' truth more plainly."""
    centres = RNG.normal(0, 3, (y.max() + 1, dims))
    emb = centres[y] + RNG.normal(0, 1, (len(y), dims))
    columns = [f"emb_{i:03d}" for i in range(dims)]
    return pd.concat([table, pd.DataFrame(emb, columns=columns)], axis=1)


def test_the_embedding_joins_as_a_block_as_large_as_the_features():
    table, y = blob_table(200)
    table = with_embedding(table, y)
    table.loc[:9, "emb_000":"emb_199"] = np.nan  # 5 % without: imputed
    scaled = scale(table, FeatureParams())
    features = len(scaled.columns)
    assert features == 13 and len(scaled.learned) == 200 and scaled.values.shape == (200, 213)
    assert scaled.names[:13] == scaled.columns and scaled.names[13] == "emb_000"
    total = scaled.values.var(axis=0)
    assert total[:features].sum() == pytest.approx(total[features:].sum(), rel=1e-6)
    assert np.isfinite(scaled.values).all()
    np.testing.assert_allclose(scaled.apply(table), scaled.values)
    # off by choice, or when fewer than 90 % of the tracks have it: the features alone
    assert scale(table, FeatureParams(learned=False)).values.shape == (200, 13)
    table.loc[:29, "emb_000":"emb_199"] = np.nan
    assert scale(table, FeatureParams()).learned == []
    # candidates without an embedding get the library's medians, not NaN
    lone = table.iloc[:3].copy()
    assert np.isfinite(scale(with_embedding(*blob_table(200)), FeatureParams()).apply(lone)).all()


def test_too_few_tracks_say_so():
    table, _ = blob_table(5)
    with pytest.raises(ParameterError, match="at least 10 tracks"):
        scale(table, FeatureParams())


def test_knn_graph_has_each_point_first():
    points = RNG.normal(size=(200, 8))
    indices, distances = knn_graph(points, n_neighbors=10, metric="euclidean")
    assert indices.shape == (200, 10)
    assert (indices[:, 0] == np.arange(200)).all() and (distances[:, 0] == 0).all()
    assert (np.diff(distances, axis=1) >= 0).all()


def test_blobs_come_back_as_clusters_through_umap_and_hdbscan():
    table, truth = blob_table()
    scaled = scale(table, FeatureParams())
    params = EmbedParams(n_neighbors=15, n_components=5)
    knn = knn_graph(scaled.values, n_neighbors=params.n_neighbors, metric=params.metric)
    space = umap_embed(scaled.values, knn, params, n_components=5, min_dist=0.0)
    layout = umap_embed(scaled.values, knn, params, n_components=2, min_dist=0.1)
    assert space.shape == (600, 5) and layout.shape == (600, 2)
    result = cluster_space(space, ClusterParams(min_cluster_size=15))
    clustered = result.labels >= 0
    assert adjusted_rand_score(truth[clustered], result.labels[clustered]) >= 0.9
    assert result.noise_share < 0.2
    assert result.n_clusters == 5
    assert result.clusters["size"].min() >= 15
    assert result.dbcv > 0.3
    assert ((result.clusters["persistence"] >= 0) & (result.clusters["persistence"] <= 1)).all()


def test_noise_stays_noise():
    blobs, _ = make_blobs(n_samples=300, centers=3, n_features=2, cluster_std=0.3, random_state=1)
    scatter = RNG.uniform(-30, 30, size=(60, 2))
    result = cluster_space(np.vstack([blobs, scatter]), ClusterParams(min_cluster_size=20))
    assert (result.labels[300:] == -1).mean() > 0.8
    assert result.n_clusters == 3


def test_sweep_returns_the_grid_and_suggests_one_setting():
    points, _ = make_blobs(n_samples=400, centers=4, n_features=3, random_state=2)
    grid = sweep(points, sizes=(5, 20), samples=(2, 10))
    assert len(grid) == 4 and grid["suggested"].sum() == 1
    best = grid[grid["suggested"]].iloc[0]
    assert best["clusters"] >= 2 and best["dbcv"] == grid["dbcv"].max()


def test_profiles_name_clusters_by_their_most_distinctive_features():
    n = 60
    fast_loud = pd.DataFrame(
        {
            "f_tempo": RNG.normal(170, 5, n),
            "f_loudness": RNG.normal(-5, 1, n),
            "f_mode": 0.0,
            "f_energy": RNG.normal(0.55, 0.05, n),
            "artist": ["Rust Choir"] * 40 + ["Vanta Wolves"] * 20,
            "genre": "Rock",
            "year": RNG.integers(1990, 2000, n),
        }
    )
    slow_quiet = pd.DataFrame(
        {
            "f_tempo": RNG.normal(70, 5, n),
            "f_loudness": RNG.normal(-25, 1, n),
            "f_mode": 1.0,
            "f_energy": RNG.normal(0.5, 0.05, n),
            "artist": "Polar Drift",
            "genre": "Ambient",
            "year": RNG.integers(2010, 2020, n),
        }
    )
    table = pd.concat([fast_loud, slow_quiet], ignore_index=True)
    labels = np.array([0] * n + [1] * n)
    space = np.vstack([RNG.normal(0, 1, (n, 3)), RNG.normal(10, 1, (n, 3))])

    profiles = profile_clusters(table, labels, space)

    rock, ambient = profiles
    assert set(rock.name.split(" · ")) == {"fast", "loud", "minor"}
    assert set(ambient.name.split(" · ")) == {"slow", "quiet", "major"}
    assert rock.top_artists[0] == "Rust Choir" and rock.top_genres == ["Rock"]
    assert 1990 <= rock.years[0] <= rock.years[1] < 2000
    assert rock.stats.loc["tempo", "cluster_mean"] > rock.stats.loc["tempo", "library_mean"]
    assert all(labels[m] == 0 for m in rock.medoids) and len(rock.medoids) == 3


def test_a_cluster_like_the_library_is_mixed():
    assert cluster_name(pd.Series({"tempo": 0.1, "loudness": -0.2})) == "mixed"


def test_column_medians_skip_gaps_as_nanmedian_does():
    from trace.analysis.profiles import _medians

    values = RNG.normal(size=(500, 6))
    values[RNG.random(values.shape) < 0.1] = np.nan
    values[:, 0] = RNG.normal(size=500)  # a column without a gap
    values[:, 5] = np.nan  # a column with nothing known
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", RuntimeWarning)
        expected = np.nanmedian(values, axis=0)
        found = _medians(values)
    np.testing.assert_allclose(found, expected, equal_nan=True)

"""Placing candidates: the forest's quality figures, its placements, and the far-away flag."""

from __future__ import annotations

import numpy as np
import pytest
from sklearn.datasets import make_blobs

from trace.analysis.classify import fit_cluster_model, place_candidates
from trace.errors import ParameterError

COLUMNS = [f"x{i}" for i in range(6)]


def library_and_candidates():
    centres = np.random.default_rng(5).uniform(-10, 10, size=(4, 6))
    x, y = make_blobs(n_samples=440, centers=centres, cluster_std=1.0, random_state=4)
    return x[:400], y[:400], x[400:], y[400:]


@pytest.fixture(scope="module")
def model():
    x, y, _, _ = library_and_candidates()
    return fit_cluster_model(x, y, COLUMNS)


def test_the_forest_learns_the_clusters_and_reports_its_quality(model):
    assert model.accuracy >= 0.95 and model.balanced_accuracy >= 0.95
    assert model.confusion.to_numpy().sum() == 400
    assert list(model.confusion.index) == [0, 1, 2, 3]
    assert set(model.importances.index) == set(COLUMNS)


def test_noise_is_not_learned():
    x, y, _, _ = library_and_candidates()
    y = y.copy()
    y[:50] = -1
    model = fit_cluster_model(x, y, COLUMNS)
    assert model.confusion.to_numpy().sum() == 350
    assert -1 not in model.forest.classes_


def test_candidates_are_placed_and_far_ones_flagged(model):
    _, _, new, truth = library_and_candidates()
    far = np.full((1, 6), 80.0)
    placed = place_candidates(model, np.vstack([new, far]))
    near = placed.iloc[:-1]
    placed_near = ~near["unlike"].to_numpy()  # about 5 % are flagged by design (95th pct)
    assert (near["cluster"].to_numpy() == truth)[placed_near].mean() >= 0.95
    assert near["probability"].between(0, 1).all()
    assert near["unlike"].mean() < 0.15
    assert placed.iloc[-1]["unlike"] and placed.iloc[-1]["cluster"] == -1


def test_one_cluster_is_not_enough():
    x, _, _, _ = library_and_candidates()
    with pytest.raises(ParameterError, match="at least 2 clusters"):
        fit_cluster_model(x, np.zeros(len(x), int), COLUMNS)


def test_no_candidates_gives_an_empty_table(model):
    assert place_candidates(model, np.empty((0, 6))).empty

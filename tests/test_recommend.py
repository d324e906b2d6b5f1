"""Ranking candidates: recent-interest clusters first, nothing known twice, caps, reasons."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from trace.analysis.classify import fit_cluster_model
from trace.analysis.params import RankingParams
from trace.analysis.recommend import already_known, rank_candidates

CENTRES = {0: (100.0, 0.0), 1: (160.0, 10.0), 2: (70.0, -10.0)}
"""Cluster → (tempo, brightness offset): three well-apart groups."""


def tracks(rng: np.random.Generator, cluster: int, n: int, *, prefix: str, start: int = 0):
    tempo, offset = CENTRES[cluster]
    return pd.DataFrame(
        {
            "id": np.arange(start, start + n),
            "artist": [f"{prefix} artist {cluster}-{i % 4}" for i in range(n)],
            "title": [f"{prefix} song {cluster}-{i}" for i in range(n)],
            "album": [f"{prefix} album {cluster}-{i % 4}" for i in range(n)],
            "path": [f"/music/{prefix}/{cluster}/{i}.flac" for i in range(n)],
            "signature": [f"{prefix}-{cluster}-{i}" for i in range(n)],
            "isrc": [None] * n,
            "spotify_uri": [None] * n,
            "f_tempo": rng.normal(tempo, 12, n),
            "f_spectral_centroid_mean": rng.normal(2000 + 100 * offset, 60, n),
            "f_mfcc_01_mean": rng.normal(offset, 1, n),
        }
    )


def scaled(frame: pd.DataFrame, reference: pd.DataFrame) -> np.ndarray:
    columns = ["f_tempo", "f_spectral_centroid_mean", "f_mfcc_01_mean"]
    mean, std = reference[columns].mean(), reference[columns].std()
    return ((frame[columns] - mean) / std).to_numpy()


@pytest.fixture(scope="module")
def world():
    rng = np.random.default_rng(11)
    library = pd.concat(
        [tracks(rng, c, 40, prefix="lib", start=100 * c) for c in CENTRES], ignore_index=True
    )
    labels = np.repeat(list(CENTRES), 40)
    values = scaled(library, library)
    model = fit_cluster_model(values, labels, ["tempo", "centroid", "mfcc"])
    candidates = pd.concat(
        [tracks(rng, c, 12, prefix="new", start=1000 + 100 * c) for c in CENTRES],
        ignore_index=True,
    )
    interest = pd.DataFrame(
        {
            "cluster": [1, 0, 2],
            "lift": [2.5, 1.6, 0.2],
            "recent_interest": [True, True, False],
        }
    )
    return library, values, labels, model, candidates, interest


def rank(world, candidates=None, **kwargs):
    library, values, labels, model, default, interest = world
    candidates = default if candidates is None else candidates
    return rank_candidates(
        library,
        values,
        labels,
        candidates,
        scaled(candidates, library),
        model,
        kwargs.pop("interest", interest),
        **kwargs,
    )


def test_recent_interest_clusters_are_proposed_strongest_lift_first(world):
    ranking = rank(world, params=RankingParams(candidates=50, per_artist=50, per_album=50))
    proposed = ranking.proposed
    assert set(proposed["cluster"]) == {0, 1}  # cluster 2 is not a recent interest
    assert len(proposed) >= 20  # of 24; a few are far from all (the 95th-percentile rule)
    assert len(proposed) + ranking.left_out.get("unlike anything", 0) >= 24
    first = proposed["cluster"].iloc[: (proposed["cluster"] == 1).sum()]
    assert (first == 1).all()  # lift 2.5 before lift 1.6
    assert proposed["score"].is_monotonic_decreasing
    assert 10 <= ranking.left_out["not in a recent-interest or rising cluster"] <= 12
    assert ranking.recent_clusters == (1, 0)


def test_rising_clusters_fill_in_after_the_recent_interests(world):
    interest = pd.DataFrame(
        {"cluster": [1, 2, 0], "lift": [2.5, 1.1, 0.4], "recent_interest": [True, False, False]}
    )
    params = RankingParams(candidates=50, per_artist=50, per_album=50)
    proposed = rank(world, interest=interest, params=params).proposed
    assert set(proposed["cluster"]) == {1, 2}
    first_rising = int(np.argmax(proposed["cluster"].to_numpy() == 2))
    assert (proposed["cluster"].iloc[:first_rising] == 1).all()
    assert (proposed["cluster"].iloc[first_rising:] == 2).all()
    rising = proposed[proposed["cluster"] == 2]
    assert rising["reason"].str.startswith("From a rising interest.").all()


def test_caps_per_artist_and_album_and_the_count(world):
    proposed = rank(world, params=RankingParams(candidates=5, per_artist=1, per_album=3)).proposed
    assert len(proposed) == 5
    assert proposed["artist"].is_unique
    loose = rank(world, params=RankingParams(candidates=50, per_artist=50, per_album=2)).proposed
    assert loose.groupby("album").size().max() == 2


def test_known_and_decided_tracks_are_never_proposed(world):
    library, *_ = world
    candidates = world[4].copy()
    candidates.loc[0, "path"] = library.loc[40, "path"]  # the same file
    candidates.loc[1, ["artist", "title"]] = (
        library.loc[41, "artist"].upper(),
        library.loc[41, "title"] + " (2011 Remaster)",
    )
    library = library.copy()
    library.loc[42, "isrc"] = "USRC17607839"
    candidates.loc[2, "isrc"] = "usrc17607839"
    world = (library, *world[1:])
    known = already_known(library, candidates)
    assert list(np.flatnonzero(known)) == [0, 1, 2]
    decided = {int(candidates.loc[3, "id"])}
    ranking = rank(world, candidates, decided=decided, params=RankingParams(candidates=50))
    ids = set(ranking.proposed["track_id"])
    assert not ids & set(candidates.loc[:3, "id"])
    assert ranking.left_out["in your library"] == 3
    assert ranking.left_out["already decided"] == 1


def test_far_candidates_and_unsure_placements_are_left_out(world):
    candidates = world[4].copy()
    candidates.loc[len(candidates)] = {
        **candidates.iloc[0].to_dict(),
        "id": 9999,
        "title": "From nowhere",
        "f_tempo": 400.0,
        "f_spectral_centroid_mean": 9000.0,
    }
    ranking = rank(world, candidates, params=RankingParams(candidates=100, min_confidence=0.99))
    assert 9999 not in set(ranking.proposed["track_id"])
    assert ranking.left_out["unlike anything"] >= 1
    assert (ranking.proposed["confidence"] >= 0.99).all()


def test_each_candidate_has_a_reason_naming_its_nearest_library_tracks(world):
    library, _, labels, *_ = world
    candidates = world[4].copy()
    candidates.loc[candidates.index[12], "f_tempo"] = 185.0  # a fast one of cluster 1
    proposed = rank(world, candidates, params=RankingParams(candidates=50, per_artist=50))
    proposed = proposed.proposed.set_index("track_id")
    row = proposed.loc[int(candidates.loc[candidates.index[12], "id"])]
    assert len(row["neighbours"]) == 3
    members = set(library.loc[labels == 1, "artist"] + " – " + library.loc[labels == 1, "title"])
    assert set(row["neighbours"]) <= members
    assert "faster" in row["stands_out"]
    assert row["reason"].startswith("Sounds like ") and "faster" in row["reason"]


def test_without_history_every_cluster_counts(world):
    empty = pd.DataFrame(columns=["cluster", "lift", "recent_interest"])
    ranking = rank(world, interest=empty, params=RankingParams(candidates=100, per_artist=100))
    assert set(ranking.proposed["cluster"]) == {0, 1, 2}
    assert ranking.recent_clusters == ()


def test_no_candidates_is_an_empty_ranking(world):
    ranking = rank(world, world[4].iloc[:0])
    assert ranking.proposed.empty and ranking.left_out == {}


def test_predicted_preference_reorders_within_a_tier_by_its_weight(world):
    candidates = world[4]
    liked = -candidates["id"].to_numpy().astype(float)  # lower ids are liked more
    wide = RankingParams(candidates=100, per_artist=100, per_album=100)
    plain = rank(world, params=wide, preference=liked).proposed
    blended = rank(
        world,
        params=RankingParams(candidates=100, per_artist=100, per_album=100, preference_weight=1),
        preference=liked,
    ).proposed
    assert sorted(plain["track_id"]) == sorted(blended["track_id"])  # the same candidates
    # Both clusters proposed are recent interests (one tier): preference alone orders them.
    assert set(blended["cluster"]) == {0, 1}
    assert list(blended["track_id"]) == sorted(blended["track_id"])
    assert plain["cluster"].iloc[0] == 1 and list(plain["track_id"]) != list(blended["track_id"])
    assert (blended["preference"] == -blended["track_id"]).all()


def test_a_mood_context_keeps_only_candidates_in_that_region(world):
    candidates = world[4].copy()
    energy = np.linspace(0.05, 0.95, len(candidates))
    candidates["f_energy"] = energy
    candidates["f_valence"] = 0.5
    calm = rank(world, candidates, params=RankingParams(candidates=100, mood="calm"))
    chosen = candidates.set_index("id").loc[calm.proposed["track_id"], "f_energy"]
    assert len(chosen) and (chosen <= 0.45).all()
    assert calm.left_out["outside the mood 'calm'"] == int((energy > 0.45).sum())

"""Ranking candidates: the recent interests first, taught by decisions, nothing known
twice, caps, reasons that name the recent tracks."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from trace.analysis.classify import fit_cluster_model
from trace.analysis.embed import knn_graph
from trace.analysis.params import RankingParams
from trace.analysis.recommend import Evidence, already_known, rank_candidates
from trace.analysis.taste import find_interests, fit_shift, taste_weights

CENTRES = {0: (100.0, 0.0), 1: (160.0, 10.0), 2: (70.0, -10.0)}
"""Cluster → (tempo, brightness offset): three well-apart groups."""
NOW = pd.Timestamp("2026-06-01", tz="UTC")
WIDE = RankingParams(candidates=100, per_artist=100, per_album=100)


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


def plays(
    library: pd.DataFrame, recent: dict[int, float] | None, usual: dict | None = None, seed=5
):
    """A year of listening over the three clusters (even, or ``usual``: cluster → share),
    then 40 days leaning to ``recent`` (cluster → share)."""
    rng = np.random.default_rng(seed)
    rows = []
    for days_ago in range(400, 0, -1):
        lean = recent if (recent and days_ago <= 40) else (usual or {})
        rest = (1 - sum(lean.values())) / (3 - len(lean))
        shares = [lean.get(c, rest) for c in CENTRES]
        for cluster in rng.choice(3, size=8, p=shares):
            track = library["id"].to_numpy()[40 * cluster + int(rng.integers(40))]
            rows.append((track, NOW - pd.Timedelta(days=days_ago)))
    return pd.DataFrame(rows, columns=["track_id", "at"]).assign(kind="play")


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
    return library, values, labels, model, candidates


def evidence(world, recent=None, usual=None, **decisions) -> Evidence:
    library, values, *_ = world
    weights = taste_weights(plays(library, recent, usual), library["id"].to_numpy(), 30.0)
    graph = knn_graph(values, n_neighbors=15, metric="euclidean")[0]
    shift = fit_shift(values, weights)
    return Evidence(weights, tuple(find_interests(weights, graph)), shift, **decisions)


def rank(world, candidates=None, *, found: Evidence | None = None, **kwargs):
    library, values, labels, model, default = world
    candidates = default if candidates is None else candidates
    return rank_candidates(
        library,
        values,
        labels,
        candidates,
        scaled(candidates, library),
        model,
        found if found is not None else evidence(world, {1: 0.8}),
        **kwargs,
    )


def test_the_recent_interests_candidates_come_first(world):
    ranking = rank(world, params=WIDE)
    proposed = ranking.proposed
    assert len(ranking.interests) == 1
    assert ranking.recent_clusters == (1,)
    assert (proposed["cluster"].iloc[:10] == 1).all()
    assert (proposed["interest"].iloc[:10] == 1).all()
    assert proposed["score"].is_monotonic_decreasing
    assert proposed["reason"].iloc[0].startswith("For your recent interest 1: close to ")


def test_two_interests_each_candidate_says_which_it_serves(world):
    found = evidence(world, {1: 0.45, 2: 0.45}, usual={0: 0.8})
    ranking = rank(world, found=found, params=WIDE)
    assert len(ranking.interests) == 2
    assert set(ranking.recent_clusters) == {1, 2}
    top = ranking.proposed.head(20)
    assert set(top["cluster"]) == {1, 2}
    for cluster, served in zip(top["cluster"], top["interest"], strict=True):
        members = ranking.interests[served - 1].rows
        assert np.bincount(world[2][members]).argmax() == cluster
    assert top["reason"].str.startswith("For your recent interest").all()


def test_a_steady_listener_gets_no_interest_and_a_ranking_by_fit(world):
    ranking = rank(world, found=evidence(world, None), params=WIDE)
    assert ranking.interests == () and ranking.recent_clusters == ()
    assert set(ranking.proposed["cluster"]) == {0, 1, 2}
    assert (ranking.proposed["interest"] == 0).all()


def test_an_approval_lifts_what_sounds_like_it_and_a_rejection_lowers_it_at_most_by_half(world):
    candidates = world[4]
    cluster0 = candidates.loc[candidates["id"] // 100 == 10, "id"].to_numpy()
    cluster1 = candidates.loc[candidates["id"] // 100 == 11, "id"].to_numpy()

    def scores(ranking, ids) -> pd.Series:
        return ranking.proposed.set_index("track_id")["score"].reindex(ids)

    before = rank(world, params=WIDE)
    approved = rank(
        world, found=evidence(world, {1: 0.8}, approved=frozenset(cluster0[:3])), params=WIDE
    )
    assert (scores(approved, cluster0[3:]) >= scores(before, cluster0[3:])).all()
    assert scores(approved, cluster0[3:]).sum() > 1.3 * scores(before, cluster0[3:]).sum()
    rejected = rank(
        world, found=evidence(world, {1: 0.8}, rejected=frozenset(cluster1[:6])), params=WIDE
    )
    # lowered, but never below half: what sounds like it may still be what they want
    lowered, was = scores(rejected, cluster1[6:]), scores(before, cluster1[6:])
    assert (lowered <= was).all() and lowered.sum() < 0.8 * was.sum()
    assert (lowered >= 0.5 * was - 1e-12).all()
    far = scores(rejected, cluster0), scores(before, cluster0)
    assert np.allclose(*far, rtol=0.05)  # another cluster hardly moves
    assert not set(rejected.proposed["track_id"]) & set(cluster1[:6])
    assert rejected.left_out["already decided"] == 6


def test_caps_per_artist_and_album_and_the_count(world):
    proposed = rank(world, params=RankingParams(candidates=5, per_artist=1, per_album=3)).proposed
    assert len(proposed) == 5
    assert proposed["artist"].is_unique
    loose = rank(world, params=RankingParams(candidates=50, per_artist=50, per_album=2)).proposed
    assert loose.groupby("album").size().max() == 2


def test_known_tracks_are_never_proposed(world):
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
    ranking = rank(world, candidates, params=RankingParams(candidates=50))
    assert not set(ranking.proposed["track_id"]) & set(candidates.loc[:2, "id"])
    assert ranking.left_out["in your library"] == 3


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


def test_the_reason_names_the_recent_tracks_it_is_closest_to(world):
    library, _, labels, *_ = world
    candidates = world[4].copy()
    candidates.loc[candidates.index[12], "f_tempo"] = 185.0  # a fast one of cluster 1
    found = evidence(world, {1: 0.8})
    proposed = rank(world, candidates, found=found, params=WIDE).proposed.set_index("track_id")
    row = proposed.loc[int(candidates.loc[candidates.index[12], "id"])]
    assert len(row["neighbours"]) == 3 and 3 <= row["close_to"] <= 10
    members = set(library.loc[labels == 1, "artist"] + " – " + library.loc[labels == 1, "title"])
    assert set(row["neighbours"]) <= members
    played_most = set(found.weights.recent.argsort()[::-1][: row["close_to"] * 4])
    named_rows = [
        int(np.flatnonzero((library["artist"] + " – " + library["title"]) == n)[0])
        for n in row["neighbours"]
    ]
    assert set(named_rows) <= played_most
    assert row["neighbour_ids"] == [int(library["id"].iloc[r]) for r in named_rows]
    assert "faster" in row["stands_out"]
    assert f": close to {row['close_to']} of the tracks you played most" in row["reason"]
    assert "faster" in row["reason"]


def test_no_candidates_is_an_empty_ranking(world):
    ranking = rank(world, world[4].iloc[:0])
    assert ranking.proposed.empty and ranking.left_out == {}


def test_predicted_preference_reorders_by_its_weight(world):
    candidates = world[4]
    liked = -candidates["id"].to_numpy().astype(float)  # lower ids are liked more
    plain = rank(world, params=WIDE, preference=liked).proposed
    blended = rank(
        world,
        params=RankingParams(candidates=100, per_artist=100, per_album=100, preference_weight=1),
        preference=liked,
    ).proposed
    assert sorted(plain["track_id"]) == sorted(blended["track_id"])  # the same candidates
    assert list(blended["track_id"]) == sorted(blended["track_id"])
    assert plain["cluster"].iloc[0] == 1 and list(plain["track_id"]) != list(blended["track_id"])
    assert (blended["preference"] == -blended["track_id"]).all()


def test_a_mood_context_and_ranges_keep_only_candidates_inside(world):
    candidates = world[4].copy()
    energy = np.linspace(0.05, 0.95, len(candidates))
    candidates["f_energy"] = energy
    candidates["f_valence"] = 0.5
    calm = rank(world, candidates, params=RankingParams(candidates=100, mood="calm"))
    chosen = candidates.set_index("id").loc[calm.proposed["track_id"], "f_energy"]
    assert len(chosen) and (chosen <= 0.45).all()
    assert calm.left_out["outside the mood 'calm'"] == int((energy > 0.45).sum())
    ranged = rank(world, candidates, params=RankingParams(candidates=100, energy_range=(0.5, 0.8)))
    chosen = candidates.set_index("id").loc[ranged.proposed["track_id"], "f_energy"]
    assert len(chosen) and chosen.between(0.5, 0.8).all()


def test_like_what_i_play_at_this_hour_ranks_and_says_so(world):
    """A steady listener who plays cluster 2 in the evenings (UTC 19:00) and the others by
    day: asked for the evenings, cluster 2's candidates come first and their reasons say
    they fit; asked for the mornings, they do not."""
    from trace.analysis.hours import context_lift

    library = world[0]
    rng = np.random.default_rng(3)
    rows = []
    for days_ago in range(200, 0, -1):
        day = NOW - pd.Timedelta(days=days_ago)
        for _ in range(3):
            track = library["id"].to_numpy()[80 + int(rng.integers(40))]  # cluster 2
            rows.append((track, day + pd.Timedelta(hours=19)))
        for _ in range(6):
            track = library["id"].to_numpy()[int(rng.integers(80))]  # clusters 0 and 1
            rows.append((track, day + pd.Timedelta(hours=10)))
    played = pd.DataFrame(rows, columns=["track_id", "at"]).assign(kind="play")
    ids = library["id"].to_numpy()
    weights = taste_weights(played, ids, 30.0)
    ranks = {}
    for part in ("evenings", "mornings"):
        lift = context_lift(played, ids, hours=part, day="", zone=None)
        assert lift is not None and lift.shape == (len(ids),)
        found = Evidence(weights, (), fit_shift(world[1], weights), context=lift)
        params = RankingParams(candidates=100, per_artist=100, per_album=100, hours=part)
        ranks[part] = rank(world, found=found, params=params).proposed
    evening = ranks["evenings"]
    assert (evening["cluster"].head(10) == 2).sum() >= 8  # a third by chance
    assert (
        evening.loc[evening["cluster"] == 2, "reason"].str.endswith("It fits your evenings.").all()
    )
    assert (
        not ranks["mornings"]["reason"]
        .str.contains("It fits")
        .loc[ranks["mornings"]["cluster"] == 2]
        .any()
    )
    assert (ranks["mornings"]["cluster"].head(10) != 2).sum() >= 8
    assert context_lift(played.head(20), ids, hours="evenings", day="", zone=None) is None

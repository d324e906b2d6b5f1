"""Preference, genre and playlist order, on generated data with a known answer."""

from __future__ import annotations

import itertools

import numpy as np
import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from trace.analysis import genre, order, preference
from trace.analysis.params import RankingParams
from trace.errors import ParameterError
from trace.store import Store


def _track(store: Store, title: str, *, rating=None, play_count=None, pool=None) -> int:
    cursor = store.execute(
        "INSERT INTO tracks (title, rating, play_count, pool, added_at, updated_at) "
        "VALUES (?, ?, ?, ?, '2026-01-01', '2026-01-01')",
        (title, rating, play_count, pool),
    )
    return int(cursor.lastrowid)


def _plays(store: Store, track_id: int, n: int, *, ms=200_000, skipped=0, start=0):
    for i in range(n):
        store.execute(
            "INSERT INTO plays (track_id, played_at, ms_played, source, skipped) "
            "VALUES (?, ?, ?, 'spotify', ?)",
            (track_id, f"2026-01-01T00:{start + i:02d}:00+00:00", ms, skipped),
        )


def test_the_preference_score_follows_what_the_person_did(store):
    loved = _track(store, "loved", rating=1.0)
    _plays(store, loved, 10)
    played = _track(store, "played")
    _plays(store, played, 3)
    skipped = _track(store, "skipped")
    _plays(store, skipped, 4, skipped=1)
    _plays(store, skipped, 2, ms=5_000, start=10)  # short plays count as skips
    disliked = _track(store, "one star", rating=0.2)
    approved = _track(store, "approved", pool="new")
    rejected = _track(store, "rejected", pool="new")
    _track(store, "untouched")
    _track(store, "someone else's rating", rating=1.0, play_count=40, pool="new")
    store.decide(approved, "approved")
    store.decide(rejected, "rejected")
    store.execute("INSERT INTO spotify_saved VALUES (?, '2026-01-01')", (played,))
    scores = preference.preference_scores(store).set_index("track_id")["score"]
    assert len(scores) == 6  # no evidence, no score; a candidate's tags are not evidence
    assert scores[loved] == pytest.approx(2 + 1)
    assert scores[played] == pytest.approx(np.log1p(3) / np.log1p(10) + 0.5)
    assert scores[skipped] == pytest.approx(-1.0)
    assert scores[disliked] == pytest.approx(-1.2)
    assert (scores[approved], scores[rejected]) == (1.0, -1.0)
    assert scores[loved] > scores[played] > scores[approved] > scores[skipped] > scores[disliked]


def test_the_preference_forest_learns_a_known_relation_and_from_decisions(store):
    rng = np.random.default_rng(3)
    values = rng.normal(size=(160, 4))
    ids = []
    for i, row in enumerate(values):  # the person plays bright tracks (column 0) more
        track_id = _track(store, f"t{i}")
        ids.append(track_id)
        _plays(store, track_id, int(np.clip(3 + 3 * row[0], 0, 12)))
    candidates = rng.normal(size=(40, 4))
    candidate_ids = [_track(store, f"c{i}", pool="new") for i in range(40)]
    model, liking = preference.learn_preference(
        store, np.array(ids), values, np.array(candidate_ids), candidates
    )
    assert model.spearman > 0.7 and model.r2 > 0.4, (model.r2, model.spearman)
    from scipy.stats import spearmanr

    assert spearmanr(liking, candidates[:, 0]).statistic > 0.7

    # Rejecting every bright candidate and approving the dark ones teaches it otherwise.
    for track_id, row in zip(candidate_ids, candidates, strict=True):
        store.decide(track_id, "rejected" if row[0] > 0 else "approved")
    before = model.predict(candidates)
    again, _ = preference.learn_preference(
        store, np.array(ids), values, np.array(candidate_ids), candidates
    )
    assert again.rows == model.rows + 40  # every decided candidate now teaches it
    bright = candidates[:, 0] > 1
    assert again.predict(candidates)[bright].mean() < before[bright].mean()


def test_too_little_evidence_is_explained():
    assert "only 5 tracks" in preference.fit_preference(np.zeros((5, 2)), np.arange(5))
    assert "scores the same" in preference.fit_preference(np.zeros((30, 2)), np.ones(30))


def test_the_genre_forest_learns_the_library_tags_and_guesses_the_rest():
    rng = np.random.default_rng(5)
    centres = {"Ambient": (-2, 0), "Techno": (2, 0), "Folk": (0, 2.5)}
    rows, tags = [], []
    for name, (x, y) in centres.items():
        rows.append(rng.normal((x, y, 0), 0.5, size=(30, 3)))
        tags += [f"{name}; Something else"] * 30
    rows.append(rng.normal((0, -3, 0), 0.5, size=(3, 3)))  # too few to learn
    tags += ["Jazz"] * 3
    values = np.vstack(rows)
    model = genre.fit_genre(pd.Series(tags), values)
    assert model.accuracy >= 0.95 and list(model.counts.index) == ["Ambient", "Techno", "Folk"]
    assert model.confusion.loc["Techno", "Techno"] >= 28
    guessed = model.predict(np.array([[-2, 0, 0], [2.1, 0.1, 0], [0, 2.4, 0.2]]))
    assert list(guessed["genre"]) == ["Ambient", "Techno", "Folk"]
    assert (guessed["probability"] > 0.6).all()
    assert "fewer than two genres" in genre.fit_genre(pd.Series(["Rock"] * 20), values[:20])


def _playlist(tempos, artists):
    return pd.DataFrame(
        {
            "artist": artists,
            "title": [f"t{i}" for i in range(len(tempos))],
            "f_tempo": tempos,
            "f_energy": np.linspace(0, 1, len(tempos)),
        }
    )


def test_a_playlist_follows_a_rising_falling_or_steady_curve():
    tracks = _playlist([120, 90, 150, 100, 170, 80], list("ABCDEF"))
    rising, _ = order.order_tracks(tracks, by="tempo", curve="rising")
    assert list(rising["f_tempo"]) == [80, 90, 100, 120, 150, 170]
    falling, _ = order.order_tracks(tracks, by="energy", curve="falling")
    assert list(falling["f_energy"]) == sorted(tracks["f_energy"], reverse=True)
    steady, _ = order.order_tracks(tracks, by="tempo", curve="steady")
    values = list(steady["f_tempo"])
    assert values[0] in (100, 120)  # nearest the median, 110
    for i in range(len(values) - 1):  # each step goes to the nearest value left
        assert abs(values[i + 1] - values[i]) == min(abs(v - values[i]) for v in values[i + 1 :])
    with pytest.raises(ValueError, match="curve"):
        order.order_tracks(tracks, curve="zigzag")


def test_the_same_artist_never_plays_twice_in_a_row_when_it_can_be_avoided():
    tracks = _playlist([80, 81, 82, 83, 120, 121], ["A", "A", "A", "B", "C", "C"])
    ordered, repeats = order.order_tracks(tracks, by="tempo", curve="rising")
    artists = list(ordered["artist"])
    assert repeats == 0 and all(a != b for a, b in itertools.pairwise(artists))
    assert sorted(ordered["title"]) == sorted(tracks["title"])
    _, repeats = order.order_tracks(_playlist([1, 2, 3, 4], list("AAAB")), curve="rising")
    assert repeats == 1  # A, B, A, A: one repeat cannot be avoided


@settings(max_examples=60, deadline=None)
@given(
    st.lists(st.tuples(st.sampled_from("ABCD"), st.floats(60, 200)), min_size=1, max_size=25),
    st.sampled_from(order.CURVES),
)
def test_ordering_keeps_every_track_and_repeats_only_when_forced(rows, curve):
    tracks = _playlist([t for _, t in rows], [a for a, _ in rows])
    ordered, repeats = order.order_tracks(tracks, by="tempo", curve=curve)
    assert sorted(ordered["title"]) == sorted(tracks["title"])
    artists = list(ordered["artist"])
    adjacent = sum(a == b for a, b in itertools.pairwise(artists))
    assert adjacent == repeats
    most = pd.Series(artists).value_counts().max()
    if most <= (len(artists) + 1) // 2 - 1:
        assert repeats == 0


def test_the_camelot_wheel_and_which_keys_mix():
    assert order.camelot(0, 1) == (8, "B")  # C major
    assert order.camelot(9, 0) == (8, "A")  # A minor, its relative
    assert order.camelot(4, 0) == (9, "A") and order.camelot(6, 1) == (2, "B")  # E min, F♯ maj
    assert order.mixes((8, "B"), (9, "B")) and order.mixes((12, "B"), (1, "B"))  # round
    assert order.mixes((8, "B"), (8, "A")) and not order.mixes((8, "B"), (3, "A"))
    assert order.mixes(None, (8, "B")) is None


def test_a_harmonic_playlist_mixes_in_key_far_more_than_chance():
    """Twenty tracks in keys all round the wheel, tempi alike: the harmonic order puts
    keys that mix side by side; an unsure key is placed by tempo alone."""
    rng = np.random.default_rng(1)
    n = 20
    tracks = _playlist(list(120 + rng.normal(0, 2, n)), [f"a{i}" for i in range(n)]).assign(
        f_key=rng.integers(0, 12, n),
        f_mode=rng.integers(0, 2, n),
        f_key_confidence=np.where(np.arange(n) == 3, 0.1, 0.9),
        f_tempo_confidence=0.9,
    )
    ordered, repeats = order.order_tracks(tracks, by=order.HARMONIC)
    assert repeats == 0 and sorted(ordered["title"]) == sorted(tracks["title"])
    share, pairs = order.compatible_share(ordered)
    assert pairs == n - 3  # the unsure key's two neighbours are not judged
    assert share >= 0.7 > order.random_share(tracks) + 0.3
    by_tempo, _ = order.compatible_share(order.order_tracks(tracks, by="tempo", curve="steady")[0])
    assert share > by_tempo


def test_a_mood_context_must_be_a_known_region():
    with pytest.raises(ParameterError, match="mood"):
        RankingParams(mood="sleepy")
    with pytest.raises(ParameterError, match="preference_weight"):
        RankingParams(preference_weight=1.5)

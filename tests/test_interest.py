"""Recent interest: recency-weighted shares, lift, the rule, and the monthly timeline."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from trace.analysis.interest import (
    InterestParams,
    listening_events,
    monthly_timeline,
    recent_interest,
)
from trace.errors import ParameterError

RNG = np.random.default_rng(1)
START = pd.Timestamp("2025-01-01", tz="UTC")


def drifting_events(days: int = 540, per_day: int = 4) -> tuple[pd.DataFrame, pd.Series]:
    """Tracks 0–9 in cluster 0 (played early), 10–19 in cluster 1 (played late)."""
    rows = []
    for day in range(days):
        late = day / days
        for _ in range(per_day):
            cluster = int(RNG.random() < late)
            rows.append((int(RNG.integers(10)) + 10 * cluster, START + pd.Timedelta(days=day)))
    events = pd.DataFrame(rows, columns=["track_id", "at"])
    return events, pd.Series({t: t // 10 for t in range(20)})


def test_the_late_cluster_is_the_recent_interest():
    events, cluster_of = drifting_events()
    result = recent_interest(events, cluster_of).set_index("cluster")
    assert result.loc[1, "lift"] > 1.25
    assert result.loc[0, "lift"] < 1
    assert result["recent_share"].sum() == pytest.approx(1)
    assert result["long_run_share"].sum() == pytest.approx(1)


def test_a_shorter_half_life_sharpens_the_lift():
    events, cluster_of = drifting_events()
    lifts = [
        recent_interest(events, cluster_of, InterestParams(half_life_days=h))
        .set_index("cluster")
        .loc[1, "lift"]
        for h in (15, 60, 365)
    ]
    assert lifts[0] > lifts[1] > lifts[2] > 1


def test_noise_and_unknown_tracks_are_left_out():
    events, cluster_of = drifting_events(days=100)
    cluster_of[3] = -1
    result = recent_interest(events, cluster_of)
    assert set(result["cluster"]) == {0, 1}
    empty = recent_interest(events.iloc[:0], cluster_of)
    assert empty.empty and "lift" in empty.columns


def test_monthly_timeline_counts_every_event():
    events, cluster_of = drifting_events(days=90)
    timeline = monthly_timeline(events, cluster_of)
    assert timeline["events"].sum() == len(events)
    assert set(timeline["month"].dt.month) == {1, 2, 3}


def test_half_life_is_checked():
    with pytest.raises(ParameterError, match="half_life_days"):
        InterestParams(half_life_days=0)


def test_events_from_the_store_skip_short_plays_and_skips(store):
    with store.batch():
        for i in range(3):
            store.execute(
                "INSERT INTO tracks (title, added_at, updated_at) VALUES (?, ?, ?)",
                (f"t{i}", "2025-01-01T00:00:00+00:00", "x"),
            )
        store.connection.executemany(
            "INSERT INTO plays (track_id, played_at, ms_played, source, skipped) "
            "VALUES (?, ?, ?, 'test', ?)",
            [
                (1, "2025-02-01T10:00:00+00:00", 200_000, 0),
                (1, "2025-02-02T10:00:00+00:00", 5_000, 0),
                (2, "2025-02-03T10:00:00+00:00", 200_000, 1),
            ],
        )
    events = listening_events(store)
    assert (events["kind"] == "added").sum() == 3
    assert list(events.loc[events["kind"] == "play", "track_id"]) == [1]

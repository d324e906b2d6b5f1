"""Listening events, and the clusters' recency-weighted shares against the long run.

Events are plays (at least 30 s, not skipped) and additions (a track joining the
library). Each event weighs ``0.5 ** (age / half_life)``, its age counted back from the
latest event, so an old export still has a "lately". A cluster's recent share is its
part of the total weight; its long-run share its part of the plain event count; the
lift is their ratio. These are the words of the Recent interest page; which tracks are a
recent interest is decided at a finer grain, in :mod:`trace.analysis.taste`.
"""

from __future__ import annotations

from dataclasses import dataclass

import pandas as pd

from trace.errors import ParameterError
from trace.store import MIN_PLAY_MS, Store


@dataclass(frozen=True, slots=True)
class InterestParams:
    half_life_days: float = 30.0

    def __post_init__(self) -> None:
        if not 1 <= self.half_life_days <= 3650:
            raise ParameterError(
                f"half_life_days must be between 1 and 3650, got {self.half_life_days!r}"
            )


def listening_events(store: Store) -> pd.DataFrame:
    """``track_id``, ``at`` (UTC), ``kind`` ("play" or "added") of the library's events."""
    plays = store.frame(
        "SELECT p.track_id, p.played_at AS at, 'play' AS kind FROM plays p "
        "JOIN tracks t ON t.id = p.track_id "
        "WHERE t.pool IS NULL AND NOT p.skipped AND coalesce(p.ms_played, ?) >= ?",
        (MIN_PLAY_MS, MIN_PLAY_MS),
    )
    added = store.frame(
        "SELECT id AS track_id, added_at AS at, 'added' AS kind FROM tracks WHERE pool IS NULL"
    )
    events = pd.concat([plays, added], ignore_index=True)
    events["at"] = pd.to_datetime(events["at"], utc=True, errors="coerce", format="ISO8601")
    return events.dropna(subset=["at"])


def recent_interest(
    events: pd.DataFrame, cluster_of: pd.Series, params: InterestParams | None = None
) -> pd.DataFrame:
    """Per cluster: recent and long-run share, lift, evidence (weighted events), tracks.

    ``cluster_of`` maps track id → cluster label; events of unclustered tracks (noise,
    or no features) are left out. Sorted by lift, highest first.
    """
    params = params or InterestParams()
    frame = events.assign(cluster=events["track_id"].map(cluster_of))
    frame = frame[frame["cluster"].notna() & (frame["cluster"] >= 0)]
    columns = ["cluster", "recent_share", "long_run_share", "lift", "evidence", "tracks"]
    if frame.empty:
        return pd.DataFrame(columns=columns)
    age_days = (frame["at"].max() - frame["at"]).dt.total_seconds() / 86400
    frame = frame.assign(weight=0.5 ** (age_days / params.half_life_days))
    grouped = frame.groupby("cluster")
    result = pd.DataFrame(
        {
            "recent_share": grouped["weight"].sum() / frame["weight"].sum(),
            "long_run_share": grouped.size() / len(frame),
            "evidence": grouped["weight"].sum(),
            "tracks": grouped["track_id"].nunique(),
        }
    )
    result["lift"] = result["recent_share"] / result["long_run_share"]
    result = result.reset_index().astype({"cluster": int})
    return result[columns].sort_values("lift", ascending=False, ignore_index=True)


def monthly_timeline(events: pd.DataFrame, cluster_of: pd.Series) -> pd.DataFrame:
    """Events per month, kind (play or addition, where the events say) and cluster (−1 for
    unclustered), long form: month, kind, cluster, events."""
    frame = events.assign(cluster=events["track_id"].map(cluster_of).fillna(-1).astype(int))
    month = frame["at"].dt.tz_convert(None).dt.to_period("M").dt.to_timestamp()
    keys = [month.rename("month"), *(["kind"] if "kind" in frame else []), "cluster"]
    counts = frame.groupby(keys).size()
    return counts.rename("events").reset_index()

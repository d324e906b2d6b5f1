"""Whether TRACE's picks stuck: were the candidates a person approved played afterwards?

TRACE's own outcome measure, on the person's real listening. For each group of tracks,
the plays (not skipped, at least :data:`trace.store.MIN_PLAY_MS`) from the moment that
counts for it until the end of the history:

- **approved**: candidates approved (in the dashboard or by the weekly job), from the
  decision;
- **rejected, played anyway**: candidates rejected, from the decision;
- **your own additions**: library tracks the person added in the weeks decisions were
  taken, from their addition;
- **never proposed**: a random sample of pool tracks never decided on, from the median
  decision (the history can only tell about tracks it could match, so these are tracks
  TRACE knows).

Per group: how many tracks, the share played at least once afterwards, plays per track,
and how long they stayed (days from the first play afterwards to the last). With fewer
than :data:`MIN_DECISIONS` approvals no rate is given, only the counts.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd

from trace.store import MIN_PLAY_MS, Store

MIN_DECISIONS = 10
SAMPLE = 200
GROUPS = ("approved", "rejected", "own additions", "never proposed")


@dataclass(frozen=True)
class Outcomes:
    table: pd.DataFrame
    """Per group: ``tracks``, ``played`` (share played at least once after), ``plays``
    (per track), ``days`` (mean days between the first and last play after, of those
    played)."""
    sentence: str
    enough: bool


def _plays_after(plays: pd.DataFrame, since: pd.Series) -> pd.DataFrame:
    """Per track of ``since`` (track id → moment): plays after it, first and last."""
    if since.empty:
        return pd.DataFrame({"size": [], "min": [], "max": []}).astype("datetime64[ns, UTC]")
    after = plays[plays["track_id"].isin(since.index)]
    after = after[after["at"].to_numpy() > after["track_id"].map(since).to_numpy()]
    stats = after.groupby("track_id")["at"].agg(["size", "min", "max"])
    return stats.reindex(since.index)


def _row(stats: pd.DataFrame) -> dict[str, float]:
    played = stats["size"].fillna(0)
    span = (stats["max"] - stats["min"]).dt.total_seconds() / 86_400
    return {
        "tracks": len(stats),
        "played": float((played > 0).mean()) if len(stats) else np.nan,
        "plays": float(played.mean()) if len(stats) else np.nan,
        "days": float(span.dropna().mean()) if span.notna().any() else np.nan,
    }


def picks_outcomes(store: Store, *, seed: int = 0) -> Outcomes:
    """The table and sentence of the module docstring for the store's whole history."""
    decisions = store.frame("SELECT track_id, decision, decided_at FROM decisions")
    decisions["decided_at"] = pd.to_datetime(decisions["decided_at"], utc=True, format="ISO8601")
    plays = store.frame(
        "SELECT track_id, played_at AS at FROM plays WHERE NOT skipped "
        "AND coalesce(ms_played, ?) >= ?",
        (MIN_PLAY_MS, MIN_PLAY_MS),
    )
    plays["at"] = pd.to_datetime(plays["at"], utc=True, format="ISO8601")
    tracks = store.frame("SELECT id, pool, added_at FROM tracks")
    tracks["added_at"] = pd.to_datetime(tracks["added_at"], utc=True, format="ISO8601")
    approved = decisions[decisions["decision"] == "approved"]
    rows = {}
    for group, chosen in (("approved", approved), ("rejected", decisions.drop(approved.index))):
        rows[group] = _row(_plays_after(plays, chosen.set_index("track_id")["decided_at"]))
    if len(decisions):
        first, last = decisions["decided_at"].min(), decisions["decided_at"].max()
        own = tracks[
            tracks["pool"].isna()
            & tracks["added_at"].between(first - pd.Timedelta(days=7), last)
            & ~tracks["id"].isin(decisions["track_id"])
        ]
        rows["own additions"] = _row(_plays_after(plays, own.set_index("id")["added_at"]))
        never = tracks[tracks["pool"].notna() & ~tracks["id"].isin(decisions["track_id"])]
        never = never.sample(min(SAMPLE, len(never)), random_state=seed)
        median = decisions["decided_at"].median()
        rows["never proposed"] = _row(
            _plays_after(plays, pd.Series(median, index=never["id"].to_numpy()))
        )
    table = pd.DataFrame.from_dict(rows, orient="index").reindex(list(GROUPS))
    table["tracks"] = table["tracks"].fillna(0).astype(int)
    enough = len(approved) >= MIN_DECISIONS
    return Outcomes(table, _sentence(table, enough, len(approved)), enough)


def _sentence(table: pd.DataFrame, enough: bool, approved: int) -> str:
    if not enough:
        return (
            f"Too few decisions to tell yet: {approved} approved candidate"
            f"{'' if approved == 1 else 's'} (at least {MIN_DECISIONS} are needed for a rate)."
        )
    mine = table.loc["approved"]
    text = (
        f"Of the {int(mine['tracks'])} candidates you approved, {mine['played']:.0%} were played "
        f"afterwards, {mine['plays']:.1f} times each on average"
    )
    if pd.notna(mine["days"]):
        text += f", over {mine['days']:.0f} days"
    others = [
        f"{group} {table.loc[group, 'played']:.0%}"
        for group in GROUPS[1:]
        if table.loc[group, "tracks"] > 0 and pd.notna(table.loc[group, "played"])
    ]
    if others:
        text += "; played afterwards, for comparison: " + ", ".join(others)
    return text + "."

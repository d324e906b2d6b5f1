"""The hours of a person's day: when they play music, and what it sounds like then.

Plays (stored in UTC) are read in a time zone: the one the person gives, else UTC, and
the result says which (:attr:`Hours.zone_note`). :func:`hours_grid` counts plays per
weekday × hour with the mean energy and mood (valence or its stand-in,
:mod:`trace.analysis.mood`) of what was played. :func:`hours_sentence` says the one
difference a person would tell a friend — "your evenings are calmer: energy 0.38 from
20:00 against 0.61 the rest of the day" — only when it is beyond chance: days are the
units (each day's mean in the part of the day against its mean in the rest, paired over
the days that have both), a Wilcoxon signed-rank test, Bonferroni over the parts and
the two sounds tried.
"""

from __future__ import annotations

from dataclasses import dataclass
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

import numpy as np
import pandas as pd
from scipy import stats

from trace.analysis import mood
from trace.errors import ParameterError

WEEKDAYS = ("Mon", "Tue", "Wed", "Thu", "Fri", "Sat", "Sun")
PARTS = {
    "mornings": (5, 12, "before noon"),
    "afternoons": (12, 17, "from noon to 17:00"),
    "evenings": (17, 22, "from 17:00 to 22:00"),
    "nights": (22, 5, "from 22:00"),
}
"""Part of the day → (from hour, to hour, how the sentence says it)."""
SOUNDS = {"energy": ("more energetic", "calmer"), "valence": ("happier", "sadder")}
ALPHA = 0.01
"""The chance a sentence is said of a difference that is not there, over all tried."""
MIN_DIFFERENCE = 0.05
"""A difference smaller than this (on 0–1) is not worth a sentence, however sure."""
MIN_DAYS = 14
"""Days with plays both in a part of the day and outside it, at least."""


def zone_of(name: str | None) -> ZoneInfo:
    """The time zone called ``name`` (IANA, e.g. ``Europe/Berlin``), UTC for none."""
    try:
        return ZoneInfo(name or "UTC")
    except (ZoneInfoNotFoundError, ValueError) as error:
        raise ParameterError(
            f"unknown time zone {name!r}: use a name like Europe/Berlin"
        ) from error


@dataclass(frozen=True)
class Hours:
    grid: pd.DataFrame
    """``weekday`` (0 Monday), ``hour``, ``plays``, ``share``, ``energy``, ``valence``."""
    sentence: str
    """The difference worth telling, or why none is told."""
    zone: str
    zone_note: str
    plays: int


def local_plays(plays: pd.DataFrame, table: pd.DataFrame, zone: ZoneInfo) -> pd.DataFrame:
    """``plays`` (``track_id``, ``at`` in UTC) in ``zone``, with ``day``, ``weekday``,
    ``hour`` and the played track's ``energy`` and ``valence`` (NaN where unknown)."""
    axes = mood.mood_axes(table).set_index(table["id"].to_numpy())
    local = plays["at"].dt.tz_convert(zone)
    return pd.DataFrame(
        {
            "track_id": plays["track_id"].to_numpy(),
            "day": local.dt.tz_localize(None).dt.normalize().to_numpy(),
            "weekday": local.dt.day_of_week.to_numpy(),
            "hour": local.dt.hour.to_numpy(),
            "energy": plays["track_id"].map(axes["energy"]).to_numpy(),
            "valence": plays["track_id"].map(axes["valence"]).to_numpy(),
        }
    )


def hours_grid(local: pd.DataFrame) -> pd.DataFrame:
    """Plays per weekday × hour (every cell, zeros included), with the mean sound."""
    cells = pd.MultiIndex.from_product([range(7), range(24)], names=["weekday", "hour"])
    grouped = local.groupby(["weekday", "hour"])
    grid = pd.DataFrame(
        {
            "plays": grouped.size(),
            "energy": grouped["energy"].mean(),
            "valence": grouped["valence"].mean(),
        }
    ).reindex(cells)
    grid["plays"] = grid["plays"].fillna(0).astype(int)
    grid["share"] = grid["plays"] / max(1, grid["plays"].sum())
    return grid.reset_index()


def _in_part(hours: pd.Series, part: str) -> pd.Series:
    start, end, _ = PARTS[part]
    return hours.between(start, end - 1) if start < end else (hours >= start) | (hours < end)


def hours_sentence(local: pd.DataFrame) -> str:
    """The strongest part-of-day difference beyond chance (module docstring), or why
    none is said."""
    tried = [(part, sound) for part in PARTS for sound in SOUNDS]
    found = []
    for part, sound in tried:
        known = local[local[sound].notna()]
        inside = _in_part(known["hour"], part)
        daily = known.groupby([known["day"], inside])[sound].mean().unstack()
        if True not in daily or False not in daily:
            continue
        paired = daily.dropna()
        if len(paired) < MIN_DAYS:
            continue
        differences = paired[True] - paired[False]
        if np.allclose(differences, 0):
            continue
        p = stats.wilcoxon(differences).pvalue
        here, rest = known.loc[inside, sound].mean(), known.loc[~inside, sound].mean()
        if p * len(tried) < ALPHA and abs(here - rest) >= MIN_DIFFERENCE:
            found.append((abs(here - rest), part, sound, here, rest, len(paired)))
    if not found:
        return (
            "Your music sounds much the same at every hour: no part of the day differs "
            "in energy or mood beyond chance."
        )
    _, part, sound, here, rest, days = max(found)
    word = SOUNDS[sound][0 if here > rest else 1]
    label = "energy" if sound == "energy" else "mood (valence or its stand-in)"
    return (
        f"Your {part} are {word}: {label} {here:.2f} {PARTS[part][2]} against {rest:.2f} "
        f"the rest of the day (over {days} days with both)."
    )


MIN_CONTEXT_PLAYS = 50
"""Fewer plays than this in a time context tell too little to rank by."""


def in_context(local: pd.DataFrame, hours: str, day: str) -> pd.Series:
    """Which of ``local``'s plays (:func:`local_plays`) fall in the part of the day
    ``hours`` ("" any) and on the weekday ``day`` ("" any)."""
    inside = pd.Series(True, index=local.index)
    if hours:
        inside &= _in_part(local["hour"], hours)
    if day:
        inside &= local["weekday"] == WEEKDAYS.index(day)
    return inside


def context_lift(
    plays: pd.DataFrame, ids: np.ndarray, *, hours: str, day: str, zone: str | None
) -> np.ndarray | None:
    """Per track of ``ids``: its share of the plays in the context over its share of all
    plays (1 where it was never played; floored at half an even share), or None when the
    context holds fewer than :data:`MIN_CONTEXT_PLAYS` plays."""
    if not hours and not day:
        return None
    local = local_plays(plays, pd.DataFrame({"id": ids}), zone_of(zone or None))
    inside = in_context(local, hours, day)
    if inside.sum() < MIN_CONTEXT_PLAYS:
        return None
    index = pd.Index(ids)
    floor = 0.5 / max(len(ids), 1)
    every = local["track_id"].value_counts().reindex(index, fill_value=0) / len(local)
    there = local.loc[inside, "track_id"].value_counts().reindex(index, fill_value=0)
    there = there / inside.sum()
    return ((there + floor) / (every + floor)).to_numpy(dtype=float)


def now_context(zone: str | None, now: pd.Timestamp | None = None) -> tuple[str, str]:
    """The part of the day and the weekday it is now in ``zone``."""
    moment = (now or pd.Timestamp.now(tz="UTC")).tz_convert(zone_of(zone or None))
    part = next(p for p in PARTS if _in_part(pd.Series([moment.hour]), p).iat[0])
    return part, WEEKDAYS[moment.weekday()]


def context_words(hours: str, day: str) -> str:
    """``"your evenings"``, ``"your Saturdays"``, ``"your Saturday evenings"``."""
    names = {"Mon": "Monday", "Tue": "Tuesday", "Wed": "Wednesday", "Thu": "Thursday",
             "Fri": "Friday", "Sat": "Saturday", "Sun": "Sunday"}  # fmt: skip
    if hours and day:
        return f"your {names[day]} {hours}"
    return f"your {hours}" if hours else f"your {names[day]}s"


def listening_hours(plays: pd.DataFrame, table: pd.DataFrame, zone: str | None) -> Hours:
    """The grid and the sentence for ``plays`` (``track_id``, ``at`` UTC) of tracks in
    ``table`` (a feature table), read in ``zone`` (``None``: UTC, and said so)."""
    tz = zone_of(zone)
    local = local_plays(plays, table, tz)
    note = (
        f"Hours are in {zone}."
        if zone
        else "Hours are in UTC: your history does not say your time zone; give yours to "
        "see your own hours."
    )
    sentence = hours_sentence(local) if len(local) else "No plays in this period."
    return Hours(hours_grid(local), sentence, zone or "UTC", note, len(local))

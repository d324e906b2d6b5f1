"""Simulated listeners for the recommendation benchmark: plays drawn from a seed.

Each listener has a long-run taste spread over all the library's sources (a Dirichlet
draw) and favourites within each source, and listens for 16 months up to the start of a
change ``START``. A new interest is a source the listener played less than most before
(drawn from the lower half of their taste); what changes after ``START`` is the
listener's shape:

- ``dominant``: 80 % of the plays go to one source from ``START`` on;
- ``two``: 40 % to each of two sources;
- ``drift``: a source's share rises steadily from its usual share to 70 % over the
  16 weeks that end 8 weeks after ``START``;
- ``small``: like ``dominant``, but the library holds only a few of that source's tracks
  (the benchmark takes the rest out);
- ``steady``: no change — nothing should stand out;
- ``skips``: like ``dominant``, with a third as many extra plays of another source that
  are skipped or cut short (under 30 s): they must not count as an interest.

Nothing here looks at a candidate: the held-out answer (the pool's tracks of the
interest's sources) never shapes the history.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd

START = pd.Timestamp("2026-09-01", tz="UTC")
"""When the listener's interest changes; cutoffs are counted in weeks after it."""
LONG_RUN = pd.Timedelta(days=480)
PLAYS_PER_DAY = 14
SHAPES = ("dominant", "two", "drift", "small", "steady", "skips")
SMALL_TRACKS = 4
TASTE_SPREAD = 3.0
"""The Dirichlet concentration of a long-run taste: higher is more even."""


@dataclass(frozen=True)
class Listener:
    shape: str
    seed: int
    taste: dict[str, float]
    """Source → share of the long-run listening."""
    interests: tuple[str, ...]
    """The sources the listener turns to (none for ``steady``)."""
    distractor: str | None = None
    """The source whose plays are skipped (``skips`` only)."""


def choose(shape: str, seed: int, sources: list[str]) -> Listener:
    """The listener's taste and interests, drawn from ``sources`` by the seed."""
    rng = np.random.default_rng([seed, SHAPES.index(shape)])
    taste = dict(zip(sources, rng.dirichlet(np.full(len(sources), TASTE_SPREAD)), strict=True))
    less_played = sorted(sources, key=taste.get)[: max(2, len(sources) // 2)]
    order = [less_played[i] for i in rng.permutation(len(less_played))]
    others = [s for s in sources if s not in order[:1]]
    if shape == "steady":
        return Listener(shape, seed, taste, ())
    if shape == "two":
        return Listener(shape, seed, taste, tuple(order[:2]))
    if shape == "skips":
        distractor = others[int(rng.integers(len(others)))]
        return Listener(shape, seed, taste, (order[0],), distractor=distractor)
    return Listener(shape, seed, taste, (order[0],))


def _day_shares(listener: Listener, day: pd.Timestamp, usual: dict[str, float]) -> dict:
    """The share of the day's plays each source gets."""
    weeks = (day - START) / pd.Timedelta(weeks=1)
    if listener.shape == "drift":
        source = listener.interests[0]
        share = usual[source] + (0.7 - usual[source]) * float(np.clip((weeks + 8) / 16, 0, 1))
    elif weeks < 0 or listener.shape == "steady":
        return usual
    elif listener.shape == "two":
        return _with(usual, {listener.interests[0]: 0.4, listener.interests[1]: 0.4})
    else:
        source, share = listener.interests[0], 0.8
    return _with(usual, {source: share})


def _with(usual: dict[str, float], fixed: dict[str, float]) -> dict[str, float]:
    rest = 1.0 - sum(fixed.values())
    others = {s: p for s, p in usual.items() if s not in fixed}
    total = sum(others.values()) or 1.0
    return {**{s: p * rest / total for s, p in others.items()}, **fixed}


def plays(listener: Listener, library: pd.DataFrame, until: pd.Timestamp) -> pd.DataFrame:
    """``track_id``, ``played_at`` (UTC), ``ms_played``, ``skipped`` from ``START −
    LONG_RUN`` to ``until``; ``library`` has ``id`` and ``source``."""
    rng = np.random.default_rng([listener.seed, SHAPES.index(listener.shape), 7])
    sources = sorted(library["source"].unique())
    usual = {s: listener.taste[s] for s in sources}
    total = sum(usual.values())
    usual = {s: p / total for s, p in usual.items()}
    tracks = {s: library.loc[library["source"] == s, "id"].to_numpy() for s in sources}
    favourite = {s: rng.dirichlet(np.full(len(ids), 0.7)) for s, ids in tracks.items()}
    rows = []
    day = START - LONG_RUN
    while day < until:
        shares = _day_shares(listener, day, usual)
        names = list(shares)
        p = np.array([shares[n] for n in names])
        count = rng.poisson(PLAYS_PER_DAY)
        for source in rng.choice(names, size=count, p=p / p.sum()):
            track = rng.choice(tracks[source], p=favourite[source])
            at = day + pd.Timedelta(seconds=int(rng.integers(0, 86_400)))
            rows.append((int(track), at, int(rng.integers(90_000, 300_000)), False))
        if listener.distractor and day >= START:
            for _ in range(rng.poisson(PLAYS_PER_DAY / 3)):
                track = rng.choice(tracks[listener.distractor])
                at = day + pd.Timedelta(seconds=int(rng.integers(0, 86_400)))
                rows.append(
                    (int(track), at, int(rng.integers(2_000, 25_000)), bool(rng.random() < 0.5))
                )
        day += pd.Timedelta(days=1)
    frame = pd.DataFrame(rows, columns=["track_id", "played_at", "ms_played", "skipped"])
    return frame[frame["played_at"] < until].sort_values("played_at", ignore_index=True)

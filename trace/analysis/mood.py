"""The mood plane: valence (how positive) against energy, both 0–1.

Energy is TRACE's own estimate. Valence cannot be estimated from audio with any
defensible formula (see docs/FEATURES.md), so it comes from imported features where a
track has them; elsewhere a clearly named stand-in takes its place: **brightness and
major key**, ``0.5 × mode + 0.5 × brightness``, where mode is 1 for a major key and 0
for minor, and brightness is the spectral centroid mapped linearly from 800 Hz (0) to
4,000 Hz (1). Major and bright lean happy, minor and dark lean sad — a rough guide, not
a measurement, and the charts say which axis they show.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

VALENCE = "Valence"
STAND_IN = "Brightness & major key (stands in for valence)"
REGIONS = {
    "calm": ((0.0, 1.0), (0.0, 0.45)),
    "happy": ((0.55, 1.0), (0.45, 0.75)),
    "energetic": ((0.0, 1.0), (0.75, 1.0)),
    "tense": ((0.0, 0.55), (0.45, 0.75)),
}
"""Region → ((valence from, to), (energy from, to)): calm is low energy whatever the
valence; energetic is high energy; between them, happy leans positive and tense leans
negative."""


def mood_axes(table: pd.DataFrame) -> pd.DataFrame:
    """``valence``, ``energy`` and ``valence_source`` (imported or stand-in) per track."""
    energy = _column(table, "energy")
    imported = _column(table, "valence")
    mode = _column(table, "mode")
    brightness = ((_column(table, "spectral_centroid_mean") - 800.0) / 3200.0).clip(0, 1)
    stand_in = 0.5 * mode + 0.5 * brightness
    valence = imported.where(imported.notna(), stand_in)
    return pd.DataFrame(
        {
            "valence": valence.clip(0, 1),
            "energy": energy.clip(0, 1),
            "valence_source": np.where(imported.notna(), "imported", "stand-in"),
        },
        index=table.index,
    )


def valence_title(axes: pd.DataFrame) -> str:
    """The axis title: valence if every track has it, else the stand-in's name."""
    return VALENCE if (axes["valence_source"] == "imported").all() else STAND_IN


def region_of(valence: float, energy: float) -> str | None:
    for name, ((v0, v1), (e0, e1)) in REGIONS.items():
        if v0 <= valence <= v1 and e0 <= energy <= e1:
            return name
    return None


def in_ranges(
    axes: pd.DataFrame, valence: tuple[float, float], energy: tuple[float, float]
) -> pd.Series:
    """True where both values are inside the given ranges (tracks without them: False)."""
    return axes["valence"].between(*valence) & axes["energy"].between(*energy)


def _column(table: pd.DataFrame, name: str) -> pd.Series:
    column = f"f_{name}"
    if column in table:
        return table[column].astype(float)
    return pd.Series(np.nan, index=table.index)

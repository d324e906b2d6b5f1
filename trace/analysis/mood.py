"""The mood plane: valence (how positive) against energy, both 0–1.

Energy is TRACE's own estimate (calm ↔ energetic). Valence cannot be estimated from
audio with any defensible formula (see docs/FEATURES.md), so it comes from imported
features where a track has them. Elsewhere a clearly named stand-in takes its place:
**MusiCNN's happy ↔ sad** (its ``happy`` tag against its ``sad`` tag,
:mod:`trace.analysis.heard`) where the track was heard by it, else **brightness and major
key**, ``0.5 × mode + 0.5 × brightness``, where mode is 1 for a major key and 0 for
minor, and brightness is the spectral centroid mapped linearly from 800 Hz (0) to
4,000 Hz (1). Both are rough guides, not measurements, and the charts say which axis
they show.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

VALENCE = "Valence"
STAND_IN = "Brightness & major key (stands in for valence)"
HEARD = "Happy ↔ sad, as MusiCNN hears it (stands in for valence)"
MIXED = "Valence, or a stand-in where a track has none"
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
    """``valence``, ``energy`` and ``valence_source`` (``imported``, ``musicnn`` or
    ``stand-in``) per track."""
    energy = _column(table, "energy")
    imported = _column(table, "valence")
    happy = _column(table, "happy")
    mode = _column(table, "mode")
    brightness = ((_column(table, "spectral_centroid_mean") - 800.0) / 3200.0).clip(0, 1)
    stand_in = 0.5 * mode + 0.5 * brightness
    valence = imported.fillna(happy).fillna(stand_in)
    source = np.where(imported.notna(), "imported", np.where(happy.notna(), "musicnn", "stand-in"))
    return pd.DataFrame(
        {"valence": valence.clip(0, 1), "energy": energy.clip(0, 1), "valence_source": source},
        index=table.index,
    )


def valence_title(axes: pd.DataFrame) -> str:
    """The axis title: what every track's valence is, or :data:`MIXED`."""
    titles = {"imported": VALENCE, "musicnn": HEARD, "stand-in": STAND_IN}
    sources = set(axes["valence_source"])
    return titles[sources.pop()] if len(sources) == 1 else MIXED


def stand_in_note(axes: pd.DataFrame) -> str:
    """What the valence axis holds, track by track, as a caption says it."""
    counts = axes["valence_source"].value_counts()
    parts = {
        "imported": "imported valence",
        "musicnn": "MusiCNN's happy ↔ sad (its happy tag against its sad tag)",
        "stand-in": "brightness and major key",
    }
    held = "; ".join(
        f"{parts[source]} for {counts[source]:,}" for source in parts if source in counts
    )
    return (
        "Valence cannot be measured from audio reliably, so where a track has no imported "
        f"valence TRACE shows a stand-in. This axis is {held} of the tracks (see the docs). "
        "Energy is TRACE's own estimate."
    )


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

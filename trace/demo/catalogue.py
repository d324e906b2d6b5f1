"""Who made the demo's tracks, when they joined the library, and when they were played.

Everything is drawn from one seed, so the same seed gives the same library, the same
tags and the same history. Interest drifts over the 18 months: ambient early, acoustic
and hip-hop in the middle, electronic lately; pop and rock hum along.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path

import numpy as np

from trace.demo.styles import LIBRARY_STYLES, NEW_STYLE, STYLES, Style

MONTHS = 18
FORMATS = ("mp3", "flac", "ogg")
_WORDS = (  # noqa: SIM905 - a word list reads better as prose
    "Night Drive Glass Harbour Paper Moon Static Bloom Velvet Engine Quiet Signal "
    "Amber Orbit River Lantern Neon Tide Hollow Summit Echo Meadow Copper Sky Winter "
    "Garden Silver Thread Golden Hour Iron Wolf Soft Machine Electric Field Lost "
    "Coast Northern Light Slow Motion Falling Star Open Road Low Tide Second Nature "
    "Blue Hour Wild Fire"
).split()
_ARTISTS = {
    "electronic": ("Pulse Theory", "Neon Cartography", "Deep Current", "Voltage Garden"),
    "ambient": ("Slow Horizons", "Ether & Ash", "Glass Cathedral", "Polar Drift"),
    "acoustic": ("Maren Holt", "The Cedar Rows", "Elias Fen", "June Okafor"),
    "hiphop": ("MC Lowtide", "Brick Theory", "Kid Analog", "Saya Flow"),
    "pop": ("Sunny Parade", "Lila Moon", "The Brights", "Coco Avenue"),
    "rock": ("Iron Kestrel", "Black Meridian", "Rust Choir", "Vanta Wolves"),
    "chiptune": ("8-Bit Orchard", "Pixel Fox", "Cart Reset"),
}
_NEW_ARTISTS = {
    name: (f"{artists[0].split()[0]} Collective",) for name, artists in _ARTISTS.items()
}
_YEARS = {
    "electronic": (2012, 2025),
    "ambient": (1995, 2020),
    "acoustic": (1970, 2022),
    "hiphop": (1992, 2024),
    "pop": (2005, 2025),
    "rock": (1985, 2023),
    "chiptune": (2008, 2025),
}


@dataclass(frozen=True, slots=True)
class TrackPlan:
    """One demo track to render and tag."""

    index: int
    style: str
    blend: str | None
    artist: str
    album: str
    title: str
    year: int
    track_number: int
    seconds: float
    path: Path
    added_at: datetime | None
    """When it joined the library (its file time); ``None`` for candidates."""
    seed: int


def interest(style: str, month: float) -> float:
    """How much the listener cares for ``style`` in ``month`` (0 = 18 months ago)."""
    x = month / (MONTHS - 1)
    curves = {
        "ambient": 1.6 * np.exp(-(((x - 0.05) / 0.25) ** 2)) + 0.05,
        "acoustic": 1.0 * np.exp(-(((x - 0.4) / 0.2) ** 2)) + 0.1,
        "hiphop": 1.0 * np.exp(-(((x - 0.6) / 0.18) ** 2)) + 0.1,
        "electronic": 1.8 * np.exp(-(((x - 1.0) / 0.22) ** 2)) + 0.05,
        "pop": 0.35,
        "rock": 0.2,
    }
    return float(curves[style])


def _title(rng: np.random.Generator) -> str:
    words = rng.choice(len(_WORDS), size=int(rng.integers(1, 4)), replace=False)
    return " ".join(_WORDS[i] for i in words)


def _plan(
    folder: Path,
    index: int,
    style: Style,
    blend: Style | None,
    artist: str,
    rng: np.random.Generator,
    added_at: datetime | None,
    seed: int,
) -> TrackPlan:
    album = f"{_title(rng)}"
    title = _title(rng)
    number = int(rng.integers(1, 13))
    ext = FORMATS[index % len(FORMATS)]
    safe = f"{number:02d} - {title}.{ext}"
    return TrackPlan(
        index=index,
        style=style.name,
        blend=blend.name if blend else None,
        artist=artist,
        album=album,
        title=title,
        year=int(rng.integers(*_YEARS[style.name])),
        track_number=number,
        seconds=float(rng.uniform(20, 30)),
        path=folder / artist / album / safe,
        added_at=added_at,
        seed=seed * 100_003 + index,
    )


def library_plan(
    folder: Path, *, seed: int, anchor: datetime, per_style: int = 38, between: int = 12
) -> list[TrackPlan]:
    """About 240 tracks: ``per_style`` of each library style plus ``between`` blends."""
    rng = np.random.default_rng(seed)
    start = anchor - timedelta(days=30.4 * MONTHS)
    plans: list[TrackPlan] = []
    for style in LIBRARY_STYLES:
        weights = np.array([interest(style.name, m) for m in range(MONTHS)])
        months = rng.choice(MONTHS, size=per_style, p=weights / weights.sum())
        for month in months:
            added = start + timedelta(days=30.4 * (month + rng.random()))
            artist = str(rng.choice(_ARTISTS[style.name]))
            plans.append(_plan(folder, len(plans), style, None, artist, rng, added, seed))
    for _ in range(between):
        first, second = rng.choice(len(LIBRARY_STYLES), size=2, replace=False)
        style, blend = LIBRARY_STYLES[first], LIBRARY_STYLES[second]
        added = start + timedelta(days=float(rng.uniform(0, 30.4 * MONTHS)))
        artist = str(rng.choice(_ARTISTS[style.name]))
        plans.append(_plan(folder, len(plans), style, blend, artist, rng, added, seed))
    return plans


def pool_plan(
    folder: Path, *, seed: int, per_style: int = 17, new_style: int = 18, first_index: int = 10_000
) -> list[TrackPlan]:
    """About 120 candidates: every library style plus one the library lacks."""
    rng = np.random.default_rng(seed + 1)
    plans: list[TrackPlan] = []
    for style in (*LIBRARY_STYLES, NEW_STYLE):
        count = new_style if style is NEW_STYLE else per_style
        artists = (
            _ARTISTS[style.name]
            if style is NEW_STYLE
            else (*_NEW_ARTISTS[style.name], *_ARTISTS[style.name][:2])
        )
        for _ in range(count):
            artist = str(rng.choice(artists))
            index = first_index + len(plans)
            plans.append(_plan(folder, index, style, None, artist, rng, None, seed))
    return plans


@dataclass(frozen=True, slots=True)
class Play:
    path: Path
    played_at: datetime
    ms_played: int
    skipped: bool


def listening_history(
    plans: list[TrackPlan], *, seed: int, anchor: datetime, plays_per_month: int = 140
) -> list[Play]:
    """Plays over 18 months following :func:`interest`; about one in ten is a skip."""
    rng = np.random.default_rng(seed + 2)
    start = anchor - timedelta(days=30.4 * MONTHS)
    by_style: dict[str, list[TrackPlan]] = {}
    for plan in plans:
        by_style.setdefault(plan.style, []).append(plan)
    plays: list[Play] = []
    for month in range(MONTHS):
        weights = np.array([interest(s.name, month) for s in LIBRARY_STYLES])
        styles = rng.choice(len(LIBRARY_STYLES), size=plays_per_month, p=weights / weights.sum())
        for style_index in styles:
            when = start + timedelta(days=30.4 * (month + rng.random()))
            owned = [
                p
                for p in by_style[LIBRARY_STYLES[style_index].name]
                if p.added_at is not None and p.added_at <= when
            ]
            if not owned:
                continue
            plan = owned[int(rng.integers(len(owned)))]
            skipped = bool(rng.random() < 0.1)
            full = int(rng.uniform(150_000, 260_000))
            ms = int(rng.uniform(3_000, 25_000)) if skipped else full
            plays.append(Play(plan.path, when.replace(microsecond=0), ms, skipped))
    return plays


def style_of(plan: TrackPlan) -> Style:
    return STYLES[plan.style]


def anchor_now() -> datetime:
    """The end of the demo history: now, to the day."""
    now = datetime.now(UTC)
    return now.replace(hour=0, minute=0, second=0, microsecond=0)

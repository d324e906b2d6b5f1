"""Altair charts and display tables for the pages, with person-facing labels."""

from __future__ import annotations

import altair as alt
import pandas as pd

ACCENT = "#1DB954"

TRACK_COLUMNS = {
    "title": "Title",
    "artist": "Artist",
    "album": "Album",
    "genre": "Genre",
    "year": "Year",
    "duration": "Length",
    "format": "Format",
    "added_at": "Added",
    "status": "File",
    "path": "Path",
}


def top_values(tracks: pd.DataFrame, column: str, title: str, *, limit: int = 15) -> alt.Chart:
    """Horizontal bars of the most common values of a ``"; "``-separated column."""
    values = tracks[column].fillna("").astype(str).str.split("; ").explode().str.strip()
    counts = values[values != ""].value_counts().head(limit).rename_axis("value")
    frame = counts.reset_index(name="tracks")
    return (
        alt.Chart(frame, title=title)
        .mark_bar(color=ACCENT)
        .encode(
            x=alt.X("tracks:Q", title="Tracks"),
            y=alt.Y("value:N", sort="-x", title=None),
            tooltip=[alt.Tooltip("value:N", title=title.removeprefix("Top ")), "tracks:Q"],
        )
        .properties(height=alt.Step(22))
    )


def year_histogram(tracks: pd.DataFrame) -> alt.Chart:
    """Tracks per release year."""
    frame = tracks.loc[tracks["year"].notna(), ["year"]]
    return (
        alt.Chart(frame, title="Release years")
        .mark_bar(color=ACCENT)
        .encode(
            x=alt.X("year:O", title="Year"),
            y=alt.Y("count():Q", title="Tracks"),
            tooltip=[alt.Tooltip("year:O", title="Year"), alt.Tooltip("count():Q", title="Tracks")],
        )
        .properties(height=240)
    )


def track_table(tracks: pd.DataFrame) -> pd.DataFrame:
    table = tracks[list(TRACK_COLUMNS)].rename(columns=TRACK_COLUMNS)
    table["Length"] = table["Length"].map(minutes_seconds)
    table["Added"] = table["Added"].dt.strftime("%Y-%m-%d")
    table["Year"] = table["Year"].astype("Int64")
    for column in ("Album", "Genre", "Artist"):
        table[column] = table[column].fillna("")
    return table


def minutes_seconds(seconds: float | None) -> str:
    """``245.3`` → ``"4:05"``."""
    if seconds is None or pd.isna(seconds):
        return ""
    whole = round(float(seconds))
    return f"{whole // 60}:{whole % 60:02d}"


def playing_time(seconds: float) -> str:
    """``7384`` → ``"2 h 03 min"``; under an hour, minutes only."""
    minutes = round(seconds / 60)
    return f"{minutes // 60} h {minutes % 60:02d} min" if minutes >= 60 else f"{minutes} min"


def plural(count: int, noun: str) -> str:
    """``plural(1, "file")`` → ``"1 file"``; ``plural(3, "file")`` → ``"3 files"``."""
    return f"{count:,} {noun}{'' if count == 1 else 's'}"


def error_table(errors: pd.DataFrame) -> pd.DataFrame:
    table = errors.assign(kept=errors["track_kept"].map({1: "kept, with a warning", 0: "skipped"}))
    return table[["path", "reason", "detail", "kept", "at"]].rename(
        columns={
            "path": "File",
            "reason": "Problem",
            "detail": "Details",
            "kept": "Track",
            "at": "When",
        }
    )


def folder_table(folders: pd.DataFrame) -> pd.DataFrame:
    table = folders.assign(pool=folders["pool"].fillna("your library"))
    return table.rename(
        columns={
            "path": "Folder",
            "pool": "Scanned as",
            "added_at": "Added",
            "last_scan_at": "Last scanned",
        }
    )

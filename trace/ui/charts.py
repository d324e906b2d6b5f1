"""Altair charts and display tables for the pages, with person-facing labels."""

from __future__ import annotations

from datetime import datetime

import altair as alt
import numpy as np
import pandas as pd

from trace.audio.trust import GUARDED, UNSURE_WHY, uncertain
from trace.library.text import plural  # also the pages' name for it

ACCENT = "#1DB954"
RECENT = "#F2A541"

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


FEATURE_LABELS = {
    "tempo": "Tempo (BPM)",
    "loudness": "Loudness (LUFS)",
    "energy": "Energy",
    "danceability": "Danceability",
    "acousticness": "Acousticness",
    "valence": "Valence (imported)",
    "speechiness": "Speechiness (imported)",
    "liveness": "Liveness (imported)",
    "instrumentalness": "Instrumentalness (imported)",
    "instrumental": "Instrumental (MusiCNN's guess)",
    "instrumental_confidence": "Instrumental: MusiCNN's confidence",
    "happy": "Happy ↔ sad (MusiCNN's guess)",
    "mood_confidence": "Happy ↔ sad: MusiCNN's confidence",
    "key": "Key",
    "mode": "Mode (1 major, 0 minor)",
    "key_confidence": "Key confidence",
    "duration_ms": "Length (ms)",
    "pulse_clarity": "Pulse clarity",
    "onset_rate": "Onsets per second",
    "onset_activity": "Onset activity",
    "beat_strength": "Beat strength",
    "spectral_centroid_mean": "Brightness (spectral centroid, Hz)",
    "spectral_rolloff_mean": "Spectral roll-off (Hz)",
    "spectral_flatness_mean": "Noisiness (spectral flatness)",
    "rms_mean": "Level (RMS)",
    "zcr_mean": "Zero-crossing rate",
}
DEFAULT_HISTOGRAMS = ("tempo", "energy", "danceability", "loudness", "acousticness", "key")


PITCHES = ("C", "C♯", "D", "E♭", "E", "F", "F♯", "G", "A♭", "A", "B♭", "B")


def feature_label(name: str) -> str:
    """A person-facing name for a feature column: ``"mfcc_03_mean"`` → ``"Mfcc 03 mean"``."""
    return FEATURE_LABELS.get(name) or name.replace("_", " ").capitalize()


def feature_histogram(
    table: pd.DataFrame, feature: str, *, recent: pd.Series | None = None, bins: int = 24
) -> alt.Chart:
    """Share of tracks per bin of ``feature``; with ``recent``, its share drawn over it."""
    values = table[f"f_{feature}"].astype(float)
    finite = values.dropna()
    edges = np.histogram_bin_edges(finite, bins=bins) if len(finite) else np.arange(2.0)
    axis = alt.Axis()
    if feature == "key":  # twelve pitch classes, named, one bar each
        edges = np.arange(13) - 0.5
        axis = alt.Axis(values=list(range(12)), labelExpr=f"{list(PITCHES)}[datum.value]")
    groups = {"All tracks": values}
    if recent is not None and recent.any():
        groups["Added recently"] = values[recent]
    frames = []
    for group, column in groups.items():
        counts, _ = np.histogram(column.dropna(), bins=edges)
        share = counts / max(1, counts.sum())
        frames.append(
            pd.DataFrame(
                {
                    "start": edges[:-1],
                    "end": edges[1:],
                    "share": share,
                    "tracks": counts,
                    "group": group,
                }
            )
        )
    frame = pd.concat(frames, ignore_index=True)
    if feature == "key":
        frame["pitch"] = [PITCHES[i % 12] for i in (frame["start"] + 0.5).round().astype(int)]
    label = feature_label(feature)
    base = alt.Chart(frame).encode(
        x=alt.X("start:Q", bin="binned", title=label, axis=axis),
        x2="end:Q",
        y=alt.Y("share:Q", title="Share of tracks", axis=alt.Axis(format="%"), stack=None),
        color=alt.Color(
            "group:N",
            title=None,
            scale=alt.Scale(domain=["All tracks", "Added recently"], range=[ACCENT, RECENT]),
            legend=alt.Legend(orient="bottom"),
        ),
        tooltip=[
            alt.Tooltip("group:N", title="Tracks"),
            *(
                [alt.Tooltip("pitch:N", title="Key")]
                if feature == "key"
                else [
                    alt.Tooltip("start:Q", title="From", format=".3g"),
                    alt.Tooltip("end:Q", title="To", format=".3g"),
                ]
            ),
            alt.Tooltip("tracks:Q", title="Count"),
            alt.Tooltip("share:Q", title="Share", format=".0%"),
        ],
    )
    # the recent tracks as outlines over the filled bars: no blended third colour
    every = base.transform_filter(alt.datum.group == "All tracks").mark_bar(
        opacity=0.75, binSpacing=0
    )
    lately = base.transform_filter(
        (alt.datum.group == "Added recently") & (alt.datum.share > 0)
    ).mark_bar(filled=False, strokeWidth=2, binSpacing=0)
    return alt.layer(every, lately, title=label).properties(height=320)


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


def year_histogram(tracks: pd.DataFrame, *, min_years: int = 10) -> alt.Chart:
    """Tracks per release year on a continuous axis: one bar a year wide, centred on its
    year, so a year without tracks is a gap the width of a bar. The axis spans at least
    ``min_years``, so that a few years are bars, not a wall."""
    years = tracks["year"].dropna().astype(float).round().astype(int)
    counts = years.value_counts().sort_index().rename_axis("year").reset_index(name="tracks")
    frame = counts.assign(start=counts["year"] - 0.45, end=counts["year"] + 0.45)
    low, high = (int(years.min()), int(years.max())) if len(years) else (2000, 2000)
    widen = max(0, min_years - (high - low + 1))
    low, high = low - widen // 2, high + (widen + 1) // 2
    return (
        alt.Chart(frame, title="Release years")
        .mark_bar(color=ACCENT)
        .encode(
            x=alt.X(
                "start:Q",
                title="Year",
                scale=alt.Scale(domain=[low - 0.5, high + 0.5], nice=False, zero=False),
                axis=alt.Axis(format="d", tickMinStep=1, grid=False),
            ),
            x2="end:Q",
            y=alt.Y("tracks:Q", title="Tracks", axis=alt.Axis(tickMinStep=1)),
            y2=alt.datum(0),  # a bar from zero up, not a range across the years
            tooltip=[
                alt.Tooltip("year:Q", title="Year", format="d"),
                alt.Tooltip("tracks:Q", title="Tracks"),
            ],
        )
        .properties(height=240)
    )


def track_table(tracks: pd.DataFrame) -> pd.DataFrame:
    table = tracks[list(TRACK_COLUMNS)].rename(columns=TRACK_COLUMNS)
    table.insert(4, "Tempo", tempo_text(tracks))
    table.insert(5, "Heard", heard_text(tracks))
    table["Length"] = table["Length"].map(minutes_seconds)
    table["Added"] = table["Added"].dt.strftime("%Y-%m-%d")
    table["Year"] = table["Year"].astype("Int64").astype("string").fillna("")
    for column in ("Album", "Genre", "Artist"):
        table[column] = table[column].fillna("")
    return table


TRACK_ROWS = 5_000
"""The track list sends at most this many rows to the browser: all 100,000 of a big
library were 19 MB, seconds of transfer and drawing on every first visit."""


def find_tracks(tracks: pd.DataFrame, query: str) -> pd.DataFrame:
    """The tracks (a feature table) whose title, artist, album, genre or path hold every
    word of ``query``, in any case (all of them for an empty query)."""
    words = query.lower().split()
    if not words:
        return tracks
    text = tracks["title"].fillna("").astype(str)
    for column in ("artist", "album", "genre", "path"):
        if column in tracks:
            text = text + "\n" + tracks[column].fillna("").astype(str)
    text = text.str.lower()
    keep = np.ones(len(tracks), dtype=bool)
    for word in words:
        keep &= text.str.contains(word, regex=False).to_numpy()
    return tracks[keep]


def heard_text(tracks: pd.DataFrame) -> pd.Series:
    """What MusiCNN is sure it hears, as words: ``"instrumental"``, ``"sung (female)"``,
    and the genre its tags lean to where the track has no genre tag (``"sounds like
    Metal"``; a ``?`` when unsure). Empty where it heard nothing sure."""
    if "f_instrumental" not in tracks:
        return pd.Series("", index=tracks.index)
    instrumental = tracks["f_instrumental"].astype(float)
    sure = instrumental.notna() & ~uncertain(tracks, "instrumental")
    vocals = tracks["vocals"].fillna("")
    sung = np.where(vocals != "", "sung (" + vocals + ")", "sung")
    voice = np.where(sure, np.where(instrumental >= 0.5, "instrumental", sung), "")
    untagged = tracks["genre"].fillna("").eq("") & tracks["sound_genre"].fillna("").ne("")
    genre = np.where(untagged, "sounds like " + tracks["sound_genre"].fillna(""), "")
    both = (voice != "") & (genre != "")
    return pd.Series(np.char.add(np.char.add(voice, np.where(both, ", ", "")), genre), tracks.index)


def tempo_text(tracks: pd.DataFrame) -> pd.Series:
    """``"128 BPM"``, ``"uncertain"`` where no beat is clear enough to tap, else empty."""
    if "f_tempo" not in tracks:
        return pd.Series("", index=tracks.index)
    tempo = tracks["f_tempo"].astype(float)
    text = tempo.map(lambda bpm: "" if pd.isna(bpm) else f"{bpm:.0f} BPM")
    return text.mask(uncertain(tracks, "tempo"), "uncertain")


def trust_note(table: pd.DataFrame, features: list[str]) -> str:
    """What the charts leave out: ``"Tempo is shown for 310 of 344 tracks: 34 have no
    beat clear enough to tap."``, one sentence per guarded feature shown, or ``""``."""
    notes = []
    for feature in features:
        if feature not in GUARDED or f"f_{feature}" not in table:
            continue
        known = int(table[f"f_{feature}"].notna().sum())
        doubtful = int(uncertain(table, feature).sum())
        if doubtful:
            why = UNSURE_WHY[feature]
            notes.append(
                f"{feature_label(feature)} is shown for {known - doubtful:,} of {known:,} "
                f"tracks: {plural(doubtful, 'track')} {'has' if doubtful == 1 else 'have'} "
                f"{why}."
            )
    clips = int((table["feature_source"] == "preview").sum()) if "feature_source" in table else 0
    if clips:
        notes.append(
            f"{plural(clips, 'track')} {'is' if clips == 1 else 'are'} heard through a 30 s "
            "catalogue preview: one excerpt where a file gives three, so their tempo and "
            "key rest on less music."
        )
    return " ".join(notes)


def audio_status(table: pd.DataFrame, unanalysable: int = 0) -> str:
    """Which tracks have features and which do not, and why: files waiting for their
    analysis, files that cannot be analysed (``unanalysable``, of the current extractor),
    tracks with no file at all."""
    source = table["feature_source"]
    has_file = table["path"].notna() & (table["status"] == "ok")
    heard = int((source != "none").sum())
    clips = int((source == "preview").sum())
    text = f"{plural(heard, 'track')} of {len(table):,} have audio features"
    text += f" ({clips:,} from catalogue previews)." if clips else "."
    none = source == "none"
    unanalysable = min(unanalysable, int((none & has_file).sum()))
    waiting = int((none & has_file & table["signature"].notna()).sum()) - unanalysable
    no_file = int((none & ~has_file).sum())
    if waiting > 0:
        text += f" {plural(waiting, 'file')} {'is' if waiting == 1 else 'are'} waiting for "
        text += "analysis: the button below analyses them."
    if unanalysable:
        text += (
            f" {plural(unanalysable, 'file')} cannot be analysed (silent, too short, "
            "undecodable): the Library page lists each with the reason; re-encoding the "
            "file helps."
        )
    if no_file:
        text += (
            f" {plural(no_file, 'track')} {'has' if no_file == 1 else 'have'} no file (Spotify, "
            "listens, CSV rows): the catalogue previews below can hear them."
        )
    return text


def minutes_seconds(seconds: float | None) -> str:
    """``245.3`` → ``"4:05"``."""
    if seconds is None or pd.isna(seconds):
        return ""
    whole = round(float(seconds))
    return f"{whole // 60}:{whole % 60:02d}"


def playing_time(seconds: float) -> str:
    """``7384`` → ``"2 h 03 min"``; under an hour, minutes only; from 100 hours, hours."""
    minutes = round(seconds / 60)
    if minutes >= 100 * 60:
        return f"{round(minutes / 60):,} h"
    return f"{minutes // 60} h {minutes % 60:02d} min" if minutes >= 60 else f"{minutes} min"


def error_table(errors: pd.DataFrame) -> pd.DataFrame:
    table = errors.assign(
        kept=errors["track_kept"].map({1: "kept, with a warning", 0: "skipped"}),
        at=local_time(errors["at"]),
    )
    return table[["path", "reason", "detail", "kept", "at"]].rename(
        columns={
            "path": "File",
            "reason": "Problem",
            "detail": "Details",
            "kept": "Track",
            "at": "When",
        }
    )


def history_table(history: pd.DataFrame) -> pd.DataFrame:
    """The imported histories as the Sources page lists them."""
    return pd.DataFrame(
        {
            "History": history["source"],
            "Plays": history["plays"].map("{:,}".format),
            "From": history["first"],
            "To": history["last"],
            "Tracks": history["tracks"].map("{:,}".format),
            "On the map": [
                f"{heard:,} of {tracks:,} ({heard / tracks:.0%})" if tracks else "–"
                for heard, tracks in zip(history["heard"], history["tracks"], strict=True)
            ],
        }
    )


def folder_table(folders: pd.DataFrame) -> pd.DataFrame:
    table = folders.assign(pool=folders["pool"].fillna("your library"))
    for column in ("added_at", "last_scan_at"):
        table[column] = local_time(table[column])
    return table.rename(
        columns={
            "path": "Folder",
            "pool": "Scanned as",
            "added_at": "Added",
            "last_scan_at": "Last scanned",
        }
    )


def local_time(values: pd.Series) -> pd.Series:
    """Stored UTC timestamps as ``2026-11-22 07:38`` in the computer's time zone."""
    moments = pd.to_datetime(values, utc=True, errors="coerce")
    local_zone = datetime.now().astimezone().tzinfo
    return moments.dt.tz_convert(local_zone).dt.strftime("%Y-%m-%d %H:%M").fillna("")

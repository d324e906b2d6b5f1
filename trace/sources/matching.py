"""Matching Spotify tracks to local files: by MusicBrainz id, ISRC, then artist + title.

A Spotify track (a track with a Spotify URI, or with plays, and no file) and a local
track (a file, no Spotify URI) are the same recording when

0. their MusicBrainz recording ids are equal (a listen imported before the scan that
   read the file's id), or
1. their ISRCs are equal, or
2. their normalised "artist — title" keys are at least :data:`MIN_SIMILARITY` alike
   (rapidfuzz's ``token_sort_ratio`` or ``ratio``, so word order and small spelling
   differences do not matter), their titles are a typo apart at most
   (:data:`MAX_TITLE_EDITS` letters inserted or deleted) or the same words in another
   order, the numbers in them are the same ("No. 5" is not "No. 6"), their durations
   differ by at most :data:`MAX_DURATION_GAP_S` seconds or 3 % (a missing duration does
   not block a match whose names agree exactly), and they are the same kind of
   recording: a live take, a remix, an acoustic version, a demo or an instrumental never
   merges into the studio file however close its name and length
   (:func:`trace.library.text.recording_words`). Same-recording versions ("- 2011
   Remaster", "(Radio Edit)", "- Mono") are not in the keys at all
   (:func:`trace.library.text.normalise`).

The two are merged into the local track, which keeps its file and gains the URI, the
plays, the saves, the playlist places, the imported features and the decisions. What
is left on either side is reported: Spotify tracks with no local audio (they join the
clustering only with imported or Spotify features) and local files Spotify did not
mention.
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass, field

import numpy as np
import pandas as pd
from rapidfuzz import fuzz, process
from rapidfuzz.distance import Indel

from trace.library.text import match_key, plural, recording_words
from trace.store import Store, now

MIN_SIMILARITY = 90
MAX_DURATION_GAP_S = 3.0
MAX_TITLE_EDITS = 2
MERGED_TABLES = (
    ("plays", "track_id"),
    ("spotify_saved", "track_id"),
    ("spotify_top", "track_id"),
    ("spotify_playlist_items", "track_id"),
    ("imported_features", "track_id"),
    ("decisions", "track_id"),
    ("previews", "track_id"),
)


@dataclass
class MatchReport:
    """The outcome of matching, for the dashboard and the command line."""

    by_mbid: int = 0  # Spotify tracks matched to a local file this time, by MusicBrainz id
    by_isrc: int = 0  # … by ISRC
    by_name: int = 0  # … and by artist, title and duration
    plays_now: int = 0  # Spotify plays that joined a local file with them
    matched: int = 0  # Spotify tracks on a local file, in total
    spotify_tracks: int = 0  # the person's Spotify tracks, matched or not
    plays_matched: int = 0  # Spotify plays on a local file, in total
    plays: int = 0  # all Spotify plays
    spotify_only: pd.DataFrame = field(default_factory=pd.DataFrame)  # artist, title
    local_only: pd.DataFrame = field(default_factory=pd.DataFrame)  # artist, title, path
    spotify_only_with_features: int = 0
    merged: dict[int, int] = field(default_factory=dict)  # Spotify track id → local track id

    @property
    def matched_now(self) -> int:
        return self.by_mbid + self.by_isrc + self.by_name

    @property
    def spotify_without_features(self) -> int:
        return len(self.spotify_only) - self.spotify_only_with_features

    def __str__(self) -> str:
        return (
            f"Matched to local files this time: {plural(self.matched_now, 'Spotify track')} "
            f"({self.by_mbid:,} by MusicBrainz id, {self.by_isrc:,} by ISRC, "
            f"{self.by_name:,} by artist, title and duration) "
            f"with {plural(self.plays_now, 'play')}. In total {self.matched:,} of "
            f"{plural(self.spotify_tracks, 'Spotify track')} and {self.plays_matched:,} of "
            f"{plural(self.plays, 'play')} are on local files. Left unmatched: "
            f"{plural(len(self.spotify_only), 'Spotify track')} without local audio "
            f"({self.plays - self.plays_matched:,} plays; {self.spotify_without_features:,} "
            f"of these tracks have no features either, so they stay out of the map) and "
            f"{plural(len(self.local_only), 'local track')} not on your Spotify."
        )


def refresh_match_keys(store: Store) -> int:
    """Recompute every track's stored match key with today's :func:`match_key`, so a
    better normalisation (say, of "- 2011 Remaster") reaches tracks stored before it.
    Returns how many keys changed."""
    rows = store.execute("SELECT id, artists, title, match_key FROM tracks").fetchall()
    changes = []
    for track_id, artists, title, stored in rows:
        names = json.loads(artists or "[]")
        key = match_key(names[0] if names else None, title)
        if key != stored:
            changes.append((key, track_id))
    if changes:
        with store.batch():
            store.connection.executemany("UPDATE tracks SET match_key = ? WHERE id = ?", changes)
    return len(changes)


_HAS_FILE = "EXISTS (SELECT 1 FROM files f WHERE f.track_id = t.id AND f.status = 'ok')"
_FROM_SPOTIFY = (
    "(t.spotify_uri IS NOT NULL OR EXISTS (SELECT 1 FROM plays p WHERE p.track_id = t.id "
    "AND p.source = 'spotify'))"
)


def _sides(store: Store) -> tuple[pd.DataFrame, pd.DataFrame]:
    spotify = store.frame(
        f"""SELECT t.id, t.isrc, t.match_key, t.duration, t.pool, t.title, t.artists,
                   t.recording_mbid,
                   EXISTS (SELECT 1 FROM imported_features x WHERE x.track_id = t.id) AS features
            FROM tracks t WHERE NOT {_HAS_FILE} AND (t.spotify_uri IS NOT NULL
                OR EXISTS (SELECT 1 FROM plays p WHERE p.track_id = t.id))"""
    )
    local = store.frame(
        f"""SELECT t.id, t.isrc, t.match_key, t.duration, t.pool, t.title, t.artists,
                   t.recording_mbid,
                   (SELECT display_path FROM files f WHERE f.track_id = t.id LIMIT 1) AS path
            FROM tracks t WHERE t.spotify_uri IS NULL AND {_HAS_FILE}"""
    )
    return spotify, local


def _with_recordings(side: pd.DataFrame) -> pd.DataFrame:
    """A side built without MusicBrainz ids (by an older caller) simply has none."""
    if "recording_mbid" in side:
        return side
    return side.assign(recording_mbid=None)


def _by_recording(local: pd.DataFrame) -> dict[str, int]:
    """Local track id by MusicBrainz recording id."""
    return {
        mbid: int(row_id)
        for mbid, row_id in zip(local["recording_mbid"], local["id"], strict=True)
        if isinstance(mbid, str) and mbid
    }


def _same_mbid(a: object, b: object) -> bool:
    """Two different MusicBrainz recording ids are two recordings (a live take, a remix)
    however alike their names; a missing id does not decide."""
    return not (isinstance(a, str) and isinstance(b, str) and a != b)


def _close_in_length(a: float | None, b: float | None) -> bool:
    if a is None or b is None or pd.isna(a) or pd.isna(b):
        return True
    return abs(a - b) <= max(MAX_DURATION_GAP_S, 0.03 * max(a, b))


def pair_up(spotify: pd.DataFrame, local: pd.DataFrame) -> list[tuple[int, int, str]]:
    """``(spotify id, local id, "mbid" | "isrc" | "name")`` pairs, each track used once."""
    pairs: list[tuple[int, int, str]] = []
    used: set[int] = set()
    spotify, local = _with_recordings(spotify), _with_recordings(local)
    by_mbid = _by_recording(local)
    by_isrc = {
        isrc: row_id
        for isrc, row_id in zip(local["isrc"], local["id"], strict=True)
        if isinstance(isrc, str) and isrc
    }
    rest = []
    for row in spotify.itertuples(index=False):
        local_id = by_mbid.get(row.recording_mbid) if isinstance(row.recording_mbid, str) else None
        if local_id is not None and local_id not in used:
            pairs.append((int(row.id), int(local_id), "mbid"))
            used.add(local_id)
            continue
        local_id = by_isrc.get(row.isrc) if isinstance(row.isrc, str) else None
        if local_id is not None and local_id not in used:
            pairs.append((int(row.id), int(local_id), "isrc"))
            used.add(local_id)
        elif isinstance(row.match_key, str):
            rest.append(row)
    candidates = local[~local["id"].isin(used) & local["match_key"].notna()].reset_index(drop=True)
    if not rest or candidates.empty:
        return pairs
    queries = [row.match_key.replace("\x1f", " ") for row in rest]
    choices = candidates["match_key"].str.replace("\x1f", " ", regex=False).tolist()
    # Sorted words forgive another word order ("Lanterns, The"); plain order forgives a
    # lost space or first letter, which moves a word elsewhere in the sorted order.
    scores = np.maximum(
        *(
            process.cdist(
                queries,
                choices,
                scorer=scorer,
                score_cutoff=MIN_SIMILARITY,
                workers=-1,
                dtype=np.uint8,
            )
            for scorer in (fuzz.token_sort_ratio, fuzz.ratio)
        )
    )
    for i, row in enumerate(rest):
        for j in np.argsort(-scores[i].astype(int), kind="stable"):
            if scores[i, j] < MIN_SIMILARITY:
                break
            local_id = int(candidates.at[j, "id"])
            if local_id in used:
                continue
            if _same_recording(
                row.match_key,
                candidates.at[j, "match_key"],
                row.duration,
                candidates.at[j, "duration"],
            ) and _same_mbid(row.recording_mbid, candidates.at[j, "recording_mbid"]):
                pairs.append((int(row.id), local_id, "name"))
                used.add(local_id)
                break
    return pairs


def _same_recording(query: str, choice: str, duration: float, local_duration: float) -> bool:
    """Whether two keys already found alike name one recording: close in length (a
    missing length only when the names agree exactly), titles apart by a typo at most,
    the same numbers, and the same kind of recording (never a live take, a remix or a
    demo for the studio track)."""
    return (
        _close_in_length(duration, local_duration)
        and (query == choice or not pd.isna(duration))
        and _titles_close(query.split("\x1f")[-1], choice.split("\x1f")[-1])
        and _numbers(query) == _numbers(choice)
        and recording_words(query) == recording_words(choice)
    )


def same_recording(
    artist: str | None,
    title: str | None,
    duration: float | None,
    other_artist: str | None,
    other_title: str | None,
    other_duration: float | None,
) -> bool:
    """Whether a track found by name elsewhere (a catalogue's search) is the recording a
    stored track is, by the rules a Spotify track meets a local file by: names at least
    :data:`MIN_SIMILARITY` alike — the artists on their own too —, then
    :func:`_same_recording` (length, title, numbers, and never a live take, a remix or
    another kind of recording)."""
    key, other = match_key(artist, title), match_key(other_artist, other_title)
    if key is None or other is None or not _same_artist(key, other):
        return False
    spaced, other_spaced = key.replace("\x1f", " "), other.replace("\x1f", " ")
    score = max(fuzz.token_sort_ratio(spaced, other_spaced), fuzz.ratio(spaced, other_spaced))
    return score >= MIN_SIMILARITY and _same_recording(key, other, duration, other_duration)


def _same_artist(key: str, other: str) -> bool:
    """The artists of two keys alike on their own: with a long title, "Artist Tribute"
    would otherwise pass on the title's likeness alone."""
    artist, other_artist = (
        k.split("\x1f")[0].removeprefix("the ").replace(" ", "") for k in (key, other)
    )
    return max(fuzz.ratio(artist, other_artist), fuzz.token_sort_ratio(artist, other_artist)) >= (
        MIN_SIMILARITY
    )


def _titles_close(title: str, other: str) -> bool:
    """The same words in any order, or a typo apart (a letter dropped, added, swapped
    or mistyped): a long artist name must not carry "Heart River" into "Heart Rain"."""
    return (
        Indel.distance(title, other, score_cutoff=MAX_TITLE_EDITS) <= MAX_TITLE_EDITS
        or fuzz.token_sort_ratio(title, other) == 100
    )


def _numbers(key: str) -> list[str]:
    """The numbers in a key: "Symphony No. 5" and "Symphony No. 6" are never one song."""
    return sorted(re.findall(r"\d+", key))


def merge(store: Store, spotify_id: int, local_id: int) -> None:
    """Fold the Spotify track into the local one (inside the caller's transaction)."""
    uri, isrc, added, pool, mbid = store.execute(
        "SELECT spotify_uri, isrc, added_at, pool, recording_mbid FROM tracks WHERE id = ?",
        (spotify_id,),
    ).fetchone()
    for table, column in MERGED_TABLES:
        store.execute(
            f"UPDATE OR IGNORE {table} SET {column} = ? WHERE {column} = ?", (local_id, spotify_id)
        )
    store.execute("DELETE FROM tracks WHERE id = ?", (spotify_id,))
    store.execute(
        """UPDATE tracks SET spotify_uri = coalesce(?, spotify_uri), isrc = coalesce(isrc, ?),
               added_at = min(added_at, ?), updated_at = ?,
               pool = CASE WHEN ? IS NULL THEN NULL ELSE pool END,
               recording_mbid = coalesce(recording_mbid, ?)
           WHERE id = ?""",
        (uri, isrc, added, now(), pool, mbid, local_id),
    )


def match_spotify_to_local(store: Store) -> MatchReport:
    """Match and merge; see the module docstring."""
    refresh_match_keys(store)
    spotify, local = _sides(store)
    report = MatchReport()
    pairs = pair_up(spotify, local)
    report.plays_now = _spotify_plays(store, [spotify_id for spotify_id, _, _ in pairs])
    with store.batch():
        for spotify_id, local_id, how in pairs:
            merge(store, spotify_id, local_id)
            report.merged[spotify_id] = local_id
            if how == "mbid":
                report.by_mbid += 1
            elif how == "isrc":
                report.by_isrc += 1
            else:
                report.by_name += 1
    _count(store, report)
    merged = {p[0] for p in pairs} | {p[1] for p in pairs}
    left = spotify[~spotify["id"].isin(merged) & spotify["pool"].isna()]
    report.spotify_only = _named(left)
    report.spotify_only_with_features = int(left["features"].sum()) if len(left) else 0
    unmatched_local = local[~local["id"].isin(merged) & local["pool"].isna()]
    report.local_only = _named(unmatched_local)
    if "path" in unmatched_local:
        report.local_only["path"] = unmatched_local["path"].to_numpy()
    return report


def _spotify_plays(store: Store, track_ids: list[int]) -> int:
    marks = ",".join("?" * len(track_ids))
    return store.execute(
        f"SELECT count(*) FROM plays WHERE source = 'spotify' AND track_id IN ({marks})",
        track_ids,
    ).fetchone()[0]


def _count(store: Store, report: MatchReport) -> None:
    """The totals the report states: tracks and plays from Spotify, and how many of them
    are on local files now."""
    report.matched, report.spotify_tracks = store.execute(
        f"SELECT count(*) FILTER (WHERE {_HAS_FILE}), count(*) FROM tracks t "
        f"WHERE {_FROM_SPOTIFY} AND (t.pool IS NULL OR {_HAS_FILE})"
    ).fetchone()
    report.plays_matched, report.plays = store.execute(
        f"SELECT count(*) FILTER (WHERE {_HAS_FILE}), count(*) FROM plays p "
        "JOIN tracks t ON t.id = p.track_id WHERE p.source = 'spotify'"
    ).fetchone()


def _named(frame: pd.DataFrame) -> pd.DataFrame:
    artists = frame["artists"].map(lambda text: ", ".join(json.loads(text or "[]")))
    return pd.DataFrame({"artist": artists.to_numpy(), "title": frame["title"].to_numpy()})

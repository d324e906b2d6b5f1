"""An analysis told: as text for a person in a terminal, as JSON for machines, and
the quality of its models in a phrase."""

from __future__ import annotations

import math
from typing import TYPE_CHECKING, Any

import pandas as pd

from trace.analysis.genre import GenreModel
from trace.analysis.preference import PreferenceModel

if TYPE_CHECKING:
    from trace.analysis.pipeline import Analysis


def _number(value: float) -> float | None:
    return None if value is None or not math.isfinite(value) else round(float(value), 4)


def to_json(analysis: Analysis) -> dict[str, Any]:
    """The analysis for machines: settings, quality, clusters, interest, candidates and
    every track's location, cluster and 2-D position."""
    names = {p.cluster: p.name for p in analysis.profiles}
    library = analysis.library
    location = library["path"].where(library["path"].notna(), library["spotify_uri"])
    clusters = analysis.clustering.clusters
    sources = _audio_sources(pd.concat([library, analysis.candidates], ignore_index=True))
    return {
        "params": analysis.params.to_dict(),
        "quality": {
            "clusters": analysis.clustering.n_clusters,
            "dbcv": _number(analysis.clustering.dbcv),
            "noise_share": _number(analysis.clustering.noise_share),
            "classifier_accuracy": _number(analysis.model.accuracy) if analysis.model else None,
            "classifier_balanced_accuracy": _number(analysis.model.balanced_accuracy)
            if analysis.model
            else None,
            "preference": quality(analysis.preference),
            "preference_r2": _number(analysis.preference.r2)
            if isinstance(analysis.preference, PreferenceModel)
            else None,
            "preference_spearman": _number(analysis.preference.spearman)
            if isinstance(analysis.preference, PreferenceModel)
            else None,
            "genre": quality(analysis.genre),
            "genre_accuracy": _number(analysis.genre.accuracy)
            if isinstance(analysis.genre, GenreModel)
            else None,
        },
        "clusters": [
            {
                "cluster": p.cluster,
                "name": p.name,
                "size": p.size,
                "persistence": _number(
                    float(clusters.loc[clusters["cluster"] == p.cluster, "persistence"].iloc[0])
                ),
                "top_artists": p.top_artists,
                "top_genres": p.top_genres,
                "years": list(p.years) if p.years else None,
            }
            for p in analysis.profiles
        ],
        "interests": [
            {
                "number": int(row.number),
                "name": row.name,
                "lift": _number(row.lift),
                "recent_share": _number(row.recent_share),
                "usual_share": _number(row.usual_share),
                "tracks": int(row.tracks),
                "played_most": list(row.top_tracks),
                "artists": list(row.artists),
                "genres": list(row.genres),
                "albums": list(getattr(row, "albums", ())),
                "clusters": list(row.clusters),
            }
            for row in analysis.interests.itertuples()
        ],
        "recent_interest": [
            {
                "cluster": int(row.cluster),
                "name": names.get(int(row.cluster)),
                "lift": _number(row.lift),
                "recent_share": _number(row.recent_share),
                "long_run_share": _number(row.long_run_share),
                "evidence": _number(row.evidence),
                "tracks": int(row.tracks),
                "holds_a_recent_interest": bool(row.recent_interest),
            }
            for row in analysis.interest.itertuples()
        ],
        "candidates": [
            {
                "track_id": int(row.track_id),
                "artist": row.artist,
                "title": row.title,
                "location": row.location,
                "cluster": int(row.cluster),
                "cluster_name": names.get(int(row.cluster)),
                "confidence": _number(row.confidence),
                "score": _number(row.score),
                "interest": int(row.interest) or None,
                "close_to": int(row.close_to),
                "neighbours": list(row.neighbours),
                "neighbour_ids": list(row.neighbour_ids),
                "stands_out": list(row.stands_out),
                "reason": row.reason,
                "preference": _number(row.preference),
                "pool": getattr(row, "pool", None),
                **sources.get(int(row.track_id), NO_SOURCE),
            }
            for row in analysis.ranking.proposed.itertuples()
        ],
        "left_out": analysis.ranking.left_out,
        "tracks": [
            {
                "track_id": int(track_id),
                "location": where,
                "artist": artist,
                "title": title,
                "cluster": int(cluster),
                "x": _number(x),
                "y": _number(y),
                **sources.get(int(track_id), NO_SOURCE),
            }
            for track_id, where, artist, title, cluster, x, y in zip(
                library["id"],
                location,
                library["artist"],
                library["title"],
                library["cluster"],
                library["x"],
                library["y"],
                strict=True,
            )
        ],
        "notes": analysis.notes,
    }


NO_SOURCE = {
    "audio": {"source": None, "service": None, "id": None},
    "isrc": None,
    "spotify_uri": None,
}
AUDIO_SOURCE = {"audio": "file", "preview": "preview", "imported": "csv", "none": None}


def _audio_sources(table: pd.DataFrame) -> dict[int, dict[str, Any]]:
    """Per track id: where its features' audio came from (a file, a catalogue's preview
    — which service and track —, a CSV, or none), its ISRC and its Spotify URI."""
    if table.empty or "id" not in table:
        return {}

    def column(name: str) -> pd.Series:
        return table[name] if name in table else pd.Series(None, index=table.index)

    return {
        int(track_id): {
            "audio": {
                "source": AUDIO_SOURCE.get(source),
                "service": _text(svc),
                "id": _text(sid),
            },
            "isrc": _text(isrc),
            "spotify_uri": _text(uri),
        }
        for track_id, source, svc, sid, isrc, uri in zip(
            table["id"],
            column("feature_source"),
            column("audio_service"),
            column("audio_id"),
            column("isrc"),
            column("spotify_uri"),
            strict=True,
        )
    }


def _text(value: object) -> str | None:
    return value if isinstance(value, str) and value else None


def quality(fitted: PreferenceModel | GenreModel | str | None) -> str:
    """One line on a preference or genre forest: its held-out quality, or why not."""
    if fitted is None:
        return "not fitted"
    if isinstance(fitted, str):
        return f"none ({fitted})"
    if isinstance(fitted, PreferenceModel):
        return (
            f"held-out R² {fitted.r2:.2f}, Spearman {fitted.spearman:.2f} "
            f"on {fitted.rows} tracks with ratings, plays, skips or decisions"
        )
    return (
        f"{fitted.accuracy:.0%} held-out accuracy ({fitted.balanced_accuracy:.0%} "
        f"balanced) over {len(fitted.counts)} genres, {int(fitted.counts.sum())} tagged tracks"
    )


def summary_text(analysis: Analysis, *, limit: int = 25) -> str:
    """The analysis as a person reads it in a terminal."""
    clustering = analysis.clustering
    lines = [
        f"Mapped {len(analysis.library)} tracks on {len(analysis.scaled.columns)} features"
        + (" and MusiCNN's embedding" if analysis.scaled.learned else "")
        + ": "
        f"{clustering.n_clusters} clusters, {clustering.noise_share:.0%} in none "
        f"(DBCV {clustering.dbcv:.2f}).",
    ]
    if analysis.model is not None:
        lines.append(
            f"The Random Forest tells the clusters apart with {analysis.model.accuracy:.0%} "
            f"held-out accuracy ({analysis.model.balanced_accuracy:.0%} balanced)."
        )
    for what, fitted in (("Preference", analysis.preference), ("Genre", analysis.genre)):
        lines.append(f"{what} model: {quality(fitted)}.")
    lines += ["", "Clusters:"]
    persistence = analysis.clustering.clusters.set_index("cluster")["persistence"]
    for p in analysis.profiles:
        who = ", ".join(p.top_artists[:2]) or "no artists"
        lines.append(
            f"  {p.cluster:>3}  {p.name:<34} {p.size:>5} tracks  persistence "
            f"{persistence[p.cluster]:.2f}  ({who})"
        )
    names = {p.cluster: p.name for p in analysis.profiles}
    lines += ["", "Recent interests (where your listening moved, track by track):"]
    if analysis.interests.empty:
        lines.append("  nothing stands out lately: your recent listening looks like your usual")
    for row in analysis.interests.itertuples():
        lines.append(
            f"  {row.name}: {row.tracks} tracks, {row.recent_share:.0%} of your recent "
            f"listening (usual {row.usual_share:.0%}, lift {row.lift:.1f}); "
            f"played most: {'; '.join(row.top_tracks[:3])}"
        )
    lines += ["", "Clusters lately (lift = recent share ÷ long-run share):"]
    if analysis.interest.empty and analysis.clustering.n_clusters == 0:
        lines.append("  no clusters to compare; lower --min-cluster-size")
    elif analysis.interest.empty:
        lines.append("  no plays or additions dated yet; import your listening history")
    for row in analysis.interest.itertuples():
        mark = "★" if row.recent_interest else " "
        lines.append(
            f"  {mark} {names.get(row.cluster, row.cluster)!s:<34} lift {row.lift:4.2f}  "
            f"recent {row.recent_share:5.1%}  usual {row.long_run_share:5.1%}  "
            f"from {row.tracks} tracks"
        )
    proposed = analysis.ranking.proposed
    lines += ["", f"Top candidates ({min(limit, len(proposed))} of {len(proposed)}):"]
    if len(analysis.candidates) == 0:
        lines.append("  no candidates with features: scan a folder of new music with --pool")
    for row in proposed.head(limit).itertuples():
        lines.append(
            f"  {row.artist} – {row.title}  [{names.get(row.cluster, row.cluster)}, "
            f"{row.confidence:.0%}]"
        )
        lines.append(f"      {row.reason}")
    if analysis.ranking.left_out:
        left = ", ".join(f"{n} {why}" for why, n in analysis.ranking.left_out.items())
        lines.append(f"  Left out: {left}.")
    lines += [f"Note: {note}." for note in analysis.notes]
    return "\n".join(lines)

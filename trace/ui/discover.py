"""Discover's parts: the ranking settings, the ranked candidates and what is said about
them, and the list where each can be decided."""

from __future__ import annotations

from dataclasses import dataclass, replace

import numpy as np
import pandas as pd
import streamlit as st

from trace.analysis import mood, report
from trace.analysis.genre import guess_text
from trace.analysis.params import MOODS
from trace.analysis.pipeline import Inputs, Pipeline
from trace.store import Store
from trace.ui import cached, charts, data
from trace.ui import demo as demo_ui

DECISIONS = {"Approve": "approved", "Reject": "rejected"}
EDITOR = "discover-editor"
UNDECIDED = "—"


@dataclass(frozen=True)
class Candidates:
    """The ranked candidates and what the page shows beside them."""

    pipe: Pipeline
    proposed: pd.DataFrame
    """``ranking.proposed`` plus ``For`` (the interest's name), ``cluster_name``, ``genre``."""
    library: pd.DataFrame
    """Library tracks on the map: ``id``, ``x``, ``y``, ``artist``, ``title``, ``cluster``,
    ``location`` (path, else Spotify URI)."""
    serves: dict[int, str]
    left_out: dict[str, int]


def ranking_settings() -> None:
    """The sidebar sliders that shape the list (saved as the weekly job's settings)."""
    st.header("Candidates")
    cached.setting(
        st.slider, "How many to propose", "ranking", "candidates", min_value=5, max_value=100
    )
    cached.setting(
        st.slider, "At most per artist", "ranking", "per_artist", min_value=1, max_value=10
    )
    cached.setting(
        st.slider,
        "Least placement confidence",
        "ranking",
        "min_confidence",
        min_value=0.0,
        max_value=0.95,
        step=0.05,
        help="How sure the Random Forest must be of the cluster it places a candidate in.",
    )
    cached.setting(
        st.slider,
        "Blend in your predicted preference",
        "ranking",
        "preference_weight",
        min_value=0.0,
        max_value=1.0,
        step=0.1,
        help="0: ranked by fit to your recent interests only; 1: by the preference a Random "
        "Forest predicts from your ratings, plays, skips, saves and decisions here. Above 0, "
        "the forest is fitted and its held-out R² and Spearman correlation are shown "
        "under the title, so you can judge whether to trust it.",
    )
    time_context()
    st.header("Mood")
    cached.setting(
        st.selectbox,
        "Context",
        "ranking",
        "mood",
        options=list(MOODS),
        format_func=lambda m: m.capitalize() if m else "Any mood",
        help="Keep only candidates in that region of the mood plane (Library → Mood).",
    )
    for label, name in (("Valence (or its stand-in)", "valence_range"), ("Energy", "energy_range")):
        cached.setting(
            st.slider,
            label,
            "ranking",
            name,
            min_value=0.0,
            max_value=1.0,
            step=0.05,
            convert=tuple,
        )


CONTEXTS = {
    "": "Any time",
    "hour": "Like what I play at this hour",
    "day": "… at this hour, on this day",
}


def time_context() -> None:
    """ "Like what I play at this hour (on this day)": the current part of the day and
    weekday in the person's zone become the ranking's time context (saved, so the weekly
    job can use it too)."""
    from trace.analysis.hours import now_context
    from trace.report import TIMEZONE_SETTING

    current = cached.params().ranking
    chosen = "day" if current.day else "hour" if current.hours else ""
    st.header("Time")
    picked = st.selectbox(
        "Time context",
        list(CONTEXTS),
        index=list(CONTEXTS).index(chosen),
        format_func=CONTEXTS.get,
        key="discover-time-context",
        help="Rank candidates by how close they are to what you play at this time of day "
        "(and on this weekday), in your time zone (set it on Recent interest); the reason "
        "says when a candidate fits.",
    )
    with Store(data.library_key()[0]) as store:
        zone = store.get_setting(TIMEZONE_SETTING) or ""
    hours, day = now_context(zone) if picked else ("", "")
    if picked != "day":
        day = ""
    if (current.hours, current.day, current.timezone) != (hours, day, zone):
        cached.set_params(
            replace(
                cached.params(),
                ranking=replace(current, hours=hours, day=day, timezone=zone),
            )
        )
    if picked:
        st.caption(f"Now: {day + ' ' if day else ''}{hours} ({zone or 'UTC'}).")


def candidates(keys: Inputs) -> Candidates:
    """The ranked candidates, with what is known of them said under the title; stops the
    page with a message where there are none to rank yet."""
    database, fingerprint = data.library_key()
    if data.counts(database, fingerprint)["candidates"] == 0:
        _no_candidates()
        st.stop()
    pipe = cached.mapped(keys)
    fitted = pipe.model()
    if isinstance(fitted, str):
        st.warning(f"Candidates cannot be placed yet: {fitted}.")
        st.stop()
    ranking = pipe.ranking()
    _captions(pipe, fitted, database, fingerprint)
    serves = dict(zip(pipe.interests()["number"], pipe.interests()["name"], strict=True))
    proposed = ranking.proposed.reset_index(drop=True)
    if not proposed.empty:
        guesses = pipe.genre_guesses(pipe.pool().set_index("id").loc[proposed["track_id"]])
        proposed = proposed.assign(
            For=proposed["interest"].map(serves).fillna("—"),
            cluster_name=proposed["cluster"].map(pipe.names()),
            genre=guess_text(guesses, pipe.genre()).to_numpy(),
        )
    return Candidates(pipe, proposed, _library(pipe), serves, ranking.left_out)


def _library(pipe: Pipeline) -> pd.DataFrame:
    table = pipe.library()
    layout = pipe.layout()
    names = pipe.names()
    location = table["path"] if "path" in table else pd.Series(None, index=table.index)
    if "spotify_uri" in table:
        location = location.where(location.notna(), table["spotify_uri"])
    return pd.DataFrame(
        {
            "id": table["id"].astype(int).to_numpy(),
            "x": layout[:, 0],
            "y": layout[:, 1],
            "artist": table["artist"].to_numpy(),
            "title": table["title"].to_numpy(),
            "cluster": [names.get(int(c), "no cluster") for c in pipe.clustering().labels],
            "location": location.to_numpy(),
        }
    )


def _no_candidates() -> None:
    if demo_ui.candidates_pending():
        st.info(
            "The demo's 120 candidate tracks are being composed and analysed in the "
            "background (about half a minute after the Library first appears). Open this "
            "page again then.",
            icon=":material/hourglass_top:",
        )
    elif demo_ui.candidates_failed():
        demo_ui.candidates_failure()
    else:
        st.info(
            "No candidates yet. Candidates are new music TRACE may propose: scan a folder of "
            "music you do not own yet as a **candidate pool** on the **Sources** page (or run "
            '`python -m trace scan --pool "new music" ~/Downloads/new`).'
        )


def _captions(pipe: Pipeline, fitted, database: str, fingerprint: str) -> None:
    params = pipe.params
    st.caption(
        f"Which cluster a candidate belongs to is learnt from your own tracks: on tracks it "
        f"had not seen, it named the right cluster {fitted.accuracy:.0%} of the time.",
        help="A Random Forest trained on your clustered tracks; out-of-bag accuracy "
        f"{fitted.accuracy:.2f}, balanced {fitted.balanced_accuracy:.2f}.",
    )
    if params.ranking.preference_weight > 0:
        liking = pipe.preference()[0]
        weak = isinstance(liking, str) or liking.r2 < 0.05
        st.caption(
            f"Preference model: {report.quality(liking)}."
            + (" It predicts no better than the average: keep the blend at 0." if weak else "")
        )
    if params.ranking.mood:
        (valence, energy) = mood.REGIONS[params.ranking.mood]
        st.caption(
            f"Mood context **{params.ranking.mood}**: valence (or its stand-in) "
            f"{valence[0]:g}–{valence[1]:g}, energy {energy[0]:g}–{energy[1]:g}."
        )
    weekly = data.weekly_run(database)
    if weekly:
        st.caption(
            f"The weekly job ran on {weekly['ran_at'][:10]} (week {weekly['week']}): "
            f"{len(weekly['picks'])} picks stored"
            + (f", its top {len(weekly['approved'])} approved" if weekly.get("approved") else "")
            + ". They are ranked below with everything else."
        )
    features = data.features(database, fingerprint, candidates=True)
    unplaceable = int((features["feature_source"] == "none").sum())
    if unplaceable:
        st.caption(
            f"{charts.plural(unplaceable, 'candidate')} without audio features yet (files "
            "being or not yet analysed, or Spotify tracks with no local file) cannot be placed "
            "and are not ranked yet: files join once analysed, and tracks without a file once "
            "heard through their catalogue preview (**Sources → Catalogue previews**)."
        )
    names = pipe.interests()["name"]
    if len(names):
        st.write("Ranked for your recent interests: " + "; ".join(f"**{n}**" for n in names))
    else:
        st.write(
            "No recent interest stands out (or there is no history yet): ranked by how close "
            "each candidate is to what you played lately."
        )


def decision_list(found: Candidates, keys: Inputs) -> None:
    """Every candidate in ranked order, each with a Decision cell saved at once; the
    reasons in full below, as the table would cut them."""
    proposed = found.proposed
    key = f"{EDITOR}-{keys.decisions}"  # a fresh editor once a decision is saved
    st.data_editor(
        pd.DataFrame(
            {
                "Decision": [UNDECIDED] * len(proposed),
                "Artist": proposed["artist"],
                "Title": proposed["title"],
                "For": proposed["For"],
                "Cluster": proposed["cluster_name"],
                "Genre (guessed)": proposed["genre"],
                "Confidence": proposed["confidence"],
                "From": proposed["pool"],
                "Why": proposed["reason"],
            }
        ),
        key=key,
        hide_index=True,
        width="stretch",
        disabled=[
            "Artist",
            "Title",
            "For",
            "Cluster",
            "Genre (guessed)",
            "Confidence",
            "From",
            "Why",
        ],
        on_change=save_edits,
        args=(key, proposed["track_id"].to_numpy()),
        column_config=_columns(),
    )
    st.caption(
        "Each decision is saved at once; decided tracks leave this list, and the rest "
        "re-rank: what sounds like a track you approved rises (up to double its score), "
        "what sounds like one you rejected sinks (down to half)."
    )
    with st.expander("Every reason in full"):
        st.markdown(
            "\n".join(
                f"{i}. **{row.artist} – {row.title}**: {row.reason}"
                for i, row in enumerate(proposed.itertuples(), start=1)
            )
        )


def _columns() -> dict:
    return {
        "Decision": st.column_config.SelectboxColumn(
            "Decision", options=[UNDECIDED, *DECISIONS], required=True, width=100, pinned=True
        ),
        # Who and what stay in view while the reasons scroll sideways.
        "Artist": st.column_config.TextColumn("Artist", width=140, pinned=True),
        "Title": st.column_config.TextColumn("Title", width=200, pinned=True),
        "For": st.column_config.TextColumn(
            "For", width=280, help="The recent interest this candidate serves."
        ),
        "Cluster": st.column_config.TextColumn("Cluster", width=170),
        "Genre (guessed)": st.column_config.TextColumn(
            "Genre (guessed)",
            width=160,
            help="What a Random Forest trained on your library's genre tags guesses, with "
            "its probability; a ? marks an unsure guess. Hidden when that model is right "
            "on fewer than 60 % of the tracks it was tested on.",
        ),
        "Confidence": st.column_config.ProgressColumn(
            "Confidence", min_value=0.0, max_value=1.0, format="percent", width=130
        ),
        "From": st.column_config.TextColumn(
            "From", width=140, help="The candidate pool it comes from."
        ),
        "Why": st.column_config.TextColumn(
            "Why", width="large", help="Each reason in full: below the table, or in Review."
        ),
    }


def save_edits(key: str, track_ids: np.ndarray) -> None:
    """Store the decisions made in the editor under ``key`` (rows are ``track_ids``)."""
    edits = st.session_state[key]["edited_rows"]
    with Store() as store:
        for row, change in edits.items():
            choice = change.get("Decision")
            if choice in DECISIONS:
                store.decide(int(track_ids[int(row)]), DECISIONS[choice])


def left_out(found: Candidates) -> None:
    """Why the candidates not proposed were not, every one of them counted."""
    reasons = [f"{n} {why}" for why, n in found.left_out.items()]
    below = len(found.pipe.pool()) - len(found.proposed) - sum(found.left_out.values())
    if below > 0 and not found.proposed.empty:
        reasons.append(
            f"{below} ranked below these {len(found.proposed)} (raise **How many to propose** "
            "to see them)"
        )
    if reasons:
        st.caption("Not proposed: " + "; ".join(reasons) + ".")

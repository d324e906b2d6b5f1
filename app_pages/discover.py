"""Discover: candidates ranked for recent interests, approved or rejected, then exported."""

from __future__ import annotations

import json
from pathlib import Path

import pandas as pd
import streamlit as st

from trace import config
from trace.analysis import mood, report
from trace.analysis.order import CURVES, order_tracks
from trace.analysis.params import MOODS
from trace.playlist import ORDER_SETTING, m3u8, saved_order, write_m3u8
from trace.store import Store
from trace.ui import cached, charts, data, spotify
from trace.ui import demo as demo_ui

DECISIONS = {"Approve": "approved", "Reject": "rejected"}
EDITOR = "discover-editor"
UNDECIDED = "—"

st.title("Discover")
cached.show_settings_problem()
keys = cached.keys()

with st.sidebar:
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
        "the forest is fitted and its cross-validated R² and Spearman correlation are shown "
        "under the title, so you can judge whether to trust it.",
    )
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

database, fingerprint = data.library_key()
if data.counts(database, fingerprint)["candidates"] == 0:
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
    st.stop()

pipe = cached.mapped(keys)
params = pipe.params
names = pipe.names()
fitted = pipe.model()
if isinstance(fitted, str):
    st.warning(f"Candidates cannot be placed yet: {fitted}.")
    st.stop()
ranking = pipe.ranking()
pool = pipe.pool()

st.caption(
    f"The Random Forest that places candidates tells your clusters apart with "
    f"**{fitted.accuracy:.0%}** cross-validated accuracy ({fitted.balanced_accuracy:.0%} "
    "balanced)."
)
if params.ranking.preference_weight > 0:
    liking = pipe.preference()[0]
    weak = isinstance(liking, str) or liking.r2 < 0.05
    st.caption(
        f"Preference model: {report.quality(liking)}."
        + (" It predicts no better than the average: keep the blend at 0." if weak else "")
    )
if params.ranking.mood:
    low_high = mood.REGIONS[params.ranking.mood]
    st.caption(
        f"Mood context **{params.ranking.mood}**: valence (or its stand-in) "
        f"{low_high[0][0]:g}–{low_high[0][1]:g}, energy {low_high[1][0]:g}–{low_high[1][1]:g}."
    )
weekly = data.weekly_run(database)
if weekly:
    st.caption(
        f"The weekly job ran on {weekly['ran_at'][:10]} (week {weekly['week']}): "
        f"{len(weekly['picks'])} picks stored"
        + (f", its top {len(weekly['approved'])} approved" if weekly.get("approved") else "")
        + ". They are ranked below with everything else."
    )
unplaceable = int(
    (data.features(database, fingerprint, candidates=True)["feature_source"] == "none").sum()
)
if unplaceable:
    st.caption(
        f"{charts.plural(unplaceable, 'candidate')} without audio features (Spotify tracks "
        "with no local file, or files not analysed yet) cannot be placed and are not ranked: "
        "import an Exportify CSV of them or analyse pending files on **Sources**."
    )
proposed = ranking.proposed
interests = pipe.interests()
serves = dict(zip(interests["number"], interests["name"], strict=True))
if serves:
    st.write("Ranked for your recent interests: " + "; ".join(f"**{n}**" for n in serves.values()))
else:
    st.write(
        "No recent interest stands out (or there is no history yet): ranked by how close "
        "each candidate is to what you played lately."
    )

if proposed.empty:
    st.info("No candidate fits these settings. Widen the mood ranges or lower the confidence.")
else:
    guesses = pipe.genre_guesses(pool.set_index("id").loc[proposed["track_id"]])
    editor_frame = pd.DataFrame(
        {
            "Decision": [UNDECIDED] * len(proposed),
            "Artist": proposed["artist"],
            "Title": proposed["title"],
            "For": proposed["interest"].map(serves).fillna("—"),
            "Cluster": proposed["cluster"].map(names),
            "Genre (guessed)": guesses["genre"].to_numpy(),
            "Confidence": proposed["confidence"],
            "Why": proposed["reason"],
        }
    )

    def save_decisions(key: str) -> None:
        edits = st.session_state[key]["edited_rows"]
        with Store() as store:
            for row, change in edits.items():
                choice = change.get("Decision")
                if choice in DECISIONS:
                    store.decide(int(proposed.loc[int(row), "track_id"]), DECISIONS[choice])

    st.data_editor(
        editor_frame,
        key=f"{EDITOR}-{keys.decisions}",  # a fresh editor once a decision is saved
        hide_index=True,
        width="stretch",
        disabled=["Artist", "Title", "For", "Cluster", "Genre (guessed)", "Confidence", "Why"],
        on_change=save_decisions,
        args=(f"{EDITOR}-{keys.decisions}",),
        column_config={
            "Decision": st.column_config.SelectboxColumn(
                "Decision",
                options=[UNDECIDED, *DECISIONS],
                required=True,
                width=100,
                pinned=True,
            ),
            # Who and what stay in view while the reasons scroll sideways.
            "Artist": st.column_config.TextColumn("Artist", width=140, pinned=True),
            "Title": st.column_config.TextColumn("Title", width=160, pinned=True),
            "For": st.column_config.TextColumn(
                "For", width=170, help="The recent interest this candidate serves."
            ),
            "Cluster": st.column_config.TextColumn("Cluster", width=170),
            "Genre (guessed)": st.column_config.TextColumn(
                "Genre (guessed)",
                width=110,
                help="What a Random Forest trained on your library's genre tags guesses.",
            ),
            "Confidence": st.column_config.ProgressColumn(
                "Confidence", min_value=0.0, max_value=1.0, format="percent", width="small"
            ),
            "Why": st.column_config.TextColumn("Why", width="large"),
        },
    )
    st.caption("Each decision is saved at once; decided tracks leave this list.")
if ranking.left_out:
    st.caption(
        "Not proposed: " + "; ".join(f"{n} {why}" for why, n in ranking.left_out.items()) + "."
    )


def playlist_order(chosen: pd.DataFrame) -> pd.DataFrame:
    """The approved tracks in the order chosen here (saved for the weekly job too)."""
    labels = {"": "As approved", "tempo": "Tempo", "energy": "Energy"}
    with Store() as store:
        saved_by, saved_curve = saved_order(store)
    left, right = st.columns(2)
    by = left.selectbox(
        "Order the playlist by",
        list(labels),
        index=list(labels).index(saved_by) if saved_by in labels else 0,
        format_func=labels.get,
    )
    curve = right.selectbox(
        "Curve",
        CURVES,
        index=CURVES.index(saved_curve) if saved_curve in CURVES else 0,
        disabled=not by,
        help="Rising, falling, or steady (each step to the nearest value); never the same "
        "artist twice in a row where it can be avoided.",
    )
    if (by, curve) != (saved_by, saved_curve):
        with Store() as store:
            store.set_setting(ORDER_SETTING, json.dumps({"by": by, "curve": curve}))
    if not by:
        return chosen
    table = data.features(database, fingerprint, candidates=True).set_index("id")
    features = table.loc[chosen["id"], [c for c in table.columns if c.startswith("f_")]]
    ordered, repeats = order_tracks(
        chosen.join(features.reset_index(drop=True)), by=by, curve=curve
    )
    if repeats:
        st.caption(f"{charts.plural(repeats, 'same-artist neighbour')} could not be avoided.")
    return ordered[chosen.columns]


st.subheader("Approved")
with Store() as store:
    decided = store.decisions()
approved = decided[decided["decision"] == "approved"]
tracks = data.tracks(database, fingerprint, candidates=True).set_index("id")
chosen = tracks.loc[tracks.index.intersection(approved["track_id"])].reset_index()
if chosen.empty:
    st.caption("Nothing approved yet.")
else:
    chosen = playlist_order(chosen)
    keep = st.data_editor(
        pd.DataFrame(
            {
                "Keep": True,
                "Artist": chosen["artist"],
                "Title": chosen["title"],
                "Length": chosen["duration"].map(charts.minutes_seconds),
                "File": chosen["path"],
            }
        ),
        key=f"approved-{keys.decisions}",
        hide_index=True,
        width="stretch",
        disabled=["Artist", "Title", "Length", "File"],
    )
    dropped = chosen.loc[~keep["Keep"].to_numpy(), "id"]
    if len(dropped):
        with Store() as store:
            for track_id in dropped:
                store.decide(int(track_id), None)
        st.rerun()

    left, right = st.columns(2)
    left.download_button(
        "Download the playlist (M3U8, absolute paths)",
        m3u8(chosen, name="TRACE Discover").text,
        file_name="trace-discover.m3u8",
        mime="audio/x-mpegurl",
    )
    right.download_button(
        "Download as CSV",
        chosen[["artist", "title", "album", "duration", "path"]].to_csv(index=False),
        file_name="trace-discover.csv",
        mime="text/csv",
    )
    with st.form("save-playlist"):
        folder = st.text_input("Save into folder", value=str(config.home() / "playlists"))
        relative = st.toggle("Paths relative to that folder (for players on other machines)")
        if st.form_submit_button("Save TRACE Discover.m3u8"):
            target = Path(folder).expanduser()
            try:
                target.mkdir(parents=True, exist_ok=True)
                written = write_m3u8(
                    chosen, target / "TRACE Discover.m3u8", relative=relative, name="TRACE Discover"
                )
            except OSError as error:
                st.error(f"Could not save the playlist in {target}: {error.strerror or error}")
            else:
                note = (
                    f" {written.without_file} without a local file left out."
                    if written.without_file
                    else ""
                )
                saved = charts.plural(written.written, "track")
                st.success(f"Saved {saved} to {target / 'TRACE Discover.m3u8'}.{note}")
    spotify.push_form(len(chosen), order=[int(i) for i in chosen["id"]])

"""Review: one candidate at a time — hear it beside its nearest library track, read why,
see where it sits, then Approve, Reject or Later, with progress and undo.

The candidates under review are fixed when review starts (for the current settings), so
"7 of 25 decided" keeps its meaning while each decision reshapes the ranking. Decisions
are stored at once; Later and the undo history live in the session. A decision draws the
whole page again — the list re-ranked, the approvals below — in about 0.9 s at 10,000
tracks (`bench/review.py`); the next candidates' excerpts are made in the background
while the person listens.
"""

from __future__ import annotations

import hashlib

import pandas as pd
import streamlit as st

from trace.store import Store
from trace.ui import listen, map_charts
from trace.ui.discover import Candidates

KEPT = ["track_id", "artist", "title", "location", "reason", "neighbours", "neighbour_ids"]
KEPT_SHOWN = ["For", "cluster_name", "confidence", "pool"]
AHEAD = 2
"""How many of the next candidates are prepared in the background."""


def review(found: Candidates) -> None:
    """The review of ``found``'s candidates (the state of this run of settings)."""
    key = "review-" + hashlib.sha1(repr(found.pipe.params).encode()).hexdigest()[:12]
    if key not in st.session_state:
        rows = found.proposed[[c for c in KEPT + KEPT_SHOWN if c in found.proposed]]
        st.session_state[key] = {"batch": rows.to_dict("records"), "later": [], "undo": []}
    _one_at_a_time(key, found.library)


def _one_at_a_time(key: str, library: pd.DataFrame) -> None:
    state = st.session_state[key]
    batch = state["batch"]
    if not batch:
        st.info("No candidate to review with these settings.")
        return
    with Store() as store:
        decided = store.decisions().set_index("track_id")["decision"].to_dict()
    waiting = [c for c in batch if c["track_id"] not in decided]
    done = len(batch) - len(waiting)
    approved = sum(decided.get(c["track_id"]) == "approved" for c in batch)
    earlier = len(decided) - done
    st.progress(
        done / len(batch),
        text=f"**{done} of {len(batch)} decided**"
        + (f" · {approved} approved" if done else "")
        + (f" · {earlier} decided before these (listed below when approved)" if earlier else ""),
    )
    upcoming = [c for c in waiting if c["track_id"] not in state["later"]]
    if not upcoming:
        _finished(state, waiting)
        return
    current = upcoming[0]
    _show(current, library)
    _buttons(state, current)
    listen.prefetch(_locations(upcoming[1 : 1 + AHEAD], library))


def _show(candidate: dict, library: pd.DataFrame) -> None:
    st.markdown(f"### {candidate['artist']} – {candidate['title']}")
    facts = [f"for **{candidate['For']}**" if candidate.get("For", "—") != "—" else ""]
    if candidate.get("cluster_name"):
        facts.append(f"placed in **{candidate['cluster_name']}**")
    if "confidence" in candidate:
        facts.append(f"{candidate['confidence']:.0%} sure")
    if candidate.get("pool"):
        facts.append(f"from *{candidate['pool']}*")
    st.caption(" · ".join(f for f in facts if f))
    st.markdown(f"**Why:** {candidate['reason']}")
    left, right = st.columns(2)
    with left:
        listen.player(
            candidate["location"], label="**This candidate**", track_id=candidate["track_id"]
        )
    nearest = _nearest(candidate, library)
    with right:
        if nearest is None:
            st.caption("No library track is named in the reason.")
        else:
            listen.player(
                nearest["location"],
                label=f"**Nearest in your library:** {nearest['artist']} – {nearest['title']}",
                track_id=nearest.get("id"),
            )
    if candidate["neighbour_ids"]:
        st.altair_chart(
            map_charts.candidate_map(
                library,
                list(candidate["neighbour_ids"]),
                f"{candidate['artist']} – {candidate['title']}",
            ),
            width="stretch",
        )
        st.caption(
            "◆ the candidate, among the library tracks the reason names (green); "
            "the map is zoomed onto them. Point at a dot for its name."
        )


def _nearest(candidate: dict, library: pd.DataFrame) -> dict | None:
    ids = list(candidate.get("neighbour_ids") or [])
    rows = library[library["id"] == ids[0]] if ids else library.iloc[:0]
    return rows.iloc[0].to_dict() if len(rows) else None


def _locations(candidates: list[dict], library: pd.DataFrame) -> list[object]:
    found = []
    for candidate in candidates:
        found.append(candidate["location"])
        nearest = _nearest(candidate, library)
        if nearest is not None:
            found.append(nearest["location"])
    return found


CHOICES = (
    ("Approve", "approved", ":material/thumb_up:"),
    ("Reject", "rejected", ":material/thumb_down:"),
    ("Later", "later", ":material/schedule:"),
)


def _buttons(state: dict, current: dict) -> None:
    columns = st.columns(len(CHOICES) + 1)
    for column, (label, decision, icon) in zip(columns, CHOICES, strict=False):
        column.button(
            label,
            type="primary" if decision == "approved" else "secondary",
            icon=icon,
            width="stretch",
            on_click=_decide,
            args=(state, int(current["track_id"]), decision),
        )
    with columns[-1]:
        _undo_button(state)


def _undo_button(state: dict) -> None:
    st.button(
        "Undo",
        icon=":material/undo:",
        width="stretch",
        disabled=not state["undo"],
        on_click=_undo,
        args=(state,),
        help="Take back the last decision (or Later).",
    )


def _decide(state: dict, track_id: int, decision: str) -> None:
    if decision == "later":
        state["later"].append(track_id)
    else:
        with Store() as store:
            store.decide(track_id, decision)
    state["undo"].append((track_id, decision))


def _undo(state: dict) -> None:
    track_id, decision = state["undo"].pop()
    if decision == "later":
        state["later"].remove(track_id)
    else:
        with Store() as store:
            store.decide(track_id, None)


def _finished(state: dict, waiting: list[dict]) -> None:
    if waiting:
        st.info(f"Everything else is decided; {len(waiting)} left for later.")
        if st.button("Go through the ones left for later"):
            state["later"].clear()
            st.rerun()
    else:
        st.success("Every candidate here is decided. Your approvals are listed below.")
    _undo_button(state)

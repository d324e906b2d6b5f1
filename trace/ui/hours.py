"""The hours of the day on the Recent interest page: when you play, and what it sounds like."""

from __future__ import annotations

import pandas as pd
import streamlit as st

from trace.analysis.hours import listening_hours, zone_of
from trace.errors import ParameterError
from trace.store import Store
from trace.ui import data

PERIOD_DAYS = 365


def _zone_changed() -> None:
    from trace.report import TIMEZONE_SETTING

    value = st.session_state["hours-zone"].strip()
    try:
        zone_of(value or None)
    except ParameterError as error:
        st.session_state["hours-zone-problem"] = str(error)
        return
    st.session_state.pop("hours-zone-problem", None)
    with Store(data.library_key()[0]) as store:
        store.set_setting(TIMEZONE_SETTING, value)


def hours_section(events: pd.DataFrame, library: pd.DataFrame) -> None:
    """The weekday × hour grids of the last year's plays and the sentence worth telling,
    in the time zone the person gives (saved for the report too)."""
    from trace.report import TIMEZONE_SETTING, hours_charts

    with Store(data.library_key()[0]) as store:
        zone = store.get_setting(TIMEZONE_SETTING) or ""
    st.text_input(
        "Your time zone",
        value=zone,
        key="hours-zone",
        on_change=_zone_changed,
        placeholder="UTC — e.g. Europe/Berlin, America/New_York",
        help="Listening histories are stamped in UTC; give your zone to see your own hours.",
    )
    if problem := st.session_state.get("hours-zone-problem"):
        st.warning(problem)
    plays = events[events["kind"] == "play"]
    if plays.empty:
        st.caption("No plays yet to tell the hours of your day.")
        return
    since = plays["at"].max() - pd.Timedelta(days=PERIOD_DAYS)
    found = listening_hours(plays[plays["at"] >= since], library, zone or None)
    st.markdown(f"**{found.sentence}**")
    for chart in hours_charts(found):
        st.altair_chart(chart, width="stretch")
    st.caption(f"Your plays of the last year. {found.zone_note}")

"""Report: a year (or any period) of listening as one HTML file to keep and share."""

from __future__ import annotations

from datetime import date, timedelta

import streamlit as st

from trace import report
from trace.analysis.hours import zone_of
from trace.errors import ParameterError
from trace.store import Store
from trace.ui import cached, data

st.title("Report")
st.write(
    "Your listening over a period, told: how it moved month by month, how it sounded "
    "against your library, your top artists and tracks, the hours of your day, and "
    "whether the music TRACE proposed stuck. One HTML file that opens in any browser, "
    "offline, years from now."
)
today = date.today()
left, middle, right = st.columns(3)
start = left.date_input("From", today - timedelta(days=365), key="report-from")
end = middle.date_input("To", today, key="report-to")
database = data.library_key()[0]
with Store(database) as store:
    zone = store.get_setting(report.TIMEZONE_SETTING) or ""
zone = right.text_input(
    "Your time zone", zone, placeholder="UTC — e.g. Europe/Berlin", key="report-zone"
)

if st.button("Make the report", type="primary"):
    pipe = cached.mapped(cached.keys())
    try:
        zone_of(zone or None)
        with Store(database) as store:  # the hours on Recent interest and Discover use it too
            store.set_setting(report.TIMEZONE_SETTING, zone)
        begin, stop = report.period(start.isoformat(), end.isoformat())
        with st.spinner("Writing your report…"), Store(database) as store:
            made = report.make_report(store, pipe, start=begin, end=stop, zone=zone or None)
            st.session_state["report-html"] = report.render_html(made)
            st.session_state["report-made"] = (made.plays, f"{start}_{end}", made.zone)
    except ParameterError as error:
        st.error(str(error))
if "report-html" in st.session_state:
    plays, span, shown_zone = st.session_state["report-made"]
    html = st.session_state["report-html"]
    st.success(
        f"Your report of {plays:,} plays is ready ({len(html) / 1e6:.1f} MB, hours in "
        f"{shown_zone})."
    )
    st.download_button(
        "Download the report",
        html,
        file_name=f"trace-report-{span}.html",
        mime="text/html",
        type="primary",
    )
    st.caption(
        f"Also from a terminal: `python -m trace report --from {start} --to {end} "
        f"{'--timezone ' + zone + ' ' if zone else ''}report.html`."
    )

"""Recent interest: which clusters the person has been into lately, and since when."""

from __future__ import annotations

import pandas as pd
import streamlit as st

from trace.analysis import interest as rules
from trace.ui import cached, charts, map_charts

st.title("Recent interest")
cached.show_settings_problem()
keys = cached.keys()

with st.sidebar:
    st.header("Recency")
    cached.setting(
        st.slider,
        "Half-life (days)",
        "interest",
        "half_life_days",
        min_value=7.0,
        max_value=365.0,
        step=1.0,
        help="A play or an addition this many days before the latest one counts half as "
        "much as the latest; twice as long ago, a quarter.",
    )

pipe = cached.mapped(keys)
params = pipe.params
names = pipe.names()
found, monthly = pipe.interest()

if found.empty and pipe.clustering().n_clusters == 0:
    st.info(
        "With these settings the Taste map has no clusters, so there is nothing to "
        "compare. Lower the smallest cluster size on the **Taste map**."
    )
    st.stop()
if found.empty:
    st.info(
        "No listening history yet, and no dated additions. Import your Spotify streaming "
        "history on the **Sources** page (or `python -m trace import` with the export's "
        "files) and the clusters you have been into lately will show here."
    )
    st.stop()

events = pipe.events()
if not (events["kind"] == "play").any():
    st.info(
        "No plays yet: this page is working from when tracks were added to your library "
        "alone. Import your Spotify streaming history on the **Sources** page (or "
        "`python -m trace import` with the export's files) for a truer picture."
    )

st.markdown(
    f"A cluster is a **recent interest** when its share of your recent plays and "
    f"additions (weighted by a half-life of {params.interest.half_life_days:g} days) is at "
    f"least **{rules.MIN_LIFT:g}×** its usual share, backed by at least "
    f"**{rules.MIN_EVIDENCE:g}** weighted events from **{rules.MIN_TRACKS}** or more "
    "different tracks — so one song on repeat is not a trend."
)
recent = found[found["recent_interest"]]
if len(recent):
    st.success(
        "Lately you have been into: "
        + ", ".join(
            f"**{names.get(c, c)}** ({lift:.1f}×)"
            for c, lift in zip(recent["cluster"], recent["lift"], strict=True)
        )
    )
else:
    st.warning("No cluster stands out lately: your recent listening looks like your usual.")

st.altair_chart(map_charts.interest_bars(found, names), width="stretch")
st.dataframe(
    pd.DataFrame(
        {
            "Cluster": found["cluster"].map(names),
            "Lift": found["lift"].round(2),
            "Recent share": (found["recent_share"] * 100).round(1).astype(str) + " %",
            "Usual share": (found["long_run_share"] * 100).round(1).astype(str) + " %",
            "Weighted events": found["evidence"].round(1),
            "Tracks": found["tracks"],
            "Recent interest": found["recent_interest"].map({True: "yes", False: ""}),
        }
    ),
    hide_index=True,
    width="stretch",
)

st.subheader("Month by month")
st.altair_chart(map_charts.timeline(monthly, names), width="stretch")
st.caption(
    f"{charts.plural(int((events['kind'] == 'play').sum()), 'play')} of at least 30 s and "
    f"{charts.plural(int((events['kind'] == 'added').sum()), 'addition')}; skips and "
    "short plays are not counted."
)

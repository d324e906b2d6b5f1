"""Recent interest: where the listening moved lately, and which clusters it touches."""

from __future__ import annotations

import pandas as pd
import streamlit as st

from trace.analysis import taste
from trace.ui import cached, charts, hours, interest_charts, map_charts

st.title("Recent interest")
st.write(
    "What you have been listening to lately that you did not before: groups of your tracks "
    "you play more now than you usually do, named after what they hold."
)
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
        format="%d",
        help="A play or an addition this many days before the latest one counts half as "
        "much as the latest; twice as long ago, a quarter.",
    )

pipe = cached.mapped(keys)
params = pipe.params
names = pipe.names()
events = pipe.events()
if events.empty:
    st.info(
        "No listening history yet, and no dated additions. Import your listening history "
        "on the **Sources** page (or `python -m trace import` with the export's files) and "
        "where your listening moved lately will show here."
    )
    st.stop()
if not (events["kind"] == "play").any():
    st.info(
        "No plays yet: this page is working from when tracks were added to your library "
        "alone. Import your listening history on the **Sources** page for a truer picture."
    )

weights, _ = pipe.taste()
interests = pipe.interests()
if interests.empty:
    st.warning("Nothing stands out lately: your recent listening looks like your usual.")
else:
    st.success(
        "Lately you have been into: "
        + "; ".join(
            f"**{row.name}** ({row.lift:.1f}× as much as usual)" for row in interests.itertuples()
        )
    )
with st.expander("How an interest is found"):
    st.markdown(
        "An **interest** is a group of neighbouring tracks on the map that holds at least "
        f"{taste.MIN_SHARE:.0%} of your recent listening (each play counting half as much "
        f"every {params.interest.half_life_days:g} days back) and at least "
        f"**{taste.MIN_LIFT:g}×** its usual share, a rise too large to be chance, from "
        f"{taste.MIN_TRACKS} or more different tracks — so one song on repeat is not a trend."
    )

st.subheader("Where your listening moved")
st.altair_chart(
    interest_charts.taste_shift(
        interest_charts.shift_frame(pipe.layout(), weights.recent, weights.usual),
        interest_charts.interest_points(pipe.library(), pipe.layout(), interests, pipe.taste()[1]),
    ),
    width="stretch",
)
st.caption(
    "Each cell of the taste map: red where it holds more of your recent listening than "
    "of your usual, blue where less. Ringed: the tracks of your recent interests."
    + (
        f" Grey dots: a fixed sample of {map_charts.MAP_POINTS:,} of your tracks."
        if len(pipe.library()) > map_charts.MAP_POINTS
        else ""
    )
)
for row in interests.itertuples():
    with st.expander(
        f"{row.name}: {row.tracks} tracks, {row.recent_share:.0%} of your recent listening "
        f"(usually {row.usual_share:.0%})"
    ):
        left, right = st.columns(2)
        left.markdown("**Played most lately:**  \n" + "  \n".join(row.top_tracks))
        right.markdown(
            "**Artists:** "
            + (", ".join(row.artists) or "–")
            + "  \n**Genres:** "
            + (", ".join(row.genres) or "untagged")
            + "  \n**Clusters:** "
            + ", ".join(row.clusters)
        )

st.subheader("The hours of your day")
hours.hours_section(events, pipe.library())

st.subheader("By cluster")
found, monthly = pipe.interest()
if found.empty:
    st.info("With these settings the Taste map has no clusters to compare.")
    st.stop()
st.caption(
    "Each cluster's share of your recent listening against its usual share, all its "
    "tracks counted — so its figures differ from an interest's above, which counts only "
    "the tracks that drive it."
)
st.altair_chart(interest_charts.interest_bars(found, names), width="stretch")
st.expander("The numbers").dataframe(
    pd.DataFrame(
        {
            "Cluster": found["cluster"].map(names),
            "Lift": found["lift"].round(2),
            "Recent share": (found["recent_share"] * 100).round(1).astype(str) + " %",
            "Usual share": (found["long_run_share"] * 100).round(1).astype(str) + " %",
            "Recent plays (weighted)": found["evidence"].round(1),
            "Tracks": found["tracks"],
            "Holds a recent interest": found["recent_interest"].map({True: "yes", False: ""}),
        }
    ),
    hide_index=True,
    width="stretch",
    column_config={
        "Lift": st.column_config.NumberColumn(
            help="The recent share over the usual share: 2 is twice as much as usual."
        ),
        "Recent plays (weighted)": st.column_config.NumberColumn(
            help="How many plays and additions the recent share rests on, each counting less "
            "the longer ago it was (the half-life in the sidebar)."
        ),
    },
)

st.subheader("Month by month")
st.altair_chart(interest_charts.timeline(monthly, names), width="stretch")
st.caption(
    f"{charts.plural(int((events['kind'] == 'play').sum()), 'play')} of at least 30 s and "
    f"{charts.plural(int((events['kind'] == 'added').sum()), 'addition')}; skips and "
    "short plays are not counted."
)

"""Widgets the pages share."""

from __future__ import annotations

import tempfile
from pathlib import Path

import pandas as pd
import streamlit as st

from trace.errors import ParameterError, TraceError
from trace.library.scan import scan_library
from trace.sources.csv_import import import_feature_csv
from trace.store import Store
from trace.ui.charts import plural
from trace.ui.jobs import run_job


def scan_form(*, key: str, expanded: bool = True) -> None:
    """A folder box and a Scan button; scans with a progress bar and shows the summary.
    The pool switch sits outside the form, so turning it on shows the pool's name box."""
    as_pool = st.toggle(
        "Scan as a candidate pool (new music to choose from, not my own library)",
        key=f"{key}-as-pool",
    )
    with st.form(key, border=expanded):
        folder = st.text_input(
            "Music folder",
            placeholder=str(Path.home() / "Music"),
            help="A folder on this computer; every subfolder is scanned too.",
        )
        pool = st.text_input("Pool name", value="new music") if as_pool else None
        analyse = st.checkbox(
            "Analyse the audio after scanning (on two cores about 650 tracks a minute on "
            "real files of 1–10 minutes, measured on a quiet machine; the time left is shown)",
            value=True,
        )
        submitted = st.form_submit_button("Scan", type="primary")
    if (
        submitted
        and run_scan(folder.strip(), pool=(pool or "new music").strip() if as_pool else None)
        and analyse
    ):
        extract_with_progress()


def extract_with_progress() -> None:
    """Extract audio features of everything scanned, with a progress bar."""
    result = run_job("extract")
    if result.ok:
        st.success(" ".join(line for line in result.lines if line.startswith("Extracted")))
    else:
        st.error(f"The audio analysis stopped: {result.error[-1500:]}")


def run_scan(folder: str, *, pool: str | None) -> bool:
    """Scan ``folder`` with a progress bar; whether it was scanned."""
    if not folder:
        st.warning("Type the path of a folder first.")
        return False
    path = Path(folder).expanduser()
    if not path.exists():
        st.error(f"There is no folder {path} on this computer.")
        return False
    bar = st.progress(0.0, text="Looking for files…")

    def progress(done: int, total: int, message: str) -> None:
        bar.progress(done / total if total else 0.0, text=message)

    try:
        with Store() as store:
            summary = scan_library([path], store, pool=pool, progress=progress)
    except TraceError as error:
        st.error(str(error))
        return False
    bar.empty()
    st.success(f"Scanned {path}. {summary}")
    if summary.problems:
        count = plural(len(summary.problems), "file")
        with st.expander(f"{count} skipped or read with warnings"):
            st.dataframe(
                [{"File": p, "Why": r} for p, r in summary.problems],
                hide_index=True,
                width="stretch",
            )
    return True


def import_csv_form() -> None:
    """Upload feature CSVs (Exportify, datasets) and import them, problems listed."""
    uploads = st.file_uploader(
        "Feature CSV files (Exportify exports, public datasets with Spotify's column names)",
        type=["csv"],
        accept_multiple_files=True,
        key="csv-upload",
    )
    as_pool = st.toggle("Import as a candidate pool", key="csv-pool")
    if not uploads or not st.button("Import", key="csv-import"):
        return
    with tempfile.TemporaryDirectory() as folder, Store() as store:
        for upload in uploads:
            path = Path(folder) / Path(upload.name).name
            path.write_bytes(upload.getvalue())
            try:
                summary = import_feature_csv(path, store, pool="imported" if as_pool else None)
            except TraceError as error:
                st.error(f"{upload.name}: {error}")
                continue
            st.success(f"{upload.name}: {summary}")
            if summary.problems:
                with st.expander(f"{plural(len(summary.problems), 'row')} left out"):
                    st.dataframe(
                        [{"Line": line, "Why": why} for line, why in summary.problems],
                        hide_index=True,
                        width="stretch",
                    )


def genre_model(table: pd.DataFrame) -> None:
    """The genre forest's quality, its confusion matrix, and its guesses for untagged
    tracks (the Library page's Genres tab; imports the models only when opened)."""
    from trace.analysis import report
    from trace.analysis.genre import MIN_TRACKS, GenreModel, first_genre, hidden_note
    from trace.ui import cached, map_charts

    pipe = cached.stages(cached.keys())
    with_features = table[table["feature_source"] != "none"].reset_index(drop=True)
    try:
        fitted = pipe.genre()
    except ParameterError as error:
        st.info(f"Not enough to learn genres yet: {error}.")
        return
    st.write(
        "A Random Forest learns your genre tags from the audio features (each track's "
        f"first genre; genres with at least {MIN_TRACKS} tracks). "
        f"Quality: {report.quality(fitted)}."
    )
    if not isinstance(fitted, GenreModel):
        return
    st.altair_chart(map_charts.confusion(fitted.confusion), width="stretch")
    untagged = with_features[first_genre(with_features["genre"]).isna().to_numpy()]
    if untagged.empty:
        st.caption("Every track with features has a genre tag: nothing to guess.")
        return
    shown = pd.DataFrame(
        {
            "Artist": untagged["artist"].to_numpy(),
            "Title": untagged["title"].to_numpy(),
            "MusiCNN hears": untagged["sound_genre"].fillna("").to_numpy(),
        }
    )
    if note := hidden_note(fitted):
        st.caption(f"{note} Tag more tracks with their genre to make it better.")
    else:
        guesses = pipe.genre_guesses(untagged)
        shown["Genre (guessed)"] = guesses["genre"].to_numpy()
        shown["Probability"] = guesses["probability"].to_numpy()
    st.write(f"Guesses for the {plural(len(untagged), 'track')} without a genre tag:")
    st.dataframe(
        shown,
        hide_index=True,
        width="stretch",
        column_config={
            "MusiCNN hears": st.column_config.TextColumn(
                help="The genre MusiCNN's tags lean to (a model trained on the Million Song "
                "Dataset's Last.fm tags, not on your library); a ? marks an unsure lean."
            ),
            "Genre (guessed)": st.column_config.TextColumn(
                help="What a Random Forest trained on your own genre tags guesses."
            ),
            "Probability": st.column_config.ProgressColumn(
                "Probability", min_value=0.0, max_value=1.0, format="percent"
            ),
        },
    )

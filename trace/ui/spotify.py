"""Spotify in the dashboard: the connect redirect, the Sources section, the playlist push.

Spotify sends the person back to ``http://127.0.0.1:8501/?code=…&state=…``: the entry
script calls :func:`handle_redirect` before any page, which trades the code for a token
and clears the address. Network work runs in the script thread under ``st.status`` so
every wait Spotify asks for is shown as it happens.
"""

from __future__ import annotations

import tempfile
from pathlib import Path

import streamlit as st

from trace.errors import TraceError
from trace.sources import imports, matching
from trace.sources.spotify import connect, pools, push, sync
from trace.sources.spotify.client import Client
from trace.sources.spotify.commands import status_lines
from trace.store import Store
from trace.ui.charts import plural


def handle_redirect() -> None:
    """Finish connecting when Spotify has sent the person back with a code (or an error)."""
    params = st.query_params
    if "state" not in params or not ("code" in params or "error" in params):
        return
    answer = "?" + "&".join(f"{k}={params[k]}" for k in ("code", "state", "error") if k in params)
    st.query_params.clear()
    try:
        connect.finish_connect(connect.load_config(), answer)
    except TraceError as error:
        st.error(str(error))
        return
    with Store() as store:
        sync.forget_connection(store)
    st.success("Spotify is connected. Sync on the **Sources** page to bring your music in.")


def running_address() -> str:
    """The loopback address this dashboard answers on: what Spotify must send people
    back to."""
    return f"http://127.0.0.1:{st.get_option('server.port')}/"


def _client(status) -> Client:
    return Client.connect(connect.load_config(), notify=status.write)


def section() -> None:
    """The Spotify part of the Sources page."""
    try:
        settings = connect.load_config()
    except TraceError as error:
        st.error(str(error))
        return
    running = running_address()
    if not settings.configured:
        st.info(
            "Spotify is not set up. Create an app on developer.spotify.com with the "
            f"redirect URI `{running}`, then put its client id (and secret) in "
            "`.streamlit/secrets.toml` under `[spotify]` or in `SPOTIFY_CLIENT_ID` — the "
            "README's 'Spotify setup' walks through it. Folders and imports work without it."
            + (
                f" This dashboard runs on another address than the usual one: also set "
                f"`SPOTIFY_REDIRECT_URI={running}`."
                if running != connect.REDIRECT_URI
                else ""
            )
        )
        return
    if settings.redirect_uri != running:
        st.warning(
            f"Spotify will send you back to `{settings.redirect_uri}`, but this dashboard "
            f"runs at `{running}`: set `SPOTIFY_REDIRECT_URI={running}` (and add it to your "
            "app's redirect URIs on developer.spotify.com), or start the dashboard there."
        )
    try:
        is_connected = connect.connected(settings)
    except connect.TokenFileError as error:
        st.error(str(error))
        if st.button("Delete the token file", key="spotify-forget-token"):
            connect.disconnect(settings)
            st.rerun()
        return
    if not is_connected:
        if "spotify-authorize" not in st.session_state:
            st.session_state["spotify-authorize"] = connect.authorize_url(settings)
        st.write(
            "Connect to read your saved tracks, recently played, top tracks and playlists, "
            "and to write approved tracks to a playlist. Spotify will send you back here."
        )
        st.link_button("Connect Spotify", st.session_state["spotify-authorize"], type="primary")
        return
    left, right = st.columns(2)
    if left.button("Sync with Spotify", type="primary"):
        with st.status("Syncing with Spotify…", expanded=True) as status:
            try:
                with Store() as store:
                    summary = sync.sync(store, _client(status), notify=status.write)
            except TraceError as error:
                status.update(label="Sync failed", state="error")
                st.error(str(error))
            else:
                state = "error" if summary.problems else "complete"
                status.update(label="Synced with Spotify", state=state, expanded=False)
                for problem in summary.problems:
                    st.warning(problem)
                st.session_state["spotify-match"] = summary.match
    if right.button("Disconnect Spotify"):
        connect.disconnect(settings)
        st.session_state.pop("spotify-authorize", None)
        with Store() as store:
            sync.forget_connection(store)
        st.rerun()
    with Store() as store:
        first, *rest = status_lines(store)
    st.markdown(first)
    if rest:
        st.caption(rest[0])
        st.markdown("\n".join(f"- {line.strip()}" for line in rest[1:]))
    _matching()
    _pools()


def _matching() -> None:
    report: matching.MatchReport | None = st.session_state.get("spotify-match")
    if report is None:
        return
    if len(report.spotify_only):
        with st.expander(f"{plural(len(report.spotify_only), 'Spotify track')} without audio"):
            st.dataframe(report.spotify_only, hide_index=True, width="stretch")
    if len(report.local_only):
        with st.expander(f"{plural(len(report.local_only), 'local track')} not on your Spotify"):
            st.dataframe(report.local_only, hide_index=True, width="stretch")


def _pools() -> None:
    with Store() as store:
        lists = [p for p in pools.playlists(store) if p["owned"]]
    if not lists:
        return
    names = {p["id"]: f"{p['name']} ({p['items']} tracks)" for p in lists}
    chosen = st.multiselect(
        "Your playlists to use as candidate pools (their tracks become candidates)",
        list(names),
        default=[p["id"] for p in lists if p["is_pool"]],
        format_func=names.get,
        help="Tracks there have no audio: they can be placed once they have features — "
        "import an Exportify CSV of the playlist on this page.",
    )
    if sorted(chosen) != sorted(p["id"] for p in lists if p["is_pool"]):
        with Store() as store:
            pools.set_pool_playlists(store, chosen)
        st.rerun()


def history_form() -> None:
    """Upload listening history — Spotify's, ListenBrainz's or Last.fm's — and import it."""
    uploads = st.file_uploader(
        "Spotify's export (`Streaming_History_Audio_*.json`, `StreamingHistory_music_*.json`, "
        "`endsong_*.json` or the whole zip), ListenBrainz's export (the zip, its `.jsonl` "
        "files or the older `.json`), or Last.fm scrobbles as CSV",
        type=["json", "jsonl", "zip", "csv"],
        accept_multiple_files=True,
        key="history-upload",
    )
    if not uploads or not st.button("Import history", key="history-import"):
        return
    with tempfile.TemporaryDirectory() as folder, Store() as store:
        paths = []
        for upload in uploads:
            path = Path(folder) / Path(upload.name).name
            path.write_bytes(upload.getvalue())
            paths.append(path)
        try:
            done = imports.import_listening(paths, store)
        except TraceError as error:
            st.error(str(error))
            return
    if done.spotify is not None:
        st.success(f"Streaming history: {done.spotify}.")
        st.caption(str(done.match))
        _problems(done.spotify.problems)
    if done.listens is not None:
        st.success(f"Listens: {done.listens}")
        _problems(done.listens.problems)
        if len(done.listens.unmatched):
            count = plural(len(done.listens.unmatched), "track")
            with st.expander(f"{count} listened to with no local file"):
                st.dataframe(done.listens.unmatched, hide_index=True, width="stretch")
    for path in done.features:
        st.warning(f"{path.name} holds audio features: import it under **Imports** below.")


def _problems(problems: list[str]) -> None:
    if problems:
        with st.expander(f"{plural(len(problems), 'problem')} (the rest was imported)"):
            st.dataframe({"Problem": problems}, hide_index=True, width="stretch")


def push_form(approved: int, *, order: list[int] | None = None) -> None:
    """Send the approved tracks to a Spotify playlist (when connected)."""
    settings = connect.load_config()
    try:
        ready = settings.configured and connect.connected(settings)
    except connect.TokenFileError as error:
        st.caption(f"Not sent to Spotify: {error}")
        return
    if not ready:
        st.caption("Connect Spotify on the Sources page to send these to a Spotify playlist.")
        return
    with Store() as store:
        saved_name = store.get_setting("spotify.playlist_name", push.DEFAULT_NAME)
    with st.form("spotify-push"):
        name = st.text_input("Spotify playlist", value=saved_name)
        sent = st.form_submit_button(f"Add the approved tracks to Spotify ({approved})")
    if not sent:
        return
    with st.status("Writing to Spotify…", expanded=True) as status, Store() as store:
        store.set_setting("spotify.playlist_name", name.strip() or push.DEFAULT_NAME)
        try:
            summary = push.push_approved(
                store, _client(status), name=name.strip() or push.DEFAULT_NAME, order=order
            )
        except TraceError as error:
            status.update(label="Not written", state="error")
            st.error(str(error))
            return
        status.update(
            label="Written to Spotify" if not summary.stopped else "Stopped midway",
            state="error" if summary.stopped else "complete",
        )
    (st.warning if summary.stopped else st.success)(str(summary))

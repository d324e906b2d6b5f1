"""Spotify: connecting (``connect``), calling the Web API with TRACE's retry rules
(``client``), syncing into the store (``sync``) and writing a playlist (``push``).

Nothing here imports Streamlit; the dashboard and the command line both use it.
"""

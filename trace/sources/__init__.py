"""Sources: what arrives without audio — exports, CSVs and the Spotify API.

Takes in Spotify's streaming-history export (``history``), ListenBrainz exports and
Last.fm CSVs (``listens``, ``scrobble_csv``), feature CSVs (``csv_import``) and the Spotify
Web API (``spotify/``: connect, sync, pools, search, push); gives out plays, imported
features, Spotify tracks and candidate pools in the store. ``imports`` tells which
importer a file is for; ``plays`` and ``repeats`` store one listen once whichever service
reported it; ``matching`` merges a track without audio into the local file of the same
recording.

Entry points: :func:`import_listening`, :func:`import_history`, :func:`import_listens`,
:func:`import_feature_csv`, :func:`match_spotify_to_local`, and the ``spotify`` package.
"""

from trace.exports import lazy_exports

__all__ = [
    "import_feature_csv",
    "import_history",
    "import_listening",
    "import_listens",
    "match_spotify_to_local",
]
__getattr__, __dir__ = lazy_exports(
    __name__,
    {
        "import_feature_csv": ".csv_import",
        "import_history": ".history",
        "import_listening": ".imports",
        "import_listens": ".listens",
        "match_spotify_to_local": ".matching",
    },
)

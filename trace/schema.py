"""The library database's tables, as the forward migrations that make them.

``MIGRATIONS[n]`` takes a store from schema version n to n + 1 (``PRAGMA user_version``);
:class:`trace.store.Store` applies the missing ones when it opens a database. A new
table or column is a new migration at the end, never an edit of an old one.
"""

from __future__ import annotations

SCHEMA_V1 = """
CREATE TABLE tracks (
    id INTEGER PRIMARY KEY,
    title TEXT NOT NULL,
    artists TEXT NOT NULL DEFAULT '[]',      -- JSON list, in tag order
    album TEXT,
    album_artist TEXT,
    genres TEXT NOT NULL DEFAULT '[]',       -- JSON list
    date TEXT,
    year INTEGER,
    track_number INTEGER,
    track_total INTEGER,
    disc_number INTEGER,
    disc_total INTEGER,
    duration REAL,                           -- seconds
    isrc TEXT,
    label TEXT,
    comment TEXT,
    rating REAL,                             -- 0..1
    play_count INTEGER,
    spotify_uri TEXT UNIQUE,
    match_key TEXT,                          -- normalised artist + title
    pool TEXT,                               -- NULL: the person's library; else a pool
    added_at TEXT NOT NULL,                  -- ISO 8601, UTC
    updated_at TEXT NOT NULL
);
CREATE INDEX tracks_isrc ON tracks(isrc);
CREATE INDEX tracks_match_key ON tracks(match_key);
CREATE INDEX tracks_pool ON tracks(pool);

CREATE TABLE files (
    id INTEGER PRIMARY KEY,
    path BLOB NOT NULL UNIQUE,
    display_path TEXT NOT NULL,
    track_id INTEGER REFERENCES tracks(id) ON DELETE SET NULL,
    size INTEGER NOT NULL,
    mtime_ns INTEGER NOT NULL,
    signature TEXT,                          -- content signature, see scan.signature
    format TEXT,
    bitrate INTEGER,
    sample_rate INTEGER,
    channels INTEGER,
    status TEXT NOT NULL CHECK (status IN ('ok', 'missing', 'error')),
    pool TEXT,
    first_seen_at TEXT NOT NULL,
    read_at TEXT NOT NULL                    -- when the file was last read
);
CREATE INDEX files_track ON files(track_id);
CREATE INDEX files_signature ON files(signature);

CREATE TABLE scan_errors (
    path BLOB PRIMARY KEY,
    display_path TEXT NOT NULL,
    reason TEXT NOT NULL,
    detail TEXT NOT NULL DEFAULT '',
    track_kept INTEGER NOT NULL DEFAULT 0,   -- 1: a warning, the track was still added
    at TEXT NOT NULL
);

CREATE TABLE folders (
    path BLOB PRIMARY KEY,
    display_path TEXT NOT NULL,
    pool TEXT,
    added_at TEXT NOT NULL,
    last_scan_at TEXT
);

CREATE TABLE plays (
    id INTEGER PRIMARY KEY,
    track_id INTEGER NOT NULL REFERENCES tracks(id) ON DELETE CASCADE,
    played_at TEXT NOT NULL,
    ms_played INTEGER,
    source TEXT NOT NULL,
    skipped INTEGER NOT NULL DEFAULT 0,
    UNIQUE (track_id, played_at, source)
);
CREATE INDEX plays_time ON plays(played_at);

CREATE TABLE decisions (
    track_id INTEGER PRIMARY KEY REFERENCES tracks(id) ON DELETE CASCADE,
    decision TEXT NOT NULL CHECK (decision IN ('approved', 'rejected')),
    decided_at TEXT NOT NULL
);

CREATE TABLE settings (
    key TEXT PRIMARY KEY,
    value TEXT NOT NULL
);
"""

FEATURES_V2 = """
CREATE TABLE features (
    signature TEXT NOT NULL,                 -- files.signature: same content, same features
    extractor TEXT NOT NULL,                 -- extractor version and windows, e.g. '1/3x30s'
    data TEXT NOT NULL,                      -- JSON object: feature name -> number
    extracted_at TEXT NOT NULL,
    PRIMARY KEY (signature, extractor)
);

CREATE TABLE feature_errors (
    signature TEXT NOT NULL,
    extractor TEXT NOT NULL,
    display_path TEXT NOT NULL,
    reason TEXT NOT NULL,
    detail TEXT NOT NULL DEFAULT '',
    at TEXT NOT NULL,
    PRIMARY KEY (signature, extractor)
);

CREATE TABLE imported_features (
    track_id INTEGER NOT NULL REFERENCES tracks(id) ON DELETE CASCADE,
    source TEXT NOT NULL,                    -- 'csv:NAME' or 'spotify'
    data TEXT NOT NULL,                      -- JSON object, Spotify's names and units
    imported_at TEXT NOT NULL,
    PRIMARY KEY (track_id, source)
);
"""

SPOTIFY_V3 = """
CREATE TABLE spotify_saved (                 -- the person's saved ("liked") tracks
    track_id INTEGER PRIMARY KEY REFERENCES tracks(id) ON DELETE CASCADE,
    added_at TEXT NOT NULL
);

CREATE TABLE spotify_top (                   -- top tracks, replaced on every sync
    term TEXT NOT NULL,                      -- short_term, medium_term, long_term
    rank INTEGER NOT NULL,
    track_id INTEGER NOT NULL REFERENCES tracks(id) ON DELETE CASCADE,
    synced_at TEXT NOT NULL,
    PRIMARY KEY (term, rank)
);

CREATE TABLE spotify_playlists (
    id TEXT PRIMARY KEY,
    name TEXT NOT NULL,
    owner_id TEXT,
    owned INTEGER NOT NULL DEFAULT 0,        -- owned or collaborative: items are readable
    snapshot_id TEXT,                        -- items are read again only when it changes
    total INTEGER,
    is_pool INTEGER NOT NULL DEFAULT 0,      -- 1: its tracks are candidates
    synced_at TEXT
);

CREATE TABLE spotify_playlist_items (
    playlist_id TEXT NOT NULL REFERENCES spotify_playlists(id) ON DELETE CASCADE,
    position INTEGER NOT NULL,
    track_id INTEGER NOT NULL REFERENCES tracks(id) ON DELETE CASCADE,
    added_at TEXT,
    PRIMARY KEY (playlist_id, position)
);
CREATE INDEX spotify_playlist_items_track ON spotify_playlist_items(track_id);

CREATE TABLE spotify_searches (              -- search results, kept so a query is asked once
    query TEXT PRIMARY KEY,
    uris TEXT NOT NULL,                      -- JSON list of track URIs
    searched_at TEXT NOT NULL
);
"""

MUSICBRAINZ_V4 = """
ALTER TABLE tracks ADD COLUMN recording_mbid TEXT;    -- MusicBrainz recording id, lower case
ALTER TABLE tracks ADD COLUMN release_mbid TEXT;
ALTER TABLE tracks ADD COLUMN artist_mbids TEXT NOT NULL DEFAULT '[]';  -- JSON list
CREATE INDEX tracks_recording_mbid ON tracks(recording_mbid);
"""

DECODER_V5 = """
-- Which decoder read the file: PyAV (FFmpeg), or libsndfile where FFmpeg refused it.
-- The features themselves do not change, so the extractor version stays.
ALTER TABLE features ADD COLUMN decoder TEXT NOT NULL DEFAULT 'PyAV (FFmpeg)';
"""

FINGERPRINTS_V6 = """
-- The fingerprints that key every cache are read on each page: with these they cost
-- milliseconds at 50,000 tracks instead of a scan of every feature row (0.2-0.4 s).
CREATE INDEX tracks_updated ON tracks(updated_at);
CREATE INDEX files_read ON files(read_at);
CREATE INDEX files_status ON files(status);
CREATE INDEX features_extracted ON features(extracted_at);
CREATE INDEX imported_features_at ON imported_features(imported_at);
"""

PREVIEWS_V7 = """
-- Audio for tracks without a file: a catalogue's 30 s preview, found by ISRC or by name
-- (or brought by the catalogue's discovery). The clip's features are stored like a
-- file's, under the clip's content signature.
CREATE TABLE previews (
    track_id INTEGER PRIMARY KEY REFERENCES tracks(id) ON DELETE CASCADE,
    status TEXT NOT NULL CHECK (status IN ('found', 'not found', 'failed')),
    how TEXT,                                -- 'isrc', 'search', 'itunes', 'discover'
    service TEXT,                            -- 'deezer' or 'itunes'
    service_id TEXT,                         -- the service's track id
    link TEXT,                               -- the track's page on the service
    signature TEXT,                          -- content signature of the analysed clip
    reason TEXT NOT NULL DEFAULT '',         -- why not found, or why it failed
    looked_up_at TEXT NOT NULL
);
CREATE INDEX previews_signature ON previews(signature);
CREATE INDEX previews_service ON previews(service, service_id);
CREATE INDEX previews_at ON previews(looked_up_at);
"""

EMBEDDINGS_V8 = """
-- What a learned model hears in a track (trace.audio.ear): MusiCNN's 200-d embedding and
-- its 50 tag probabilities, computed in the same pass as the features, from the same
-- decoded windows, and kept per extractor like them.
CREATE TABLE embeddings (
    signature TEXT NOT NULL,                 -- files.signature (or a preview clip's)
    extractor TEXT NOT NULL,                 -- as features.extractor
    model TEXT NOT NULL,                     -- 'musicnn-msd'
    embedding BLOB NOT NULL,                 -- little-endian float16, mean over the patches
    tags BLOB NOT NULL,                      -- little-endian float16, mean over the patches
    patches INTEGER NOT NULL,                -- 3-s patches heard
    PRIMARY KEY (signature, extractor)
);
"""

FILE_OF_TRACK_V9 = """
-- "Does this track have a readable file?" is asked per track by the Sources page, the
-- matching and the previews. With an index on status alone SQLite looked through every
-- readable file for each track: 4.3 s at 10,000 tracks, growing with the square.
CREATE INDEX files_track_status ON files(track_id, status);
"""

MIGRATIONS: tuple[str, ...] = (
    SCHEMA_V1,
    FEATURES_V2,
    SPOTIFY_V3,
    MUSICBRAINZ_V4,
    DECODER_V5,
    FINGERPRINTS_V6,
    PREVIEWS_V7,
    EMBEDDINGS_V8,
    FILE_OF_TRACK_V9,
)
"""Forward migrations; ``MIGRATIONS[n]`` takes the schema from version n to n + 1."""

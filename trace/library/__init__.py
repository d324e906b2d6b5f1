"""Library: music folders → tracks in the store.

Takes in folders on disk; gives out ``tracks``, ``files`` and ``scan_errors`` rows. It
walks the folders (``walk``), opens each file without blocking (``probe``), reads its
stream info and tags in every tag family (``tags``, ``tag_families``) and stores it
incrementally (``scan``). ``identity`` and ``text`` say which stored track an outside
record (a Spotify URI, an ISRC, an artist and a title) means; ``tagging`` writes tags.

Entry point: :func:`scan_library`.
"""

from trace.exports import lazy_exports

__all__ = [
    "Identity",
    "Progress",
    "Tags",
    "clean_text",
    "match_key",
    "scan_library",
    "track_for",
    "write_tags",
]
__getattr__, __dir__ = lazy_exports(
    __name__,
    {
        "Identity": ".identity",
        "track_for": ".identity",
        "Progress": ".scan",
        "scan_library": ".scan",
        "Tags": ".tag_families",
        "write_tags": ".tagging",
        "clean_text": ".text",
        "match_key": ".text",
    },
)

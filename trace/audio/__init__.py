"""Audio: files in the store → features.

Takes in the library's files; gives out one row of features per (content signature,
extractor id). Only a few windows of each file are decoded (``windows``, ``decode``:
PyAV, soxr); ``descriptors`` computes one STFT per window and its statistics,
``estimates`` the Spotify-named values (tempo, loudness, key, energy…), ``features``
checks and combines them. ``extract`` runs that over the library in a pool of worker
processes (``workers``, warmed by ``warm``) with resumable, batched writes. ``synth``
makes the test signals and the demo's audio.

Entry points: :func:`extract_library`, :func:`extractor_id`.
"""

from trace.exports import lazy_exports

__all__ = ["ExtractSummary", "Windows", "extract_library", "extractor_id", "worker_pool"]
__getattr__, __dir__ = lazy_exports(
    __name__,
    {
        "ExtractSummary": ".extract",
        "extract_library": ".extract",
        "Windows": ".windows",
        "extractor_id": ".windows",
        "worker_pool": ".workers",
    },
)

"""The catalogue: public music catalogues (Deezer, iTunes) heard through their previews.

``services`` speaks to Deezer's public API and Apple's iTunes Search API under TRACE's
own rules for limits and failure (``service``); ``previews`` gives every track without a
file the audio of its 30 s preview, analysed by the same extractor as a file;
``discover`` brings new candidates: the related artists of the person's interests and
their top tracks. Nothing is sent to a catalogue unless the person turned it on
(:func:`enabled`); running ``python -m trace previews`` or ``discover`` turns it on for
that run.

Entry points: :func:`hear_previews`, :func:`discover_candidates`, :func:`enabled`,
:func:`set_enabled`.
"""

from trace.exports import lazy_exports

__all__ = ["discover_candidates", "enabled", "hear_previews", "set_enabled"]
__getattr__, __dir__ = lazy_exports(
    __name__,
    {
        "discover_candidates": ".discover",
        "enabled": ".consent",
        "hear_previews": ".previews",
        "set_enabled": ".consent",
    },
)

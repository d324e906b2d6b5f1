"""The errors TRACE raises for things a person has to know about or fix.

Every message is written for the person reading it: what happened, to what, and what
they can do. Anything that is not a ``TraceError`` is a bug and propagates.
"""

from __future__ import annotations


class TraceError(Exception):
    """Root of every error TRACE reports to a person."""


class ParameterError(TraceError, ValueError):
    """A setting is outside its allowed range; the message names it and the range."""


class StoreError(TraceError):
    """The library database cannot be opened or is newer than this TRACE."""


class SourceError(TraceError):
    """A folder, file or export cannot be read as asked."""

"""The errors TRACE raises for things a person has to know about or fix.

Every message is written for the person reading it: what happened, to what, and what
they can do. Anything that is not a ``TraceError`` is a bug and propagates.
"""

from __future__ import annotations

import traceback
from pathlib import Path


class TraceError(Exception):
    """Root of every error TRACE reports to a person."""


class ParameterError(TraceError, ValueError):
    """A setting is outside its allowed range; the message names it and the range."""


class StoreError(TraceError):
    """The library database cannot be opened or is newer than this TRACE."""


class SourceError(TraceError):
    """A folder, file or export cannot be read as asked."""


INTERNAL_ERROR = "internal error"
"""The reason recorded for a file when TRACE's own code failed on it, not the file."""


def internal_error_detail(error: BaseException) -> str | None:
    """What to record when ``error`` was raised in TRACE's own code — a bug to report,
    not a bad file — or ``None`` when a library (mutagen, PyAV, librosa…) raised it.

    Per-file work keeps going after either; this tells the two apart, so a bug is not
    filed as "corrupt file" or "analysis failed". The detail's first line reads
    "internal error: TypeError: … — please report"; the traceback follows it.
    """
    frame = error.__traceback__
    while frame is not None and frame.tb_next is not None:
        frame = frame.tb_next
    if frame is None or not _in_trace(frame.tb_frame.f_code.co_filename):
        return None
    summary = f"{INTERNAL_ERROR}: {type(error).__name__}: {error} — please report"
    return summary + "\n\n" + "".join(traceback.format_exception(error)).strip()


def _in_trace(filename: str) -> bool:
    return Path(filename).resolve().is_relative_to(_PACKAGE)


_PACKAGE = Path(__file__).resolve().parent

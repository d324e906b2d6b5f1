"""Text helpers shared by tag reading and track matching."""

from __future__ import annotations

import re
import unicodedata

MAX_TEXT = 2000

_CONTROL = re.compile(r"[\x00-\x1f\x7f-\x9f]+")


def clean_text(value: object) -> str | None:
    """Tag text fit to store and show: no NUL or control characters, trimmed, bounded."""
    if value is None:
        return None
    if isinstance(value, bytes):
        value = value.decode("utf-8", errors="replace")
    text = unicodedata.normalize("NFC", str(value))
    text = " ".join(_CONTROL.sub(" ", text).split())
    return text[:MAX_TEXT] or None


def clean_values(values: object) -> tuple[str, ...]:
    """Distinct cleaned values of a multi-valued tag, in their order."""
    if values is None:
        return ()
    if isinstance(values, str | bytes):
        values = [values]
    seen: dict[str, None] = {}
    for value in values:  # type: ignore[union-attr]
        text = clean_text(value)
        if text:
            seen.setdefault(text, None)
    return tuple(seen)


def parse_number_pair(value: object) -> tuple[int | None, int | None]:
    """``"3/12"`` → ``(3, 12)``; junk → ``(None, None)``."""
    text = clean_text(value) or ""
    match = re.match(r"\s*(\d{1,4})?\s*(?:/\s*(\d{1,4}))?", text)
    if not match:
        return None, None
    number, total = match.groups()
    return (int(number) if number else None, int(total) if total else None)


def year_of(date: str | None) -> int | None:
    """The first plausible four-digit year in a date tag."""
    if not date:
        return None
    for match in re.finditer(r"(?<!\d)(\d{4})(?!\d)", date):
        year = int(match.group(1))
        if 1000 <= year <= 2100:
            return year
    return None


_FEATURING = re.compile(r"\s*[\(\[]?\b(feat\.?|ft\.|featuring)\s.*$", re.IGNORECASE)
_VERSION = re.compile(
    r"\s*[\(\[][^\)\]]*(remaster|version|edit|mono|stereo)[^\)\]]*[\)\]]", re.IGNORECASE
)


def normalise(text: str | None) -> str:
    """Lower-case, accent-free, punctuation-free form of an artist or title for matching.

    "Beyoncé feat. JAY-Z" and "beyonce" meet; "Song (2011 Remaster)" and "Song" meet.
    """
    if not text:
        return ""
    text = _VERSION.sub("", text)
    text = _FEATURING.sub("", text)
    decomposed = unicodedata.normalize("NFKD", text)
    bare = "".join(c for c in decomposed if not unicodedata.combining(c)).casefold()
    return " ".join(re.sub(r"[^\w]+", " ", bare).split())


def match_key(artist: str | None, title: str | None) -> str | None:
    """The normalised ``artist — title`` key, or ``None`` without both parts."""
    artist_key, title_key = normalise(artist), normalise(title)
    if not artist_key or not title_key:
        return None
    return f"{artist_key}\x1f{title_key}"

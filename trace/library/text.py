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


def plural(count: int, noun: str) -> str:
    """``plural(1, "file")`` → ``"1 file"``; ``plural(3, "file")`` → ``"3 files"``."""
    return f"{count:,} {noun}{'' if count == 1 else 's'}"


def year_of(date: str | None) -> int | None:
    """The first plausible four-digit year in a date tag."""
    if not date:
        return None
    for match in re.finditer(r"(?<!\d)(\d{4})(?!\d)", date):
        year = int(match.group(1))
        if 1000 <= year <= 2100:
            return year
    return None


# "Song (feat. X)", "Song feat. X - Live": only the featuring part goes, up to a bracket
# or a dash, so a version after it is still seen.
_FEATURING = re.compile(
    r"\s*(?:[\(\[]\s*(?:feat\.?|ft\.|featuring)\s[^\)\]]*[\)\]]"
    r"|\b(?:feat\.?|ft\.|featuring)\s.*?(?=\s[-–—]\s|[\(\[]|$))",
    re.IGNORECASE,
)
_BRACKETED = re.compile(r"\s*[\(\[]([^\)\]]*)[\)\]]")
_DASH = re.compile(r"\s+[-–—]\s+")
# A version of the same recording: "2011 Remaster", "Remastered 2009", "Radio Edit",
# "Single Version", "Mono", "Explicit"…
_SAME_RECORDING = re.compile(
    r"\b(remaster|remastered|version|edit|mono|stereo|explicit|clean)\b", re.IGNORECASE
)
_SAME_MIX = re.compile(r"\b(mono|stereo|original)\s+mix\b", re.IGNORECASE)
RECORDING_WORDS = frozenset(
    [
        "live",
        "remix",
        "remixed",
        "rmx",
        "mix",
        "dub",
        "acoustic",
        "unplugged",
        "demo",
        "instrumental",
        "karaoke",
        "acapella",
        "cappella",
        "reprise",
        "rehearsal",
        "extended",
        "orchestral",
        "session",
        "sessions",
    ]
)
"""Words that name a different recording of a song: a live take, a remix, an acoustic
version, a demo, an instrumental… A version holding one of them stays in the match key,
and two keys whose such words differ are never one recording."""


def is_same_recording_version(version: str) -> bool:
    """Whether a bracketed or dash-separated version names the same recording.

    "2011 Remaster", "Remastered 2009", "Radio Edit", "Mono Version" do; "Live",
    "Acoustic Version", "Remix Edit", "Live at Wembley" do not.
    """
    words = re.findall(r"\w+", _SAME_MIX.sub(r"\1", version).casefold())
    return bool(_SAME_RECORDING.search(version)) and not RECORDING_WORDS.intersection(words)


def strip_versions(title: str) -> str:
    """``title`` without featured artists and same-recording versions, in brackets
    ("Song (2011 Remaster)") or after a dash ("Song - Remastered 2009"), the way Spotify
    names them; different recordings ("Song - Live", "Song (Acoustic)") keep theirs."""
    title = _FEATURING.sub("", title)
    title = _BRACKETED.sub(
        lambda m: "" if is_same_recording_version(m.group(1)) else m.group(0), title
    )
    head, *versions = _DASH.split(title)
    kept = [v for v in versions if not is_same_recording_version(v)]
    return " - ".join([head, *kept])


def normalise(text: str | None) -> str:
    """Lower-case, accent-free, punctuation-free form of an artist or title for matching.

    "Beyoncé feat. JAY-Z" and "beyonce" meet; "Song (2011 Remaster)", "Song - Remastered
    2009" and "Song" meet; "Song - Live" keeps its "live".
    """
    if not text:
        return ""
    text = strip_versions(text).replace("&", " and ")
    decomposed = unicodedata.normalize("NFKD", text)
    bare = "".join(c for c in decomposed if not unicodedata.combining(c)).casefold()
    return " ".join(re.sub(r"[^\w]+", " ", bare).split())


def recording_words(key: str) -> list[str]:
    """The words of a normalised key that name a kind of recording, sorted: two keys whose
    lists differ are a studio track and its live take, remix, demo… never one recording."""
    return sorted(word for word in key.replace("\x1f", " ").split() if word in RECORDING_WORDS)


def match_key(artist: str | None, title: str | None) -> str | None:
    """The normalised ``artist — title`` key, or ``None`` without both parts."""
    artist_key, title_key = normalise(artist), normalise(title)
    if not artist_key or not title_key:
        return None
    return f"{artist_key}\x1f{title_key}"

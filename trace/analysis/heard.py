"""Words from what MusiCNN heard: instrumental or sung, a happy–sad mood, a genre guess.

The MSD model's 50 tags (:data:`trace.audio.musicnn.TAGS`) are Last.fm tags learnt from
Million Song Dataset previews. Their probabilities are low on the whole (a tag is rare
in the training data), so no tag is read as a fact on its own: each word below compares
tags with each other and comes with a confidence, and below
:data:`trace.audio.trust.CONFIDENT` it is shown as a guess or not at all, as tempo is.
How they fare on real recordings is in docs/FEATURES.md. Light: no model, no librosa.
"""

from __future__ import annotations

import re

import numpy as np
import pandas as pd

from trace.audio.trust import CONFIDENT

VOICE_TAGS = ("female vocalists", "female vocalist", "male vocalists")
GENRE_TAGS = {
    "rock": "Rock",
    "pop": "Pop",
    "electronic": "Electronic",
    "jazz": "Jazz",
    "metal": "Metal",
    "soul": "Soul",
    "folk": "Folk",
    "punk": "Punk",
    "blues": "Blues",
    "ambient": "Ambient",
    "Hip-Hop": "Hip-hop",
    "country": "Country",
    "funk": "Funk",
    "rnb": "R&B",
    "House": "House",
}
"""The MSD tags that are genres, and the genre each names."""
GENRE_LEAD = 1.5
"""A genre guess is sure when its tag is at least this many times the runner-up's."""
WORDS = ("instrumental", "instrumental_confidence", "happy", "mood_confidence")
"""The numeric columns :func:`words` gives (``f_`` prefixed), beside ``vocals`` and
``sound_genre`` (text)."""


def tag_column(tag: str) -> str:
    """The export's column of a tag: ``"female vocalists"`` → ``"tag_female_vocalists"``."""
    return "tag_" + re.sub(r"[^0-9a-z]+", "_", tag.lower()).strip("_")


def _share(a: pd.Series, b: pd.Series) -> pd.Series:
    """``a`` against ``b`` on 0–1 (0.5 when equal), and how far from even, 0–1."""
    return a / (a + b).where(a + b > 0)


def _confidence(share: pd.Series) -> pd.Series:
    return (share - 0.5).abs() * 2


def words(tags: pd.DataFrame) -> pd.DataFrame:
    """Per row of tag probabilities (columns named as the tags; NaN rows for tracks
    without them): ``f_instrumental`` (0–1, the instrumental tag against the vocalist
    tags), ``f_happy`` (0–1, happy against sad), each with its confidence, ``vocals``
    (``female``/``male``, or empty when unsure or instrumental) and ``sound_genre``
    (the genre the tags lean to, ``?``-marked when unsure)."""
    voice = tags[list(VOICE_TAGS)].max(axis=1)
    instrumental = _share(tags["instrumental"], voice)
    happy = _share(tags["happy"], tags["sad"])
    female = tags[["female vocalists", "female vocalist"]].max(axis=1)
    gender = _share(female, tags["male vocalists"])
    sung = (instrumental < 0.5) & (_confidence(instrumental) >= CONFIDENT)
    vocals = np.where(
        sung & (_confidence(gender) >= 0.5), np.where(gender > 0.5, "female", "male"), ""
    )
    genres = tags[list(GENRE_TAGS)]
    ordered = np.sort(genres.fillna(0).to_numpy(), axis=1)
    lead = ordered[:, -1] / np.maximum(ordered[:, -2], 1e-9)
    best = genres.fillna(-1).to_numpy().argmax(axis=1)
    names = np.array(list(GENRE_TAGS.values()))[best]
    sound_genre = np.where(lead >= GENRE_LEAD, names, np.char.add(names, "?"))
    known = tags.notna().all(axis=1).to_numpy()
    return pd.DataFrame(
        {
            "f_instrumental": instrumental,
            "f_instrumental_confidence": _confidence(instrumental),
            "f_happy": happy,
            "f_mood_confidence": _confidence(happy),
            "vocals": np.where(known, vocals, ""),
            "sound_genre": np.where(known, sound_genre, ""),
        },
        index=tags.index,
    )

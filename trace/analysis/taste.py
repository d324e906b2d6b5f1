"""Where the listening moved, at the grain of neighbourhoods rather than clusters.

On real music a new interest rarely fills one cluster: it spreads over several coarse
ones, and a cluster-level lift misses it. So the interest is found track by track:

1. **Weights.** Each library track's *recent* weight is its plays and additions, each
   counting ``0.5 ** (age / half_life)`` (age back from the latest event); its *usual*
   weight is the plain count. Both are normalised to shares of their totals.
2. **Neighbourhoods.** Each track's shares are averaged over its k nearest tracks in the
   scaled feature space (the k-NN graph UMAP uses), and the neighbourhood lift is the
   ratio of the smoothed recent share to the smoothed usual share.
3. **Interests.** Tracks whose neighbourhood lift is at least :data:`SEED_LIFT` are joined
   along the k-NN graph into groups — and, where tags say so, with the tracks of the same
   artist or album (an interest in an album can span sounds the audio does not join). A
   group's members are the tracks that drive it: played more lately than usually. A
   group holding two interests is split in two where both halves count on their own:
   where one album holds one half (two albums played at once, however alike they
   sound), or where the two touch on the map but few k-NN links cross between them.
   A group is a recent interest when it holds at least
   :data:`MIN_SHARE` of the recent weight, its own lift (recent share ÷ usual share) is
   at least :data:`MIN_LIFT`, the rise is :data:`MIN_Z` standard errors beyond chance
   (the recent share is a sample of about ``effective_plays`` plays: a short history
   needs a clearer change than a long one), it holds at least :data:`MIN_TRACKS` played
   tracks, and its rise is not one song on repeat: its recent weight is spread over the
   equivalent of :data:`MIN_SPREAD` tracks or more, or, without its most played track,
   the rest still rises on its own. Members are picked for rising, so by chance alone
   they seem to: the group must also rise (lift and standard errors) with the quiet
   tracks beside its members counted in (:data:`WITH_QUIET_NEIGHBOURS`). A listener whose
   habits have not changed gets none.
4. **Scattered tracks.** Tracks played at least :data:`ON_REPEAT_LIFT` times their
   usual share that no group holds — a few tracks the person turned to, far apart in
   sound (an interest the library holds only a handful of), whose neighbours were not
   played more, each risen beyond chance on its own (:data:`TRACK_Z`) — are gathered
   into one group, which is an interest on the same terms.

The interests are what candidates are ranked for (:mod:`trace.analysis.recommend`);
clusters stay the words they are described in.
"""

from __future__ import annotations

import itertools
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import PurePath

import numpy as np
import pandas as pd
from scipy.sparse import coo_matrix
from scipy.sparse.csgraph import connected_components
from sklearn.cluster import AgglomerativeClustering

SEED_LIFT = 1.2
MIN_LIFT = 1.3
MIN_SHARE = 0.05
MIN_Z = 5.0
"""Standard errors: many groups are tested, so one must rise well beyond chance (4 until
MusiCNN's neighbourhoods joined more of a steady listener's chance rises)."""
MIN_TRACKS = 2
MIN_SPLIT_TRACKS = 3
"""Each half of a split group holds at least this many tracks (see :func:`_split`)."""
MIN_SPREAD = 1.3
SPLIT_CROSSING = 0.2
"""At most this share of a group's k-NN links may cross a split (see :func:`_split`)."""
SPLIT_BY_ALBUM = True
"""Whether a group spanning albums is cut where one album holds one half (:func:`_split`)."""
NEIGHBOURHOOD = 5
"""How many nearest tracks (itself included) a track's shares are averaged over."""
WITH_QUIET_NEIGHBOURS = True
"""Whether a group must still rise with the quiet tracks beside it joined in
(:func:`_rises_with_neighbours`); with :data:`MIN_Z` 5 it took the steady listener's false
interests to none on seeds no rule was chosen on (docs/PERFORMANCE.md)."""
ON_REPEAT_LIFT = 2.0
"""Tracks at least this far above their usual share that no group holds are gathered
into one group (0: never): a few tracks, scattered in sound, played lately …"""
TRACK_Z = 2.0
"""… each risen by at least this many standard errors on its own: picked from many
tracks played a handful of times, the highest lifts are chance, and together they would
seem to rise."""


@dataclass(frozen=True)
class TasteWeights:
    """Per library track (rows of the map's table): recent and usual shares."""

    recent: np.ndarray
    usual: np.ndarray
    played: np.ndarray
    """Whether the track was played (or added) at all, recently weighted above 0."""
    effective_plays: float = 0.0
    """How many equally weighted plays the recent shares are worth: (Σw)² / Σw²."""

    @property
    def lift(self) -> np.ndarray:
        floor = 0.5 / max(len(self.recent), 1)
        return (self.recent + floor) / (self.usual + floor)


def taste_weights(events: pd.DataFrame, ids: np.ndarray, half_life_days: float) -> TasteWeights:
    """Shares of the recency-weighted and of the plain events per track in ``ids``;
    ``events`` as :func:`trace.analysis.interest.listening_events` gives them."""
    n = len(ids)
    where = pd.Series(np.arange(n), index=ids)
    known = events[events["track_id"].isin(where.index)]
    if known.empty:
        zeros = np.zeros(n)
        return TasteWeights(zeros, zeros, np.zeros(n, bool))
    rows = where.loc[known["track_id"]].to_numpy()
    age = (known["at"].max() - known["at"]).dt.total_seconds().to_numpy() / 86_400
    decay = 0.5 ** (age / half_life_days)
    recent = np.bincount(rows, weights=decay, minlength=n)
    usual = np.bincount(rows, minlength=n).astype(float)
    effective = float(decay.sum() ** 2 / (decay**2).sum())
    return TasteWeights(recent / recent.sum(), usual / usual.sum(), recent > 0, effective)


def rise_z(recent_share, usual_share, effective_plays: float):
    """How many standard errors the recent share lies above the usual one, the recent
    share read as a sample of ``effective_plays`` plays from the usual habits (numbers,
    or arrays of them)."""
    p = np.clip(usual_share, 1e-9, 1 - 1e-9)
    return (recent_share - p) / np.sqrt(p * (1 - p) / max(effective_plays, 1.0))


def _same_tag_pairs(codes: np.ndarray, seeds: np.ndarray) -> list[tuple[int, int]]:
    """Edges chaining the seeds that share a tag code (−1: untagged)."""
    rows = np.flatnonzero(seeds & (codes >= 0))
    order = rows[np.argsort(codes[rows], kind="stable")]
    return [(int(a), int(b)) for a, b in itertools.pairwise(order) if codes[a] == codes[b]]


def tag_codes(library: pd.DataFrame) -> tuple[np.ndarray, ...]:
    """Artist and album codes of the library's tracks (−1 where untagged).

    An album is its title with its album artist, or else with its folder: tracks of one
    album tagged with each composer's name ("Doug Kaufman", "Battle for Wesnoth") are
    still one album, and two albums of one name ("Greatest Hits") by two artists in two
    folders are two."""
    artist = library["artist"].fillna("").str.casefold()
    title = library["album"].fillna("").astype(str).str.casefold()
    owner = _column(library, "album_artist").str.casefold()
    folder = _column(library, "path").map(lambda p: str(PurePath(p).parent) if p else "")
    album = (owner.where(owner != "", folder) + "\x1f" + title).where(title != "", "")
    return tuple(np.where(values == "", -1, pd.factorize(values)[0]) for values in (artist, album))


def _column(frame: pd.DataFrame, name: str) -> pd.Series:
    if name not in frame:
        return pd.Series("", index=frame.index)
    return frame[name].fillna("").astype(str)


def _spread(weights: np.ndarray) -> float:
    """How many equally weighted tracks ``weights`` are worth: (Σw)² / Σw²."""
    total = weights.sum()
    return float(total**2 / (weights**2).sum()) if total > 0 else 0.0


def smooth(values: np.ndarray, neighbours: np.ndarray) -> np.ndarray:
    """Each row's value averaged over its neighbours (``neighbours[i]``: row indices)."""
    return values[neighbours].mean(axis=1)


def neighbourhood_lift(weights: TasteWeights, near: np.ndarray) -> np.ndarray:
    """Each track's recent share over its usual one, both averaged over its neighbours
    ``near[i]`` (itself included), with a floor of half an even share."""
    floor = 0.5 / len(weights.recent)
    return (smooth(weights.recent, near) + floor) / (smooth(weights.usual, near) + floor)


@dataclass(frozen=True)
class Interest:
    """A group of library tracks the person has been into lately."""

    rows: np.ndarray
    """Rows of the map's table, strongest recent weight first."""
    recent_share: float
    usual_share: float

    @property
    def lift(self) -> float:
        return self.recent_share / max(self.usual_share, 1e-9)


def find_interests(
    weights: TasteWeights,
    neighbours: np.ndarray,
    values: np.ndarray | None = None,
    *,
    tags: tuple[np.ndarray, ...] = (),
    min_lift: float = MIN_LIFT,
) -> list[Interest]:
    """The recent interests, strongest recent share first (see the module docstring).

    ``neighbours[i]`` are the rows of track i's nearest tracks, itself first; ``tags``
    are code arrays (artist, album: −1 for none) whose tracks belong together; with the
    scaled feature ``values``, a group that holds two interests touching on the map is
    split in two (:func:`_split`).
    """
    n = len(weights.recent)
    if n == 0 or weights.recent.sum() == 0:
        return []
    near = neighbours[:, : min(NEIGHBOURHOOD, neighbours.shape[1])]
    seeds = neighbourhood_lift(weights, near) >= SEED_LIFT
    # a group's members are the tracks that drive it: played more lately than usually
    rising = (weights.recent > 0) & (weights.recent >= weights.usual)
    driving = seeds & rising
    pairs = [(i, j) for i in np.flatnonzero(seeds) for j in near[i] if seeds[j] and i != j]
    for codes in tags:
        pairs += _same_tag_pairs(codes, seeds)
    rows, cols = (np.array(x, dtype=int) for x in zip(*pairs, strict=True)) if pairs else ([], [])
    graph = coo_matrix((np.ones(len(rows)), (rows, cols)), shape=(n, n))
    _, component = connected_components(graph, directed=False)
    groups = [np.flatnonzero(driving & (component == c)) for c in np.unique(component[driving])]
    albums = tags[1] if len(tags) > 1 and SPLIT_BY_ALBUM else None

    def split(group: np.ndarray) -> list[np.ndarray]:
        if values is None and albums is None:
            return [group]
        return _split(weights, values, neighbours, group, min_lift, albums)

    groups = [p for g in groups for p in split(g) if _stands_out(weights, p, min_lift)]
    if WITH_QUIET_NEIGHBOURS:
        groups = [g for g in groups if _rises_with_neighbours(weights, g, near, ~rising, min_lift)]
    if ON_REPEAT_LIFT:
        # tracks played far above their usual share that no group holds: a few tracks,
        # scattered in sound, the person turned to (one interest, or two albums' worth);
        # their neighbourhoods need not rise, as the neighbours were not played more
        taken = np.zeros(n, bool)
        for group in groups:
            taken[group] = True
        scattered = np.flatnonzero(
            rising & ~taken & (weights.lift >= ON_REPEAT_LIFT) & (_track_z(weights) >= TRACK_Z)
        )
        groups += [p for p in split(scattered) if _stands_out(weights, p, min_lift)]
    if albums is not None:
        groups = _one_album_one_interest(groups, albums)
    found = [
        Interest(
            members[np.argsort(-weights.recent[members], kind="stable")],
            float(weights.recent[members].sum()),
            float(weights.usual[members].sum()),
        )
        for members in groups
    ]
    return sorted(found, key=lambda i: -i.recent_share)


def _one_album_one_interest(groups: list[np.ndarray], albums: np.ndarray) -> list[np.ndarray]:
    """Groups held mostly (half their tracks or more) by one album joined into one: the
    sound may cut an album's tracks apart, or leave some scattered, but one album the
    person turned to is one interest."""
    joined: list[np.ndarray] = []
    slot: dict[int, int] = {}
    for group in groups:
        codes = albums[group]
        tagged = codes[codes >= 0]
        top = int(np.bincount(tagged).argmax()) if len(tagged) else -1
        if top < 0 or (codes == top).mean() < 0.5:
            joined.append(group)
        elif top in slot:
            joined[slot[top]] = np.union1d(joined[slot[top]], group)
        else:
            slot[top] = len(joined)
            joined.append(group)
    return joined


def _rises_with_neighbours(
    weights: TasteWeights, members: np.ndarray, near: np.ndarray, quiet: np.ndarray, min_lift: float
) -> bool:
    """Whether ``members`` still rise with the ``quiet`` tracks among their nearest
    joined in: those beside them that were not played more lately. A group's members
    are chosen for rising, so by chance alone they seem to; a steady listener's chance
    rises fall back with their quiet neighbours, a real interest's neighbours rise too."""
    beside = np.unique(near[members].ravel())
    evidence = np.union1d(members, beside[quiet[beside]])
    share, usual_share = weights.recent[evidence].sum(), weights.usual[evidence].sum()
    return bool(
        share / max(usual_share, 1e-9) >= min_lift
        and rise_z(share, usual_share, weights.effective_plays) >= MIN_Z
    )


def _track_z(weights: TasteWeights) -> np.ndarray:
    """Each track's own rise in standard errors (:func:`rise_z`), its usual share at least
    half an even share: a track played once before and twice lately has not risen."""
    usual = np.maximum(weights.usual, 0.5 / len(weights.usual))
    return rise_z(weights.recent, usual, weights.effective_plays)


def _stands_out(weights: TasteWeights, members: np.ndarray, min_lift: float) -> bool:
    """Whether the tracks ``members`` together are a recent interest (module docstring)."""
    share, usual_share = weights.recent[members].sum(), weights.usual[members].sum()
    return bool(
        share >= MIN_SHARE
        and share / max(usual_share, 1e-9) >= min_lift
        and rise_z(share, usual_share, weights.effective_plays) >= MIN_Z
        and len(members) >= MIN_TRACKS
        and not _one_song_on_repeat(weights, members, min_lift)
    )


def _one_song_on_repeat(weights: TasteWeights, members: np.ndarray, min_lift: float) -> bool:
    """Whether the rise of ``members`` is one track's: their recent weight is worth fewer
    than :data:`MIN_SPREAD` tracks, and without the most played one the rest does not rise
    on its own (lift and standard errors as :func:`_stands_out`'s, each track's usual
    share at least half an even share, so a track never played before is no evidence)."""
    if _spread(weights.recent[members]) >= MIN_SPREAD:
        return False
    rest = members[np.argsort(-weights.recent[members], kind="stable")[1:]]
    share = weights.recent[rest].sum()
    usual_share = np.maximum(weights.usual[rest], 0.5 / len(weights.usual)).sum()
    return not (
        share / usual_share >= min_lift
        and rise_z(share, usual_share, weights.effective_plays) >= MIN_Z
    )


def _split(
    weights: TasteWeights,
    values: np.ndarray | None,
    neighbours: np.ndarray,
    members: np.ndarray,
    min_lift: float,
    albums: np.ndarray | None = None,
) -> list[np.ndarray]:
    """``members`` as one group, or split in two — and each half again — when both halves
    stand out on their own and either

    - one album holds one half and none of the other (``albums``: codes, −1 for none):
      two albums played at once are two interests even where they sound alike (and one
      album is never cut in two); or
    - Ward linkage on their features cuts them where few of the group's k-NN links cross
      (:func:`_crossing`): two interests that touch on the map stay two, one interest
      stays whole."""
    if len(members) < 2 * MIN_SPLIT_TRACKS or not _stands_out(weights, members, min_lift):
        return [members]
    for halves in _halves(weights, values, neighbours, members, albums):
        parts = [members[halves == 0], members[halves == 1]]
        if all(
            len(part) >= MIN_SPLIT_TRACKS and _stands_out(weights, part, min_lift) for part in parts
        ):
            return [
                piece
                for part in parts
                for piece in _split(weights, values, neighbours, part, min_lift, albums)
            ]
    return [members]


def _halves(
    weights: TasteWeights,
    values: np.ndarray | None,
    neighbours: np.ndarray,
    members: np.ndarray,
    albums: np.ndarray | None,
) -> Iterator[np.ndarray]:
    """The ways :func:`_split` tries to cut ``members`` in two (0/1 per member), in turn."""
    if albums is not None:
        codes = albums[members]
        tagged = codes >= 0
        if tagged.any():
            recent = np.bincount(codes[tagged], weights=weights.recent[members][tagged])
            top = codes == int(recent.argmax())
            if 0 < top.sum() < len(members):
                yield top.astype(int)
            elif top.all():
                return  # one album is one interest: the sound does not cut it
    if values is not None:
        halves = AgglomerativeClustering(n_clusters=2, linkage="ward").fit_predict(values[members])
        if _crossing(neighbours, members, halves) <= SPLIT_CROSSING:
            yield halves


def _crossing(neighbours: np.ndarray, members: np.ndarray, halves: np.ndarray) -> float:
    """The share of the k-NN links among ``members`` that join one half to the other."""
    half = dict(zip(members.tolist(), halves.tolist(), strict=True))
    links = [(half[i], half[j]) for i in members for j in neighbours[i, 1:] if j in half]
    return sum(a != b for a, b in links) / max(len(links), 1)


def clusters_of(interests: tuple[Interest, ...] | list[Interest], labels: np.ndarray) -> tuple:
    """The cluster most of each interest's tracks lie in (noise left out), in order."""
    found: list[int] = []
    for interest in interests:
        clustered = labels[interest.rows]
        clustered = clustered[clustered >= 0]
        if len(clustered):
            main = int(np.bincount(clustered).argmax())
            if main not in found:
                found.append(main)
    return tuple(found)


SHIFT_TREES = 100
SHIFT_SAMPLES = 4000
"""Each tree sees at most this many samples (drawn with replacement): a big library
trains in about the time a small one does."""


@dataclass(frozen=True)
class ShiftModel:
    """A forest that tells the recent listening from the usual by the audio alone.

    Each played library track is a sample of both classes, weighted by its recent share
    and by its usual share; so for a new track the forest's probability of "recent" is
    the density ratio of recent to usual listening around it, in the features that tell
    them apart. It learns which features moved, which a fixed distance cannot.
    """

    forest: object

    def recent_probability(self, values: np.ndarray) -> np.ndarray:
        if len(values) == 0:
            return np.zeros(0)
        return self.forest.predict_proba(values)[:, 1]


def fit_shift(values: np.ndarray, weights: TasteWeights, *, seed: int = 0) -> ShiftModel | None:
    """The recent-vs-usual forest of the library's ``values`` (None without history)."""
    from sklearn.ensemble import ExtraTreesClassifier

    if weights.recent.sum() == 0:
        return None
    n = len(values)
    sample_weight = np.concatenate([weights.recent, weights.usual]) * n
    keep = sample_weight > 0
    forest = ExtraTreesClassifier(
        n_estimators=SHIFT_TREES,
        min_samples_leaf=3,
        max_features="sqrt",
        bootstrap=True,
        max_samples=min(1.0, SHIFT_SAMPLES / int(keep.sum())),
        random_state=seed,
    )
    forest.fit(
        np.vstack([values, values])[keep],
        np.concatenate([np.ones(n), np.zeros(n)])[keep],
        sample_weight=sample_weight[keep],
    )
    return ShiftModel(forest)

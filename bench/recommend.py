"""Offline evaluation of the recommendations, on real recordings and on the demo.

    python bench/recommend.py                       # real corpus and demo, 3 seeds
    python bench/recommend.py --corpus real --seeds 5 --cutoffs 2 4 8
    python bench/recommend.py --corpus demo

**Worlds.** Every source of the corpus (a game's or album's soundtrack in the real
corpus, built by ``bench/corpus.py``; a style in the demo) is split by the seed into a
library part (60 %) and a candidate pool (40 %). The pool's artists are renamed and its
album, genre and label tags cleared, so only the audio connects a candidate to the
library. Features are extracted once per corpus (``bench/corpus/home``, or a demo home).

**Listeners** (``bench/listeners.py``): 16 months of plays over the whole library, then
a change at ``START``: one dominant new interest, two at once, a slow drift, an interest
with few library tracks, no change, and skips of another source mixed in. The history
never looks at the pool. A **cutoff** of c weeks keeps the plays up to ``START`` + c
weeks. The deciding listener takes three rounds: each round they decide on the whole page
Discover proposes (25 by default) — approve its tracks of their interest, reject the
rest — and TRACE ranks again; hit@10 is the top 10 of the next page. Once over one pool
that each round's decisions deplete, and once with a fresh batch of candidates each
round (a third of the pool), against the same batch ranked with nothing learnt.
``--deciding`` runs only the deciding listener, so it can take many seeds.

**Methods**, side by side on the same worlds and the same scaled features:
TRACE (the dashboard's own :class:`trace.analysis.pipeline.Pipeline`, default settings);
random; the seed's rule (the most frequent clusters among the last 30 plays, their
candidates by the forest's probability); a recency-weighted centroid (30-day half-life),
nearest first; nearest neighbours of the recent plays (the 30 latest, by distance to the
nearest). Ties in every ranking go by a seeded hash of the track id.

**Metrics.** The relevant candidates are the pool's tracks of the interest's sources.
hit@10 and hit@20 (the share of the top k that is relevant), NDCG@20, the number of
distinct artists in the top 10, and for TRACE whether the interest was found (a declared
interest whose library tracks are mostly of the interest's source; for the steady
listener: that none was declared).
"""

from __future__ import annotations

import argparse
import csv
import hashlib
import json
import os
import shutil
import sqlite3
import sys
import time
from collections.abc import Callable
from dataclasses import dataclass, field, replace
from pathlib import Path

import common
import listeners
import numpy as np
import pandas as pd
from sklearn.linear_model import LogisticRegression
from sklearn.neighbors import NearestNeighbors

CORPUS = common.ROOT / "bench" / "corpus"
POOL = "eval pool"
LIBRARY_SHARE = 0.6
K = (10, 20)
RECENT_PLAYS = 30
CENTROID_HALF_LIFE_DAYS = 30.0
ROUNDS = 3


# -- the corpora ---------------------------------------------------------------------------


def _extracted_home(home: Path, folder: Path) -> None:
    """Scan and extract ``folder`` into the TRACE home ``home`` (once), and extract
    again what a newer extractor version has not analysed yet."""
    os.environ["TRACE_HOME"] = str(home)
    from trace import cli

    if not (home / "trace.sqlite3").exists():
        print(f"Scanning and extracting {folder} into {home} (once)…", flush=True)
        cli.main(["scan", "--extract", str(folder)])
    else:
        cli.main(["extract"])  # nothing to do unless the extractor version changed


def real_corpus(home: Path) -> Path:
    """A TRACE home with the real corpus scanned and analysed; ``source`` per path in the
    ``eval_sources`` table."""
    manifest = CORPUS / "manifest.csv"
    if not manifest.exists():
        sys.exit("No corpus yet: run `.venv/bin/python bench/corpus.py` first.")
    with manifest.open() as handle:
        rows = list(csv.DictReader(handle))
    folder = home / "files"
    folder.mkdir(parents=True, exist_ok=True)
    sources = {}
    for number, row in enumerate(rows):
        original = Path(row["path"])
        if not original.is_absolute():
            original = CORPUS / original
        linked = folder / row["source"] / f"{number:04d}{original.suffix.lower()}"
        linked.parent.mkdir(exist_ok=True)
        if not linked.exists():
            os.link(original, linked)
        sources[str(linked)] = row["source"]
    _extracted_home(home, folder)
    _record_sources(home, sources)
    return home


def demo_corpus(home: Path) -> Path:
    """A TRACE home with the demo built; every demo track's source is its style."""
    os.environ["TRACE_HOME"] = str(home)
    from trace import demo
    from trace.demo.build import install_demo
    from trace.store import Store

    with Store() as store:
        if not demo.is_active(store):
            print("Building the demo library (about a minute and a half)…", flush=True)
            install_demo(store)
        rows = store.execute(
            "SELECT f.path, t.genres FROM files f JOIN tracks t ON t.id = f.track_id"
        ).fetchall()
    styles = {os.fsdecode(bytes(path)): _demo_style(json.loads(genres)) for path, genres in rows}
    _record_sources(home, styles)
    return home


def _demo_style(genres: list[str]) -> str:
    """A demo track's style: the one its first genre tag belongs to."""
    from trace.demo.styles import STYLES

    return next((s.name for s in STYLES.values() if genres and genres[0] == s.genres[0]), "unknown")


def _record_sources(home: Path, sources: dict[str, str]) -> None:
    with sqlite3.connect(home / "trace.sqlite3") as db:
        db.execute("CREATE TABLE IF NOT EXISTS eval_sources (path BLOB PRIMARY KEY, source TEXT)")
        db.executemany(
            "INSERT OR REPLACE INTO eval_sources VALUES (?, ?)",
            [(os.fsencode(p), s) for p, s in sources.items()],
        )


# -- a world: one seed's split of a corpus ------------------------------------------------


@dataclass
class World:
    home: Path
    tracks: pd.DataFrame
    """``id``, ``source``, ``in_library``."""
    cache: object = field(default=None)


def make_world(corpus_home: Path, seed: int, work: Path, *, small: str | None = None) -> World:
    """A copy of the corpus store split by ``seed``: the pool renamed and untagged;
    ``small`` keeps only a few library tracks of that source (the rest are removed)."""
    home = work / f"world-{seed}-{small or 'all'}"
    if home.exists():
        shutil.rmtree(home)
    home.mkdir(parents=True)
    with (
        sqlite3.connect(corpus_home / "trace.sqlite3") as source,
        sqlite3.connect(home / "trace.sqlite3") as target,
    ):
        source.backup(target)
    db = sqlite3.connect(home / "trace.sqlite3")
    tracks = pd.read_sql(
        "SELECT t.id, s.source FROM tracks t JOIN files f ON f.track_id = t.id "
        "JOIN eval_sources s ON s.path = f.path",
        db,
    )
    rng = np.random.default_rng(seed)
    in_library = np.zeros(len(tracks), bool)
    for _source, group in tracks.groupby("source"):
        order = rng.permutation(group.index.to_numpy())
        in_library[order[: round(len(order) * LIBRARY_SHARE)]] = True
    tracks["in_library"] = in_library
    pool = tracks[~tracks["in_library"]]
    renamed = [
        (POOL, json.dumps([f"Newcomer {seed}-{number // 3:03d}"]), int(track))
        for number, track in enumerate(rng.permutation(pool["id"].to_numpy()))
    ]
    db.executemany(
        "UPDATE tracks SET pool = ?, artists = ?, album = NULL, album_artist = NULL, "
        "genres = '[]', label = NULL, comment = NULL, match_key = NULL WHERE id = ?",
        renamed,
    )
    db.executemany(
        "UPDATE tracks SET pool = NULL WHERE id = ?",
        [(int(t),) for t in tracks.loc[tracks["in_library"], "id"]],
    )
    db.execute(
        "UPDATE tracks SET added_at = ?", ((listeners.START - listeners.LONG_RUN).isoformat(),)
    )
    if small:
        mine = tracks[tracks["in_library"] & (tracks["source"] == small)]["id"].to_numpy()
        gone = [(int(t),) for t in mine[listeners.SMALL_TRACKS :]]
        db.executemany("DELETE FROM tracks WHERE id = ?", gone)
        tracks = tracks[~tracks["id"].isin([g[0] for g in gone])].reset_index(drop=True)
    db.execute("DELETE FROM plays")
    db.execute("DELETE FROM decisions")
    db.execute("DELETE FROM settings WHERE key LIKE 'analysis.%'")
    db.commit()
    db.close()
    return World(home, tracks.reset_index(drop=True))


def listen(world: World, plays: pd.DataFrame, decisions: dict[int, str] | None = None) -> None:
    with sqlite3.connect(world.home / "trace.sqlite3") as db:
        db.execute("DELETE FROM plays")
        db.execute("DELETE FROM decisions")
        db.executemany(
            "INSERT OR IGNORE INTO plays (track_id, played_at, ms_played, source, skipped) "
            "VALUES (?, ?, ?, 'eval', ?)",
            [
                (
                    int(r.track_id),
                    r.played_at.strftime("%Y-%m-%dT%H:%M:%SZ"),
                    int(r.ms_played),
                    int(r.skipped),
                )
                for r in plays.itertuples()
            ],
        )
        db.executemany(
            "INSERT INTO decisions (track_id, decision, decided_at) VALUES (?, ?, ?)",
            [(t, d, "2026-12-01T00:00:00Z") for t, d in (decisions or {}).items()],
        )


# -- the methods ----------------------------------------------------------------------------


@dataclass
class Context:
    """What every method sees: TRACE's own stages for this world and listener."""

    pipe: object
    library: pd.DataFrame
    pool: pd.DataFrame
    x_library: np.ndarray
    x_pool: np.ndarray
    labels: np.ndarray
    model: object
    events: pd.DataFrame
    decided: set[int]
    seed: int

    def tie_break(self) -> np.ndarray:
        """A seeded hash per pool track: ties cannot favour any id order."""
        return np.array(
            [
                int.from_bytes(hashlib.blake2b(f"{self.seed}:{t}".encode(), digest_size=4).digest())
                for t in self.pool["id"]
            ]
        )

    def order(self, score: np.ndarray) -> list[int]:
        """Pool ids by ``score`` (highest first), decided tracks left out."""
        keep = ~self.pool["id"].isin(self.decided).to_numpy()
        index = np.lexsort((self.tie_break(), -np.nan_to_num(score, nan=-np.inf)))
        return [int(self.pool["id"].iat[i]) for i in index if keep[i]]

    def plays(self) -> pd.DataFrame:
        played = self.events[self.events["kind"] == "play"]
        return played[played["track_id"].isin(self.library["id"])]

    def rows_of(self, track_ids) -> np.ndarray:
        where = pd.Series(np.arange(len(self.library)), index=self.library["id"])
        return where.loc[list(track_ids)].to_numpy()


def method_trace(context: Context) -> tuple[list[int], list[set[int]]]:
    """TRACE's ranking and its declared interests (as sets of library track ids)."""
    ranking = context.pipe.ranking()
    ids = context.library["id"].to_numpy()
    return [int(t) for t in ranking.proposed["track_id"]], [
        set(ids[i.rows]) for i in ranking.interests
    ]


def method_random(context: Context) -> list[int]:
    rng = np.random.default_rng(context.seed)
    return context.order(rng.random(len(context.pool)))


def method_seed_rule(context: Context) -> list[int]:
    recent = context.plays().sort_values("at").tail(RECENT_PLAYS)
    labels = context.labels[context.rows_of(recent["track_id"])]
    labels = labels[labels >= 0]
    if not len(labels) or isinstance(context.model, str):
        return method_random(context)
    counts = np.bincount(labels)
    top = np.flatnonzero(counts == counts.max())
    forest = context.model.forest
    probabilities = forest.predict_proba(context.x_pool)
    columns = [list(forest.classes_).index(c) for c in top if c in forest.classes_]
    placed = np.isin(forest.classes_[probabilities.argmax(axis=1)], top)
    score = probabilities[:, columns].sum(axis=1) + placed  # placed in them first
    return context.order(score)


def _recency(context: Context, half_life: float) -> tuple[np.ndarray, np.ndarray]:
    plays = context.plays()
    age = (context.events["at"].max() - plays["at"]).dt.total_seconds() / 86_400
    return context.rows_of(plays["track_id"]), 0.5 ** (age.to_numpy() / half_life)


def method_centroid(context: Context) -> list[int]:
    rows, weight = _recency(context, CENTROID_HALF_LIFE_DAYS)
    centre = (context.x_library[rows] * weight[:, None]).sum(axis=0) / weight.sum()
    return context.order(-np.linalg.norm(context.x_pool - centre, axis=1))


def method_neighbours(context: Context) -> list[int]:
    recent = context.plays().sort_values("at").tail(RECENT_PLAYS)
    points = context.x_library[np.unique(context.rows_of(recent["track_id"]))]
    distance = np.linalg.norm(context.x_pool[:, None, :] - points[None, :, :], axis=2)
    return context.order(-distance.min(axis=1))


def method_cluster_lift(context: Context) -> list[int]:
    """TRACE before this change: the forest's probability of each recent-interest cluster
    (lift ≥ 1.25, enough evidence) weighted by its lift; rising clusters next."""
    from trace.analysis.interest import InterestParams, recent_interest

    cluster_of = pd.Series(context.labels, index=context.library["id"])
    table = recent_interest(context.events, cluster_of, InterestParams())
    if table.empty or isinstance(context.model, str):
        return method_random(context)
    lifts = dict(zip(table["cluster"], table["lift"], strict=True))
    rule = (table["lift"] >= 1.25) & (table["evidence"] >= 5) & (table["tracks"] >= 3)
    chosen = set(table.loc[rule, "cluster"]) or {c for c, lift in lifts.items() if lift > 1.0}
    forest = context.model.forest
    weights = np.array([lifts.get(c, 0.0) if c in chosen else 0.0 for c in forest.classes_])
    return context.order(forest.predict_proba(context.x_pool) @ weights)


def _shares(context: Context):
    return context.pipe.taste()[0]


def method_neighbourhood_lift(context: Context) -> list[int]:
    """A first redesign, kept as a loser: the recent share of a candidate's 10 nearest
    library tracks (Gaussian weights) times their recent ÷ usual lift."""
    weights = _shares(context)
    distances, rows = (
        NearestNeighbors(n_neighbors=10).fit(context.x_library).kneighbors(context.x_pool)
    )
    kernel = np.exp(-0.5 * (distances / np.median(distances[:, -1])) ** 2)
    kernel /= kernel.sum(axis=1, keepdims=True)
    recent = (kernel * weights.recent[rows]).sum(axis=1)
    usual = (kernel * weights.usual[rows]).sum(axis=1)
    floor = 0.5 * usual.mean()
    return context.order(recent * (recent + floor) / (usual + floor))


def method_logistic_lift(context: Context) -> list[int]:
    """Recent vs usual told apart by a logistic regression instead of a forest."""
    weights = _shares(context)
    n = len(weights.recent)
    sample_weight = np.r_[weights.recent, weights.usual] * n
    keep = sample_weight > 0
    model = LogisticRegression(C=0.1, max_iter=2000).fit(
        np.vstack([context.x_library] * 2)[keep],
        np.r_[np.ones(n), np.zeros(n)][keep],
        sample_weight=sample_weight[keep],
    )
    return context.order(model.decision_function(context.x_pool))


ALTERNATIVES: dict[str, Callable[[Context], list[int]]] = {
    "neighbourhood lift (a first redesign)": method_neighbourhood_lift,
    "logistic recent-vs-usual": method_logistic_lift,
}
"""Other ways to score, tried for TRACE and lost (reported with --variants)."""


BASELINES: dict[str, Callable[[Context], list[int]]] = {
    "TRACE before (cluster lift)": method_cluster_lift,
    "random": method_random,
    "seed's rule (top clusters of the last 30)": method_seed_rule,
    "recency-weighted centroid (30 d)": method_centroid,
    "nearest neighbours of the last 30": method_neighbours,
}


# -- running it -----------------------------------------------------------------------------


def context_for(world: World, seed: int, params) -> Context:
    from trace.analysis.pipeline import Inputs, Pipeline, StageCache
    from trace.store import Store

    if world.cache is None:
        world.cache = StageCache()
    with Store(world.home / "trace.sqlite3") as store:
        inputs = Inputs.of(store)
        decided = set(store.decisions()["track_id"].astype(int))
    pipe = Pipeline(inputs, params, world.cache)
    pool = pipe.pool()
    model = pipe.model()
    return Context(
        pipe=pipe,
        library=pipe.library(),
        pool=pool,
        x_library=pipe.scaled().values,
        x_pool=pipe.pool_values(),
        labels=pipe.clustering().labels,
        model=model,
        events=pipe.events(),
        decided=decided,
        seed=seed,
    )


def metrics(ordered: list[int], relevant: set[int], pool: pd.DataFrame) -> dict[str, float]:
    row = {}
    for k in K:
        top = ordered[:k]
        row[f"hit@{k}"] = sum(t in relevant for t in top) / k
    gains = [1.0 / np.log2(i + 2) for i, t in enumerate(ordered[:20]) if t in relevant]
    ideal = sum(1.0 / np.log2(i + 2) for i in range(min(20, len(relevant))))
    row["ndcg@20"] = sum(gains) / ideal if ideal else float("nan")
    artists = pool.set_index("id")["artist"]
    row["artists@10"] = float(artists.reindex(ordered[:10]).nunique())
    return row


def found(declared: list[set[int]], listener, tracks: pd.DataFrame) -> bool:
    """Whether TRACE's declared interests are the listener's: each interest's source is
    the main source of one declared interest (steady: nothing declared)."""
    if not listener.interests:
        return not declared
    source = tracks.set_index("id")["source"]
    mains = {source.reindex(list(group)).mode().iat[0] for group in declared if group}
    return set(listener.interests) <= mains


def _variants() -> dict[str, Callable]:
    """TRACE with one setting changed: name → how the settings change."""

    def settings(**changes):
        def change(params):
            groups = {}
            for name, value in changes.items():
                group, field_name = name.split("__")
                groups.setdefault(group, {})[field_name] = value
            return replace(
                params, **{g: replace(getattr(params, g), **v) for g, v in groups.items()}
            )

        return change

    return {
        "TRACE, half-life 60 d": settings(interest__half_life_days=60.0),
        "TRACE, half-life 120 d": settings(interest__half_life_days=120.0),
        "TRACE, no placement-confidence floor": settings(ranking__min_confidence=0.0),
    }


def run_variants(context: Context, world: World, seed: int, params) -> dict[str, list[int]]:
    """Each variant's order on the same world and listener (the map stays cached)."""
    return {
        name: method_trace(context_for(world, seed, change(params)))[0]
        for name, change in _variants().items()
    }


def evaluate(
    corpus: str,
    home: Path,
    seeds: list[int],
    cutoffs: list[int],
    work: Path,
    variants: bool,
    deciding: bool = False,
    params=None,
):
    from trace.analysis.pipeline import AnalysisParams

    params = params or AnalysisParams()
    rows, rounds = [], []
    for seed in seeds:
        base = make_world(home, seed, work)
        sources = sorted(base.tracks["source"].unique())
        for shape in ("dominant",) if deciding else listeners.SHAPES:
            listener = listeners.choose(shape, seed, sources)
            world = base
            if shape == "small":
                world = make_world(home, seed, work, small=listener.interests[0])
            library = world.tracks[world.tracks["in_library"]]
            pool = world.tracks[~world.tracks["in_library"]]
            relevant = set(pool.loc[pool["source"].isin(listener.interests), "id"])
            for cutoff in () if deciding else cutoffs:
                until = listeners.START + pd.Timedelta(weeks=cutoff)
                listen(world, listeners.plays(listener, library, until))
                context = context_for(world, seed, params)
                started = time.perf_counter()
                ordered, declared = method_trace(context)
                seconds = time.perf_counter() - started
                base_row = {"corpus": corpus, "seed": seed, "shape": shape, "cutoff": cutoff}
                rows.append(
                    {
                        **base_row,
                        "method": "TRACE",
                        "found": found(declared, listener, world.tracks),
                        "seconds": seconds,
                        **metrics(ordered, relevant, context.pool),
                    }
                )
                orders = {name: method(context) for name, method in BASELINES.items()}
                if variants:
                    orders.update({n: m(context) for n, m in ALTERNATIVES.items()})
                    orders.update(run_variants(context, world, seed, params))
                for name, ordered in orders.items():
                    rows.append(
                        {**base_row, "method": name, **metrics(ordered, relevant, context.pool)}
                    )
            if shape == "dominant":
                rounds.extend(decide_in_rounds(world, listener, library, relevant, seed, params))
                rounds.extend(
                    decide_in_fresh_batches(world, listener, library, relevant, seed, params)
                )
    return pd.DataFrame(rows), pd.DataFrame(rounds)


def _round(seed, protocol: str, number: int, top: list[int], relevant: set[int], left: int):
    """One round's row: hit@10, and against the most it could be (``left`` to find)."""
    hits = sum(t in relevant for t in top)
    return {
        "seed": seed,
        "protocol": protocol,
        "round": number,
        "hit@10": hits / 10,
        "hit@10 of the possible": hits / max(1, min(10, left)),
        "nothing learnt": float("nan"),
    }


def _decided(top: list[int], relevant: set[int]) -> dict[int, str]:
    """The deciding listener's verdicts: what serves the interest approved, the rest not."""
    return {t: "approved" if t in relevant else "rejected" for t in top}


def decide_in_rounds(world, listener, library, relevant, seed, params, cutoff: int = 2):
    """The deciding listener: approve what serves the interest on the page, reject the
    rest, again.

    Approved tracks leave the pool, so a round can find at most what is left: besides
    hit@10, each round reports it against that most (``hit@10 of the possible``)."""
    until = listeners.START + pd.Timedelta(weeks=cutoff)
    plays = listeners.plays(listener, library, until)
    decisions: dict[int, str] = {}
    for number in range(1, ROUNDS + 1):
        listen(world, plays, decisions)
        context = context_for(world, seed, params)
        page = method_trace(context)[0]
        left = len(relevant - set(decisions))
        yield _round(seed, "one pool", number, page[:10], relevant, left)
        decisions.update(_decided(page, relevant))


def decide_in_fresh_batches(world, listener, library, relevant, seed, params, cutoff: int = 2):
    """The deciding listener when each round brings new candidates, as each week does.

    The pool is cut into :data:`ROUNDS` batches by the seed; round r proposes a page of
    batch r, ranked with the decisions of the rounds before, and the same batch ranked
    with no decision at all is the reference (``nothing learnt``). The batches take every
    round in turn (three rotations), so no batch's luck falls on one round."""
    wide = replace(
        params, ranking=replace(params.ranking, candidates=1000, per_artist=100, per_album=100)
    )
    until = listeners.START + pd.Timedelta(weeks=cutoff)
    plays = listeners.plays(listener, library, until)
    pool = world.tracks.loc[~world.tracks["in_library"], "id"].to_numpy()
    batches = np.random.default_rng(seed).permutation(len(pool)) % ROUNDS
    batch_of = dict(zip(pool, batches, strict=True))

    def page_of(batch: int, decisions: dict[int, str]) -> list[int]:
        listen(world, plays, decisions)
        ordered = method_trace(context_for(world, seed, wide))[0]
        return [t for t in ordered if batch_of[t] == batch][: params.ranking.candidates]

    for rotation in range(ROUNDS):
        decisions: dict[int, str] = {}
        for number in range(1, ROUNDS + 1):
            batch = (rotation + number - 1) % ROUNDS
            page = page_of(batch, decisions)
            plain = page_of(batch, {})[:10]
            possible = sum(batch_of[t] == batch for t in relevant)
            row = _round(seed, "fresh batches", number, page[:10], relevant, possible)
            yield {
                **row,
                "rotation": rotation,
                "nothing learnt": sum(t in relevant for t in plain) / 10,
            }
            decisions.update(_decided(page, relevant))


def summarise(rows: pd.DataFrame, rounds: pd.DataFrame) -> str:
    lines = []
    for corpus, part in rows.groupby("corpus", sort=False):
        interest = part[part["shape"] != "steady"]
        table = interest.groupby("method", sort=False)[
            ["hit@10", "hit@20", "ndcg@20", "artists@10"]
        ].mean()
        lines.append(f"\n### {corpus}: mean over listeners with an interest, seeds and cutoffs\n")
        lines.append("| method | hit@10 | hit@20 | NDCG@20 | artists in top 10 |")
        lines.append("| --- | --- | --- | --- | --- |")
        for method, r in table.iterrows():
            lines.append(
                f"| {method} | {r['hit@10']:.3f} | {r['hit@20']:.3f} | {r['ndcg@20']:.3f} | "
                f"{r['artists@10']:.1f} |"
            )
        by_shape = interest.pivot_table(
            index="shape", columns="method", values="hit@10", sort=False
        )
        lines.append(f"\n{corpus}: hit@10 by listener shape\n")
        lines.append("| shape | " + " | ".join(by_shape.columns) + " |")
        lines.append("| --- |" + " --- |" * len(by_shape.columns))
        for shape, r in by_shape.iterrows():
            lines.append(f"| {shape} | " + " | ".join(f"{v:.3f}" for v in r) + " |")
        by_cutoff = interest.pivot_table(index="cutoff", columns="method", values="hit@10")
        lines.append(f"\n{corpus}: hit@10 by cutoff (weeks after the change)\n")
        lines.append("| cutoff | " + " | ".join(by_cutoff.columns) + " |")
        lines.append("| --- |" + " --- |" * len(by_cutoff.columns))
        for cutoff, r in by_cutoff.iterrows():
            lines.append(f"| {cutoff} | " + " | ".join(f"{v:.3f}" for v in r) + " |")
        trace = part[part["method"] == "TRACE"]
        found_share = trace.groupby("shape", sort=False)["found"].mean()
        lines.append(
            f"\n{corpus}: interest found (steady: none declared): "
            + ", ".join(f"{s} {v:.0%}" for s, v in found_share.items())
            + f"; TRACE's ranking took {trace['seconds'].median():.2f} s (median)"
        )
    if len(rounds):
        for (corpus, protocol), part in rounds.groupby(["corpus", "protocol"], sort=False):
            columns = ["hit@10", "hit@10 of the possible", "nothing learnt"]
            means = part.groupby("round")[columns].mean()
            lines.append(
                f"\n{corpus}: the deciding listener, {protocol}, by round "
                "(hit@10; of the possible; the same candidates with nothing learnt): "
                + ", ".join(
                    f"round {r}: {v['hit@10']:.3f}; {v['hit@10 of the possible']:.3f}; "
                    f"{v['nothing learnt']:.3f}"
                    for r, v in means.iterrows()
                )
                + _round_three_gain(part)
            )
    return "\n".join(lines)


def _round_three_gain(part: pd.DataFrame) -> str:
    """Round 3 against round 1 of the same listener (and, for fresh batches, against the
    same batch with nothing learnt), with a 90 % bootstrap interval over the seeds.

    The seed is the unit: a seed's three rotations share its batches, so they are not
    independent runs. Averaged over its rotations, a seed's round 1 and round 3 have seen
    the same three batches, and a batch's luck (how many of its tracks serve the
    interest) cancels; resampling single runs would count that luck as noise."""
    rotation = part.get("rotation", pd.Series(0, part.index)).fillna(0)
    runs = part.assign(rotation=rotation).set_index(["seed", "rotation", "round"])
    hits = runs["hit@10"].unstack("round")
    plain = runs["nothing learnt"].unstack("round")
    gains = {"round 3 − round 1": hits[ROUNDS] - hits[1]}
    if plain[ROUNDS].notna().all():
        gains["round 3 − nothing learnt"] = hits[ROUNDS] - plain[ROUNDS]
    rng = np.random.default_rng(0)
    told = []
    for name, gain in gains.items():
        values = gain.groupby(level="seed").mean().to_numpy()
        means = rng.choice(values, (4000, len(values))).mean(axis=1)
        low, high = np.quantile(means, [0.05, 0.95])
        told.append(f"{name} {values.mean():+.3f} [{low:+.3f}, {high:+.3f}]")
    seeds = hits.index.get_level_values("seed").nunique()
    return f" ({len(hits)} runs, {seeds} seeds; " + "; ".join(told) + ")"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--corpus", choices=("real", "demo", "both"), default="both")
    parser.add_argument("--seeds", type=int, default=3)
    parser.add_argument("--cutoffs", type=int, nargs="+", default=[2, 4, 8])
    parser.add_argument("--work", type=Path, default=CORPUS / "worlds")
    parser.add_argument("--csv", type=Path, help="write every row here")
    parser.add_argument(
        "--variants", action="store_true", help="also TRACE with one thing changed at a time"
    )
    parser.add_argument("--deciding", action="store_true", help="only the deciding listener")
    args = parser.parse_args()
    corpora = ("real", "demo") if args.corpus == "both" else (args.corpus,)
    all_rows, all_rounds = [], []
    for corpus in corpora:
        home = CORPUS / ("home" if corpus == "real" else "demo-home")
        home.mkdir(parents=True, exist_ok=True)
        (real_corpus if corpus == "real" else demo_corpus)(home)
        started = time.perf_counter()
        rows, rounds = evaluate(
            corpus,
            home,
            list(range(args.seeds)),
            args.cutoffs,
            args.work / corpus,
            args.variants,
            args.deciding,
        )
        rows["corpus"] = corpus
        rounds["corpus"] = corpus
        all_rows.append(rows)
        all_rounds.append(rounds)
        print(f"{corpus}: {len(rows)} rows in {time.perf_counter() - started:.0f} s", flush=True)
    rows = pd.concat(all_rows, ignore_index=True)
    rounds = pd.concat(all_rounds, ignore_index=True)
    if args.csv:
        rows.to_csv(args.csv, index=False)
        rounds.to_csv(args.csv.with_suffix(".rounds.csv"), index=False)
    print(f"machine: {common.machine()}")
    print(summarise(rows, rounds))


if __name__ == "__main__":
    main()

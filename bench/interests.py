"""Is the listener's recent interest found? Only the interest-finding, fast (no UMAP).

    python bench/interests.py [--corpus real|demo] [--seeds 0 1 2 3 4 5 6]
    python bench/interests.py --both --split --variants "TRACE" "before"

The worlds and listeners of `bench/recommend.py` (every shape, cutoffs 2, 4 and 8
weeks); for each, TRACE's :func:`trace.analysis.taste.find_interests` and the variants
below say which interests they declare, and `recommend.found` judges them: every source
the listener turned to is the main source of one declared interest (steady: none).
``--variants`` keeps the variants whose name contains one of the words given. ``--both``
runs every variant twice: on TRACE's features alone and with MusiCNN's embedding
(``FeatureParams.learned``, the default). ``--split`` also reports the listeners whose
interests all lie in the tuning half of the sources, and those whose interests all lie
in the held-out half (``bench/embeddings.py``'s fixed split; the steady listener in both).
"""

from __future__ import annotations

import argparse
from contextlib import contextmanager
from pathlib import Path

import common
import listeners
import pandas as pd
import recommend

from trace.analysis import taste
from trace.analysis.params import FeatureParams
from trace.analysis.pipeline import AnalysisParams, Inputs, Pipeline, StageCache, knn_for
from trace.store import Store


@contextmanager
def constants(**values):
    """``trace.analysis.taste``'s constants changed for the duration."""
    old = {name: getattr(taste, name) for name in values}
    for name, value in values.items():
        setattr(taste, name, value)
    try:
        yield
    finally:
        for name, value in old.items():
            setattr(taste, name, value)


def variant(split: bool = True, **values):
    def find(weights, neighbours, tags, values_):
        with constants(**values):
            return taste.find_interests(weights, neighbours, values_ if split else None, tags=tags)

    return find


VARIANTS = {
    "TRACE (split by album or few links crossing; scattered tracks at lift ≥ 2; quiet "
    "neighbours joined; z ≥ 5)": variant(),
    "no quiet neighbours, z ≥ 4 (before)": variant(WITH_QUIET_NEIGHBOURS=False, MIN_Z=4.0),
    "quiet neighbours joined, z ≥ 4": variant(MIN_Z=4.0),
    "no quiet neighbours, z ≥ 5": variant(WITH_QUIET_NEIGHBOURS=False),
    "a rise of 3 standard errors (before)": variant(MIN_Z=3.0),
    "no split": variant(split=False, SPLIT_BY_ALBUM=False),
    "no split, spread 2.0 (before)": variant(split=False, SPLIT_BY_ALBUM=False, MIN_SPREAD=2.0),
    "split, at most 10 % of links crossing": variant(SPLIT_CROSSING=0.1),
    "split, at most 25 % of links crossing": variant(SPLIT_CROSSING=0.25),
    "split, at most 30 % of links crossing": variant(SPLIT_CROSSING=0.3),
    "no split by album": variant(SPLIT_BY_ALBUM=False),
    "an interest of 2 tracks or more, halves of 2": variant(MIN_TRACKS=2, MIN_SPLIT_TRACKS=2),
    "no scattered tracks played far more (lift ≥ 2)": variant(ON_REPEAT_LIFT=0.0),
    "scattered tracks at lift ≥ 3": variant(ON_REPEAT_LIFT=3.0),
    "scattered tracks at lift ≥ 5": variant(ON_REPEAT_LIFT=5.0),
    "z ≥ 4.5, no quiet neighbours": variant(WITH_QUIET_NEIGHBOURS=False, MIN_Z=4.5),
    "lift ≥ 1.4": variant(MIN_LIFT=1.4),
    "lift ≥ 1.5": variant(MIN_LIFT=1.5),
    "neighbourhood 8": variant(NEIGHBOURHOOD=8),
    "neighbourhood 10": variant(NEIGHBOURHOOD=10),
}


def declared_by_variant(world, params, variants) -> dict[str, list[set[int]]]:
    with Store(world.home / "trace.sqlite3") as store:
        pipe = Pipeline(Inputs.of(store), params, StageCache())
    library = pipe.library()
    ids = library["id"].to_numpy()
    weights = taste.taste_weights(pipe.events(), ids, params.interest.half_life_days)
    values = pipe.scaled().values
    neighbours, _ = knn_for(values, pipe.space_embed)
    tags = taste.tag_codes(library)
    return {
        name: [set(ids[i.rows]) for i in find(weights, neighbours, tags, values)]
        for name, find in variants.items()
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--corpus", choices=["real", "demo"], default="real")
    parser.add_argument("--seeds", type=int, nargs="+", default=list(range(7)))
    parser.add_argument("--work", type=Path, default=Path("/tmp/trace-bench-interests"))
    parser.add_argument("--csv", type=Path, help="write every case here")
    parser.add_argument("--variants", nargs="+", help="only variants whose name has a word")
    parser.add_argument("--both", action="store_true", help="features alone and with MusiCNN")
    parser.add_argument("--split", action="store_true", help="also tuning / held-out sources")
    args = parser.parse_args()
    variants = {
        name: find
        for name, find in VARIANTS.items()
        if not args.variants or any(word in name for word in args.variants)
    }
    if args.corpus == "real":
        home = recommend.real_corpus(recommend.CORPUS / "home")
    else:
        home = recommend.demo_corpus(recommend.CORPUS / "demo-home")
    conditions = {"with MusiCNN": AnalysisParams()}
    if args.both:
        conditions = {
            "features": AnalysisParams(features=FeatureParams(learned=False)),
            **conditions,
        }
    rows = []
    for seed in args.seeds:
        base = recommend.make_world(home, seed, args.work)
        sources = sorted(base.tracks["source"].unique())
        for shape in listeners.SHAPES:
            listener = listeners.choose(shape, seed, sources)
            world = base
            if shape == "small":
                world = recommend.make_world(home, seed, args.work, small=listener.interests[0])
            library = world.tracks[world.tracks["in_library"]]
            for cutoff in (2, 4, 8):
                until = listeners.START + pd.Timedelta(weeks=cutoff)
                recommend.listen(world, listeners.plays(listener, library, until))
                source = world.tracks.set_index("id")["source"]
                for condition, params in conditions.items():
                    for name, declared in declared_by_variant(world, params, variants).items():
                        found = recommend.found(declared, listener, world.tracks)
                        mains = [source.reindex(list(g)).mode().iat[0] for g in declared if g]
                        rows.append(
                            {
                                "variant": f"{name} · {condition}" if args.both else name,
                                "interests": tuple(listener.interests),
                                "seed": seed,
                                "shape": shape,
                                "cutoff": cutoff,
                                "found": found,
                                "declared": len(declared),
                                "false": sum(m not in listener.interests for m in mains),
                            }
                        )
    cases = pd.DataFrame(rows)
    if args.csv:
        cases.to_csv(args.csv, index=False)
    print(f"{args.corpus}, seeds {args.seeds}, cutoffs 2/4/8 weeks — {common.machine()}")
    report(cases, "every listener")
    if args.split:
        names = sorted({s for i in cases["interests"] for s in i} | set(sources))
        tuning, held_out = names[0::2], names[1::2]
        steady = cases["shape"] == "steady"
        for label, half in (("tuning", tuning), ("held-out", held_out)):
            inside = cases["interests"].map(lambda i, h=half: bool(i) and set(i) <= set(h))
            report(cases[inside | steady], f"interests all in the {label} sources ({len(half)})")


def report(cases: pd.DataFrame, label: str) -> None:
    table = cases.pivot_table(
        index="variant", columns="shape", values="found", aggfunc="mean", sort=False
    )
    table["all"] = cases.groupby("variant", sort=False)["found"].mean()
    runs = cases[cases["variant"] == cases["variant"].iat[0]].groupby("shape").size()
    print(f"\n## {label}: found (%); runs per shape {runs.to_dict()}")
    print((100 * table).round(0).astype(int).to_string())
    declared = cases.pivot_table(
        index="variant", columns="shape", values="declared", aggfunc="mean", sort=False
    )
    false = cases.pivot_table(
        index="variant", columns="shape", values="false", aggfunc="mean", sort=False
    )
    print("\ninterests declared per listener (one per source turned to is right):")
    print(declared.round(2).to_string())
    print("\nof them false (their main source is not one the listener turned to):")
    print(false.round(2).to_string())


if __name__ == "__main__":
    main()

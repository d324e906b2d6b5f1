"""The command line: ``python -m trace COMMAND``.

Each command is a thin shell over a core function: it parses arguments, shows progress
in the terminal and prints a summary. A :class:`~trace.errors.TraceError` becomes a
message and exit status 2; anything else is a bug and shows its traceback.
"""

from __future__ import annotations

import argparse
import json
import os
import sys
from collections.abc import Sequence
from pathlib import Path

from trace import config
from trace.analysis.table import export_csv
from trace.audio.windows import Windows, extractor_id
from trace.errors import TraceError
from trace.library.scan import Progress, scan_library
from trace.sources.csv_import import import_feature_csv
from trace.store import Store
from trace.terminal import print_problems, with_progress


def _windows(args: argparse.Namespace) -> Windows:
    return Windows(count=args.windows, seconds=args.window_seconds)


def cmd_scan(args: argparse.Namespace) -> int:
    with Store() as store:
        summary = with_progress(
            args, "file", lambda bar: scan_library(args.paths, store, pool=args.pool, progress=bar)
        )
        print_problems(summary.problems, args.show_problems, "the Library page lists them all")
        target = f"candidate pool {args.pool!r}" if args.pool else "your library"
        print(f"Scanned into {target}. {summary}")
        if summary.errors > len(summary.problems):
            print("  Files already unreadable and unchanged since are not listed again.")
        if args.extract:
            return _extract(store, args)
    return 0


def _extract(store: Store, args: argparse.Namespace) -> int:
    from trace.audio.extract import extract_library  # librosa loads only for commands that analyse

    summary = with_progress(
        args,
        "track",
        lambda bar: extract_library(
            store, windows=_windows(args), workers=args.workers, progress=bar
        ),
    )
    print_problems(summary.problems, args.show_problems, "the Library page lists them all")
    print(summary)
    return 0


def cmd_extract(args: argparse.Namespace) -> int:
    with Store() as store:
        return _extract(store, args)


def cmd_export(args: argparse.Namespace) -> int:
    with Store() as store:
        rows = export_csv(
            store, args.path, extractor=extractor_id(_windows(args)), candidates=args.candidates
        )
    print(f"Wrote {rows} tracks to {args.path}")
    return 0


def cmd_import(args: argparse.Namespace) -> int:
    from trace.sources.imports import import_listening

    with Store() as store:
        done = import_listening(args.paths, store)
        if done.spotify is not None:
            print(f"Streaming history: {done.spotify}")
            _print_history_problems(done.spotify.problems, args)
            print(done.match)
        if done.listens is not None:
            print(f"Listens: {done.listens}")
            _print_history_problems(done.listens.problems, args)
            _print_unmatched(done.listens.unmatched, args.show_problems)
        for path in done.features:
            summary = import_feature_csv(path, store, pool=args.pool)
            print(f"{path.name}: {summary}")
            print_problems(
                [(f"line {line}", why) for line, why in summary.problems],
                args.show_problems,
                "fix them in the file and import it again",
            )
    return 0


def _print_history_problems(problems: list[str], args: argparse.Namespace) -> None:
    where_and_why = [tuple(why.split(": ", 1)) for why in problems]
    print_problems(where_and_why, args.show_problems, "the rest was imported")


def _print_unmatched(unmatched, limit: int) -> None:  # a DataFrame: artist, title, listens
    if not len(unmatched):
        return
    print("  Listened to most, with no local file:")
    for row in unmatched.head(limit).itertuples(index=False):
        times = f"{row.listens:,} listens" if row.listens != 1 else "1 listen"
        print(f"  {row.artist} — {row.title} ({times})")
    if len(unmatched) > limit:
        print(f"  … and {len(unmatched) - limit:,} more tracks")


def cmd_demo(args: argparse.Namespace) -> int:
    from trace import demo
    from trace.demo.build import install_demo  # synthesis code loads only when asked for

    with Store() as store:
        if args.remove:
            demo.remove_demo(store)
            print("The demo library is removed; it will not be generated again.")
            return 0
        summary = with_progress(
            args,
            "step",
            lambda bar: install_demo(store, part=args.part, workers=args.workers, progress=bar),
        )
    print(summary)
    print(f"Files are in {demo.demo_folder()}. Start the dashboard to explore them.")
    return 0


def _given_params(args: argparse.Namespace, saved):  # -> AnalysisParams
    """The saved settings with what the command line overrides."""
    from dataclasses import replace

    changes = {
        "features": {"feature_set": args.feature_set, "learned": args.musicnn},
        "embed": {"n_neighbors": args.n_neighbors, "n_components": args.n_components},
        "cluster": {"min_cluster_size": args.min_cluster_size, "min_samples": args.min_samples},
        "interest": {"half_life_days": args.half_life},
        "ranking": {"candidates": args.top},
    }
    parts = {}
    for group, values in changes.items():
        given = {k: v for k, v in values.items() if v is not None}
        parts[group] = replace(getattr(saved, group), **given)
    return replace(saved, **parts)


def _interest_artists(store: Store) -> list[str]:
    """The top artists of the store's recent interests: whom Spotify search goes around."""
    from trace.analysis import pipeline  # the map and its models: only when needed

    return pipeline.interest_artists(pipeline.analyse(store))


def cmd_analyse(args: argparse.Namespace) -> int:
    from trace.analysis import (  # umap, hdbscan, scikit-learn load only when asked for
        pipeline,
        report,
    )

    with Store() as store:
        saved, problem = pipeline.load_params(store)
        if problem:
            print(f"trace: {problem}", file=sys.stderr)
        params = _given_params(args, saved)
        chosen = None if params == saved and not pipeline.settings_saved(store) else params
        result = with_progress(
            args, "step", lambda bar: pipeline.analyse(store, chosen, progress=bar)
        )
        params = result.params
        if args.save:
            pipeline.save_params(store, params)
    if args.json:
        text = json.dumps(report.to_json(result), indent=2, ensure_ascii=False)
        if args.json == "-":
            print(text)
        else:
            Path(args.json).write_text(text + "\n", encoding="utf-8")
            print(f"Wrote the analysis of {len(result.library)} tracks to {args.json}")
        return 0
    print(report.summary_text(result, limit=args.top or params.ranking.candidates))
    return 0


def cmd_map(args: argparse.Namespace) -> int:
    """The Taste map's stages, then the sweep, into the results folder in the TRACE home:
    what the dashboard draws from (it runs this in the background)."""
    from trace.analysis import pipeline

    with Store() as store:
        params, problem = pipeline.load_params(store)
        if problem:
            print(f"trace: {problem}", file=sys.stderr)
        pipe = pipeline.Pipeline(
            pipeline.Inputs.of(store),
            params,
            pipeline.StageCache(pipeline.DiskResults.beside(store.path)),
        )

    def work(bar: Progress) -> None:
        total = len(pipe.map_steps()) + 2
        pipe.map(lambda done, _, message: bar(done, total, message))
        bar(total - 2, total, "Trying cluster settings (the sweep)")
        pipe.sweep()
        bar(total - 1, total, "Preparing the cluster settings next to these")
        pipe.prepare_nearby()
        bar(total, total, "The map and the sweep are ready")

    with_progress(args, "step", work)
    clustering = pipe.clustering()
    print(f"Mapped {len(pipe.library()):,} tracks: {clustering.n_clusters} clusters")
    return 0


def _report(args: argparse.Namespace) -> int:
    from trace.report.command import cmd_report

    return cmd_report(args)


def _add_extraction_options(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--workers", type=int, metavar="N", help="worker processes (all cores)")
    parser.add_argument(
        "--windows",
        type=int,
        default=Windows().count,
        metavar="N",
        help="excerpts analysed per track (default %(default)s)",
    )
    parser.add_argument(
        "--window-seconds",
        type=float,
        default=Windows().seconds,
        metavar="S",
        help="length of each excerpt (default %(default)s)",
    )


def cmd_weekly(args: argparse.Namespace) -> int:
    from trace.weekly import run_weekly

    def extract(store: Store) -> str:
        from trace.audio.extract import extract_library

        summary = with_progress(
            args,
            "track",
            lambda bar: extract_library(
                store, windows=_windows(args), workers=args.workers, progress=bar
            ),
        )
        return str(summary)

    with Store() as store:
        summary = run_weekly(
            store,
            approve_top=args.approve_top,
            dry_run=args.dry_run,
            say=lambda message: print(message, file=sys.stderr, flush=True),
            extract=extract,
            context=(args.context or "", args.day, args.timezone or "")
            if args.context or args.day
            else None,
        )
    print(summary.text())
    return 0


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="python -m trace",
        description="TRACE: map your music taste and find new music that fits it.",
        epilog="Data lives in the TRACE home folder (TRACE_HOME overrides): "
        f"{config.home(create=False)}",
    )
    parser.add_argument(
        "--progress",
        choices=("bar", "jsonl"),
        default="bar",
        help="progress as a terminal bar, or as JSON lines on stdout for programs",
    )
    parser.add_argument(
        "--verbose",
        action="store_true",
        help="also show the messages of the libraries TRACE uses (spotipy's HTTP errors, "
        "urllib3's retries)",
    )
    parser.add_argument(
        "--background",
        action="store_true",
        help="run at low CPU priority, so what a person is looking at stays responsive",
    )
    commands = parser.add_subparsers(dest="command", required=True, metavar="COMMAND")

    scan = commands.add_parser("scan", help="scan music folders into the library")
    scan.add_argument("paths", nargs="+", metavar="PATH", help="folders or files to scan")
    scan.add_argument(
        "--pool", metavar="NAME", help="scan as a candidate pool named NAME, not as your music"
    )
    scan.add_argument(
        "--extract", action="store_true", help="extract audio features after scanning"
    )
    _add_extraction_options(scan)
    scan.set_defaults(run=cmd_scan)

    extract = commands.add_parser("extract", help="compute audio features of scanned files")
    _add_extraction_options(extract)
    extract.set_defaults(run=cmd_extract)

    export = commands.add_parser("export", help="write tracks, tags and features to a CSV")
    export.add_argument("path", type=Path, metavar="PATH.csv")
    export.add_argument("--candidates", action="store_true", help="candidates, not the library")
    _add_extraction_options(export)
    export.set_defaults(run=cmd_export)

    importer = commands.add_parser(
        "import",
        help="import listening history — Spotify's data export, ListenBrainz's export, "
        "Last.fm scrobbles as CSV — or audio features from CSV files (Exportify, datasets); "
        "files, folders or zips, recognised by their content",
    )
    importer.add_argument(
        "paths", nargs="+", type=Path, metavar="FILE.csv|FILE.json|FILE.jsonl|EXPORT.zip|FOLDER"
    )
    importer.add_argument("--pool", metavar="NAME", help="import as a candidate pool")
    importer.set_defaults(run=cmd_import)

    demo = commands.add_parser(
        "demo", help="generate the demo library (about 240 tracks, history, candidates)"
    )
    demo.add_argument("--workers", type=int, metavar="N", help="worker processes (all cores)")
    demo.add_argument("--remove", action="store_true", help="remove the demo library")
    demo.add_argument(
        "--part",
        choices=("library", "candidates", "all"),
        default="all",
        help="build only the library (enough for the Library page) or the candidates",
    )
    demo.set_defaults(run=cmd_demo)

    analyse = commands.add_parser(
        "analyse",
        aliases=["analyze"],
        help="map and cluster the library, find recent interests, rank candidates",
        description="Runs the analysis with the settings saved from the dashboard (or the "
        "defaults), changed by any option given here.",
    )
    analyse.add_argument(
        "--json",
        nargs="?",
        const="-",
        metavar="PATH",
        help="write the analysis as JSON to PATH (or to stdout without PATH)",
    )
    analyse.add_argument("--feature-set", choices=("spotify", "timbre", "all"))
    analyse.add_argument(
        "--musicnn",
        action=argparse.BooleanOptionalAction,
        help="map with MusiCNN's embedding beside the features (default: as saved, on)",
    )
    analyse.add_argument("--n-neighbors", type=int, metavar="N", help="UMAP neighbours")
    analyse.add_argument("--n-components", type=int, metavar="N", help="cluster space size")
    analyse.add_argument("--min-cluster-size", type=int, metavar="N", help="HDBSCAN")
    analyse.add_argument("--min-samples", type=int, metavar="N", help="HDBSCAN")
    analyse.add_argument("--half-life", type=float, metavar="DAYS", help="recency half-life")
    analyse.add_argument("--top", type=int, metavar="N", help="how many candidates to list")
    analyse.add_argument(
        "--save", action="store_true", help="save these settings for the dashboard and the job"
    )
    analyse.set_defaults(run=cmd_analyse)

    mapper = commands.add_parser(
        "map",
        help="compute the Taste map and the sweep of cluster settings for the dashboard",
        description="Computes the map with the saved settings into the results folder "
        "in the TRACE home, where the dashboard finds it.",
    )
    mapper.set_defaults(run=cmd_map)

    reporter = commands.add_parser(
        "report",
        help="a report of your listening, as one HTML file to keep (default: the last 12 months)",
        description="Writes a self-contained HTML report: how your listening moved, its "
        "sound against your library, tops, the hours of your day, whether TRACE's picks stuck.",
    )
    reporter.add_argument("out", metavar="OUT.html")
    reporter.add_argument("--from", dest="start", metavar="YYYY-MM-DD")
    reporter.add_argument("--to", dest="end", metavar="YYYY-MM-DD")
    reporter.add_argument(
        "--timezone", metavar="ZONE", help="your time zone, e.g. Europe/Berlin (default: UTC)"
    )
    reporter.set_defaults(run=_report)

    weekly = commands.add_parser(
        "weekly",
        help="the weekly Discover job: rescan, sync, extract, analyse, store or approve picks",
    )
    weekly.add_argument(
        "--approve-top",
        type=int,
        metavar="N",
        help="approve this week's top N and write the playlist (M3U8, and Spotify if connected)",
    )
    weekly.add_argument(
        "--dry-run", action="store_true", help="change nothing; print what would be picked"
    )
    weekly.add_argument(
        "--context",
        choices=("mornings", "afternoons", "evenings", "nights"),
        help="rank like what you play at that time of day (default: the saved context)",
    )
    weekly.add_argument(
        "--day",
        choices=("Mon", "Tue", "Wed", "Thu", "Fri", "Sat", "Sun"),
        default="",
        help="… on that weekday",
    )
    weekly.add_argument("--timezone", metavar="ZONE", help="the context's time zone (UTC)")
    _add_extraction_options(weekly)
    weekly.set_defaults(run=cmd_weekly)

    from trace.sources.catalogue.commands import add_parser as add_catalogue
    from trace.sources.spotify.commands import add_parser as add_spotify

    add_spotify(commands, interest_artists=_interest_artists)
    add_catalogue(commands, interest_artists=_interest_artists)

    for sub in (scan, extract, importer):
        sub.add_argument(
            "--show-problems", type=int, default=20, metavar="N", help="list at most N problems"
        )
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    config.prepare_process()
    config.library_logs(verbose=args.verbose)
    if args.background and hasattr(os, "nice"):
        os.nice(10)  # its worker processes inherit it
    try:
        return int(args.run(args))
    except TraceError as error:
        print(f"trace: {error}", file=sys.stderr)
        return 2
    except KeyboardInterrupt:
        print("trace: interrupted; everything committed so far is kept.", file=sys.stderr)
        return 130

"""``python -m trace report``: the report of a period, written from the terminal."""

from __future__ import annotations

import argparse
import contextlib
import sys
from pathlib import Path

import pandas as pd

from trace import report
from trace.errors import TraceError
from trace.store import Store
from trace.terminal import with_progress


def report_pipeline(store: Store):  # -> Pipeline
    """The analysis a report reads: the saved settings (or a first map's), the results
    on disk shared with the dashboard and ``map``."""
    from trace.analysis import pipeline

    params, problem = pipeline.load_params(store)
    if problem:
        print(f"trace: {problem}", file=sys.stderr)
    cache = pipeline.StageCache(pipeline.DiskResults.beside(store.path))
    pipe = pipeline.Pipeline(pipeline.Inputs.of(store), params, cache)
    if not pipeline.settings_saved(store):
        # no map can be made yet: the report says so in the map's place
        with contextlib.suppress(TraceError):
            pipe = pipeline.Pipeline(pipe.inputs, pipeline.first_map_params(pipe), cache)
    return pipe


def cmd_report(args: argparse.Namespace) -> int:
    start, end = report.period(args.start, args.end)
    with Store() as store:
        zone = args.timezone or store.get_setting(report.TIMEZONE_SETTING)
        out = Path(args.out)
        made = with_progress(
            args,
            "step",
            lambda bar: report.write_report(
                store, report_pipeline(store), out, start=start, end=end, zone=zone
            ),
        )
    size = out.stat().st_size / 1e6
    print(
        f"Wrote the report of {made.plays:,} plays ({start:%Y-%m-%d} to "
        f"{end - pd.Timedelta(days=1):%Y-%m-%d}, hours in {made.zone}) to {out} "
        f"({size:.1f} MB). It opens in any browser, offline."
    )
    return 0

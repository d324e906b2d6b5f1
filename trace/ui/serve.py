"""Start the dashboard: ``python -m trace.ui.serve [streamlit options]``.

The same as ``streamlit run streamlit_app.py``, with one difference: while the server
starts and the browser loads the page, a background thread imports what the first page
needs (pandas, Altair, TRACE's table and chart code, about 0.8 s of imports), so the
first script run need not. (On this 2-core machine the effect on a second start was
lost in the run-to-run noise: docs/PERFORMANCE.md.) The heavy analysis warm-up (UMAP's
numba compilation) is started later, by :func:`trace.ui.warm.warm_in_background`, once
the first page has been drawn.
"""

from __future__ import annotations

import sys
import threading
from pathlib import Path

APP = Path(__file__).resolve().parents[2] / "streamlit_app.py"


def _preload() -> None:
    import altair  # noqa: F401
    import pandas  # noqa: F401

    import trace.table
    import trace.ui.charts
    import trace.ui.data  # noqa: F401


def main(argv: list[str] | None = None) -> int:
    from trace import config

    config.prepare_process()
    threading.Thread(target=_preload, name="trace-preload", daemon=True).start()
    from streamlit.web import cli

    sys.argv = ["streamlit", "run", str(APP), *(sys.argv[1:] if argv is None else argv)]
    return cli.main()


if __name__ == "__main__":
    sys.exit(main())

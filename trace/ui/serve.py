"""Start the dashboard: ``python -m trace.ui.serve [streamlit options]``.

The same as ``streamlit run streamlit_app.py``, with one difference: once the server
listens, while the browser loads the page, a background thread imports what the first
page needs (pandas, Altair, TRACE's table and chart code, about 0.8 s of imports), so the
first script run need not, and then what the other pages need (the pipeline: scikit-learn
and SciPy, about 1.2 s). Started earlier, those imports held the GIL while Streamlit
itself was starting, and the server came up later: on this 2-core machine a second start
took 4.1 s (3.6–5.2) with the imports after the server was up, against 4.6 s (3.8–5.8)
with them alongside and 4.5 s (3.9–5.4) without them (docs/PERFORMANCE.md). The heavy
analysis warm-up (UMAP's numba compilation) is started later, by
:func:`trace.ui.warm.warm_in_background`, once the first page has been drawn.

The dashboard scans any folder it is given, writes files and holds the Spotify token, so
it listens on 127.0.0.1 unless ``--server.address`` is given on the command line: a
``STREAMLIT_SERVER_ADDRESS`` or a ``config.toml`` in whatever folder it was started from
does not open it to the network. The project's own ``.streamlit/config.toml`` (theme,
port, headless) is found by the app's path whatever the current folder: Streamlit 1.67
reads the ``.streamlit`` folder beside the script it runs, after the current folder's
(https://docs.streamlit.io/develop/concepts/configuration/options, "script-level config
file"); TRACE's own reading of ``secrets.toml`` does the same
(:func:`trace.sources.spotify.connect.load_config`).
"""

from __future__ import annotations

import importlib
import sys
import threading
import time
from pathlib import Path

APP = Path(__file__).resolve().parents[2] / "streamlit_app.py"
LOOPBACK = "127.0.0.1"


def _preload() -> None:
    _wait_for_server()
    import altair  # noqa: F401
    import pandas  # noqa: F401

    import trace.analysis.table
    import trace.ui.charts
    import trace.ui.data  # noqa: F401

    # then what every other page needs: the pipeline, and with it scikit-learn and SciPy
    # (about 1.2 s, which a first visit of the Taste map, Recent interest or Discover
    # after a restart paid; bench/real_library.py)
    importlib.import_module("trace.ui.cached")


def _wait_for_server(timeout: float = 10.0) -> None:
    """Return once Streamlit's runtime is up (or after ``timeout`` seconds)."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        time.sleep(0.02)
        # Read, not imported: the main thread may be importing it right now.
        runtime = getattr(sys.modules.get("streamlit.runtime.runtime"), "Runtime", None)
        if runtime is not None and runtime.exists() and runtime.instance().state.value != "INITIAL":
            return


def main(argv: list[str] | None = None) -> int:
    from trace import config

    config.prepare_process()
    threading.Thread(target=_preload, name="trace-preload", daemon=True).start()
    from streamlit.web import cli

    sys.argv = streamlit_argv(sys.argv[1:] if argv is None else argv)
    return cli.main()


def streamlit_argv(options: list[str]) -> list[str]:
    """``streamlit run`` of the app with the person's ``options``, on 127.0.0.1 unless
    they name another address."""
    asked = any(o == "--server.address" or o.startswith("--server.address=") for o in options)
    address = [] if asked else ["--server.address", LOOPBACK]
    return ["streamlit", "run", str(APP), *address, *options]


if __name__ == "__main__":
    sys.exit(main())

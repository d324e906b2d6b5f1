"""``python -m trace``: see :mod:`trace.cli`."""

from __future__ import annotations

import sys

from trace.cli import main

if __name__ == "__main__":
    sys.exit(main())

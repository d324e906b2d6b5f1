#!/usr/bin/env bash
# Set up (first time only) and start the TRACE dashboard on http://127.0.0.1:8501/
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."
bash scripts/setup.sh
exec .venv/bin/python -m trace.ui.serve "$@"

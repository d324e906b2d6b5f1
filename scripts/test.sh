#!/usr/bin/env bash
# Set up (first time only) and run the whole test suite: lint, unit, app and browser tests.
# Installs Debian's Chromium for the browser tests when it is missing.
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."
bash scripts/setup.sh dev

if ! command -v chromium >/dev/null 2>&1; then
  echo "Installing Chromium for the browser tests …"
  sudo_cmd=""
  [ "$(id -u)" -ne 0 ] && sudo_cmd="sudo"
  $sudo_cmd apt-get -o DPkg::Lock::Timeout=600 update -qq
  DEBIAN_FRONTEND=noninteractive $sudo_cmd apt-get -o DPkg::Lock::Timeout=600 install -y -qq --no-install-recommends chromium
fi

.venv/bin/ruff check trace app_pages tests bench streamlit_app.py
.venv/bin/ruff format --check trace app_pages tests bench streamlit_app.py
exec .venv/bin/python -m pytest "$@"

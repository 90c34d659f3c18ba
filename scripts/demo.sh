#!/usr/bin/env bash
# The main job: the demo (on the embedded emulator when no Cloudflare variable is set).
# Installs only what the demo needs, the package with its `all` extra, not the dev tools
# (scripts/test.sh installs those). Safe to run again.
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."
PYTHON="${PYTHON:-python3}"
if [ ! -x .venv/bin/python ]; then
  "$PYTHON" -c 'import sys; sys.exit(0 if sys.version_info >= (3, 11) else "Python >= 3.11 is required")'
  "$PYTHON" -m venv .venv
fi
.venv/bin/python -m pip install --quiet --disable-pip-version-check -e '.[all]'
exec .venv/bin/gpt54nano demo "$@"

#!/usr/bin/env bash
# The test command: set-up, lint, format check, types, import contracts, the whole test suite
# (notebooks included).
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."
bash scripts/setup.sh
export PATH="$PWD/.venv/bin:$PATH"
echo "== ruff check";        ruff check .
echo "== ruff format --check"; ruff format --check .
echo "== mypy";              mypy
echo "== import-linter";     lint-imports
echo "== pytest"
set +e
python -m pytest "$@"
rc=$?
set -e
if [ "$rc" -eq 5 ]; then
  echo "pytest collected no tests: that is a failure here" >&2
  exit 1
fi
exit "$rc"

#!/usr/bin/env bash
# The main job: set-up, then the demo (on the embedded emulator when no Cloudflare credentials are set).
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."
bash scripts/setup.sh
exec .venv/bin/gpt54nano demo "$@"

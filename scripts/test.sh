#!/usr/bin/env bash
# The test command: set up, then lint, type-check and run every test
# (the slow ones that start a real HAProxy or a real Ray Serve app included).
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/setup.sh
python3 -m ruff check .
python3 -m ruff format --check .
python3 -m mypy
python3 -m pytest -p no:cacheprovider "$@"

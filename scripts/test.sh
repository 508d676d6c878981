#!/usr/bin/env bash
# The whole check, as CI runs it: format, lint, types, dist freshness, every shipped config
# validates, Python and TypeScript tests (unit + integration on the local emulator). Stops at
# the first failure. Run through `npm test`, which sets the checkout up first (scripts/setup.sh)
# and exports MLOPS_TRAINING_PYTHON, the project's Python with torch and the dev tools.
set -euo pipefail
cd "$(dirname "$0")/.."
: "${MLOPS_TRAINING_PYTHON:?run through npm test (scripts/setup.sh sets the Python up)}"
py=$MLOPS_TRAINING_PYTHON
step() { printf '\n== %s\n' "$*"; }

step "format"; npx prettier --check . >/dev/null && echo "prettier: clean"
"$py" -m ruff format --check training emulator bench scripts
step "lint"; npx eslint . && echo "eslint: clean"
"$py" -m ruff check training emulator bench scripts
step "typecheck"; npx tsc -p . --noEmit && echo "tsc: clean"
(cd training && "$py" -m mypy . ../bench/training_throughput.py)
step "dist is fresh"; bash scripts/check-dist.sh
step "shipped configs validate"
for f in config/*.yaml; do node actions/dist/cli.js validate --config "$f"; done
step "python tests"; (cd training && "$py" -m pytest -q)
step "typescript tests"; npx vitest run

#!/usr/bin/env bash
# The whole check, as CI runs it: prerequisites, format, lint, types, dist freshness, every
# shipped config validates, TypeScript tests (unit + integration on the local emulator), and
# the Python training tests. Stops at the first failure.
set -euo pipefail
cd "$(dirname "$0")/.."
step() { printf '\n== %s\n' "$*"; }

step "prerequisites"; bash scripts/check-prereqs.sh
step "format"; npx prettier --check . >/dev/null && echo "prettier: clean"
python3 -m ruff format --check training emulator bench
step "lint"; npx eslint . && echo "eslint: clean"
python3 -m ruff check training emulator bench
step "typecheck"; npx tsc -p . --noEmit && echo "tsc: clean"
step "dist is fresh"; bash scripts/check-dist.sh
step "shipped configs validate"
for f in config/*.yaml; do node actions/dist/cli.js validate --config "$f"; done
step "python tests"; (cd training && /usr/bin/python3 -m pytest -q)
step "typescript tests"; npx vitest run

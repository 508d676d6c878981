#!/usr/bin/env bash
# Fails when the committed bundles differ from a fresh build (someone forgot `npm run build`).
set -euo pipefail
cd "$(dirname "$0")/.."
node scripts/build.mjs
if [ -n "$(git status --porcelain -- actions/dist lambda/dist)" ]; then
  echo "actions/dist or lambda/dist is stale: run 'npm run build' and commit the result." >&2
  git status --short -- actions/dist lambda/dist | head -20 >&2
  exit 1
fi
echo "dist is fresh"

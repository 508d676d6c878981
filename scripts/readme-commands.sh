#!/usr/bin/env bash
# Runs the README's two commands exactly as the README writes them (the first two lines of its
# first bash block) in a fresh clone of this repository's HEAD, with no node_modules and no .venv:
# what a new user does first. .ci/run is this script, so CI proves the README.
#
#   bash scripts/readme-commands.sh
#
# Machine-wide packages (Debian's, moto for python3) may already be there; everything the
# project keeps in its own folder is made anew. The clone is removed when both commands pass
# and kept, with its path printed, when one fails.
set -euo pipefail
source_repo=$(cd "$(dirname "$0")/.." && pwd)

mapfile -t commands < <(awk '/^```bash$/ { inside = 1; next } inside && /^```/ { exit } inside' \
  "$source_repo/README.md" | head -n 2)
[ "${#commands[@]}" -eq 2 ] || {
  echo "readme-commands: README.md must open with a bash block of two commands" >&2
  exit 1
}

clone=$(mktemp -d "${TMPDIR:-/tmp}/mlops-fresh-clone.XXXXXX")
git clone --quiet "$source_repo" "$clone"
echo "readme-commands: fresh clone of $(git -C "$clone" rev-parse --short HEAD) in $clone"

for command in "${commands[@]}"; do
  printf '\n== README: %s\n' "$command"
  started=$SECONDS
  if ! (cd "$clone" && bash -c "$command"); then
    echo "readme-commands: FAILED: $command (the clone is kept in $clone)" >&2
    exit 1
  fi
  echo "readme-commands: passed in $((SECONDS - started)) s: $command"
done
rm -rf "$clone"

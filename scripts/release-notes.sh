#!/usr/bin/env bash
# Release notes for vVERSION, on stdout: the commits since the previous vX.Y.Z tag reachable from
# REF (default HEAD), merges left out, newest first; how to use the actions at this release.
# Refuses (exit 1, reason on stderr) a VERSION that is not X.Y.Z, that differs from package.json's
# (`mlops init` pins the actions at v<major> of the CLI's own version, so they must agree), or
# whose tag exists already. Used by .github/workflows/release.yml.
#
#   bash scripts/release-notes.sh 1.2.0 [REF] > notes.md
set -euo pipefail

version=${1:?usage: release-notes.sh VERSION [REF]}
ref=${2:-HEAD}
fail() { echo "release-notes: $*" >&2; exit 1; }

[[ $version =~ ^[0-9]+\.[0-9]+\.[0-9]+$ ]] || fail "version \"$version\" is not X.Y.Z (no leading v)"
package=$(git show "$ref:package.json" | node -e 'let s="";process.stdin.on("data",d=>s+=d).on("end",()=>console.log(JSON.parse(s).version))')
[ "$package" = "$version" ] ||
  fail "package.json at $ref has version $package, not $version: bump it first"
if git rev-parse -q --verify "refs/tags/v$version" >/dev/null; then
  fail "tag v$version exists already"
fi

sha=$(git rev-parse --verify "$ref^{commit}")
previous=$(git describe --tags --abbrev=0 --match 'v[0-9]*.[0-9]*.[0-9]*' "$sha" 2>/dev/null || true)
if [ -n "$previous" ]; then
  range="$previous..$sha"
  echo "Changes since $previous:"
else
  range=$sha
  echo "First release. Changes:"
fi
echo
git log --no-merges --format='- %s (%h)' "$range"
echo
repo=${GITHUB_REPOSITORY:-OWNER/REPO}
cat <<NOTES
Use the actions at this release from another repository, pinned by commit (the tag in a comment):

    uses: $repo/actions/plan@$sha # v$version

or follow v${version%%.*}, which moves to every v${version%%.*}.x.y release: \`uses: $repo/actions/plan@v${version%%.*}\`.
NOTES

#!/usr/bin/env bash
# Compares schema.graphql with the one on the previous commit (graphql-inspector): prints every
# breaking, dangerous and safe change, and fails on a breaking one unless the commit message
# says `schema-break: <reason>`. Runs in the git repository of the current directory.
#
#   .ci/schema-diff.sh [BASE]    BASE defaults to $SCHEMA_DIFF_BASE or HEAD~1
#
# Needs `npm ci` in tests/e2e (graphql-inspector is pinned there).
set -euo pipefail
tools=$(cd "$(dirname "$0")/../tests/e2e" && pwd)
repo=$(git rev-parse --show-toplevel)
cd "$repo"
base=${1:-${SCHEMA_DIFF_BASE:-HEAD~1}}

if [ "$(git rev-parse --is-shallow-repository)" = true ] && ! git rev-parse -q --verify "$base^{commit}" >/dev/null; then
  echo "schema diff: skipped, $base is not in this shallow clone (fetch more history, e.g. git fetch --deepen=1)"
  exit 0
fi
if ! git rev-parse -q --verify "$base^{commit}" >/dev/null; then
  echo "schema diff: skipped, there is no $base (first commit)"
  exit 0
fi
if ! git cat-file -e "$base:schema.graphql" 2>/dev/null; then
  echo "schema diff: skipped, $base has no schema.graphql"
  exit 0
fi

tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
git show "$base:schema.graphql" >"$tmp/old.graphql"
echo "schema diff: $base ($(git rev-parse --short "$base")) -> working tree"
# The completion handler writes the counts; without it the CLI exits 1 on breaking changes and
# on its own errors alike.
if ! (cd "$tools" && SCHEMA_DIFF_SUMMARY="$tmp/summary" npx --no-install graphql-inspector diff \
  "$tmp/old.graphql" "$repo/schema.graphql" --onComplete "$tools/schema-diff-complete.cjs"); then
  echo "schema diff: graphql-inspector failed (see above)"
  exit 2
fi
if [ ! -s "$tmp/summary" ]; then
  echo "schema diff: no changes"
  exit 0
fi
read -r breaking dangerous safe <"$tmp/summary"
echo "schema diff: $breaking breaking, $dangerous dangerous, $safe safe"
if [ "$breaking" -eq 0 ]; then
  exit 0
fi
reason=$(git log -1 --format=%B | sed -n 's/.*schema-break:[[:space:]]*\([^[:space:]].*\)$/\1/p' | head -1)
if [ -n "$reason" ]; then
  echo "schema diff: breaking changes accepted by the commit message: schema-break: $reason"
  exit 0
fi
echo "schema diff: breaking changes; if they are intended, say why in the commit message: 'schema-break: <reason>'"
exit 1

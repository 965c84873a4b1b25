#!/bin/sh
# What a change moves in out/: renders a base revision (default origin/main) in a scratch worktree and
# the checkout as it is, and writes the difference of the two out/ trees (default render.diff).
#   npm run render:diff -- [<base revision>] [<diff file>]
# Exit 0 whether or not they differ; non-zero when either render fails.
set -eu
base="${1:-origin/main}"
root="$(cd "$(dirname "$0")/.." && pwd)"
case "${2:-render.diff}" in
  /*) diff_file="${2:-render.diff}" ;;
  *) diff_file="$(pwd)/${2:-render.diff}" ;;
esac
scratch="$(mktemp -d)"
cleanup() {
  git -C "$root" worktree remove --force "$scratch/base" >/dev/null 2>&1 || true
  rm -rf "$scratch"
}
trap cleanup EXIT

git -C "$root" worktree add --detach --quiet "$scratch/base" "$base"
(cd "$scratch/base" && npm ci --silent --no-audit --no-fund >/dev/null && npm run --silent render -- --out "$scratch/base-out" >/dev/null)
(cd "$root" && npm run --silent render -- --out "$scratch/change-out" >/dev/null)

# Paths relative to the two trees, so the diff reads base/<cluster>/… against change/<cluster>/….
mv "$scratch/base-out" "$scratch/base"-out-tree
mkdir "$scratch/cmp"
mv "$scratch/base-out-tree" "$scratch/cmp/base"
mv "$scratch/change-out" "$scratch/cmp/change"
status=0
(cd "$scratch/cmp" && diff -ru base change) >"$diff_file" || status=$?
if [ "$status" -gt 1 ]; then
  echo "render:diff: diff failed" >&2
  exit "$status"
fi
if [ "$status" -eq 0 ]; then
  echo "render:diff: the change moves nothing in out/ (against $base)"
else
  echo "render:diff: what the change moves in out/ against $base is in $diff_file"
fi

#!/bin/sh
# `npm run render`: straight into render's V8 start-up snapshot when it is newer than every source
# (one process, no launcher); otherwise the launcher picks the bundle, the compiled files or the sources.
root=$(cd "$(dirname "$0")/.." && pwd)
blob="$root/dist/cli/render.blob"
started="$root/dist/cli/render.build-started"
# V8 flags in NODE_OPTIONS would make the snapshot refuse to load; `--require <module>` is fine.
options_allow_snapshot=1
previous=""
set -f
for word in ${NODE_OPTIONS:-}; do
  case "$word:$previous" in
    --require:* | -r:* | *:--require | *:-r) ;;
    *) options_allow_snapshot=0 ;;
  esac
  previous=$word
done
set +f
if [ -f "$blob" ] && [ -f "$started" ] && [ "$blob" -nt "$started" ] && [ "$options_allow_snapshot" = 1 ] &&
  [ "${HOMELAB_RENDER_FROM_SOURCE:-}" != 1 ]; then
  # Anything the build reads that changed since it began makes the build stale.
  stale=$(find "$root/inventory" "$root/constructs" "$root/charts" "$root/stacks" "$root/cli" "$root/vendor" \
    "$root/scripts" "$root/pins.ts" "$root/package.json" "$root/package-lock.json" "$root/tsconfig.json" \
    "$root/tsconfig.build.json" -newer "$started" -type f -print 2>/dev/null | head -n 1)
  if [ -z "$stale" ]; then
    worker="$root/dist/cli/render-apps-worker.bundle.js"
    HOMELAB_RENDER_SNAPSHOT="$blob" HOMELAB_RENDER_APPS_WORKER="$worker" node --snapshot-blob "$blob" -- "$@"
    status=$?
    # 14: the snapshot cannot load (made by another Node.js; Node says so); the launcher then takes the bundle.
    [ "$status" -ne 14 ] && exit "$status"
    export HOMELAB_RENDER_SNAPSHOT_REFUSED=1
  fi
fi
exec node "$root/cli/launch-render.mjs" "$@"

#!/bin/sh
# `npm run render`: straight into render's V8 start-up snapshot when it is newer than every source
# (one process, no launcher); otherwise the launcher picks the bundle, the compiled files or the sources.
root=$(cd "$(dirname "$0")/.." && pwd)
blob="$root/dist/cli/render.blob"
if [ -f "$blob" ] && [ "${HOMELAB_RENDER_FROM_SOURCE:-}" != 1 ]; then
  stale=$(find "$root/inventory" "$root/constructs" "$root/charts" "$root/stacks" "$root/cli" "$root/vendor" \
    "$root/pins.ts" "$root/package.json" \( -name '*.ts' -o -name '*.json' -o -name '*.mjs' -o -name '*.sh' \) \
    -newer "$blob" -print 2>/dev/null | head -n 1)
  if [ -z "$stale" ]; then
    worker="$root/dist/cli/render-apps-worker.bundle.js"
    HOMELAB_RENDER_SNAPSHOT="$blob" HOMELAB_RENDER_APPS_WORKER="$worker" node --snapshot-blob "$blob" -- "$@"
    status=$?
    # 14: the snapshot cannot load — made by another Node.js, or V8 flags in NODE_OPTIONS (Node says
    # which); the launcher then takes the bundle.
    [ "$status" -ne 14 ] && exit "$status"
    export HOMELAB_RENDER_SNAPSHOT_REFUSED=1
  fi
fi
exec node "$root/cli/launch-render.mjs" "$@"

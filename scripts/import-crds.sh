#!/usr/bin/env bash
# Regenerates constructs/imports/ (cdk8s types for the custom resources) from the upstream CRDs in
# vendor/schemas/crds (see vendor/README.md), offline.
set -euo pipefail

repo_root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
crds_dir="$repo_root/vendor/schemas/crds"
imports_dir="$repo_root/constructs/imports"

if [[ ! -d "$crds_dir" ]]; then
  echo "import-crds: no CRDs at $crds_dir (vendor/ is incomplete: run npm run vendor)" >&2
  exit 1
fi

bundle_dir="$(mktemp -d)"
trap 'rm -rf "$bundle_dir"' EXIT

# The CRD sets whose kinds the constructs create; the tests validate against every set regardless.
used_crd_sets=("$crds_dir"/metallb-* "$crds_dir"/cert-manager-* "$crds_dir"/gateway-api-* "$crds_dir"/envoy-gateway-* "$crds_dir"/argo-cd-* "$crds_dir"/tuppr-*)

# The CRD sets no chart installs, which the constructs apply themselves: each also becomes a module of
# the CRDs as data, <group>.crds.ts (a TypeScript module, so that the packed library carries it).
applied_crd_sets=("$crds_dir"/tuppr-*)

# cdk8s import writes one module per API group of each input and overwrites it on the next input, so
# all CRDs go in as one multi-document bundle: every group's module then holds all of its kinds.
find "${used_crd_sets[@]}" -type f \( -name '*.yaml' -o -name '*.yml' \) -print0 |
  LC_ALL=C sort -z |
  while IFS= read -r -d '' crd_file; do
    printf -- '---\n'
    cat "$crd_file"
    printf '\n'
  done >"$bundle_dir/crds.yaml"

# The folder is generated whole, so a group whose CRDs were removed must not linger.
rm -rf "$imports_dir"
cd "$repo_root"
node_modules/.bin/cdk8s import "$bundle_dir/crds.yaml" \
  --language typescript \
  --output "$imports_dir" \
  --no-save \
  --no-check-upgrade

for crd_set in "${applied_crd_sets[@]}"; do
  node scripts/crd-module.mjs "$crd_set" "$imports_dir"
done

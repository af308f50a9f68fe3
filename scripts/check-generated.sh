#!/usr/bin/env bash
# Fails when `make proto` would change anything: generated code must come from the
# committed .proto files, never be edited by hand, never be stale.
set -euo pipefail
cd "$(dirname "$0")/.."
GENERATED=(sdk/src/gen proto/k8ts)
snapshot() { find "${GENERATED[@]}" -type f -print0 2>/dev/null | sort -z | xargs -0 sha256sum; }
before=$(snapshot)
bash proto/scripts/generate.sh >/dev/null
after=$(snapshot)
if [ "$before" != "$after" ]; then
  echo "generated code is stale: these files change when regenerated (run 'make proto' and commit):"
  diff <(echo "$before") <(echo "$after") | grep '^[<>]' | awk '{print "  " $3}' | sort -u
  exit 1
fi
echo "generated code matches the .proto files"

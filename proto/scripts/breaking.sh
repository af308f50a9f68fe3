#!/usr/bin/env bash
# Checks the API contract for breaking changes (buf's FILE rules) against the main
# branch. Run from the repository root. Succeeds, saying so, while main has no proto/
# directory yet (nothing to break).
set -euo pipefail

if [[ ! -f proto/buf.yaml ]]; then
  echo "breaking.sh: run from the repository root" >&2
  exit 1
fi
export PATH="$PWD/node_modules/.bin:$PATH"

against="${BUF_BREAKING_AGAINST:-main}"
if ! git rev-parse --verify --quiet "refs/heads/$against^{commit}" >/dev/null; then
  echo "breaking.sh: branch $against does not exist yet; nothing to compare against"
  exit 0
fi
if ! git cat-file -e "$against:proto/buf.yaml" 2>/dev/null; then
  echo "breaking.sh: $against has no proto/buf.yaml yet; nothing to compare against"
  exit 0
fi

buf breaking proto --against ".git#branch=$against,subdir=proto"
echo "breaking.sh: no breaking changes against $against"

#!/usr/bin/env bash
# timed.sh NAME CMD...: runs CMD, then prints how long the step took (per-step timings
# for `make test`), keeping CMD's exit status.
set -uo pipefail
name="$1"; shift
start=$(date +%s%3N)
echo "==> $name"
"$@"
rc=$?
ms=$(( $(date +%s%3N) - start ))
status=ok; [ "$rc" -eq 0 ] || status="FAILED (exit $rc)"
printf '<== %s: %s in %d.%01ds\n' "$name" "$status" $((ms / 1000)) $(((ms % 1000) / 100))
exit "$rc"

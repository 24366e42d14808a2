#!/usr/bin/env bash
# Runs every benchmark program in build/release/bench (or those named as arguments) and keeps
# their output in build/bench-results/. Each program prints its own comparison and ratios.
set -euo pipefail
cd "$(dirname "$0")/.."
out=build/bench-results
mkdir -p "$out"
if [ $# -gt 0 ]; then progs=("$@"); else
  mapfile -t progs < <(find build/release/bench -maxdepth 1 -type f -executable -printf '%f\n' | sort)
fi
status=0
for p in "${progs[@]}"; do
  echo "=== $p ==="
  if ! "build/release/bench/$p" 2>&1 | tee "$out/$p.txt"; then status=1; fi
done
exit $status

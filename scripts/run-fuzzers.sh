#!/usr/bin/env bash
# Runs every libFuzzer target in build/fuzz/fuzz for N seconds (default 60) each, starting from
# the seed corpus in fuzz/corpus/<name>/ and keeping new inputs in fuzz/corpus-generated/<name>/.
# A crash stops the run and leaves the reproducer in build/fuzz/crashes/: add it to the seed corpus.
set -euo pipefail
cd "$(dirname "$0")/.."
seconds=${1:-60}
mkdir -p build/fuzz/crashes
for bin in build/fuzz/fuzz/fuzz_*; do
  name=$(basename "$bin"); name=${name#fuzz_}
  mkdir -p "fuzz/corpus-generated/$name"
  echo "=== fuzz $name for ${seconds}s ==="
  "$bin" -max_total_time="$seconds" -rss_limit_mb=2048 -timeout=10 \
    -artifact_prefix="build/fuzz/crashes/${name}-" "fuzz/corpus-generated/$name" "fuzz/corpus/$name"
done

#!/usr/bin/env bash
# Topology and collectives benchmark: building a 1,000-node x 8-GPU rail-optimized fabric (2:1),
# routing random GPU pairs on it, the routed collective model at fleet scale (a data-parallel
# all-reduce over 1,000 nodes, eight groups at once), and the SimGrid flow-level fidelity against
# the analytic model on 4 nodes. Medians of REPEAT runs of build/collectives_bench; writes RESULTS.
#
#   validation/benchmarks/collectives.sh [BUILD_DIR] [RESULTS]
set -euo pipefail
cd "$(dirname "$0")/../.."
BUILD_DIR=${1:-build}
RESULTS=${2:-validation/benchmarks/collectives_results.md}
REPEAT=${REPEAT:-5}
NODES=${NODES:-1000}
BENCH="$BUILD_DIR/collectives_bench"
[ -x "$BENCH" ] || cmake --build "$BUILD_DIR" --target collectives_bench >/dev/null
WORK=$(mktemp -d)
trap 'rm -rf "$WORK"' EXIT

. validation/benchmarks/lib.sh

for i in $(seq "$REPEAT"); do "$BENCH" "$NODES" > "$WORK/run$i.txt"; done

{
  echo "# Topology and collectives benchmark"
  echo
  echo "- date: $(date -u +%Y-%m-%dT%H:%MZ)"
  echo "- machine: $(machine_description)"
  echo "- kubetwin: $(git rev-parse --short HEAD 2>/dev/null || echo unknown), build $BUILD_DIR ($(grep -m1 CMAKE_BUILD_TYPE "$BUILD_DIR/CMakeCache.txt" | cut -d= -f2))"
  echo "- command: \`validation/benchmarks/collectives.sh $BUILD_DIR\` (REPEAT=$REPEAT, NODES=$NODES), i.e. \`$BENCH $NODES\`"
  echo "- fabric: $(grep -m1 '^vertices' "$WORK/run1.txt")"
  echo
  echo "| measurement | median | min..max | note |"
  echo "|---|---|---|---|"
  for key in $(awk '$1 != "vertices" {print $1}' "$WORK/run1.txt"); do
    values=$(cat "$WORK"/run*.txt | awk -v k="$key" '$1 == k {print $2}')
    med=$(echo "$values" | median)
    lo=$(echo "$values" | sort -g | head -1)
    hi=$(echo "$values" | sort -g | tail -1)
    note=$(awk -v k="$key" '$1 == k {$1=""; $2=""; sub(/^ +/, ""); print}' "$WORK/run1.txt")
    unit=s
    case "$key" in *_us) unit=us ;; esac
    echo "| \`$key\` | $med $unit | $lo..$hi | $note |"
  done
} > "$RESULTS"
cat "$RESULTS"

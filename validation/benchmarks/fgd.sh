#!/usr/bin/env bash
# FGD/openb experiment benchmark (issue 3's targets: one run under 1 s and 100 MiB; the full grid
# of 6 policies x 17 traces x 10 seeds under 15 minutes on 2 cores). Writes RESULTS with the
# command and the machine; the full grid's table also lands in docs/fgd-experiment-results.md.
#
#   validation/benchmarks/fgd.sh [BUILD_DIR] [TRACES_DIR] [RESULTS]
#
# Needs /usr/bin/time (Debian package "time").
set -euo pipefail
cd "$(dirname "$0")/../.."
BUILD_DIR=${1:-build}
TRACES=${2:-../shared/traces/openb}
RESULTS=${3:-validation/benchmarks/fgd_results.md}
REPEAT=${REPEAT:-5}
KUBETWIN="$BUILD_DIR/kubetwin"
WORK=$(mktemp -d)
trap 'rm -rf "$WORK"' EXIT

. validation/benchmarks/lib.sh
wall_of() { awk -F': ' '/Elapsed \(wall clock\)/ {n=split($2,p,":"); s=0; for(i=1;i<=n;i++) s=s*60+p[i]; print s}' "$1"; }
rss_of() { awk -F': ' '/Maximum resident set size/ {printf "%.1f\n", $2/1024}' "$1"; }

{
  echo "# FGD/openb experiment benchmark"
  echo
  echo "- date: $(date -u +%Y-%m-%dT%H:%MZ)"
  echo "- machine: $(machine_description)"
  echo "- kubetwin: $(git rev-parse --short HEAD 2>/dev/null || echo unknown), build $BUILD_DIR ($(grep -m1 CMAKE_BUILD_TYPE "$BUILD_DIR/CMakeCache.txt" | cut -d= -f2))"
  echo "- command: \`validation/benchmarks/fgd.sh $BUILD_DIR $TRACES\` (REPEAT=$REPEAT)"
  echo
  echo "## One run (trace default, seed 42): medians of $REPEAT runs of"
  echo "\`/usr/bin/time -v kubetwin experiment fgd --nodes openb_node_list_gpu_node.csv --pods openb_pod_list_default.csv --policy P --seed 42 --out DIR\`"
  echo
  echo "| policy | wall s (median) | min..max | peak RSS MiB | GPU allocation at arrived 100 % |"
  echo "|---|---|---|---|---|"
} > "$WORK/results.md"

for policy in FGD BestFit DotProd GpuPacking GpuClustering Random; do
  : > "$WORK/wall"; : > "$WORK/rss"
  for i in $(seq "$REPEAT"); do
    /usr/bin/time -v "$KUBETWIN" experiment fgd --nodes "$TRACES/openb_node_list_gpu_node.csv" \
      --pods "$TRACES/openb_pod_list_default.csv" --policy "$policy" --seed 42 --out "$WORK/run" > /dev/null 2> "$WORK/time.txt"
    wall_of "$WORK/time.txt" >> "$WORK/wall"; rss_of "$WORK/time.txt" >> "$WORK/rss"
  done
  alloc=$(grep -o '"allocPctAt100": [0-9.]*' "$WORK/run/summary.json" | grep -o '[0-9.]*$')
  echo "| $policy | $(median < "$WORK/wall") | $(sort -g "$WORK/wall" | head -1)..$(sort -g "$WORK/wall" | tail -1) | $(median < "$WORK/rss") | $(printf '%.2f' "$alloc") % |" >> "$WORK/results.md"
done

/usr/bin/time -v "$KUBETWIN" experiment fgd --grid --traces "$TRACES" --policies all --seeds 42-51 --out "$WORK/grid" --quiet 2> "$WORK/time.txt"
{
  echo
  echo "## Full grid: 6 policies x 17 traces x 10 seeds = 1,020 runs, from scratch"
  echo "\`/usr/bin/time -v kubetwin experiment fgd --grid --traces $TRACES --policies all --seeds 42-51 --out DIR\` (all cores)"
  echo
  echo "- wall: $(wall_of "$WORK/time.txt") s; peak RSS $(rss_of "$WORK/time.txt") MiB"
  echo
  cat "$WORK/grid/table.md"
} >> "$WORK/results.md"
cp "$WORK/results.md" "$RESULTS"
cat "$RESULTS"

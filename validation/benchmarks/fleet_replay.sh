#!/usr/bin/env bash
# Fleet-scale replay benchmark: 1,000 nodes x 8 GPUs, 100,000 jobs (issue 2's target: under 10 s
# and under 1 GiB on a 2-core machine). Generates the study, runs it REPEAT times at each offered
# load, and writes the medians with the command and the machine to RESULTS.
#
#   validation/benchmarks/fleet_replay.sh [BUILD_DIR] [RESULTS]
#
# Needs /usr/bin/time (Debian package "time") for peak memory.
set -euo pipefail
cd "$(dirname "$0")/../.."
BUILD_DIR=${1:-build}
RESULTS=${2:-validation/benchmarks/fleet_replay_results.md}
REPEAT=${REPEAT:-5}
LOADS=${LOADS:-"0.8 2.5"}
KUBETWIN="$BUILD_DIR/kubetwin"
WORK=$(mktemp -d)
trap 'rm -rf "$WORK"' EXIT

. validation/benchmarks/lib.sh

{
  echo "# Fleet replay benchmark"
  echo
  echo "- date: $(date -u +%Y-%m-%dT%H:%MZ)"
  echo "- machine: $(machine_description)"
  echo "- kubetwin: $(git rev-parse --short HEAD 2>/dev/null || echo unknown), build $BUILD_DIR ($(grep -m1 CMAKE_BUILD_TYPE "$BUILD_DIR/CMakeCache.txt" | cut -d= -f2))"
  echo "- command: \`validation/benchmarks/fleet_replay.sh $BUILD_DIR\` (REPEAT=$REPEAT), i.e. for each load L:"
  echo "  \`kubetwin generate --nodes 1000 --gpus-per-node 8 --jobs 100000 --load L --seed 1 --out DIR\`"
  echo "  then \`/usr/bin/time -v kubetwin run DIR/scenario.json --out DIR/results --quiet\`"
  echo "- medians of $REPEAT runs; wall time is the whole process (trace parsing and output writing included)"
  echo
  echo "| offered load | jobs | events | wall s (median) | min..max | events/s | peak RSS MiB (median) | mean queueing s |"
  echo "|---|---|---|---|---|---|---|---|"
} > "$WORK/results.md"

for load in $LOADS; do
  study="$WORK/load-$load"
  "$KUBETWIN" generate --nodes 1000 --gpus-per-node 8 --jobs 100000 --load "$load" --seed 1 --out "$study" >/dev/null
  : > "$WORK/wall" ; : > "$WORK/rss"
  for i in $(seq "$REPEAT"); do
    /usr/bin/time -v "$KUBETWIN" run "$study/scenario.json" --out "$study/results" --quiet 2> "$WORK/time.txt"
    awk -F': ' '/Elapsed \(wall clock\)/ {n=split($2,p,":"); s=0; for(i=1;i<=n;i++) s=s*60+p[i]; print s}' "$WORK/time.txt" >> "$WORK/wall"
    awk -F': ' '/Maximum resident set size/ {printf "%.1f\n", $2/1024}' "$WORK/time.txt" >> "$WORK/rss"
  done
  events=$(grep -o '"eventsProcessed": [0-9]*' "$study/results/summary.json" | grep -o '[0-9]*$')
  queueing=$(awk '/"queueingDelay"/ {f=1} f && /"mean"/ {gsub(/[ ,]/,""); split($0,a,":"); print a[2]; exit}' "$study/results/summary.json")
  wall=$(median < "$WORK/wall")
  echo "| $load | 100000 | $events | $wall | $(sort -g "$WORK/wall" | head -1)..$(sort -g "$WORK/wall" | tail -1) | $(awk -v e="$events" -v w="$wall" 'BEGIN {printf "%.0f", e/w}') | $(median < "$WORK/rss") | $(printf '%.0f' "$queueing") |" >> "$WORK/results.md"
  echo "load $load: wall median $wall s" >&2
done
cp "$WORK/results.md" "$RESULTS"
cat "$RESULTS"

#!/usr/bin/env bash
# Placement-dependent run times at fleet scale (issue 5's target: under 30 s): 20,000 training jobs
# of 1 to 64 full nodes with perf profiles on 1,000 nodes x 8 H100, rail-optimized fabric with 2:1
# leaf uplinks. Generates the study, runs it REPEAT times, writes the median with the command and
# the machine to RESULTS.
#
#   validation/benchmarks/placement_runtime.sh [BUILD_DIR] [RESULTS]
set -euo pipefail
cd "$(dirname "$0")/../.."
BUILD_DIR=${1:-build}
RESULTS=${2:-validation/benchmarks/placement_runtime_results.md}
REPEAT=${REPEAT:-3}
KUBETWIN="$BUILD_DIR/kubetwin"
WORK=$(mktemp -d)
trap 'rm -rf "$WORK"' EXIT

. validation/benchmarks/lib.sh

"$KUBETWIN" generate --nodes 1000 --gpus-per-node 8 --jobs 20000 --seed 1 --perf --fabric railOptimized \
  --oversubscription 2:1 --out "$WORK/study" >/dev/null
: > "$WORK/wall"; : > "$WORK/user"
for i in $(seq "$REPEAT"); do
  /usr/bin/time -f "%e %U" -o "$WORK/t" "$KUBETWIN" run "$WORK/study/scenario.json" --out "$WORK/study/results" --quiet
  read -r wall user < "$WORK/t"
  echo "$wall" >> "$WORK/wall"; echo "$user" >> "$WORK/user"
done
summary="$WORK/study/results/summary.json"
field() { python3 -c "import json,sys; d=json.load(open('$summary')); print(eval(sys.argv[1]))" "$1"; }
{
  echo "# Placement-dependent run times benchmark"
  echo
  echo "- date: $(date -u +%Y-%m-%dT%H:%MZ)"
  echo "- machine: $(nproc) cores, $(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2 | sed 's/^ //'), load average $(cut -d' ' -f1-3 /proc/loadavg)"
  echo "- kubetwin: $(git rev-parse --short HEAD 2>/dev/null || echo unknown), build $BUILD_DIR"
  echo "- command: \`validation/benchmarks/placement_runtime.sh $BUILD_DIR\` (REPEAT=$REPEAT), i.e."
  echo "  \`kubetwin generate --nodes 1000 --gpus-per-node 8 --jobs 20000 --seed 1 --perf --fabric railOptimized --oversubscription 2:1 --out DIR\`"
  echo "  then \`kubetwin run DIR/scenario.json --out DIR/results --quiet\`"
  echo
  echo "| jobs completed | step evaluations | rate changes | contention recomputations | wall s (median of $REPEAT) | user s (median) |"
  echo "|---|---|---|---|---|---|"
  echo "| $(field "d['jobs']['completed']") | $(field "d['fabric']['stepEvaluations']") | $(field "d['fabric']['rateChanges']") | $(field "d['fabric']['contentionRecomputations']") | $(median < "$WORK/wall") | $(median < "$WORK/user") |"
} > "$RESULTS"
cat "$RESULTS"

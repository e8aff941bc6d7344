#!/usr/bin/env bash
# Scheduling throughput: 5,000 nodes, 50,000 pods, the default scheduler settings (issue 3's
# floor: 50,000 pods/s of wall time; kube-scheduler's own CI floor for this case is 810 pods/s).
#
#   validation/benchmarks/scheduling_throughput.sh [BUILD_DIR] [RESULTS]
set -euo pipefail
cd "$(dirname "$0")/../.."
BUILD_DIR=${1:-build}
RESULTS=${2:-validation/benchmarks/scheduling_throughput_results.md}
REPEAT=${REPEAT:-5}
SCENARIO=validation/benchmarks/scheduling_throughput.json
WORK=$(mktemp -d)
trap 'rm -rf "$WORK"' EXIT
: > "$WORK/wall"
: > "$WORK/cpu"
load=$(cut -d' ' -f1-3 /proc/loadavg)
for i in $(seq "$REPEAT"); do
  TIMEFORMAT='%U %S'
  { time "$BUILD_DIR/kubetwin" run "$SCENARIO" --out "$WORK/out" --quiet; } 2> "$WORK/time"
  grep -o '"wallSeconds": [0-9.e-]*' "$WORK/out/summary.json" | grep -o '[0-9.e-]*$' >> "$WORK/wall"
  awk '{printf "%.2f\n", $1 + $2}' "$WORK/time" >> "$WORK/cpu"
done
bound=$(grep -c '"type":"Scheduled"' "$WORK/out/events.jsonl")
. validation/benchmarks/lib.sh
median=$(median < "$WORK/wall")
cpu=$(median < "$WORK/cpu")
cat > "$RESULTS" <<MD
# Scheduling throughput benchmark

- date: $(date -u +%Y-%m-%dT%H:%MZ)
- machine: $(machine_description)
- kubetwin: $(git rev-parse --short HEAD 2>/dev/null || echo unknown), build $BUILD_DIR
- command: \`validation/benchmarks/scheduling_throughput.sh $BUILD_DIR\` (REPEAT=$REPEAT), i.e. \`kubetwin run $SCENARIO --quiet\`
- scenario: 5,000 nodes, 50,000 single-pod jobs arriving at once; default scheduler settings (BestEffortFIFO,
  NodeResourcesFit LeastAllocated on cpu and memory, adaptive percentageOfNodesToScore = 10 % at 5,000 nodes)
- wall seconds of the whole process's run (generation, scheduling, event log, outputs), $REPEAT runs: $(sort -g "$WORK/wall" | tr '\n' ' ')
- CPU seconds (user + sys of the process), $REPEAT runs: $(sort -g "$WORK/cpu" | tr '\n' ' ')
- load average (1, 5, 15 min) before the runs: $load. The machine is shared: when the load is above its
  core count, wall time measures the neighbours, and pods per CPU second is the figure to compare

| pods bound | wall s (median) | pods/s of wall time | CPU s (median) | pods per CPU second |
|---|---|---|---|---|
| $bound | $median | $(awk -v b="$bound" -v w="$median" 'BEGIN {printf "%.0f", b/w}') | $cpu | $(awk -v b="$bound" -v w="$cpu" 'BEGIN {printf "%.0f", b/w}') |
MD
cat "$RESULTS"

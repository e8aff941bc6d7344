#!/usr/bin/env bash
# Kueue-style admission load: 1,000 ClusterQueues (cohorts of 10, 8 GPUs of nominal quota each) and
# 50,000 workloads arriving over 30 minutes on 1,000 eight-GPU nodes; every workload is queued,
# admitted, scheduled, run and completed in virtual time (issue 4's target: under 10 s). Runs each
# variant REPEAT times and writes the medians with the command and the machine to RESULTS. The
# machine is shared, so CPU time (user + sys of the process) is reported beside wall time, and the
# load average before each row.
#
#   validation/benchmarks/kueue_admission.sh [BUILD_DIR] [RESULTS]
set -euo pipefail
cd "$(dirname "$0")/../.."
BUILD_DIR=${1:-build}
RESULTS=${2:-validation/benchmarks/kueue_admission_results.md}
REPEAT=${REPEAT:-5}
BENCH="$BUILD_DIR/kueue_admission_bench"
WORK=$(mktemp -d)
trap 'rm -rf "$WORK"' EXIT

. validation/benchmarks/lib.sh
field() { grep -o "\"$1\": [^,}]*" | head -1 | sed 's/.*: //; s/"//g'; }

{
  echo "# Kueue-style admission benchmark"
  echo
  echo "- date: $(date -u +%Y-%m-%dT%H:%MZ)"
  echo "- machine: $(machine_description)"
  echo "- kubetwin: $(git rev-parse --short HEAD 2>/dev/null || echo unknown) plus working tree, build $BUILD_DIR ($(grep -m1 CMAKE_BUILD_TYPE "$BUILD_DIR/CMakeCache.txt" | cut -d= -f2))"
  echo "- command: \`validation/benchmarks/kueue_admission.sh $BUILD_DIR\` (REPEAT=$REPEAT), i.e."
  echo "  \`$BENCH --queues 1000 --cohort-size 10 --workloads 50000 [FLAGS]\` for each row's flags"
  echo "- wall time is the whole simulation (queues, admission cycles, scheduling, runs), as the bench measures it;"
  echo "  CPU s is user + sys of the whole process; medians of $REPEAT runs; load is the 1-minute load average before the row"
  echo
  echo "| flags | workloads | admission cycles | admissions | preemptions | simulated s | wall s (median) | min..max | CPU s (median) | load | fingerprint |"
  echo "|---|---|---|---|---|---|---|---|---|---|---|"
} > "$WORK/results.md"

for flags in "" "--preemption" "--fair-sharing --preemption" "--strict"; do
  : > "$WORK/wall"
  : > "$WORK/cpu"
  load=$(cut -d' ' -f1 /proc/loadavg)
  for i in $(seq "$REPEAT"); do
    TIMEFORMAT='%U %S'
    { time "$BENCH" --queues 1000 --cohort-size 10 --workloads 50000 $flags > "$WORK/out.json"; } 2> "$WORK/time"
    field wallSeconds < "$WORK/out.json" >> "$WORK/wall"
    awk '{printf "%.2f\n", $1 + $2}' "$WORK/time" >> "$WORK/cpu"
  done
  out=$(cat "$WORK/out.json")
  wall=$(median < "$WORK/wall")
  echo "| \`${flags:-(none)}\` | $(echo "$out" | field completed) | $(echo "$out" | field cycles) | $(echo "$out" | field admissions) | $(echo "$out" | field preemptions) | $(echo "$out" | field simulatedSeconds) | $wall | $(sort -g "$WORK/wall" | head -1)..$(sort -g "$WORK/wall" | tail -1) | $(median < "$WORK/cpu") | $load | $(echo "$out" | field fingerprint) |" >> "$WORK/results.md"
  echo "flags '${flags}': wall median $wall s, CPU median $(median < "$WORK/cpu") s" >&2
done
cp "$WORK/results.md" "$RESULTS"
cat "$RESULTS"

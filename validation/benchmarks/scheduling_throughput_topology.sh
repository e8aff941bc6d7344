#!/usr/bin/env bash
# Scheduling throughput with the TopologyAware plugin: the 5,000-node benchmark on a labelled
# fabric, single-pod jobs and gangs, each with and without the plugin (the same cluster and
# workload), so the plugin's cost is the difference. The default-profile result file
# (scheduling_throughput_results.md) is not touched.
#
#   validation/benchmarks/scheduling_throughput_topology.sh [BUILD_DIR] [RESULTS]
set -euo pipefail
cd "$(dirname "$0")/../.."
. validation/benchmarks/lib.sh
BUILD_DIR=${1:-build}
RESULTS=${2:-validation/benchmarks/scheduling_throughput_topology_results.md}
REPEAT=${REPEAT:-5}
SCENARIO=validation/benchmarks/scheduling_throughput_topology.json
WORK=$(mktemp -d)
trap 'rm -rf "$WORK"' EXIT

# Gangs: 2,000 jobs of 16 to 128 GPUs (1 to 8 pods of 16 GPUs, minMember = all), about 85 % of the GPUs.
GANGS=(--set /workload/synthetic/jobs=2000 --set '/workload/synthetic/jobSize/gpus=[16,32,64,128]'
       --set '/workload/synthetic/jobSize/weights=[8,4,2,1]')
WITHOUT=(--set '/scheduler/profiles/0/plugins={}')

# run NAME ARGS...: REPEAT runs; prints "| NAME | pods bound | median wall s | pods/s | runs |".
run() {
  local name=$1
  shift
  : > "$WORK/wall"
  for _ in $(seq "$REPEAT"); do
    "$BUILD_DIR/kubetwin" run "$SCENARIO" --out "$WORK/out" --quiet "$@"
    grep -o '"wallSeconds": [0-9.e-]*' "$WORK/out/summary.json" | grep -o '[0-9.e-]*$' >> "$WORK/wall"
  done
  local bound median
  bound=$(grep -c '"type":"Scheduled"' "$WORK/out/events.jsonl")
  median=$(sort -g "$WORK/wall" | awk '{a[NR]=$1} END {print (NR%2 ? a[(NR+1)/2] : (a[NR/2]+a[NR/2+1])/2)}')
  echo "| $name | $bound | $median | $(awk -v b="$bound" -v w="$median" 'BEGIN {printf "%.0f", b/w}') | $(sort -g "$WORK/wall" | tr '\n' ' ')|"
}

rows=$(
  run "single-pod jobs, TopologyAware" 
  run "single-pod jobs, default profile" "${WITHOUT[@]}"
  run "gangs, TopologyAware" "${GANGS[@]}"
  run "gangs, default profile" "${GANGS[@]}" "${WITHOUT[@]}"
)
cat > "$RESULTS" <<MD
# Scheduling throughput with TopologyAware

- date: $(date -u +%Y-%m-%dT%H:%MZ)
- machine: $(machine_description)
- load average (1, 5, 15 min) when written: $(cut -d' ' -f1-3 /proc/loadavg) (a shared machine: compare rows of one file only)
- kubetwin: $(git rev-parse --short HEAD 2>/dev/null || echo unknown), build $BUILD_DIR
- command: \`validation/benchmarks/scheduling_throughput_topology.sh $BUILD_DIR\` (REPEAT=$REPEAT), i.e. \`kubetwin run $SCENARIO --quiet\`
  with \`${GANGS[*]}\` for gangs and \`${WITHOUT[*]}\` for the default profile
- scenario: 5,000 nodes of 16 GPUs in NVLink domains of 8 nodes (625 node pools), 4 per leaf, 8 leaves per block;
  single-pod jobs: 50,000 one-GPU pods arriving at once (as scheduling_throughput.sh); gangs: 2,000 jobs of
  1 to 8 sixteen-GPU pods arriving at once; nothing finishes during the measurement
- wall seconds of the whole process's run (generation, scheduling, event log, outputs); throughput = pods bound / median

| case | pods bound | wall s (median) | pods/s | runs (s) |
|---|---|---|---|---|
$rows
MD
cat "$RESULTS"

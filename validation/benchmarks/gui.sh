#!/usr/bin/env bash
# Visualizer benchmark (issue 7's targets: a recorded run of 100,000 jobs loads in under 3 s; the
# cluster view of 10,000 GPUs animates at 30 frames/s or more). Generates a 1,250-node x 8-GPU
# study with 100,000 jobs, runs it once, then times `kubetwin-gui RUN --benchmark FRAMES` (load:
# reading the run folder and opening it in the window; frame: moving the time forward by
# 1/FRAMES of the run and painting the cluster view) REPEAT times, offscreen, and writes the
# medians with the command and the machine to RESULTS. Then the fabric view: a 1,024-node
# rail-optimized fabric (32 spine blocks, 256 leaves) running 32 staggered copies of the
# fabric-training trace (1,152 perf jobs), timed with `--benchmark FRAMES --view fabric`.
#
#   validation/benchmarks/gui.sh [BUILD_DIR] [RESULTS]
set -euo pipefail
cd "$(dirname "$0")/../.."
BUILD_DIR=${1:-build}
RESULTS=${2:-validation/benchmarks/gui_results.md}
REPEAT=${REPEAT:-5}
FRAMES=${FRAMES:-300}
KUBETWIN="$BUILD_DIR/kubetwin"
GUI="$BUILD_DIR/kubetwin-gui"
WORK=$(mktemp -d)
trap 'rm -rf "$WORK"' EXIT
export QT_QPA_PLATFORM=offscreen

. validation/benchmarks/lib.sh
field() { grep -o "\"$1\": [0-9.]*" | grep -o '[0-9.]*$'; }

"$KUBETWIN" generate --nodes 1250 --gpus-per-node 8 --jobs 100000 --load 0.8 --seed 1 --out "$WORK/study" >/dev/null
"$KUBETWIN" run "$WORK/study/scenario.json" --out "$WORK/run" --quiet
events=$(wc -l < "$WORK/run/events.jsonl")
mib=$(du -m "$WORK/run/events.jsonl" | cut -f1)
: > "$WORK/load"; : > "$WORK/frame"; : > "$WORK/p95"
for i in $(seq "$REPEAT"); do
  out=$("$GUI" "$WORK/run" --benchmark "$FRAMES" --size 1600x1000)
  echo "$out" >&2
  echo "$out" | field loadSeconds >> "$WORK/load"
  echo "$out" | field frameMsMedian >> "$WORK/frame"
  echo "$out" | field frameMsP95 >> "$WORK/p95"
done
load=$(median < "$WORK/load"); frame=$(median < "$WORK/frame"); p95=$(median < "$WORK/p95")

# The fabric view at 1,024 nodes: the example's trace, 32 copies 800 s apart.
for k in $(seq 0 31); do
  awk -v k="$k" '{ match($0, /"submitTime":[0-9.]+/); t = substr($0, RSTART + 13, RLENGTH - 13);
                   sub(/"submitTime":[0-9.]+/, "\"submitTime\":" (t + k * 800)); sub(/"jobId":"[^"]*/, "&-c" k); print }' \
      scenarios/examples/traces/fabric-training.jsonl
done > "$WORK/fabric-trace.jsonl"
cat > "$WORK/fabric-1k.json" <<SCENARIO
{"name": "fabric-1k", "seed": 7,
 "platform": {"nodePools": [{"name": "hgx", "count": 1024, "capacity": {"cpu": "112", "memory": "2Ti", "nvidia.com/gpu": 8},
                             "gpuModel": "H100-SXM-80GB"}]},
 "fabric": {"topology": "railOptimized", "nicBandwidth": "400Gbps", "nodesPerPod": 32, "oversubscription": "2:1"},
 "workload": {"trace": "$WORK/fabric-trace.jsonl"}, "output": {"sampleInterval": "60s"}}
SCENARIO
"$KUBETWIN" run "$WORK/fabric-1k.json" --out "$WORK/fabric-run" --quiet
usage_lines=$(wc -l < "$WORK/fabric-run/fabric-usage.jsonl")
fabric_kib=$(du -k "$WORK/fabric-run/fabric.json" | cut -f1)
: > "$WORK/fload"; : > "$WORK/fframe"; : > "$WORK/fp95"
for i in $(seq "$REPEAT"); do
  out=$("$GUI" "$WORK/fabric-run" --benchmark "$FRAMES" --view fabric --size 1600x1000)
  echo "$out" >&2
  echo "$out" | field loadSeconds >> "$WORK/fload"
  echo "$out" | field frameMsMedian >> "$WORK/fframe"
  echo "$out" | field frameMsP95 >> "$WORK/fp95"
done
fload=$(median < "$WORK/fload"); fframe=$(median < "$WORK/fframe"); fp95=$(median < "$WORK/fp95")
{
  echo "# Visualizer benchmark"
  echo
  echo "- date: $(date -u +%Y-%m-%dT%H:%MZ)"
  echo "- machine: $(machine_description); Qt offscreen platform (raster painting, no GPU)"
  echo "- kubetwin: $(git rev-parse --short HEAD 2>/dev/null || echo unknown), build $BUILD_DIR ($(grep -m1 CMAKE_BUILD_TYPE "$BUILD_DIR/CMakeCache.txt" | cut -d= -f2))"
  echo "- command: \`validation/benchmarks/gui.sh $BUILD_DIR\` (REPEAT=$REPEAT, FRAMES=$FRAMES), i.e."
  echo "  \`kubetwin generate --nodes 1250 --gpus-per-node 8 --jobs 100000 --load 0.8 --seed 1 --out DIR\`,"
  echo "  \`kubetwin run DIR/scenario.json --out RUN\`, then \`kubetwin-gui RUN --benchmark $FRAMES --size 1600x1000\`"
  echo "- run folder: 100,000 jobs, 10,000 GPUs, $events event lines ($mib MiB events.jsonl)"
  echo "- load: reading the run folder (summary, topology, series, events) and opening it in the window (layout, charts)"
  echo "- frame: moving the time forward by 1/$FRAMES of the run (state update) and painting the 10,000-cell cluster view"
  echo "- medians of $REPEAT runs"
  echo
  echo "| load s (median) | load min..max | frame ms (median) | frame ms p95 (median) | frames/s | targets |"
  echo "|---|---|---|---|---|---|"
  echo "| $load | $(sort -g "$WORK/load" | head -1)..$(sort -g "$WORK/load" | tail -1) | $frame | $p95 | $(awk -v f="$frame" 'BEGIN {printf "%.0f", 1000/f}') | load < 3 s, >= 30 frames/s |"
  echo
  echo "## Fabric view, 1,024 nodes"
  echo
  echo "- run folder: 1,024 HGX nodes on a rail-optimized 2:1 fabric (32 spine blocks, 256 leaves), 1,152 perf jobs"
  echo "  (32 copies of scenarios/examples/traces/fabric-training.jsonl, 800 s apart; scenario written by gui.sh),"
  echo "  $usage_lines fabric-usage.jsonl lines, fabric.json $fabric_kib KiB"
  echo "- command: \`kubetwin-gui RUN --benchmark $FRAMES --view fabric --size 1600x1000\`"
  echo "- frame: moving the time forward by 1/$FRAMES of the run and painting the fabric view (289 switch boxes, 288 shared"
  echo "  links coloured by their load at that time, 1,024 server boxes)"
  echo
  echo "| load s (median) | frame ms (median) | frame ms p95 (median) | frames/s | target |"
  echo "|---|---|---|---|---|"
  echo "| $fload | $fframe | $fp95 | $(awk -v f="$fframe" 'BEGIN {printf "%.0f", 1000/f}') | >= 30 frames/s |"
} > "$RESULTS"
cat "$RESULTS"

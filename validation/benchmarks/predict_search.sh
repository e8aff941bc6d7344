#!/usr/bin/env bash
# `kubetwin predict search` latency (issue 5's target: a 175B model on 1,024 GPUs under 5 s). Runs
# every configuration REPEAT times as a whole process (start-up, the calibration fits, the search,
# JSON output) and writes the medians with the command and the machine to RESULTS.
#
#   validation/benchmarks/predict_search.sh [BUILD_DIR] [RESULTS]
set -euo pipefail
cd "$(dirname "$0")/../.."
BUILD_DIR=${1:-build}
RESULTS=${2:-validation/benchmarks/predict_search_results.md}
REPEAT=${REPEAT:-5}
KUBETWIN="$BUILD_DIR/kubetwin"
WORK=$(mktemp -d)
trap 'rm -rf "$WORK"' EXIT

. validation/benchmarks/lib.sh

CONFIGS=(
  "--model gpt3-175b --gpus 1024 --gpu A100-SXM-80GB --seq 2048 --global-batch 1536"
  "--model gpt3-175b --gpus 1024 --gpu H100-SXM-80GB --seq 2048 --global-batch 1536"
  "--model llama-3-70b --gpus 512 --gpu H100-SXM-80GB --seq 8192 --global-batch 512"
  "--model llama-3.1-405b --gpus 16384 --gpu H100-SXM-80GB --seq 8192 --global-batch 2048"
  "--model mixtral-8x7b --gpus 256 --gpu H200-SXM-141GB --seq 4096 --global-batch 1024"
)

{
  echo "# predict search benchmark"
  echo
  echo "- date: $(date -u +%Y-%m-%dT%H:%MZ)"
  echo "- machine: $(machine_description)"
  echo "- kubetwin: $(git rev-parse --short HEAD 2>/dev/null || echo unknown) plus uncommitted changes, build $BUILD_DIR ($(grep -m1 CMAKE_BUILD_TYPE "$BUILD_DIR/CMakeCache.txt" | cut -d= -f2))"
  echo "- command: \`validation/benchmarks/predict_search.sh $BUILD_DIR\` (REPEAT=$REPEAT): each row is"
  echo "  \`kubetwin predict search ARGS --json\`, timed as a whole process (start-up and the calibration fits included)"
  echo "- target (issue 5): a 175B model on 1,024 GPUs under 5 s"
  echo
  echo "| configuration (ARGS) | wall ms (median) | min..max | valid layouts | pruned | estimated | best: TP/PP/VPP/DP/EP, ZeRO, recompute, micro-batch | step s | MFU |"
  echo "|---|---|---|---|---|---|---|---|---|"
} > "$WORK/results.md"

for args in "${CONFIGS[@]}"; do
  : > "$WORK/wall"
  for i in $(seq "$REPEAT"); do
    start=$(date +%s%N)
    # shellcheck disable=SC2086
    "$KUBETWIN" predict search $args --json > "$WORK/out.json"
    end=$(date +%s%N)
    echo "scale=3; ($end - $start) / 1000000" | bc >> "$WORK/wall"
  done
  wall=$(median < "$WORK/wall")
  range="$(sort -g "$WORK/wall" | head -1)..$(sort -g "$WORK/wall" | tail -1)"
  row=$(python3 -c '
import json, sys
j = json.load(open(sys.argv[1]))
b = j["best"]
if not j["found"]:
    print("%d | %d | %d | none fits | - | -" % (j["layouts"], j["pruned"], j["estimated"]))
else:
    l = b["layout"]
    print("%d | %d | %d | %d/%d/%d/%d/%d, ZeRO %d, %s, %d | %.3f | %.3f" % (j["layouts"], j["pruned"], j["estimated"],
          l["tp"], l["pp"], l["vpp"], l["dp"], l["ep"], l["zero"], l["recompute"], l["microBatch"], b["stepSeconds"], b["mfu"]))' "$WORK/out.json")
  echo "| \`$args\` | $wall | $range | $row |" >> "$WORK/results.md"
done
mv "$WORK/results.md" "$RESULTS"
cat "$RESULTS"

#!/usr/bin/env bash
# `kubetwin predict train` latency per configuration (issue 5's target: under 50 ms each). Runs
# every configuration REPEAT times as a whole process (startup, the catalog and calibration fits,
# the estimate, JSON output) and writes the medians with the command and the machine to RESULTS.
#
#   validation/benchmarks/predict_train.sh [BUILD_DIR] [RESULTS]
set -euo pipefail
cd "$(dirname "$0")/../.."
BUILD_DIR=${1:-build}
RESULTS=${2:-validation/benchmarks/predict_train_results.md}
REPEAT=${REPEAT:-9}
KUBETWIN="$BUILD_DIR/kubetwin"
WORK=$(mktemp -d)
trap 'rm -rf "$WORK"' EXIT

. validation/benchmarks/lib.sh

CONFIGS=(
  "--model llama-3-8b --seq 8192 --global-batch 512 --micro-batch 1 --gpu H100-SXM-80GB --gpus 64 --zero 3"
  "--model llama-3-70b --seq 8192 --global-batch 512 --micro-batch auto --gpu H100-SXM-80GB --gpus 512 --tp 8 --pp 4 --vpp 5 --sequence-parallel --recompute selective"
  "--model llama-3-70b --seq 8192 --global-batch 512 --micro-batch auto --gpu H100-SXM-80GB --gpus 512 --tp 8 --pp 4 --vpp 5 --sequence-parallel --recompute selective --fabric validation/benchmarks/fabric_64_servers_2to1.json"
  "--model llama-3.1-405b --seq 8192 --global-batch 2048 --micro-batch auto --gpu H100-SXM-80GB --gpus 14336 --tp 8 --pp 14 --vpp 3 --sequence-parallel"
  "--model gpt3-175b --seq 2048 --global-batch 1536 --micro-batch auto --gpu A100-SXM-80GB --gpus 1024 --tp 8 --pp 8 --vpp 3 --recompute full"
  "--model mixtral-8x7b --seq 4096 --global-batch 256 --micro-batch auto --gpu H200-SXM-141GB --gpus 64 --tp 2 --ep 8 --zero 1 --sequence-parallel"
  "--layers 128 --hidden 25600 --heads 160 --seq 2048 --global-batch 3072 --micro-batch auto --gpu B200-SXM-180GB --gpus 3072 --tp 8 --pp 64 --vpp 2 --recompute full"
)

{
  echo "# predict train benchmark"
  echo
  echo "- date: $(date -u +%Y-%m-%dT%H:%MZ)"
  echo "- machine: $(machine_description)"
  echo "- kubetwin: $(git rev-parse --short HEAD 2>/dev/null || echo unknown) plus uncommitted changes, build $BUILD_DIR ($(grep -m1 CMAKE_BUILD_TYPE "$BUILD_DIR/CMakeCache.txt" | cut -d= -f2))"
  echo "- command: \`validation/benchmarks/predict_train.sh $BUILD_DIR\` (REPEAT=$REPEAT): each row is"
  echo "  \`kubetwin predict train ARGS --json\`, timed as a whole process (start-up and the calibration fits included)"
  echo "- target (issue 5): under 50 ms per configuration"
  echo
  echo "| configuration (ARGS) | wall ms (median) | min..max | step s | MFU | fits |"
  echo "|---|---|---|---|---|---|"
} > "$WORK/results.md"

for args in "${CONFIGS[@]}"; do
  : > "$WORK/wall"
  for i in $(seq "$REPEAT"); do
    start=$(date +%s%N)
    # shellcheck disable=SC2086
    "$KUBETWIN" predict train $args --json > "$WORK/out.json"
    end=$(date +%s%N)
    echo "scale=3; ($end - $start) / 1000000" | bc >> "$WORK/wall"
  done
  wall=$(median < "$WORK/wall")
  range="$(sort -g "$WORK/wall" | head -1)..$(sort -g "$WORK/wall" | tail -1)"
  read -r step mfu fits < <(python3 -c 'import json,sys; j=json.load(open(sys.argv[1])); print("%.3f %.3f %s" % (j["stepSeconds"], j["mfu"], str(j["fits"]).lower()))' "$WORK/out.json")
  echo "| \`$args\` | $wall | $range | $step | $mfu | $fits |" >> "$WORK/results.md"
done
mv "$WORK/results.md" "$RESULTS"
cat "$RESULTS"

#!/usr/bin/env bash
# Philly rigid-job replay benchmark (issue 4's target: every job of the replay window for all four
# policies under 10 s in total on this 2-core machine). Writes RESULTS with the command, the machine
# and medians of REPEAT runs: each policy alone (reading the trace included) and all four in one
# process (`--policy all`, the trace read once).
#
#   validation/benchmarks/philly.sh [BUILD_DIR] [TRACES_DIR] [RESULTS]
#
# Needs /usr/bin/time (Debian package "time").
set -euo pipefail
cd "$(dirname "$0")/../.."
BUILD_DIR=${1:-build}
TRACES=${2:-../shared/traces/philly}
RESULTS=${3:-validation/benchmarks/philly_results.md}
REPEAT=${REPEAT:-5}
KUBETWIN="$BUILD_DIR/kubetwin"
WORK=$(mktemp -d)
trap 'rm -rf "$WORK"' EXIT
ARGS=(--trace "$TRACES/philly_jobs_pollux.csv" --vcs "$TRACES/philly_vc_nodes.csv")

. validation/benchmarks/lib.sh
wall_of() { awk -F': ' '/Elapsed \(wall clock\)/ {n=split($2,p,":"); s=0; for(i=1;i<=n;i++) s=s*60+p[i]; print s}' "$1"; }
rss_of() { awk -F': ' '/Maximum resident set size/ {printf "%.1f\n", $2/1024}' "$1"; }
field() { grep -o "\"$1\": [0-9.e+-]*" "$2" | head -1 | grep -o '[0-9.e+-]*$'; }

{
  echo "# Philly replay benchmark"
  echo
  echo "- date: $(date -u +%Y-%m-%dT%H:%MZ)"
  echo "- machine: $(machine_description)"
  echo "- kubetwin: $(git rev-parse --short HEAD 2>/dev/null || echo unknown), build $BUILD_DIR ($(grep -m1 CMAKE_BUILD_TYPE "$BUILD_DIR/CMakeCache.txt" | cut -d= -f2))"
  echo "- command: \`validation/benchmarks/philly.sh $BUILD_DIR $TRACES\` (REPEAT=$REPEAT)"
  echo "- workload: the protocol's window (2017-10-01 00:00 .. 2017-11-30 23:59), 11 VCs, 2,816 GPUs, as recorded (\`--compress 1\`) and compressed 4x"
  echo
  echo "Medians of $REPEAT runs of \`/usr/bin/time -v kubetwin experiment philly --trace philly_jobs_pollux.csv --vcs philly_vc_nodes.csv --policy P [--compress C] --out DIR\`;"
  echo "wall time includes process start and reading the 82,247-row trace."
  echo
  echo "| policy | compress | jobs | wall s (median) | min..max | peak RSS MiB | mean JCT s | decision ticks |"
  echo "|---|---:|---:|---:|---|---:|---:|---:|"
} > "$WORK/results.md"

for compress in 1 4; do
  for policy in FIFO SJF SRTF LAS all; do
    : > "$WORK/wall"; : > "$WORK/rss"
    for i in $(seq "$REPEAT"); do
      /usr/bin/time -v "$KUBETWIN" experiment philly "${ARGS[@]}" --policy "$policy" --compress "$compress" \
        --out "$WORK/run" > /dev/null 2> "$WORK/time.txt"
      wall_of "$WORK/time.txt" >> "$WORK/wall"; rss_of "$WORK/time.txt" >> "$WORK/rss"
    done
    if [ "$policy" = all ]; then
      label="**all four** (one process)"; jobs=""; jct=""; ticks=""
    else
      label=$policy
      jobs=$(field jobs "$WORK/run/summary.json")
      jct=$(printf '%.1f' "$(field avgJct "$WORK/run/summary.json")")
      ticks=$(field decisions "$WORK/run/summary.json")
    fi
    echo "| $label | $compress | $jobs | $(median < "$WORK/wall") | $(sort -g "$WORK/wall" | head -1)..$(sort -g "$WORK/wall" | tail -1) | $(median < "$WORK/rss") | $jct | $ticks |" >> "$WORK/results.md"
  done
done
cp "$WORK/results.md" "$RESULTS"
cat "$RESULTS"

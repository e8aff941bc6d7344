#!/usr/bin/env bash
# Conformance suite benchmark (issue 6's target: the whole suite for one profile under 60 s on a
# 2-core machine). Times `kubetwin conformance --profile P --version 1.36` (the version with the
# most cases) for every built-in profile and writes RESULTS with the command and the machine.
#
#   validation/benchmarks/conformance.sh [BUILD_DIR] [RESULTS]
#
# Needs /usr/bin/time (Debian package "time").
set -euo pipefail
cd "$(dirname "$0")/../.."
BUILD_DIR=${1:-build}
RESULTS=${2:-validation/benchmarks/conformance_results.md}
REPEAT=${REPEAT:-5}
KUBETWIN="$BUILD_DIR/kubetwin"
WORK=$(mktemp -d)
trap 'rm -rf "$WORK"' EXIT

. validation/benchmarks/lib.sh
wall_of() { awk -F': ' '/Elapsed \(wall clock\)/ {n=split($2,p,":"); s=0; for(i=1;i<=n;i++) s=s*60+p[i]; print s}' "$1"; }
rss_of() { awk -F': ' '/Maximum resident set size/ {printf "%.1f\n", $2/1024}' "$1"; }

{
  echo "# Conformance suite benchmark"
  echo
  echo "- date: $(date -u +%Y-%m-%dT%H:%MZ)"
  echo "- machine: $(machine_description)"
  echo "- kubetwin: $(git rev-parse --short HEAD 2>/dev/null || echo unknown), build $BUILD_DIR ($(grep -m1 CMAKE_BUILD_TYPE "$BUILD_DIR/CMakeCache.txt" | cut -d= -f2))"
  echo "- command: \`validation/benchmarks/conformance.sh $BUILD_DIR\` (REPEAT=$REPEAT): medians of"
  echo "  \`/usr/bin/time -v kubetwin conformance --profile P --version 1.36 --out DIR\`"
  echo "- target: under 60 s per profile on 2 cores"
  echo
  echo "| profile | cases run | wall s (median) | min..max | peak RSS MiB (median) |"
  echo "|---|---|---|---|---|"
} > "$WORK/results.md"

for profile in default coscheduling kueue hierarchical; do
  : > "$WORK/wall"; : > "$WORK/rss"
  for i in $(seq "$REPEAT"); do
    /usr/bin/time -v "$KUBETWIN" conformance --profile "$profile" --version 1.36 --out "$WORK/out-$profile" >/dev/null 2>"$WORK/time"
    wall_of "$WORK/time" >> "$WORK/wall"
    rss_of "$WORK/time" >> "$WORK/rss"
  done
  cases=$(grep -c '"status": "\(pass\|fail\|n/a\)"' "$WORK/out-$profile/report.json" || true)
  echo "| $profile | $cases | $(median < "$WORK/wall") | $(sort -g "$WORK/wall" | head -1)..$(sort -g "$WORK/wall" | tail -1) | $(median < "$WORK/rss") |" >> "$WORK/results.md"
done
cp "$WORK/results.md" "$RESULTS"
cat "$RESULTS"

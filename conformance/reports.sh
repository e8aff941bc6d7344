#!/usr/bin/env bash
# Regenerates the per-profile conformance reports in docs/conformance-reports/ (report.md of every
# built-in profile for AI Conformance 1.35 and 1.36), or with --check fails if they are stale
# (ctest runs the check, so the docs always show what the suite reports).
#
#   conformance/reports.sh [KUBETWIN] [--check]
set -euo pipefail
cd "$(dirname "$0")/.."
KUBETWIN=${1:-build/kubetwin}
CHECK=${2:-}
WORK=$(mktemp -d)
trap 'rm -rf "$WORK"' EXIT
status=0
mkdir -p docs/conformance-reports
for version in 1.35 1.36; do
  for profile in default coscheduling kueue hierarchical; do
    "$KUBETWIN" conformance --profile "$profile" --version "$version" --out "$WORK/$profile-$version" >/dev/null
    target=docs/conformance-reports/$profile-$version.md
    if [ "$CHECK" = "--check" ]; then
      if ! cmp -s "$WORK/$profile-$version/report.md" "$target"; then
        echo "$target is stale: run conformance/reports.sh" >&2
        status=1
      fi
    else
      cp "$WORK/$profile-$version/report.md" "$target"
    fi
  done
done
exit $status

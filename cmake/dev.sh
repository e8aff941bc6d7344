#!/usr/bin/env bash
# kubetwin developer entry point: installs what is missing, builds, runs or tests.
#
#   cmake/dev.sh run [kubetwin run args...]   build, then run the built-in default scenario
#   cmake/dev.sh test                         build, then run the whole test suite (ctest)
#   cmake/dev.sh build                        install missing packages, configure, build
#   cmake/dev.sh deps                         only install missing Debian packages
#   cmake/dev.sh asan                         AddressSanitizer/UBSan build in build-asan, then its tests
#
# With CI=true warnings are errors and `test` also runs the suite under ASan/UBSan. BUILD_DIR overrides
# the build folder (default: build). Packages come from Debian 12; apt-get runs only if something
# is missing, through sudo when not root.
set -euo pipefail

cd "$(dirname "$0")/.."
BUILD_DIR=${BUILD_DIR:-build}
JOBS=${JOBS:-$(nproc)}
CI=${CI:-false}

PACKAGES=(
  g++ cmake ninja-build pkg-config git
  libsimgrid-dev          # the discrete-event engine
  nlohmann-json3-dev      # scenario and trace parsing
  libcli11-dev            # command line
  libboost-dev            # SimGrid's headers include Boost
  libboost-graph-dev      # fabric topology graph (models/topology)
  libgtest-dev            # unit tests (GoogleTest)
  libeigen3-dev           # least-squares fits (GPU efficiency curves)
  qt6-base-dev            # the visualizer (gui/): Qt 6 Widgets, and QTest for its tests
  qt6-charts-dev          # the visualizer's charts (Qt Charts)
  qt6-svg-dev             # the visualizer: --screenshot FILE.svg (vector screenshots, Qt SVG)
  fonts-dejavu-core       # a font for the offscreen platform: GUI tests and screenshots render text
)

log() { echo "dev.sh: $*" >&2; }

deps() {
  local missing=()
  for p in "${PACKAGES[@]}"; do
    dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
  done
  [ ${#missing[@]} -eq 0 ] && return 0
  log "installing missing Debian packages: ${missing[*]}"
  local sudo=()
  [ "$(id -u)" -ne 0 ] && sudo=(sudo)
  "${sudo[@]}" apt-get update -qq
  DEBIAN_FRONTEND=noninteractive "${sudo[@]}" apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
}

configure_and_build() {  # $1 = build dir, rest = extra cmake args
  local dir=$1; shift
  local werror=OFF
  [ "$CI" = true ] && werror=ON
  cmake -S . -B "$dir" -G Ninja -DCMAKE_BUILD_TYPE=RelWithDebInfo -DKUBETWIN_WERROR=$werror "$@" >/dev/null
  cmake --build "$dir" -j "$JOBS"
}

run_tests() {  # $1 = build dir, rest = ctest args
  local dir=$1; shift
  (cd "$dir" && ctest -j "$JOBS" --output-on-failure --timeout 600 "$@")
}

cmd=${1:-}
[ $# -gt 0 ] && shift
case "$cmd" in
  deps) deps ;;
  build) deps; configure_and_build "$BUILD_DIR" ;;
  run)
    deps; configure_and_build "$BUILD_DIR"
    exec "$BUILD_DIR/kubetwin" run "$@"
    ;;
  test)
    deps; configure_and_build "$BUILD_DIR"
    run_tests "$BUILD_DIR"
    if [ "$CI" = true ]; then
      log "CI: sanitizer build and the suite again (without the slow label)"
      configure_and_build build-asan -DKUBETWIN_SANITIZE=ON
      # The slow label (a 30,000-job determinism run: 14 s normally, about 550 s under ASan) stays out:
      # the same code runs under ASan in the smaller determinism and example tests.
      ASAN_OPTIONS=detect_leaks=1 run_tests build-asan -LE slow
    fi
    ;;
  asan)
    deps; configure_and_build build-asan -DKUBETWIN_SANITIZE=ON
    ASAN_OPTIONS=detect_leaks=1 run_tests build-asan "$@"
    ;;
  *)
    sed -n '2,13p' "$0" | sed 's/^# \{0,1\}//'
    exit 2
    ;;
esac

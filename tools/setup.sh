#!/usr/bin/env bash
# Idempotent machine setup for lrbench (Debian 12). Run as root.
#
#   tools/setup.sh            build + test dependencies (what `make test` needs)
#   tools/setup.sh --peer     also PyTorch, NumPy, SciPy, statsmodels (golden and
#                             reference-value generators, bench-peer)
#   tools/setup.sh --check    only report what is missing; exit 1 if anything is
#
# A second run with everything present does no network work and takes well
# under a second: packages are checked with dpkg-query before apt is touched.
set -euo pipefail

want_peer=0; check_only=0
for arg in "$@"; do
  case "$arg" in
    --peer) want_peer=1 ;;
    --check) check_only=1 ;;
    -h|--help) sed -n '2,10p' "$0"; exit 0 ;;
    *) echo "setup.sh: unknown option '$arg' (try --help)" >&2; exit 2 ;;
  esac
done

# One package per line; the comment says what needs it.
base_packages=(
  cmake g++ make pkg-config        # toolchain
  libeigen3-dev                    # GEMM parts of the kernels (Eigen::Map)
  libboost-program-options-dev     # CLI
  nlohmann-json3-dev               # results files, goldens
  libfmt-dev                       # formatting
  zlib1g-dev                       # .gz IDX files
  libssl-dev                       # SHA-256 of dataset bytes (EVP)
  libboost-math-dev                # distributions (t, noncentral t, normal) for the verdict statistics
  libtomlplusplus-dev              # study files (TOML)
  libre2-dev                       # regular expressions on user input (linear time, no recursion)
  clang libclang-rt-14-dev         # libFuzzer harnesses and the ASan/UBSan build (make fuzz, make test-sanitize)
  libgtest-dev libgmock-dev        # tests
  libbenchmark-dev                 # micro-benchmarks
  gnuplot-nox                      # figures (PNG/SVG/PDF)
  dataset-fashion-mnist            # the real data of suite 001
  chromium                         # report test: headless browser opens index.html
  slurmctld slurmd slurm-client munge  # make test-slurm: a throw-away one-node cluster
)
# Node.js + npm install the report's front-end packages (uPlot) from the
# committed lockfile.  Many images ship their own node/npm; only when none is
# on PATH do we take Debian's.
command -v npm >/dev/null 2>&1 || base_packages+=(nodejs npm)
# python3-mpmath: the 40-digit quadratures behind tests/stats/gen_verdict_references.py.
peer_packages=(python3-torch python3-numpy python3-scipy python3-statsmodels python3-mpmath)  # goldens, reference values, bench-peer

packages=("${base_packages[@]}")
[ "$want_peer" = 1 ] && packages+=("${peer_packages[@]}")

missing=()
for p in "${packages[@]}"; do
  status=$(dpkg-query -W -f='${Status}' "$p" 2>/dev/null || true)
  [ "$status" = "install ok installed" ] || missing+=("$p")
done

# Front-end packages: `npm ci` from tools/web/package-lock.json into
# tools/web/node_modules, redone only when the lockfile changed (a stamp
# file holds the lockfile's hash).  No network at run time: the report inlines
# what is installed here.
web_dir="$(cd "$(dirname "$0")/.." && pwd)/tools/web"
npm_packages() {
  [ -f "$web_dir/package-lock.json" ] || return 0
  local want have
  want=$(sha256sum "$web_dir/package-lock.json" | cut -d' ' -f1)
  have=$(cat "$web_dir/node_modules/.lrbench-lock-sha256" 2>/dev/null || true)
  [ "$want" = "$have" ] && return 0
  if [ "$check_only" = 1 ]; then
    echo "setup: npm packages of tools/web not installed (run tools/setup.sh)" >&2
    return 1
  fi
  echo "setup: npm ci in tools/web"
  (cd "$web_dir" && npm ci --no-audit --no-fund --loglevel=error)
  echo "$want" > "$web_dir/node_modules/.lrbench-lock-sha256"
}

if [ "${#missing[@]}" -eq 0 ]; then
  npm_packages
  echo "setup: all ${#packages[@]} packages present"
  exit 0
fi
if [ "$check_only" = 1 ]; then
  echo "setup: missing: ${missing[*]}" >&2
  exit 1
fi
if [ "$(id -u)" -ne 0 ]; then
  echo "setup: missing Debian packages: ${missing[*]}" >&2
  echo "setup: run 'sudo tools/setup.sh' (needs root for apt-get), then retry." >&2
  exit 1
fi

echo "setup: installing ${missing[*]}"
export DEBIAN_FRONTEND=noninteractive
apt-get update -qq
apt-get install -y --no-install-recommends "${missing[@]}"
npm_packages
echo "setup: done"

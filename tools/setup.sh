#!/usr/bin/env bash
# Idempotent machine setup for lrbench (Debian 12). Run as root.
#
#   tools/setup.sh            build + test dependencies (what `make test` needs)
#   tools/setup.sh --peer     also PyTorch + NumPy (goldens generator, bench-peer)
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
  libgtest-dev libgmock-dev        # tests
  libbenchmark-dev                 # micro-benchmarks
  gnuplot-nox                      # figures (PNG/SVG/PDF)
  dataset-fashion-mnist            # the real data of suite 001
)
peer_packages=(python3-torch python3-numpy)

packages=("${base_packages[@]}")
[ "$want_peer" = 1 ] && packages+=("${peer_packages[@]}")

missing=()
for p in "${packages[@]}"; do
  status=$(dpkg-query -W -f='${Status}' "$p" 2>/dev/null || true)
  [ "$status" = "install ok installed" ] || missing+=("$p")
done

if [ "${#missing[@]}" -eq 0 ]; then
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
echo "setup: done"

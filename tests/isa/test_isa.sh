#!/usr/bin/env bash
# make test-isa: the real AVX-512 kernels on this CPU, bit for bit against
# the AVX2 floor.  Runs tests/layers (every kernel vs its naive reference and
# the pinned fingerprints), tests/models (cnn001 and mlp004 trained 300 steps
# on each path, parameter bytes compared; the pinned training fingerprints)
# and the CLI's --isa test with the real avx512 path added to the paths they
# run (LRBENCH_TEST_REAL_AVX512=1, tests/isa/kernel_paths.hpp).  `make test`
# never runs the AVX-512 kernels; this is the hardware check that
# `--isa auto` waits for before it may pick avx512 (core/isa/isa.hpp,
# kAvx512VerifiedOnHardware).
# Exits 0 with a message, running nothing, where the CPU or OS lacks AVX-512F.
# Usage: test_isa.sh BUILD_DIR
set -uo pipefail
build=${1:?usage: test_isa.sh BUILD_DIR}
lrbench=$build/tools/lrbench/lrbench
[ -x "$lrbench" ] || { echo "test-isa: $lrbench not built" >&2; exit 2; }
err=$("$lrbench" list --isa avx512 2>&1 >/dev/null)
case $? in
  0) ;;
  2) if [[ $err == *AVX-512* ]]; then
       echo "test-isa: skipped: this CPU (or its OS) lacks AVX-512F, so the real avx512 path cannot run here"
       echo "test-isa: (make test checks its source through the emulated 16-lane path and a software model of its intrinsics)"
       exit 0
     fi
     echo "test-isa: lrbench list --isa avx512: $err" >&2; exit 1 ;;
  *) echo "test-isa: lrbench list --isa avx512: $err" >&2; exit 1 ;;
esac
echo "test-isa: this CPU runs AVX-512F: the real avx512 kernels against avx2"
LRBENCH_TEST_REAL_AVX512=1 exec ctest --test-dir "$build" --output-on-failure -j"$(nproc)" --timeout 900 \
  -R '^(test_layers|test_models)\.|^test_cli\.Train\.IsaPath'

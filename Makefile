# Thin driver over CMake.  Every target first runs the idempotent setup
# script (a no-op taking well under a second when everything is installed).
#
#   make reproduce [QUICK=1]   regenerate all results and figures
#   make test                  build and run the whole test suite
#   make test-isa              the real AVX-512 kernels vs AVX2 bit for bit (skips without AVX-512)
#   make test-slurm            sharded sweep through a throw-away one-node Slurm cluster
#   make test-sanitize         the whole test suite built with ASan + UBSan (build-sanitize/)
#   make test-sanitize-inputs  the same for the readers of outside input only (what CI runs)
#   make fuzz [FUZZ_SECONDS=N] build the libFuzzer harnesses with clang (build-fuzz/) and
#                              fuzz each for N seconds (default 60)
#   make bench                 Google Benchmark JSON for optimizers + kernels
#   make bench-peer            the same work timed in PyTorch, side by side
#   make perf-history-example  check + report of the committed performance history of this repository
#   make install [PREFIX=/usr/local]   lrbench in PREFIX/bin, the report's assets in PREFIX/share/lrbench
#   make package               a Debian package (cpack -G DEB) in BUILD/
BUILD   ?= build
PREFIX  ?= /usr/local
JOBS    ?= $(shell nproc)
RESULTS ?= results
QUICK   ?= 0
LRBENCH := $(BUILD)/tools/lrbench/lrbench
SANITIZE_BUILD ?= build-sanitize
FUZZ_BUILD     ?= build-fuzz
FUZZ_SECONDS   ?= 60
# Sanitizer builds: -O1 keeps the suite fast enough; -g1 (line tables) is all
# a report's stack needs for file:line, and builds the whole tree faster than
# full debug info (CI builds it from nothing); assertions stay on (no -DNDEBUG).
SANITIZE_CMAKE := -DCMAKE_BUILD_TYPE=RelWithDebInfo -DCMAKE_CXX_FLAGS_RELWITHDEBINFO="-O1 -g1"
# A report fails the test; LeakSanitizer is on.
SANITIZE_ENV   := ASAN_OPTIONS=detect_leaks=1:check_initialization_order=1:strict_init_order=1 \
                  UBSAN_OPTIONS=print_stacktrace=1:halt_on_error=1
# test-sanitize-inputs: the tests of every reader of outside input (specs,
# schedules, IDX/CSV, results files, benchmark JSON) and the fuzz replays of
# their seeds and regressions: the quick loop while working on a parser (CI
# runs the whole suite, test-sanitize).
SANITIZE_INPUT_TARGETS := test_spec test_schedules test_datasets test_records test_perfcheck fuzz_harnesses
SANITIZE_INPUT_TESTS   := ^(test_spec|test_schedules|test_datasets|test_records|test_perfcheck)\.|^fuzz\.

.PHONY: all setup setup-peer configure build test test-isa test-slurm test-sanitize test-sanitize-inputs sanitize-configure fuzz reproduce bench bench-peer perf-history-example goldens install package clean

all: build

setup:
	@tools/setup.sh

setup-peer:
	@tools/setup.sh --peer

configure: setup
	@cmake -S . -B $(BUILD) -DCMAKE_BUILD_TYPE=Release > $(BUILD).configure.log 2>&1 \
	  || { cat $(BUILD).configure.log; exit 1; }

build: configure
	cmake --build $(BUILD) -j$(JOBS)

test: build
	ctest --test-dir $(BUILD) --output-on-failure -j$(JOBS) --timeout 600

test-isa: build
	tests/isa/test_isa.sh $(BUILD)

test-slurm: build
	tests/slurm/test_slurm.sh --lrbench $(LRBENCH)

test-sanitize: sanitize-configure
	cmake --build $(SANITIZE_BUILD) -j$(JOBS)
	$(SANITIZE_ENV) ctest --test-dir $(SANITIZE_BUILD) --output-on-failure -j$(JOBS) --timeout 1800

test-sanitize-inputs: sanitize-configure
	cmake --build $(SANITIZE_BUILD) -j$(JOBS) --target $(SANITIZE_INPUT_TARGETS)
	$(SANITIZE_ENV) ctest --test-dir $(SANITIZE_BUILD) --output-on-failure -j$(JOBS) --timeout 1800 \
	  -R '$(SANITIZE_INPUT_TESTS)'

sanitize-configure: setup
	@cmake -S . -B $(SANITIZE_BUILD) $(SANITIZE_CMAKE) -DLRBENCH_SANITIZE=ON \
	  > $(SANITIZE_BUILD).configure.log 2>&1 || { cat $(SANITIZE_BUILD).configure.log; exit 1; }

fuzz: setup
	@cmake -S . -B $(FUZZ_BUILD) $(SANITIZE_CMAKE) -DLRBENCH_FUZZ=ON -DCMAKE_CXX_COMPILER=clang++ \
	  > $(FUZZ_BUILD).configure.log 2>&1 || { cat $(FUZZ_BUILD).configure.log; exit 1; }
	cmake --build $(FUZZ_BUILD) -j$(JOBS) --target fuzz_harnesses
	$(SANITIZE_ENV) tests/fuzz/run.sh --build $(FUZZ_BUILD) --seconds $(FUZZ_SECONDS)

reproduce: build
	tools/reproduce.sh --lrbench $(LRBENCH) --build $(BUILD) --results $(RESULTS) $(if $(filter 1,$(QUICK)),--quick)

bench: build
	tools/bench.sh --build $(BUILD) --out $(RESULTS)/bench

bench-peer: build setup-peer
	tools/peer/bench_peer.sh --build $(BUILD) --out $(RESULTS)/bench

perf-history-example: build
	$(LRBENCH) perf-history check reports/examples/perf-history/store
	$(LRBENCH) perf-history report reports/examples/perf-history/store --out $(RESULTS)/perf-history

install: build
	cmake --install $(BUILD) --prefix $(PREFIX)

package: build
	cd $(BUILD) && cpack -G DEB

# Regenerate the committed golden files from real PyTorch (needs --peer setup)
# and the statistics' reference values from scipy / statsmodels / mpmath.
goldens: setup-peer
	/usr/bin/python3 tools/goldens/gen_optim.py
	/usr/bin/python3 tools/goldens/gen_schedules.py
	/usr/bin/python3 tests/stats/gen_verdict_references.py

clean:
	rm -rf $(BUILD) $(BUILD).configure.log $(SANITIZE_BUILD) $(SANITIZE_BUILD).configure.log \
	  $(FUZZ_BUILD) $(FUZZ_BUILD).configure.log

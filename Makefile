# Thin driver over CMake.  Every target first runs the idempotent setup
# script (a no-op taking well under a second when everything is installed).
#
#   make reproduce [QUICK=1]   regenerate all results and figures
#   make test                  build and run the whole test suite
#   make test-isa              the real AVX-512 kernels vs AVX2 bit for bit (skips without AVX-512)
#   make test-slurm            sharded sweep through a throw-away one-node Slurm cluster
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

.PHONY: all setup setup-peer configure build test test-isa test-slurm reproduce bench bench-peer perf-history-example goldens install package clean

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
	rm -rf $(BUILD) $(BUILD).configure.log

# hasim: a new user needs `make demo`, `make check` (the simulator's tests: no root, no
# containers) and `make test` (everything, as CI runs it, the real stack included).
# Everything installs from Debian packages (apt-get, only what is missing); nothing is downloaded
# at build time. The Python module is built for Debian's /usr/bin/python3.
BUILD ?= build
JOBS ?= $(shell nproc)
PYTHON := /usr/bin/python3
DEBS := build-essential cmake libboost-graph-dev libyaml-cpp-dev libeigen3-dev libspdlog-dev catch2 \
        pybind11-dev python3-dev python3-pytest python3-numpy python3-matplotlib libssl-dev

SAN_BUILD ?= build-sanitize

.PHONY: all deps build demo check test docs fuzz sanitize bench clean

all: build

# Idempotent: installs only the packages that are not installed yet.
deps:
	@missing=""; for p in $(DEBS); do \
	  dpkg-query -W -f='$${Status}' $$p 2>/dev/null | grep -q "install ok installed" || missing="$$missing $$p"; \
	done; \
	if [ -n "$$missing" ]; then \
	  echo "installing:$$missing"; \
	  SUDO=$$( [ "$$(id -u)" = 0 ] || echo sudo ); \
	  $$SUDO apt-get update -qq && DEBIAN_FRONTEND=noninteractive $$SUDO apt-get install -y -qq $$missing; \
	fi

$(BUILD)/CMakeCache.txt:
	cmake -S . -B $(BUILD) -DCMAKE_BUILD_TYPE=RelWithDebInfo -DPython3_EXECUTABLE=$(PYTHON)

build: deps $(BUILD)/CMakeCache.txt
	cmake --build $(BUILD) -j $(JOBS)

# Only what the demo needs: the command-line tool, not the tests or the Python module.
demo: deps $(BUILD)/CMakeCache.txt
	cmake --build $(BUILD) -j $(JOBS) --target hasim
	$(BUILD)/hasim run scenarios/demo1-part1.yaml

# The simulator's tests, fast: Catch2, pytest, the tidy check and the docs' figures. No root and
# no containers: the real-stack test (which needs both), the 1000-mutant fuzz run and
# docs_validation (docs/validation.md's tables, every stored real record against today's model,
# and docs/explore.md's catalogues: two minutes) are left to `make test`.
check: deps $(BUILD)/CMakeCache.txt
	cmake --build $(BUILD) -j $(JOBS)
	cd $(BUILD) && ctest --output-on-failure -j $(JOBS) -E '^(real_stack|fuzz|docs_validation)$$'

# Everything, as CI runs it: the above, the fuzzer's 1000 mutants, docs_validation, and the real
# stack in containers (root, podman).
test: build
	cd $(BUILD) && ctest --output-on-failure -j $(JOBS)

# Every figure and number in the docs from its command (docs/figures.py): the sweeps' CSVs under
# docs/data, the heatmaps under docs/img, the tables, numbers and sample outputs in README.md,
# docs/exploring-tuning.md, docs/claims.md and docs/claims-stateful.md (`make check` fails when one
# of them no longer matches its command), and docs/validation.md's first section, every stored real
# record against today's model, and docs/explore.md's catalogues (both checked by `make test`:
# docs_validation).
docs: deps $(BUILD)/CMakeCache.txt
	cmake --build $(BUILD) -j $(JOBS) --target hasim hasim_plot
	$(PYTHON) docs/figures.py regenerate --hasim $(BUILD)/hasim

# The mutation fuzzer's long run: 10,000 mutants of every shipped scenario (make check runs 1000).
FUZZ_MUTANTS ?= 10000
FUZZ_SEED ?= 1
fuzz: deps $(BUILD)/CMakeCache.txt
	cmake --build $(BUILD) -j $(JOBS) --target hasim hasim-fuzz
	$(BUILD)/tests/hasim-fuzz --mutants $(FUZZ_MUTANTS) --seed $(FUZZ_SEED) --jobs $(JOBS)

# The simulator's tests and a fuzz run under AddressSanitizer and UndefinedBehaviorSanitizer, in
# their own build directory; any report fails the target. Left out: the real stack and pytest
# (the Python module would need the sanitizer runtime preloaded into the interpreter).
SAN_FLAGS := -fsanitize=address,undefined -fno-omit-frame-pointer -fno-sanitize-recover=all
sanitize: deps
	cmake -S . -B $(SAN_BUILD) -DCMAKE_BUILD_TYPE=RelWithDebInfo -DPython3_EXECUTABLE=$(PYTHON) \
	  -DCMAKE_CXX_FLAGS="$(SAN_FLAGS)" -DCMAKE_EXE_LINKER_FLAGS="$(SAN_FLAGS)" -DCMAKE_SHARED_LINKER_FLAGS="$(SAN_FLAGS)"
	cmake --build $(SAN_BUILD) -j $(JOBS) --target hasim hasim-tests hasim-fuzz
	@export ASAN_OPTIONS=detect_leaks=1:abort_on_error=1 UBSAN_OPTIONS=halt_on_error=1:print_stacktrace=1; status=0; \
	  (cd $(SAN_BUILD) && ctest --output-on-failure -j $(JOBS) -E '^(real_stack|pytest|fuzz|docs_validation)$$') || status=1; \
	  $(SAN_BUILD)/tests/hasim-fuzz --mutants 300 --seed 2 --jobs $(JOBS) --no-rlimit --timeout 120 --max-rss-mib 4096 || status=1; \
	  exit $$status

# Benchmarks are figures, not tests: Release (no debug info, -O3), in their own build directory so
# the tests' RelWithDebInfo build is left alone. Each figure prints beside its in-process baseline.
BENCH_BUILD ?= build-release
bench: deps
	cmake -S . -B $(BENCH_BUILD) -DCMAKE_BUILD_TYPE=Release -DPython3_EXECUTABLE=$(PYTHON)
	cmake --build $(BENCH_BUILD) -j $(JOBS) --target hasim-bench
	$(BENCH_BUILD)/hasim-bench

clean:
	rm -rf $(BUILD) $(SAN_BUILD) $(BENCH_BUILD)

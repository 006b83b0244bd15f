# hasim: the two commands a new user needs are `make demo` and `make test`.
# Everything installs from Debian packages (apt-get, only what is missing); nothing is downloaded
# at build time. The Python module is built for Debian's /usr/bin/python3.
BUILD ?= build
JOBS ?= $(shell nproc)
PYTHON := /usr/bin/python3
DEBS := build-essential cmake libboost-graph-dev libyaml-cpp-dev libeigen3-dev libspdlog-dev catch2 \
        pybind11-dev python3-dev python3-pytest python3-numpy python3-matplotlib

.PHONY: all deps build demo test test-cpp test-python bench clean

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

demo: build
	$(BUILD)/hasim run scenarios/demo1-part1.yaml

test: build
	cd $(BUILD) && ctest --output-on-failure -j $(JOBS)

bench: build
	$(BUILD)/hasim-bench

clean:
	rm -rf $(BUILD)

# libseqfeat — the two commands: `make demo` and `make test`.
# Both install the Debian packages they need (when run as root on Debian), configure and build.

BUILD ?= build
JOBS ?= 2
PYTHON ?= /usr/bin/python3
DEB_PACKAGES = cmake g++ make pkg-config libopenblas-dev libfmt-dev libgtest-dev libgmock-dev \
  libbenchmark-dev libfarmhash-dev libdlpack-dev nlohmann-json3-dev python3 python3-numpy \
  python3-pytest python3-torch python3-venv python3-pip python3-setuptools mypy abigail-tools \
  binutils
BENCH_PACKAGES = python3-torch

# Rust: the machine's rustup toolchain if there is one, else Debian's cargo (installed by deps).
export PATH := $(HOME)/.cargo/bin:$(PATH)

.PHONY: all deps configure build demo test bench clean

all: build

deps:
	@missing=""; for p in $(DEB_PACKAGES); do \
	  dpkg-query -W -f='$${Status}' $$p 2>/dev/null | grep -q "install ok installed" || missing="$$missing $$p"; \
	done; \
	if [ -n "$$missing" ]; then \
	  echo "Installing Debian packages:$$missing"; \
	  if [ "$$(id -u)" = 0 ]; then SUDO=""; else SUDO="sudo"; fi; \
	  $$SUDO apt-get update -qq && DEBIAN_FRONTEND=noninteractive $$SUDO apt-get install -y -qq $$missing; \
	fi; \
	if ! command -v cargo >/dev/null 2>&1; then \
	  echo "Installing Debian's cargo"; \
	  if [ "$$(id -u)" = 0 ]; then SUDO=""; else SUDO="sudo"; fi; \
	  $$SUDO apt-get update -qq && DEBIAN_FRONTEND=noninteractive $$SUDO apt-get install -y -qq cargo; \
	fi

$(BUILD)/CMakeCache.txt:
	cmake -S . -B $(BUILD) -DCMAKE_BUILD_TYPE=Release

configure: deps $(BUILD)/CMakeCache.txt

build: configure
	cmake --build $(BUILD) -j$(JOBS)

demo: build
	@examples/run.sh $(BUILD)

test: build
	cd $(BUILD) && ctest --output-on-failure -j$(JOBS)
	SEQFEAT_LIBRARY=$(CURDIR)/$(BUILD)/libseqfeat.so PYTHONPATH=$(CURDIR)/bindings/python $(PYTHON) -m pytest -q tests/python

bench: build
	@dpkg-query -W -f='$${Status}' $(BENCH_PACKAGES) 2>/dev/null | grep -q "install ok installed" || \
	  (apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq $(BENCH_PACKAGES))
	SEQFEAT_LIBRARY=$(CURDIR)/$(BUILD)/libseqfeat.so PYTHONPATH=$(CURDIR)/bindings/python $(PYTHON) bench/compare_torch.py
	SEQFEAT_LIBRARY=$(CURDIR)/$(BUILD)/libseqfeat.so PYTHONPATH=$(CURDIR)/bindings/python $(PYTHON) bench/compare_train.py

clean:
	rm -rf $(BUILD)

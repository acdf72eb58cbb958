# libseqfeat — the two commands: `make demo` and `make test`.
# Both install the Debian packages they need (when run as root on Debian), configure and build.

BUILD ?= build
# Benchmarks build separately, tuned for this machine (SEQFEAT_NATIVE_TUNING).
BENCH_BUILD ?= $(BUILD)-bench
JOBS ?= 2
PYTHON ?= /usr/bin/python3
DEB_PACKAGES = cmake g++ make pkg-config libopenblas-dev libfmt-dev libgtest-dev libgmock-dev \
  libbenchmark-dev libfarmhash-dev libdlpack-dev nlohmann-json3-dev python3 python3-numpy \
  python3-pytest python3-torch python3-venv python3-pip python3-setuptools mypy abigail-tools \
  binutils zlib1g-dev python3-protobuf protobuf-compiler python3-tqdm python3-distributed \
  libopenmpi-dev openmpi-bin python3-mpi4py
BENCH_PACKAGES = python3-torch
# Fuzzing (clang's libFuzzer) and the valgrind run of the C ABI tests.
FUZZ_PACKAGES = clang libclang-rt-14-dev
MEMCHECK_PACKAGES = valgrind

# Fuzz and sanitizer build trees (docs/testing.md).
FUZZ_BUILD ?= build-fuzz
ASAN_BUILD ?= build-asan
TSAN_BUILD ?= build-tsan
FUZZ_SECONDS ?= 300
FUZZ_SMOKE_SECONDS ?= 20
CCACHE := $(shell command -v ccache 2>/dev/null)
LAUNCHER := $(if $(CCACHE),-DCMAKE_C_COMPILER_LAUNCHER=ccache -DCMAKE_CXX_COMPILER_LAUNCHER=ccache)
# Installs the Debian packages given as $(1) that are missing.
define install_packages
	@missing=""; for p in $(1); do \
	  dpkg-query -W -f='$${Status}' $$p 2>/dev/null | grep -q "install ok installed" || missing="$$missing $$p"; \
	done; \
	if [ -n "$$missing" ]; then \
	  echo "Installing Debian packages:$$missing"; \
	  if [ "$$(id -u)" = 0 ]; then SUDO=""; else SUDO="sudo"; fi; \
	  $$SUDO apt-get update -qq && DEBIAN_FRONTEND=noninteractive $$SUDO apt-get install -y -qq $$missing; \
	fi
endef

# Rust: the machine's rustup toolchain if there is one, else Debian's cargo (installed by deps).
export PATH := $(HOME)/.cargo/bin:$(PATH)

.PHONY: all deps cargo-deb configure build demo test bench clean fuzz fuzz-build fuzz-smoke \
  sanitize memcheck

all: build

deps:
	$(call install_packages,$(DEB_PACKAGES))
	@command -v cargo >/dev/null 2>&1 || $(MAKE) --no-print-directory cargo-deb

# Debian's cargo, when the machine has no Rust toolchain of its own.
cargo-deb:
	$(call install_packages,cargo)

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
	$(MAKE) --no-print-directory fuzz-smoke

# libFuzzer targets (fuzz/README.md): `make fuzz` runs each for FUZZ_SECONDS, `make test` (through
# fuzz-smoke) for FUZZ_SMOKE_SECONDS so that a regression of a fixed finding is caught.
fuzz-build: deps
	$(call install_packages,$(FUZZ_PACKAGES))
	@test -f $(FUZZ_BUILD)/CMakeCache.txt || cmake -S . -B $(FUZZ_BUILD) -DCMAKE_BUILD_TYPE=RelWithDebInfo \
	  -DCMAKE_C_COMPILER=clang -DCMAKE_CXX_COMPILER=clang++ $(LAUNCHER) -DSEQFEAT_BUILD_FUZZ=ON \
	  -DSEQFEAT_BUILD_TESTS=OFF -DSEQFEAT_BUILD_BENCH=OFF
	cmake --build $(FUZZ_BUILD) -j$(JOBS) --target fuzzers

fuzz: fuzz-build
	fuzz/run.sh $(FUZZ_BUILD) $(FUZZ_SECONDS)

fuzz-smoke: fuzz-build
	fuzz/run.sh $(FUZZ_BUILD) $(FUZZ_SMOKE_SECONDS)

# The C/C++ tests under ASan + UBSan (and the Python tests with the ASan runtime preloaded),
# and the concurrency stress test under TSan. Benchmarks are not built.
sanitize: deps
	@test -f $(ASAN_BUILD)/CMakeCache.txt || cmake -S . -B $(ASAN_BUILD) -DCMAKE_BUILD_TYPE=RelWithDebInfo \
	  $(LAUNCHER) -DSEQFEAT_SANITIZE=address,undefined -DSEQFEAT_BUILD_BENCH=OFF
	cmake --build $(ASAN_BUILD) -j$(JOBS) --target seqfeat test_core test_capi test_hpp
	tests/sanitize.sh asan $(ASAN_BUILD) $(PYTHON)
	@test -f $(TSAN_BUILD)/CMakeCache.txt || cmake -S . -B $(TSAN_BUILD) -DCMAKE_BUILD_TYPE=RelWithDebInfo \
	  $(LAUNCHER) -DSEQFEAT_SANITIZE=thread -DSEQFEAT_BUILD_BENCH=OFF
	cmake --build $(TSAN_BUILD) -j$(JOBS) --target test_capi
	tests/sanitize.sh tsan $(TSAN_BUILD)

# valgrind over the C ABI tests (no leak, no invalid access).
memcheck: build
	$(call install_packages,$(MEMCHECK_PACKAGES))
	tests/memcheck.sh $(BUILD)

BENCH_PYTHON = SEQFEAT_LIBRARY=$(CURDIR)/$(BENCH_BUILD)/libseqfeat.so PYTHONPATH=$(CURDIR)/bindings/python $(PYTHON)

bench: deps
	$(call install_packages,$(BENCH_PACKAGES))
	cmake -S . -B $(BENCH_BUILD) -DCMAKE_BUILD_TYPE=Release -DSEQFEAT_NATIVE_TUNING=ON
	cmake --build $(BENCH_BUILD) -j$(JOBS)
	$(BENCH_PYTHON) bench/compare_torch.py
	$(BENCH_PYTHON) bench/profile_call.py
	$(BENCH_PYTHON) bench/compare_train.py
	$(BENCH_PYTHON) bench/bench_tfrecord.py
	$(BENCH_PYTHON) bench/bench_scaleout.py

clean:
	rm -rf $(BUILD) $(BENCH_BUILD)

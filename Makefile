# childsafe — the commands a person types. See README.md.
#   make run    install dependencies, build, create the demo database (first time), start the server
#   make test   install dependencies, build, run every test (also the ASan/UBSan build of unit tests)
#   make bench  run the benchmarks (figures go in docs/performance.md)
#   make fuzz   run every fuzz target for FUZZ_SECONDS each
#   make format clang-format the C++ sources

SHELL := /bin/bash
BIN := build/release/childsafe
DB ?= var/childsafe.db
ADDR ?= 127.0.0.1
PORT ?= 8111
SEED ?= 111
FUZZ_SECONDS ?= 60
export CCACHE_DIR ?= $(CURDIR)/.ccache

.PHONY: all deps build build-asan build-fuzz run test test-release test-asan bench fuzz format clean

all: build

deps:
	@scripts/install-deps.sh

build: deps
	@cmake --preset release >/dev/null
	@cmake --build --preset release

build-asan: deps
	@cmake --preset asan >/dev/null
	@cmake --build --preset asan

build-fuzz: deps
	@cmake --preset fuzz >/dev/null
	@cmake --build --preset fuzz --target fuzzers

run: build
	@scripts/run-server.sh "$(BIN)" "$(DB)" "$(ADDR)" "$(PORT)" "$(SEED)"

test: build build-asan
	@ctest --preset release
	@ctest --preset asan

test-release: build
	@ctest --preset release

test-asan: build-asan
	@ctest --preset asan

bench: build
	@scripts/run-benchmarks.sh

fuzz: build-fuzz
	@scripts/run-fuzzers.sh $(FUZZ_SECONDS)

format:
	@git ls-files '*.cc' '*.h' | xargs clang-format -i

clean:
	rm -rf build

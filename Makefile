# TinyForge Studio: the two commands.
#   make run   installs missing Debian packages, builds, starts the studio on the default
#              project (headless without a display: the default pipeline with tinyforge-cli)
#   make test  installs missing Debian packages, builds, runs every test through ctest
BUILD ?= build
JOBS ?= 2
BUILD_TYPE ?= RelWithDebInfo
CMAKE_FLAGS ?=

.PHONY: all deps configure build run test asan clean screenshots

all: build

deps:
	@scripts/install-deps.sh

$(BUILD)/CMakeCache.txt:
	cmake -S . -B $(BUILD) -DCMAKE_BUILD_TYPE=$(BUILD_TYPE) $(CMAKE_FLAGS)

configure: deps $(BUILD)/CMakeCache.txt

build: configure
	cmake --build $(BUILD) -j$(JOBS)

run: build
	@scripts/run-studio.sh $(BUILD)

# Screenshots of every view under Xvfb (docs/screenshots by default).
screenshots: build
	@tests/studio_screenshots.sh $(BUILD) docs/screenshots

test: build
	cd $(BUILD) && ctest --output-on-failure -j$(JOBS)

# Sanitizer build of the whole test suite (ASan + UBSan) in build-asan/.
asan: deps
	cmake -S . -B build-asan -DCMAKE_BUILD_TYPE=Debug -DTINYFORGE_SANITIZE=ON $(CMAKE_FLAGS)
	cmake --build build-asan -j$(JOBS)
	cd build-asan && ctest --output-on-failure -j$(JOBS)

clean:
	rm -rf $(BUILD) build-asan

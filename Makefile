# haven - top-level entry points (GNU make). CMake does the real build.
#
#   make run           deps, build, demo data (+ 3,000 referrals of history) on first run,
#                      serve on 127.0.0.1:8080
#   make build         deps, configure + build build/
#   make test          deps, build/ + ctest, then build-asan/ (ASan+UBSan) + ctest
#   make bench         deps, Release build in build-release/, every bench/ script
#   make fuzz          libFuzzer targets in fuzz/ for FUZZ_SECONDS each (clang)
#   make format        clang-format -i over the C sources
#   make format-check  fail if clang-format would change anything
#   make clean         remove build directories (never var/)
#
# Env: HAVEN_DATA (default var), HAVEN_LISTEN (default 127.0.0.1:8080),
#      HAVEN_CONFIG (optional --config file), JOBS (default 2).

SHELL := /bin/bash
MAKEFLAGS += --no-print-directory
.DEFAULT_GOAL := build
.DELETE_ON_ERROR:

BUILD_DIR   ?= build
ASAN_DIR    ?= build-asan
RELEASE_DIR ?= build-release
JOBS        ?= 2
CMAKE       ?= cmake
CLANG_FORMAT ?= clang-format

HAVEN_DATA   := $(or $(HAVEN_DATA),var)
HAVEN_LISTEN := $(or $(HAVEN_LISTEN),127.0.0.1:8080)

C_SOURCES = $(sort $(shell find src tests/unit fuzz -type f \( -name '*.c' -o -name '*.h' \) 2>/dev/null) \
                   $(wildcard *.c *.h))

.PHONY: build run test bench fuzz format format-check clean

build:
	@scripts/deps.sh run
	$(CMAKE) -S . -B $(BUILD_DIR) --log-level=WARNING -DCMAKE_BUILD_TYPE=RelWithDebInfo -DHAVEN_SANITIZE=OFF
	$(CMAKE) --build $(BUILD_DIR) -j$(JOBS)

run: build
	@if [ ! -e "$(HAVEN_DATA)/haven.db" ]; then \
	  echo "make run: no $(HAVEN_DATA)/haven.db yet: creating demo data and 3,000 referrals of history"; \
	  $(BUILD_DIR)/haven demo --data "$(HAVEN_DATA)" --scale 3000; \
	fi
	@echo "make run: open http://localhost:$(lastword $(subst :, ,$(HAVEN_LISTEN))) and sign in as hotline / haven-demo-2026"
	@echo "make run: administrator: admin / haven-demo-2026, code: $(BUILD_DIR)/haven user totp-code admin --data $(HAVEN_DATA)"
	exec $(BUILD_DIR)/haven serve --data "$(HAVEN_DATA)" --listen "$(HAVEN_LISTEN)"$(if $(HAVEN_CONFIG), --config "$(HAVEN_CONFIG)")

test:
	@scripts/deps.sh test
	@BUILD_DIR=$(BUILD_DIR) ASAN_DIR=$(ASAN_DIR) JOBS=$(JOBS) scripts/test.sh

bench:
	@scripts/deps.sh bench
	$(CMAKE) -S . -B $(RELEASE_DIR) --log-level=WARNING -DCMAKE_BUILD_TYPE=Release -DHAVEN_SANITIZE=OFF
	$(CMAKE) --build $(RELEASE_DIR) -j$(JOBS) --target haven
	HAVEN_BIN=$(RELEASE_DIR)/haven bench/http.sh
	HAVEN_BIN=$(RELEASE_DIR)/haven bench/intake.sh
	HAVEN_BIN=$(RELEASE_DIR)/haven node bench/sse.mjs
	HAVEN_BIN=$(RELEASE_DIR)/haven bench/clocks.sh
	HAVEN_BIN=$(RELEASE_DIR)/haven node bench/notify.mjs
	HAVEN_BIN=$(RELEASE_DIR)/haven bench/outcomes.sh
	HAVEN_BIN=$(RELEASE_DIR)/haven bench/pg.sh
	HAVEN_BIN=$(RELEASE_DIR)/haven bench/linkage.sh
	HAVEN_BIN=$(RELEASE_DIR)/haven bench/suggest.sh
	HAVEN_BIN=$(RELEASE_DIR)/haven bench/directory.sh

FUZZ_DIR     ?= build-fuzz
FUZZ_SECONDS ?= 60
fuzz:
	@scripts/deps.sh run
	CC=clang $(CMAKE) -S . -B $(FUZZ_DIR) --log-level=WARNING -DCMAKE_BUILD_TYPE=Debug -DHAVEN_FUZZ=ON
	$(CMAKE) --build $(FUZZ_DIR) -j$(JOBS) --target fuzzers
	@for f in $(FUZZ_DIR)/fuzz_*; do \
	  echo "fuzz: $$f for $(FUZZ_SECONDS) s"; \
	  mkdir -p $(FUZZ_DIR)/corpus/$$(basename $$f); \
	  $$f -max_total_time=$(FUZZ_SECONDS) -max_len=4096 $(FUZZ_DIR)/corpus/$$(basename $$f) fuzz/seeds || exit 1; \
	done

format:
	$(if $(C_SOURCES),$(CLANG_FORMAT) -i $(C_SOURCES),@echo "format: no C sources")

format-check:
	$(if $(C_SOURCES),$(CLANG_FORMAT) --dry-run --Werror $(C_SOURCES),@echo "format-check: no C sources")

clean:
	rm -rf -- $(sort $(BUILD_DIR) $(ASAN_DIR) $(RELEASE_DIR) $(FUZZ_DIR) build build-asan build-release build-fuzz)

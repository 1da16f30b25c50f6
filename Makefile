# Kordon — the two commands a newcomer needs:
#   make demo   build and run the study-visit demo (headless for now)
#   make test   every check and test (what CI runs)
# Both install what is missing on a fresh Debian machine first.

CARGO ?= cargo
SHELL := /bin/bash

.PHONY: all deps build demo test lint unit e2e ui-test bench clean

all: build

# System packages needed to build: a C compiler (bundled SQLite, ring) and
# pkg-config. The Rust toolchain itself must be present (rustup).
deps:
	@command -v $(CARGO) >/dev/null || { echo "cargo not found: install the Rust toolchain (rustup) first"; exit 1; }
	@missing=""; \
	for tool in cc pkg-config; do command -v $$tool >/dev/null || missing="$$missing $$tool"; done; \
	if [ -n "$$missing" ]; then \
		echo "installing build tools (missing:$$missing)"; \
		SUDO=""; [ "$$(id -u)" = 0 ] || SUDO=sudo; \
		$$SUDO apt-get update -qq && $$SUDO apt-get install -y -qq build-essential pkg-config; \
	fi
	@$(CARGO) fmt --version >/dev/null 2>&1 || rustup component add rustfmt
	@$(CARGO) clippy --version >/dev/null 2>&1 || rustup component add clippy

build: deps
	$(CARGO) build --locked --bins

demo: build
	bash scripts/demo.sh

lint: deps
	$(CARGO) fmt --all -- --check
	$(CARGO) clippy --locked --all-targets -- -D warnings

unit: deps
	$(CARGO) test --locked --workspace --exclude kordon-e2e

e2e: deps
	$(CARGO) test --locked -p kordon-e2e

# The web UI (ui/): type check, component tests and a production build.
# Needs Node.js 20.19 or newer with npm.
ui-test:
	@command -v npm >/dev/null || { echo "npm not found: install Node.js 20.19 or newer (with npm) first"; exit 1; }
	cd ui && npm ci --no-audit --no-fund && npm run typecheck && npm test && npm run build

test: lint ui-test
	$(CARGO) test --locked --workspace

# Benchmarks also need `vips` (the tiling baseline for `kordon-bench import`).
bench: deps
	@command -v vips >/dev/null || { \
		SUDO=""; [ "$$(id -u)" = 0 ] || SUDO=sudo; \
		$$SUDO apt-get update -qq && $$SUDO apt-get install -y -qq libvips-tools; }
	$(CARGO) run --locked --release -p kordon-bench -- all


clean:
	$(CARGO) clean
	rm -rf demo-data

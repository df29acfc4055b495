# The two set-up commands of the README: `make demo` and `make test`.
# BLAS runs single-threaded unless the caller says otherwise (parallelism is at sweep level).
export OPENBLAS_NUM_THREADS ?= 1

.PHONY: setup demo test lint notebooks release python-test

setup:
	@./scripts/setup.sh

release: setup
	swift build -c release --product offload

## Installs what is missing, builds the CLI and solves configuration (a) of the
## service-mode offloading model (docs/service-modes.md §S9, placeholder values).
demo: release
	.build/release/offload modes solve

## Installs what is missing and runs every test: the Swift suites (Examples included), the
## Python package's tests and every README example as written.
test: setup
	swift test --disable-xctest
	$(MAKE) python-test
	./scripts/readme-examples.sh .build/release/offload

## The Python package's tests (python/), against the release CLI, in python/.venv
## (numpy, scipy, pandas and pytest from PyPI).
PYTHON ?= python3
python-test: release
	@test -x python/.venv/bin/pip || $(PYTHON) -m venv --clear python/.venv || { echo \
	  "python-test: needs $(PYTHON) >= 3.10 with the venv module (Debian: python3-venv)" >&2; \
	  exit 1; }
	python/.venv/bin/python -m pip install --quiet "./python[test]"
	OFFLOAD_BINARY="$(CURDIR)/.build/release/offload" OFFLOADLAB_REQUIRE_BINARY=1 \
	  python/.venv/bin/python -m pytest python/tests

lint:
	swift format lint --strict --recursive Sources Tests Package.swift

## Regenerates every CSV in notebooks-data/.
notebooks: release
	./scripts/regenerate-notebooks-data.sh .build/release/offload

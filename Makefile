# Everyday commands. Each installs what it needs first (scripts/setup).
.PHONY: pdf test setup setup-test lint bench clean

pdf: setup
	.venv/bin/briefgen build --lang ko

test: setup-test
	.venv/bin/python -m pytest

setup:
	scripts/setup

setup-test:
	scripts/setup --test

lint: setup-test
	.venv/bin/python -m pip install -q ruff mypy types-PyYAML
	.venv/bin/ruff check src tests
	.venv/bin/mypy

bench: setup
	scripts/setup --bench
	bench/run

clean:
	rm -rf output .pytest_cache

#!/usr/bin/env bash
# End-to-end benchmark, taskq against DuckDB: builds taskq, installs DuckDB from PyPI (the duckdb
# Python package for the flattening, duckdb-cli for whole-process queries), then runs compare.py.
# Arguments go to compare.py: --sizes 0.25,1,4 --runs 1 --query-runs 5 --query-size 1 --work DIR
set -euo pipefail
cd "$(dirname "$0")/.."
python3 -m pip install --quiet --disable-pip-version-check duckdb duckdb-cli
cargo build --release --workspace
exec python3 benches/compare.py "$@"

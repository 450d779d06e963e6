#!/usr/bin/env bash
# The whole test suite, exactly as CI runs it (.ci/run calls this script).
# 1. installs what the tests need that cargo does not (the scim2-server venv for the
#    interoperability tests), 2. runs every Rust test, 3. runs the fuzz smoke runs when
#    the fuzz targets exist.
set -euo pipefail
cd "$(dirname "$0")/.."

if [ -x scripts/ci-setup.sh ]; then
  scripts/ci-setup.sh
fi

cargo test --locked

if [ -x scripts/fuzz-smoke.sh ]; then
  scripts/fuzz-smoke.sh
fi

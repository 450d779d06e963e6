#!/usr/bin/env bash
# Bounded fuzz run for CI: builds the cargo-fuzz targets in fuzz/ and runs each for
# FUZZ_SECONDS (default 30) on a scratch copy of its committed seed corpus. Any crash fails
# the run; copy the input it prints (fuzz/artifacts/<target>/crash-*) into
# fuzz/regressions/<target>/ so tests/fuzz_regressions.rs replays it forever after.
#
# Long local runs: FUZZ_RUNS=N stops a target after N executions (whichever of the two
# bounds comes first), FUZZ_TARGETS="a b" picks targets. The number of executions of each
# target is printed (stat::number_of_executed_units); docs/hardening.md records them.
#   FUZZ_RUNS=10000000 FUZZ_SECONDS=7200 FUZZ_TARGETS=idp_import scripts/fuzz-smoke.sh
#
# cargo-fuzz needs nightly-only flags; RUSTC_BOOTSTRAP=1 lets the stable toolchain accept them.
set -euo pipefail
cd "$(dirname "$0")/.."

seconds="${FUZZ_SECONDS:-30}"
runs="${FUZZ_RUNS:--1}"
export RUSTC_BOOTSTRAP=1

if ! cargo fuzz --version >/dev/null 2>&1; then
  echo "fuzz-smoke: installing cargo-fuzz from crates.io" >&2
  cargo install cargo-fuzz --locked --quiet
fi

cd fuzz
# -s none: the code under test is safe Rust, so panics (not memory errors) are what we look
# for; skipping AddressSanitizer roughly halves build time and doubles executions per second.
cargo fuzz build -s none

targets=${FUZZ_TARGETS:-$(sed -n 's/^name = "\([a-z_]*\)"$/\1/p' Cargo.toml | grep -v '^scim-doctor-fuzz$')}
for t in $targets; do
  scratch=$(mktemp -d)
  cp -r "corpus/$t/." "$scratch/"
  echo "fuzz-smoke: $t for ${seconds}s$([ "$runs" -ge 0 ] && echo " or $runs executions")" >&2
  log=$(mktemp)
  status=0
  cargo fuzz run -s none "$t" "$scratch" -- -max_total_time="$seconds" -runs="$runs" -rss_limit_mb=2048 \
    -print_final_stats=1 >"$log" 2>&1 || status=$?
  grep -E "^(stat::number_of_executed_units|stat::peak_rss_mb|Done [0-9]+ runs)|SUMMARY|panicked" "$log" >&2 || true
  if [ "$status" -ne 0 ]; then tail -40 "$log" >&2; fi
  rm -f "$log"
  rm -rf "$scratch"
  if [ "$status" -ne 0 ]; then
    echo "fuzz-smoke: $t FAILED (exit $status); see fuzz/artifacts/$t/" >&2
    exit 1
  fi
done
echo "fuzz-smoke: every target ran its bound without a crash" >&2

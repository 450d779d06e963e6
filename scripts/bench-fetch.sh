#!/usr/bin/env bash
# Fetch benchmark, one command from a clean checkout (builds the release binary first):
#
#   scripts/bench-fetch.sh
#
# Against `scim-doctor serve --generate 100000 --latency-ms 50` it measures, at
# --concurrency 8:
#   1. scim-doctor's full fetch (`snapshot`: connection checks, discovery, every page of
#      Users and Groups, the filter probes, writing the snapshot);
#   2. the raw transfer floor: the same page URLs fetched by curl, 8 at a time
#      (curl --parallel --parallel-max 8, one process, keep-alive);
#   3. sequential paging, one page at a time (`snapshot --concurrency 1`), what scripts and
#      the Python tools do;
# prints the ratios (targets: <= 1.25x the floor, >= 6x faster than sequential), then the
# peak RSS of loading a generated 1,000,000-user snapshot (target <= 1 GB).
#
# Knobs (environment): BENCH_USERS (100000), BENCH_LATENCY_MS (50), BENCH_CONCURRENCY (8),
# BENCH_BIG_USERS (1000000; 0 skips the memory part), BENCH_SKIP_BUILD=1.
set -euo pipefail
cd "$(dirname "$0")/.."

USERS="${BENCH_USERS:-100000}"
LATENCY="${BENCH_LATENCY_MS:-50}"
CONC="${BENCH_CONCURRENCY:-8}"
BIG="${BENCH_BIG_USERS:-1000000}"
BIN="target/release/scim-doctor"

if [ "${BENCH_SKIP_BUILD:-0}" != 1 ]; then
  echo "building the release binary (takes a few minutes the first time)..." >&2
  cargo build --release --locked --bin scim-doctor >&2
fi

WORK="$(mktemp -d "${TMPDIR:-/tmp}/scim-doctor-bench.XXXXXX")"
SERVER_PID=""
cleanup() {
  if [ -n "$SERVER_PID" ]; then kill "$SERVER_PID" 2>/dev/null || true; wait "$SERVER_PID" 2>/dev/null || true; fi
  rm -rf "$WORK"
}
trap cleanup EXIT

# A throwaway token for the local benchmark server; never a real credential.
TOKEN="bench-$(od -An -N8 -tx8 /dev/urandom | tr -d ' ')"
export SCIM_TOKEN="$TOKEN" SCIM_DOCTOR_SERVE_TOKEN="$TOKEN"

now() { date +%s.%N; }
secs() { awk -v a="$1" -v b="$2" 'BEGIN { printf "%.2f", b - a }'; }
ratio() { awk -v a="$1" -v b="$2" 'BEGIN { printf "%.2f", a / b }'; }

echo "starting: scim-doctor serve --generate $USERS --latency-ms $LATENCY" >&2
"$BIN" serve --generate "$USERS" --latency-ms "$LATENCY" >"$WORK/serve.out" 2>"$WORK/serve.err" &
SERVER_PID=$!
BASE=""
for _ in $(seq 1 600); do
  BASE="$(head -n1 "$WORK/serve.out" 2>/dev/null || true)"
  [ -n "$BASE" ] && break
  if ! kill -0 "$SERVER_PID" 2>/dev/null; then cat "$WORK/serve.err" >&2; exit 1; fi
  sleep 0.1
done
[ -n "$BASE" ] || { echo "the server printed no base URL" >&2; exit 1; }

# 1. scim-doctor's full fetch.
t0=$(now)
"$BIN" -q snapshot --base-url "$BASE" --out "$WORK/snap" --concurrency "$CONC"
t1=$(now)
FULL=$(secs "$t0" "$t1")
GOT=$(grep -c . "$WORK/snap/users.ndjson")
[ "$GOT" = "$USERS" ] || { echo "snapshot holds $GOT users, expected $USERS" >&2; exit 1; }
NGROUPS=$(grep -c . "$WORK/snap/groups.ndjson" || true)
PAGE=$(grep -o '"Users?startIndex=1&count=[0-9]*' "$WORK/snap/requests.jsonl" | grep -v 'count=1$\|count=2$' | head -n1 | sed 's/.*count=//')
PAGE="${PAGE:-100}"

# 2. The raw transfer floor: the same Users and Groups page URLs, with curl at the same concurrency.
: >"$WORK/curl.cfg"
for kind in "Users:$USERS" "Groups:$NGROUPS"; do
  name="${kind%%:*}"; total="${kind##*:}"
  start=1
  while [ "$start" -le "$total" ] || [ "$start" = 1 ]; do
    printf 'url = "%s/%s?startIndex=%d&count=%d"\noutput = "/dev/null"\n' "$BASE" "$name" "$start" "$PAGE" >>"$WORK/curl.cfg"
    start=$((start + PAGE))
  done
done
URLS=$(grep -c '^url' "$WORK/curl.cfg")
t0=$(now)
curl -sS --fail --parallel --parallel-max "$CONC" -H "Authorization: Bearer $TOKEN" --config "$WORK/curl.cfg"
t1=$(now)
FLOOR=$(secs "$t0" "$t1")

# 3. Sequential paging, one page at a time.
t0=$(now)
"$BIN" -q snapshot --base-url "$BASE" --out "$WORK/snap-seq" --concurrency 1
t1=$(now)
SEQ=$(secs "$t0" "$t1")

kill "$SERVER_PID" 2>/dev/null || true; wait "$SERVER_PID" 2>/dev/null || true; SERVER_PID=""

echo
echo "fetch benchmark: $USERS users, $NGROUPS groups, ${LATENCY} ms per response, page size $PAGE, concurrency $CONC"
printf '  scim-doctor snapshot (full fetch)   %8s s\n' "$FULL"
printf '  curl floor (%d page URLs)          %8s s\n' "$URLS" "$FLOOR"
printf '  sequential (--concurrency 1)        %8s s\n' "$SEQ"
printf '  full fetch / floor      = %sx (target <= 1.25x)\n' "$(ratio "$FULL" "$FLOOR")"
printf '  sequential / full fetch = %sx (target >= 6x)\n' "$(ratio "$SEQ" "$FULL")"

# 4. Peak RSS of loading a large snapshot.
if [ "$BIG" -gt 0 ]; then
  echo >&2
  echo "generating a $BIG-user snapshot..." >&2
  python3 scripts/gen-snapshot.py "$BIG" "$WORK/big"
  # incomplete-import holds only live checks: offline they are skipped, so this measures loading.
  /usr/bin/time -v "$BIN" check --snapshot "$WORK/big" --playbook incomplete-import --format json \
    >"$WORK/big.json" 2>"$WORK/big.time" || true
  RSS_KB=$(awk -F: '/Maximum resident set size/ { gsub(/ /, "", $2); print $2 }' "$WORK/big.time")
  LOADED=$(grep -o '"users":[0-9]*' "$WORK/big.json" | head -n1 | sed 's/.*://')
  ELAPSED=$(awk -F': ' '/Elapsed \(wall clock\)/ { print $2 }' "$WORK/big.time")
  printf '  load %s-user snapshot: peak RSS %s MiB (target <= 1024 MiB), %s users loaded in %s\n' \
    "$BIG" "$((RSS_KB / 1024))" "${LOADED:-?}" "$ELAPSED"
fi

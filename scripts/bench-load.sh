#!/usr/bin/env bash
# Load benchmark (issue 13), one command from a clean checkout (builds the release binary
# and the floor program first):
#
#   scripts/bench-load.sh                     # 1,000,000 users, every format
#   BENCH_USERS=100000 scripts/bench-load.sh  # quick mode
#
# Generates a tenant (never committed) in every input format `check --snapshot` reads:
#   listresponse  Users.json / Groups.json as one SCIM ListResponse each (what curl gives)
#   array         the same resources as bare JSON arrays
#   ndjson        scim-doctor's own snapshot directory (users.ndjson, groups.ndjson)
#   bundle        a bundle-style zip holding snapshot/*.ndjson
#   gzip          the ListResponse files gzip-compressed (Users.json.gz)
# and for each prints: the floor (examples/floor.rs: a plain typed serde parse keeping only
# id, userName, externalId, displayName, active, emails[].value, members[].value), the
# tool's load and checks split (its `-v` timing line), the total wall time, total / floor,
# and the peak RSS of both (GNU time). A format the tool cannot read is reported as such.
#
# Knobs: BENCH_USERS (default 1000000), BENCH_FORMATS (default all five, space separated),
# BENCH_ROUNDS (default 3: the best wall time of each, floor and tool alike),
# BENCH_KEEP=1 keeps the generated files (their directory is printed), BENCH_DIR=DIR reuses
# (or keeps) the generated files in DIR.
set -euo pipefail

ROOT="$(cd "$(dirname "$0")/.." && pwd)"
USERS="${BENCH_USERS:-1000000}"
FORMATS="${BENCH_FORMATS:-listresponse array ndjson bundle gzip}"
ROUNDS="${BENCH_ROUNDS:-3}"
# shellcheck source=scripts/bench-common.sh
. "$ROOT/scripts/bench-common.sh"
bench_need_time bench-load

echo "bench-load: building the release binary and the floor program..." >&2
# Two builds, not one: building the example with the binary would unify dev-dependency
# features into the binary's build and make scripts/bench-fetch.sh rebuild everything.
cargo build --release --locked --quiet --bin scim-doctor --manifest-path "$ROOT/Cargo.toml"
cargo build --release --locked --quiet --example floor --manifest-path "$ROOT/Cargo.toml"
BIN="$ROOT/target/release/scim-doctor"
FLOOR="$ROOT/target/release/examples/floor"

bench_workdir bench-load

# A tenant of another size in BENCH_DIR is generated again.
if [ "$(cat "$WORK/users" 2>/dev/null)" != "$USERS" ]; then
    rm -rf "$WORK/ndjson" "$WORK/listresponse" "$WORK/array" "$WORK/gzip" "$WORK/bundle.zip"
fi
if [ ! -d "$WORK/ndjson" ]; then
    echo "bench-load: generating $USERS users..." >&2
    python3 "$ROOT/scripts/gen-snapshot.py" "$USERS" "$WORK/ndjson"
    echo "$USERS" >"$WORK/users"
fi
# The other formats, derived from the NDJSON line by line (no document held in memory).
python3 - "$WORK" "$FORMATS" <<'PY'
import gzip, os, sys, zipfile
work, formats = sys.argv[1], sys.argv[2].split()
src = os.path.join(work, "ndjson")
LIST = "urn:ietf:params:scim:api:messages:2.0:ListResponse"

def lines(kind):
    with open(os.path.join(src, f"{kind}.ndjson"), "rb") as f:
        for line in f:
            line = line.strip()
            if line:
                yield line

def count(kind):
    return sum(1 for _ in lines(kind))

def write_json(out, kind, listresponse):
    n = count(kind) if listresponse else 0
    if listresponse:
        out.write(b'{"schemas":["' + LIST.encode() + b'"],"totalResults":%d,"startIndex":1,"itemsPerPage":%d,"Resources":[' % (n, n))
    else:
        out.write(b"[")
    for i, line in enumerate(lines(kind)):
        if i:
            out.write(b",\n")
        out.write(line)
    out.write(b"]}" if listresponse else b"]")

for fmt in formats:
    if os.path.exists(os.path.join(work, "bundle.zip" if fmt == "bundle" else fmt)):
        continue
    if fmt == "listresponse" or fmt == "array":
        d = os.path.join(work, fmt); os.makedirs(d)
        for kind, name in (("users", "Users.json"), ("groups", "Groups.json")):
            with open(os.path.join(d, name), "wb") as out:
                write_json(out, kind, fmt == "listresponse")
    elif fmt == "gzip":
        d = os.path.join(work, fmt); os.makedirs(d)
        for kind, name in (("users", "Users.json.gz"), ("groups", "Groups.json.gz")):
            with gzip.open(os.path.join(d, name), "wb", compresslevel=1) as out:
                write_json(out, kind, True)
    elif fmt == "bundle":
        with zipfile.ZipFile(os.path.join(work, "bundle.zip"), "w", zipfile.ZIP_DEFLATED, compresslevel=1) as z:
            for name in ("snapshot.json", "users.ndjson", "groups.ndjson"):
                z.write(os.path.join(src, name), "snapshot/" + name)
PY

path_of() {
    case "$1" in
        bundle) echo "$WORK/bundle.zip" ;;
        *) echo "$WORK/$1" ;;
    esac
}

# Runs a command under GNU time; prints "<wall seconds> <peak RSS KiB>" and leaves the
# command's stderr in $WORK/stderr.
measure() {
    local out="$WORK/time"
    set +e
    "$TIME" -f "%e %M" -o "$out" "$@" >/dev/null 2>"$WORK/stderr"
    local code=$?
    set -e
    if [ "$code" -ne 0 ] && [ "$code" -ne 1 ]; then
        echo "failed $code"
        return
    fi
    tail -n 1 "$out"
}

printf 'load benchmark: %s users, %s\n' "$USERS" "$(date -u +%Y-%m-%dT%H:%MZ)"
printf 'best of %s rounds\n' "$ROUNDS"
printf '%-13s %8s %8s %8s %6s %8s %7s %10s %10s\n' format floor load checks "c/l" total ratio "floor RSS" "RSS"
# Best of $ROUNDS for both the floor and the tool (the same treatment: a shared machine's
# noise only ever adds time); peak RSS is the largest seen.
for fmt in $FORMATS; do
    p="$(path_of "$fmt")"
    fwall="" frss="" twall="" trss="" load="" checks="" failed=""
    for _ in $(seq "$ROUNDS"); do
        read -r w r <<<"$(measure "$FLOOR" "$p")"
        if [ "$w" = failed ]; then
            failed="floor program failed: $(head -c 200 "$WORK/stderr")"
            break
        fi
        fwall="$(best "$fwall" "$w")" frss="$(most "$frss" "$r")"
        read -r w r <<<"$(measure "$BIN" check --snapshot "$p" --format json -v --color never)"
        if [ "$w" = failed ]; then
            failed="scim-doctor cannot read this format: $(grep -v '^debug' "$WORK/stderr" | head -c 160 | tr '\n' ' ')"
            break
        fi
        trss="$(most "$trss" "$r")"
        if [ "$(best "$twall" "$w")" = "$w" ]; then
            twall="$w"
            timing="$(grep -o 'timing: load [0-9.]* s, checks [0-9.]* s' "$WORK/stderr" | tail -n 1 || true)"
            load="$(sed -E 's/timing: load ([0-9.]+) s.*/\1/' <<<"$timing")"
            checks="$(sed -E 's/.*checks ([0-9.]+) s/\1/' <<<"$timing")"
        fi
    done
    if [ -n "$failed" ]; then
        printf '%-13s %s\n' "$fmt" "$failed"
        continue
    fi
    ratio="$(awk -v t="$twall" -v f="$fwall" 'BEGIN { if (f > 0) printf "%.2fx", t / f; else print "n/a" }')"
    share="$(awk -v c="${checks:-0}" -v l="${load:-0}" 'BEGIN { if (l > 0) printf "%.0f%%", 100 * c / l; else print "n/a" }')"
    printf '%-13s %7.2fs %7.2fs %7.2fs %6s %7.2fs %7s %7d MiB %6d MiB\n' "$fmt" "$fwall" "${load:-0}" "${checks:-0}" \
        "$share" "$twall" "$ratio" $((frss / 1024)) $((trss / 1024))
done
echo "targets (issue 13): total <= 1.5x floor, checks <= 20% of load, peak RSS <= 1024 MiB in every format"

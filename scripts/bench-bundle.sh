#!/usr/bin/env bash
# Bundle benchmark (issue 26), one command from a clean checkout (builds the release binary
# first):
#
#   scripts/bench-bundle.sh                     # 1,000,000 users, NDJSON and ListResponse
#   BENCH_USERS=100000 scripts/bench-bundle.sh  # quick mode
#
# Generates a tenant (never committed, scripts/gen-snapshot.py) as a snapshot directory
# (NDJSON) and as ListResponse files (what curl gives), and for each input measures, best
# of BENCH_ROUNDS rounds taken in turn (floor, tool, floor, tool...; the two bundles change
# places every round, so that each runs right after `zip` as often as the other):
#   audit      `check --snapshot` with the playbooks `bundle` runs (every one): the audit alone
#   zip -6     Info-ZIP's `zip -6` of the same input files (the compression floor); when
#              `zip` is not on PATH, examples/deflate_floor.rs instead: the zip crate's
#              deflate at level 6 on one thread, one entry per file (built next to the
#              binary). The first line of the output says which floor was used.
#   bundle     `bundle --snapshot`
#   redacted   `bundle --snapshot --redact-pii`
# and then, on the bundle made from the NDJSON directory, `bundle verify` and
# `check --snapshot <bundle.zip>` against the audit of the directory. Peak RSS from GNU time.
#
# Targets (issue 26), held in every run: bundle <= 1.2x (audit + zip -6); redacted <= 1.5x
# bundle; verify and check of the bundle <= 1.5x the audit of the directory; peak RSS <=
# 1024 MiB for all. The last line says whether they held (exit 0 either way: a benchmark
# reports, CI does not time).
#
# Each measured command starts right after scripts/prime-memory.py has touched
# BENCH_PRIME_MIB (default 1024) MiB in huge pages, untimed: on the 2-core VM this was
# measured on, memory left free for a few seconds goes back to the host, and the program
# that touches it next pays up to 3 s of system time (1.5 s of wall time) to get it back,
# whatever the program; without the primer, which command paid depended on what ran
# before it.
#
# Knobs: BENCH_USERS (default 1000000), BENCH_FORMATS (default "ndjson listresponse"),
# BENCH_ROUNDS (default 6, three with each bundle first: the best of more rounds is the
# steadier estimate), BENCH_PRIME_MIB (0: no primer), BENCH_DIR=DIR reuses (or keeps) the
# generated files in DIR,
# BENCH_KEEP=1 keeps a temporary directory (its path is printed),
# SCIM_DOCTOR_THREADS caps the tool's compression threads (default: every core),
# BENCH_FLOOR=zip|crate chooses the compression floor (default: zip when it is on PATH,
# else crate; BENCH_FLOOR=zip without `zip` on PATH is an error).
set -euo pipefail

ROOT="$(cd "$(dirname "$0")/.." && pwd)"
USERS="${BENCH_USERS:-1000000}"
FORMATS="${BENCH_FORMATS:-ndjson listresponse}"
ROUNDS="${BENCH_ROUNDS:-6}"
PRIME_MIB="${BENCH_PRIME_MIB:-1024}"
case "$PRIME_MIB" in
    '' | *[!0-9]*)
        echo "bench-bundle: BENCH_PRIME_MIB must be a number of MiB (0: no primer), not '$PRIME_MIB'" >&2
        exit 2
        ;;
esac
# shellcheck source=scripts/bench-common.sh
. "$ROOT/scripts/bench-common.sh"
bench_need_time bench-bundle

FLOOR_KIND="${BENCH_FLOOR:-$(command -v zip >/dev/null && echo zip || echo crate)}"
case "$FLOOR_KIND" in
    zip)
        if ! command -v zip >/dev/null; then
            echo "bench-bundle: BENCH_FLOOR=zip but \`zip\` is not on PATH (install Info-ZIP zip, or use BENCH_FLOOR=crate)" >&2
            exit 2
        fi
        ;;
    crate) ;;
    *)
        echo "bench-bundle: BENCH_FLOOR must be zip or crate, not '$FLOOR_KIND'" >&2
        exit 2
        ;;
esac

echo "bench-bundle: building the release binary..." >&2
cargo build --release --locked --quiet --bin scim-doctor --manifest-path "$ROOT/Cargo.toml"
BIN="$ROOT/target/release/scim-doctor"
DEFLATE_FLOOR="$ROOT/target/release/examples/deflate_floor"
if [ "$FLOOR_KIND" = crate ]; then
    # A build of its own, as in scripts/bench-load.sh: building the example with the binary
    # would unify dev-dependency features into the binary's build.
    echo "bench-bundle: building the compression floor program (examples/deflate_floor.rs)..." >&2
    cargo build --release --locked --quiet --example deflate_floor --manifest-path "$ROOT/Cargo.toml"
fi

bench_workdir bench-bundle
OUT="$WORK/out"
rm -rf "$OUT"
mkdir -p "$OUT"

if [ "$(cat "$WORK/users" 2>/dev/null)" != "$USERS" ]; then
    rm -rf "$WORK/ndjson" "$WORK/listresponse"
fi
if [ ! -d "$WORK/ndjson" ]; then
    echo "bench-bundle: generating $USERS users..." >&2
    python3 "$ROOT/scripts/gen-snapshot.py" "$USERS" "$WORK/ndjson"
    echo "$USERS" >"$WORK/users"
fi
if [ ! -d "$WORK/listresponse" ]; then
    python3 - "$WORK" <<'PY'
import os, sys
work = sys.argv[1]
src, dst = os.path.join(work, "ndjson"), os.path.join(work, "listresponse")
os.makedirs(dst)
LIST = b"urn:ietf:params:scim:api:messages:2.0:ListResponse"
for kind, name in (("users", "Users.json"), ("groups", "Groups.json")):
    path = os.path.join(src, kind + ".ndjson")
    n = sum(1 for l in open(path, "rb") if l.strip())
    with open(path, "rb") as f, open(os.path.join(dst, name), "wb") as out:
        out.write(b'{"schemas":["' + LIST + b'"],"totalResults":%d,"startIndex":1,"itemsPerPage":%d,"Resources":[' % (n, n))
        first = True
        for line in f:
            line = line.strip()
            if line:
                out.write(line if first else b",\n" + line)
                first = False
        out.write(b"]}")
PY
fi

# Every playbook, as `bundle` runs them, so that the audit floor runs the same checks.
PLAYBOOKS=()
for p in "$ROOT"/playbooks/*.toml; do
    PLAYBOOKS+=(--playbook "$(basename "$p" .toml)")
done

# Runs a command under GNU time, right after the memory primer (untimed); prints
# "<wall seconds> <peak RSS KiB>".
measure() {
    local out="$WORK/time"
    python3 "$ROOT/scripts/prime-memory.py" "$PRIME_MIB"
    set +e
    "$TIME" -f "%e %M" -o "$out" "$@" >/dev/null 2>"$WORK/stderr"
    local code=$?
    set -e
    if [ "$code" -ne 0 ] && [ "$code" -ne 1 ]; then
        echo "failed $code: $(head -c 300 "$WORK/stderr" | tr '\n' ' ')" >&2
        echo "failed 0"
        return
    fi
    tail -n 1 "$out"
}

zip_floor() {
    local dir="$1"
    rm -f "$OUT/floor.zip"
    if [ "$FLOOR_KIND" = zip ]; then
        (cd "$dir" && zip -6 -q -r "$OUT/floor.zip" .)
    else
        "$DEFLATE_FLOOR" "$OUT/floor.zip" "$dir"/*
    fi
}
export -f zip_floor
export OUT FLOOR_KIND DEFLATE_FLOOR

ratio() { awk -v t="$1" -v f="$2" 'BEGIN { if (f > 0) printf "%.2f", t / f; else print "0" }'; }
held=1
verdict() { # value limit -> "ok" or "MISSED"
    if awk -v v="$1" -v l="$2" 'BEGIN { exit !(v + 0 <= l + 0) }'; then echo ok; else echo MISSED; fi
}
# Prints a line of verdicts and notes whether one was missed.
say() {
    echo "$1"
    case "$1" in *MISSED*) held=0 ;; esac
}
mib() { echo $(( ${1:-0} / 1024 )); }

printf 'bundle benchmark: %s users, %s, %s core(s), compression floor: %s\n' "$USERS" "$(date -u +%Y-%m-%dT%H:%MZ)" \
    "$(nproc)" "$(if [ "$FLOOR_KIND" = zip ]; then echo 'Info-ZIP zip -6'; else echo 'the zip crate at level 6, one thread (examples/deflate_floor.rs)'; fi)"
printf 'best of %s rounds, taken in turn; memory primed before each command: %s MiB\n' "$ROUNDS" "$PRIME_MIB"
printf '%-13s %8s %8s %8s %8s %9s %9s %9s %9s\n' input audit "zip -6" bundle redacted "b/(a+z)" "r/b" "b RSS" "r RSS"
for fmt in $FORMATS; do
    p="$WORK/$fmt"
    a="" z="" b="" r="" arss="" brss="" rrss=""
    plain() {
        rm -f "$OUT/b.zip" "$OUT/b.zip.sha256"
        read -r w m <<<"$(measure "$BIN" -q bundle --snapshot "$p" --out "$OUT/b.zip" --format json --color never)"
        b="$(best "$b" "$w")" brss="$(most "$brss" "$m")"
    }
    redacted() {
        rm -f "$OUT/r.zip" "$OUT/r.zip.sha256" "$OUT/r.zip.map.json"
        read -r w m <<<"$(measure "$BIN" -q bundle --snapshot "$p" --redact-pii --out "$OUT/r.zip" --format json --color never)"
        r="$(best "$r" "$w")" rrss="$(most "$rrss" "$m")"
    }
    for round in $(seq "$ROUNDS"); do
        read -r w m <<<"$(measure "$BIN" -q check --snapshot "$p" "${PLAYBOOKS[@]}" --format json --color never)"
        a="$(best "$a" "$w")" arss="$(most "$arss" "$m")"
        read -r w m <<<"$(measure bash -c "zip_floor '$p'")"
        z="$(best "$z" "$w")"
        # The two bundles change places every round, so that neither always runs right
        # after `zip` (with BENCH_PRIME_MIB=0, the one that follows `zip` finds fewer of
        # its memory pages ready; see the primer above).
        if [ $((round % 2)) = 1 ]; then
            plain
            redacted
        else
            redacted
            plain
        fi
    done
    floor="$(awk -v a="$a" -v z="$z" 'BEGIN { print a + z }')"
    rb="$(ratio "$b" "$floor")" rr="$(ratio "$r" "$b")"
    printf '%-13s %7.2fs %7.2fs %7.2fs %7.2fs %8sx %8sx %5d MiB %5d MiB\n' "$fmt" "$a" "$z" "$b" "$r" "$rb" "$rr" \
        "$(mib "$brss")" "$(mib "$rrss")"
    say "$(printf '%-13s   bundle <= 1.2x: %s; redacted <= 1.5x bundle: %s; RSS <= 1024 MiB: %s (audit alone %d MiB; bundle %s, redacted %s MiB zipped)\n' "" \
        "$(verdict "$rb" 1.2)" "$(verdict "$rr" 1.5)" "$(verdict "$(most "$brss" "$rrss")" 1048576)" "$(mib "$arss")" \
        "$(( $(stat -c %s "$OUT/b.zip") / 1048576 ))" "$(( $(stat -c %s "$OUT/r.zip") / 1048576 ))")"
    if [ "$fmt" = ndjson ]; then
        v="" c="" vrss="" crss="" d=""
        for _ in $(seq "$ROUNDS"); do
            read -r w m <<<"$(measure "$BIN" -q check --snapshot "$p" --format json --color never)"
            d="$(best "$d" "$w")"
            read -r w m <<<"$(measure "$BIN" -q bundle verify "$OUT/b.zip")"
            v="$(best "$v" "$w")" vrss="$(most "$vrss" "$m")"
            read -r w m <<<"$(measure "$BIN" -q check --snapshot "$OUT/b.zip" --format json --color never)"
            c="$(best "$c" "$w")" crss="$(most "$crss" "$m")"
        done
        rv="$(ratio "$v" "$d")" rc="$(ratio "$c" "$d")"
        say "$(printf '%-13s   audit of the directory %.2fs; bundle verify %.2fs (%sx, %d MiB): %s, %s; check --snapshot bundle.zip %.2fs (%sx, %d MiB): %s, %s\n' "" \
            "$d" "$v" "$rv" "$(mib "$vrss")" "$(verdict "$rv" 1.5)" "$(verdict "$vrss" 1048576)" \
            "$c" "$rc" "$(mib "$crss")" "$(verdict "$rc" 1.5)" "$(verdict "$crss" 1048576)")"
    fi
done
if [ "$held" = 1 ]; then
    echo "targets (issue 26): held"
else
    echo "targets (issue 26): MISSED (see the lines above)"
fi

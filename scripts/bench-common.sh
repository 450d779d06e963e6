# Shared by the benchmark scripts (sourced, not run): GNU time, the work directory, and the
# best-of-N helpers. Each function takes the script's name for its messages.

# Exits 2 unless GNU time is there (for peak RSS); sets TIME.
bench_need_time() {
    TIME=/usr/bin/time
    if [ ! -x "$TIME" ]; then
        echo "$1: GNU time (/usr/bin/time) is needed for peak RSS; install the 'time' package" >&2
        exit 2
    fi
}

# Sets WORK: BENCH_DIR (kept), else a new temporary directory removed on exit unless
# BENCH_KEEP=1.
bench_workdir() {
    if [ -n "${BENCH_DIR:-}" ]; then
        WORK="$BENCH_DIR"
        mkdir -p "$WORK"
        echo "$1: the generated files stay in $WORK" >&2
    else
        WORK="$(mktemp -d "${TMPDIR:-/tmp}/scim-doctor-$1.XXXXXX")"
        if [ "${BENCH_KEEP:-0}" != 1 ]; then
            trap 'rm -rf "$WORK"' EXIT
        else
            echo "$1: keeping the generated files in $WORK" >&2
        fi
    fi
}

# The smaller (best) and the larger (most) of a running value and a new one.
best() { awk -v a="$1" -v b="$2" 'BEGIN { print (a == "" || b + 0 < a + 0) ? b : a }'; }
most() { awk -v a="$1" -v b="$2" 'BEGIN { print (a == "" || b + 0 > a + 0) ? b : a }'; }

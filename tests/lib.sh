# lib.sh: TAP helpers for the end-to-end test scripts (sourced).
# Every check prints "ok N - name" or "not ok N - name"; done_testing prints the plan.
: "${top_srcdir:=$(cd "$(dirname "$0")/.." && pwd)}"
: "${top_builddir:=$top_srcdir}"
: "${UPSCOPE:=$top_builddir/upscope}"
CAPTURES="$top_srcdir/captures"
PY=${PYTHON:-/usr/bin/python3}
tap_n=0
tap_failed=0
TMP=$(mktemp -d "${TMPDIR:-/tmp}/upscope-test.XXXXXX")
trap 'rm -rf "$TMP"' EXIT

ok() { tap_n=$((tap_n + 1)); echo "ok $tap_n - $*"; }
not_ok() { tap_n=$((tap_n + 1)); tap_failed=$((tap_failed + 1)); echo "not ok $tap_n - $*"; }

# skip NAME REASON: a check this machine cannot run (TAP's SKIP directive: counted as skipped)
skip() { tap_n=$((tap_n + 1)); echo "ok $tap_n - $1 # SKIP $2"; }

# skip_all REASON: the whole script cannot run here (no pseudo-terminal, no root, a missing
# program): one SKIP line, said once, and a clean exit
skip_all() { skip "$(basename "$0")" "$1"; done_testing; exit 0; }

# have_pty: can a pseudo-terminal be opened here? (tmux needs one; a chroot without devpts
# has none)
have_pty() {
    local probe="upscope-pty-probe-$$"
    command -v tmux >/dev/null || return 1
    tmux -L "$probe" new-session -d -x 20 -y 5 "sleep 5" 2>"$TMP/pty.err" || return 1
    tmux -L "$probe" kill-server 2>/dev/null
    return 0
}

# check NAME COMMAND...: passes when the command succeeds
check() {
    local name=$1; shift
    if "$@" >"$TMP/check.out" 2>&1; then ok "$name"; else
        not_ok "$name"; sed 's/^/# /' "$TMP/check.out" | head -20; fi
}

# check_eq NAME EXPECTED ACTUAL
check_eq() {
    if [ "$2" = "$3" ]; then ok "$1"; else
        not_ok "$1"; printf '#   expected: %s\n#   actual:   %s\n' "$2" "$3"; fi
}

# check_contains NAME FILE TEXT: FILE contains TEXT (fixed string)
check_contains() {
    if grep -qF -- "$3" "$2"; then ok "$1"; else
        not_ok "$1"; echo "#   '$3' not in:"; sed 's/^/#   /' "$2" | head -20; fi
}

# stat_of NAME: a counter from `upscope --stats` output on stdin
stat_of() { awk -v k="$1" '$1 == k { print $2 }'; }

done_testing() { echo "1..$tap_n"; [ "$tap_failed" -eq 0 ]; }

#!/bin/bash
# Tests that need what a machine may lack say so once and skip: ui.sh without a
# pseudo-terminal (a mount namespace whose /dev/pts is empty), live.sh without the right to
# capture (run as nobody), html.sh without Chromium. Each must print one "ok 1 - ... # SKIP
# reason" line and succeed, instead of a failure per check. Making those machines needs root.
. "$(dirname "$0")/lib.sh"
[ "$(id -u)" = 0 ] || skip_all "making a machine without a pty or root needs root"
tests="$top_srcdir/tests"

# ONE_SKIP NAME OUTPUT_FILE STATUS REASON_TEXT
one_skip() {
    check_eq "$1: exit status 0" 0 "$3"
    check_eq "$1: one line of plan and one SKIP line, nothing else" \
        "ok 1 - $2 # SKIP|1..1" "$(grep -v '^#' "$TMP/$2.out" | sed 's/ # SKIP .*/ # SKIP/' | paste -sd'|')"
    check_contains "$1: the reason is given" "$TMP/$2.out" "$4"
}

if command -v unshare >/dev/null && unshare -m true 2>/dev/null; then
    unshare -m sh -c "mount -t tmpfs none /dev/pts && bash '$tests/ui.sh'" >"$TMP/ui.sh.out" 2>&1
    one_skip "ui.sh without a pseudo-terminal" ui.sh $? "no pseudo-terminal here"
else
    skip "ui.sh without a pseudo-terminal" "no mount namespaces here (unshare -m)"
fi

if command -v setpriv >/dev/null; then
    setpriv --reuid=nobody --regid=nogroup --clear-groups --inh-caps=-all \
        env TMPDIR=/tmp bash "$tests/live.sh" >"$TMP/live.sh.out" 2>&1
    one_skip "live.sh as nobody" live.sh $? "needs root or CAP_NET_RAW"
else
    skip "live.sh as nobody" "setpriv is not installed"
fi

CHROMIUM=/nonexistent/chromium bash "$tests/html.sh" >"$TMP/html.sh.out" 2>&1
one_skip "html.sh without Chromium" html.sh $? "Chromium is not installed"

done_testing

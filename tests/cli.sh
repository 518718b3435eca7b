#!/bin/bash
# The command line: help, version, input errors with clear messages and exit statuses, damaged
# files processed up to the damage, stdin, -c, BPF filters, SIGINT while reading a pipe.
. "$(dirname "$0")/lib.sh"
pcap="$CAPTURES/http-keepalive.pcap"

check "--help prints usage" sh -c "'$UPSCOPE' --help | grep -q 'Usage: upscope'"
check "--version prints the version" sh -c "'$UPSCOPE' --version | grep -Eq '^upscope [0-9]+\.[0-9]+'"

expect_fail() { # NAME STATUS TEXT COMMAND...: exits with STATUS and says TEXT on stderr
    local name=$1 want=$2 text=$3; shift 3
    "$@" >"$TMP/out" 2>"$TMP/err"; local rc=$?
    if [ "$rc" = "$want" ] && grep -qF -- "$text" "$TMP/err"; then ok "$name"; else
        not_ok "$name"; echo "#   status $rc (want $want), stderr:"; sed 's/^/#   /' "$TMP/err"; fi
}

expect_fail "no input is a usage error" 1 "give exactly one of -r FILE or -i IFACE" "$UPSCOPE"
expect_fail "bad number" 1 "-c: 'x' is not a number" "$UPSCOPE" -r "$pcap" -c x
expect_fail "missing file" 1 "$TMP/nope.pcap: No such file or directory" "$UPSCOPE" -r "$TMP/nope.pcap"
echo "hello, I am not a capture" >"$TMP/text.pcap"
expect_fail "not a capture file" 1 "$TMP/text.pcap: not a readable pcap or pcapng file" \
    "$UPSCOPE" -r "$TMP/text.pcap"
cp "$pcap" "$TMP/secret.pcap"
chmod 000 "$TMP/secret.pcap"
if [ "$(id -u)" = 0 ]; then
    chmod 755 "$TMP"
    expect_fail "permission denied" 1 "secret.pcap: Permission denied" \
        setpriv --reuid=65534 --regid=65534 --clear-groups "$UPSCOPE" -r "$TMP/secret.pcap"
else
    expect_fail "permission denied" 1 "secret.pcap: Permission denied" "$UPSCOPE" -r "$TMP/secret.pcap"
fi
expect_fail "unknown interface" 1 "nosuchif0: no such interface" "$UPSCOPE" -i nosuchif0
expect_fail "bad filter" 1 "bad filter 'tcp port banana'" "$UPSCOPE" -r "$pcap" tcp port banana

# an 802.11 capture: the link type is named
"$PY" - "$pcap" "$TMP/wifi.pcap" <<'PY'
import sys
d = bytearray(open(sys.argv[1], "rb").read()); d[20:24] = (105).to_bytes(4, "little")
open(sys.argv[2], "wb").write(d)
PY
expect_fail "unsupported link type named" 1 "unsupported link type IEEE802_11 (105)" \
    "$UPSCOPE" -r "$TMP/wifi.pcap"

# damage record 10: the 9 before it are processed, the record number is reported
"$PY" - "$pcap" "$TMP/corrupt.pcap" <<'PY'
import struct, sys
d = bytearray(open(sys.argv[1], "rb").read()); off = 24
for _ in range(9):
    off += 16 + struct.unpack("<I", d[off + 8:off + 12])[0]
d[off + 8:off + 12] = struct.pack("<I", 0x7FFFFFF0)
open(sys.argv[2], "wb").write(d)
PY
expect_fail "corrupt record reported with its number" 2 "corrupt.pcap: record 10:" \
    "$UPSCOPE" --stats -r "$TMP/corrupt.pcap"
check_eq "records before the corrupt one processed" 9 "$(stat_of packets <"$TMP/err")"

size=$(stat -c %s "$pcap")
head -c $((size - 30)) "$pcap" >"$TMP/truncated.pcap"
total=$(tcpdump -r "$pcap" 2>/dev/null | wc -l)
expect_fail "file cut mid-record reported" 2 "truncated.pcap: record $total: truncated dump file" \
    "$UPSCOPE" --stats -r "$TMP/truncated.pcap"
check_eq "records before the cut processed" $((total - 1)) "$(stat_of packets <"$TMP/err")"

# standard input, -c, filters
check_eq "-r - reads standard input" "$total" \
    "$("$UPSCOPE" -q --stats -r - <"$pcap" 2>&1 | stat_of packets)"
check_eq "-c stops after COUNT packets" 5 \
    "$("$UPSCOPE" -q --stats -c 5 -r "$pcap" 2>&1 | stat_of packets)"
check_eq "a filter that matches nothing" 0 \
    "$("$UPSCOPE" -q --stats -r "$pcap" tcp port 9 2>&1 | stat_of packets)"
check_eq "a filter given as several arguments" "$total" \
    "$("$UPSCOPE" -q --stats -r "$pcap" tcp and port 18080 2>&1 | stat_of packets)"
check_eq "flows closed by FIN counted" 2 \
    "$("$UPSCOPE" -q --stats -r "$pcap" 2>&1 | stat_of flows.closed)"

# SIGINT while upscope waits on a slow pipe: a clean stop (status 0, the sessions so far
# reported), not a "damaged record" (the read the signal interrupted)
"$PY" "$top_srcdir/tests/pcapgen.py" many-ws 200 - 20 2>/dev/null |
    "$UPSCOPE" -q -j "$TMP/int.ndjson" -r - 2>"$TMP/int.err" & up=$!
sleep 2
kill -INT $up; wait $up
check_eq "SIGINT while reading a pipe: status 0" 0 $?
check_eq "SIGINT while reading a pipe: nothing on stderr" "" "$(cat "$TMP/int.err")"
n=$(wc -l <"$TMP/int.ndjson")
check "SIGINT while reading a pipe: the sessions so far are reported ($n)" \
    test "$n" -gt 0 -a "$n" -lt 200

# an output or input that cannot be opened: the path named once, status 1, no tally
once() { # NAME OPTION...: stderr names /proc/nope exactly once, nothing on stdout, status 1
    local name=$1; shift
    "$UPSCOPE" "$@" >"$TMP/out" 2>"$TMP/err"; local rc=$?
    check_eq "$name: status 1" 1 "$rc"
    check_eq "$name: the path named once" 1 "$(grep -o /proc/nope "$TMP/err" | wc -l)"
    check_eq "$name: and the cause" 1 "$(grep -c 'No such file or directory' "$TMP/err")"
    check_eq "$name: no tally, no summary" "" "$(cat "$TMP/out")"
}
ws="$CAPTURES/ws-bad-close.pcap"
once "-r /proc/nope" -r /proc/nope
once "-w /proc/nope" -r "$ws" -w /proc/nope/x.pcap
once "-j /proc/nope" -r "$ws" -j /proc/nope/x.ndjson
once "--html /proc/nope" -r "$ws" --html /proc/nope/x.html
once "--keylog /proc/nope" -r "$ws" --keylog /proc/nope

# --fail-on with -q: one line on stderr says why the status is 3, with the count of findings
# of that severity or worse (the NDJSON report's own count as the oracle)
errors=$("$UPSCOPE" -q -j - -r "$ws" | jq '[.findings[] | select(.severity == "error")] | length')
"$UPSCOPE" -q --fail-on warning -r "$ws" >"$TMP/out" 2>"$TMP/err"
check_eq "-q --fail-on warning: status 3" 3 $?
check_eq "-q --fail-on warning: one line on stderr, with the count" \
    "upscope: exit status 3 (--fail-on warning): $errors finding(s) of severity warning or worse" \
    "$(cat "$TMP/err")"
check_eq "-q --fail-on: nothing on stdout" "" "$(cat "$TMP/out")"
"$UPSCOPE" -q --fail-on warning -r "$CAPTURES/ws-basic.pcap" >"$TMP/out" 2>"$TMP/err"
check_eq "-q --fail-on warning, no finding: status 0" 0 $?
check_eq "-q --fail-on warning, no finding: stderr silent" "" "$(cat "$TMP/err")"
"$UPSCOPE" --fail-on error -r "$ws" >"$TMP/out" 2>"$TMP/err"
check_eq "--fail-on without -q: the tally says it, stderr silent" "" "$(cat "$TMP/err")"

# a pipe whose reader goes away (`| head`) ends the run quietly, as tcpdump's does: no error,
# status 0, and reading stops (the packets counted are far fewer than the file's)
"$PY" "$top_srcdir/tests/pcapgen.py" many-ws 2000 "$TMP/pipe.pcap"
"$UPSCOPE" -q --stats -j - -r "$TMP/pipe.pcap" 2>"$TMP/err" | head -1 >"$TMP/one"
check_eq "-j - | head: status 0" 0 "${PIPESTATUS[0]}"
check_eq "... the line head took is a session" 1 "$(jq -r .id "$TMP/one")"
check_eq "... no error message" "" "$(grep -v '^ ' "$TMP/err" | grep -v '^upscope statistics:')"
check "... and reading stopped early (packets read < the file's $(tshark -r "$TMP/pipe.pcap" 2>/dev/null | wc -l))" \
    test "$(awk '$1 == "packets" { print $2 }' "$TMP/err")" -lt "$(tshark -r "$TMP/pipe.pcap" 2>/dev/null | wc -l)"
"$UPSCOPE" -r "$TMP/pipe.pcap" 2>"$TMP/err" | head -2 >/dev/null
check_eq "the summary | head: status 0, silent" "0 " "${PIPESTATUS[0]} $(cat "$TMP/err")"

# a progress line on stderr for long offline runs on a terminal: percentage of the files,
# packets/s, time left; erased at the end; never when stderr is not a terminal, nor when the
# summary goes to the same terminal
"$PY" "$top_srcdir/tests/pcapgen.py" many-ws 20000 "$TMP/big.pcap"
big=() # the progress shows after 1 s: 12 readings, about 1 s here, more on slower machines
for _ in $(seq "$([ -n "${UPSCOPE_WRAPPER:-}" ] && echo 1 || echo 12)"); do big+=(-r "$TMP/big.pcap"); done
started=$(date +%s%N)
"$UPSCOPE" -q "${big[@]}" 2>"$TMP/err"
took_ms=$((($(date +%s%N) - started) / 1000000))
# the runs must outlast the 1 s before the line shows, however fast this machine reads: as
# many readings as make about 5 s at the speed just measured (at most 400)
readings=$(((5000 * ${#big[@]} / 2 + took_ms) / (took_ms + 1)))
[ "$readings" -gt 400 ] && readings=400
for _ in $(seq $((readings - ${#big[@]} / 2))); do big+=(-r "$TMP/big.pcap"); done
[ "$took_ms" -lt 2000 ] && "$UPSCOPE" -q "${big[@]}" 2>"$TMP/err"
check_eq "progress: not when stderr is not a terminal" "" "$(cat "$TMP/err")"
if [ -n "${UPSCOPE_WRAPPER:-}" ]; then
    # under a checker (CI's valgrind) twelve readings take minutes, past the watch's 15 s
    ok "# SKIP progress on a terminal: under a checker (UPSCOPE_WRAPPER)"
elif have_pty; then
    files_size=$(stat -c %s "$TMP/big.pcap" | awk -v n=$((${#big[@]} / 2)) '{ b = n * $1
        if (b >= 2 ^ 30) printf "%.1f GiB", b / 2 ^ 30; else printf "%.1f MiB", b / 2 ^ 20 }')
    runs=0
    watch_run() { # OPTIONS...: runs upscope in a terminal; the lines it showed, in $TMP/seen
        # a tmux server of its own per run: a new session on a server that kill-server is
        # still tearing down can fail, and the watch would then see an empty pane
        runs=$((runs + 1))
        sock="upscope-cli-$$-$runs"
        : >"$TMP/seen"
        : >"$TMP/pane"
        # the command in a script: hundreds of readings would pass tmux's command length limit
        printf '%q ' "$UPSCOPE" "$@" "${big[@]}" >"$TMP/watched.sh"
        printf '\necho EXITED $?; sleep 60\n' >>"$TMP/watched.sh"
        tmux -L "$sock" new-session -d -s p -x 120 -y 10 "bash '$TMP/watched.sh'" ||
            { echo "# tmux new-session failed on $sock"; return 0; }
        # up to 120 s: an ASan build on a busy 2-core CI machine reads the files for 20 s and more
        for _ in $(seq 1200); do
            tmux -L "$sock" capture-pane -p -t p >"$TMP/pane"
            cat "$TMP/pane" >>"$TMP/seen"
            grep -q EXITED "$TMP/pane" && break
            sleep 0.1
        done
    }
    watch_run -q
    check_eq "progress: shown on a terminal, with the files' total size" 1 \
        "$(grep -cE "^upscope: [0-9]+% of $files_size read, [0-9]+ pkt/s, about [0-9]+ s left" \
            "$TMP/seen" | awk '{print ($1 > 0)}')"
    check_eq "progress: erased at the end (the pane holds only the exit status)" "EXITED 0" \
        "$(grep -v '^$' "$TMP/pane")"
    tmux -L "$sock" kill-server 2>/dev/null
    watch_run --only h2c
    check_eq "progress: not while the summary writes to the same terminal" "EXITED 0 0" \
        "$(grep -o 'EXITED [0-9]*' "$TMP/pane") $(grep -c '% of' "$TMP/seen")"
    check_contains "...which it did (the run's tally)" "$TMP/pane" "0 upgrade sessions"
    tmux -L "$sock" kill-server 2>/dev/null
else
    skip "progress line on a terminal" "no pseudo-terminal here"
fi

done_testing

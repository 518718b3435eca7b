#!/bin/bash
# --html in a real browser: headless Chromium loads the reports of real captures (cleartext,
# TLS with key logs, WebSockets over HTTP/2) and the tests read the DOM it built (--dump-dom):
# one table row and one section per NDJSON line, the Accept mismatch's checklist mark and
# finding row, a ladder with one arrow per event, the page's own script ran; a screenshot is
# taken. A hostile capture (HTML and script in every wire string) must run no script of its
# own: the page is checked as loaded, then tampered with (escaping undone) to show the check
# catches a script that runs, and that the Content-Security-Policy stops it even then.
# Also: the cap on sessions, --only, SIGINT, and files that cannot be written.
. "$(dirname "$0")/lib.sh"
CHROMIUM=${CHROMIUM:-$(command -v chromium || command -v chromium-browser)}
[ -n "$CHROMIUM" ] && [ -x "$CHROMIUM" ] ||
    skip_all "Chromium is not installed (apt-get install chromium)"
domq() { "$PY" "$top_srcdir/tests/domq.py" "$@"; }

# chrome ARGS...: headless, its own profile; as root it needs --no-sandbox
chrome() {
    timeout 120 "$CHROMIUM" --headless --no-sandbox --disable-gpu --no-first-run \
        --user-data-dir="$TMP/chrome" "$@" 2>>"$TMP/chrome.log"
}
# dom NAME: the DOM of $TMP/NAME.html after load and scripts, into $TMP/NAME.dom
dom() { chrome --dump-dom "file://$TMP/$1.html" >"$TMP/$1.dom"; }

# report NAME UPSCOPE-ARGS...: the HTML and the NDJSON of the same run; its DOM
report() {
    local name=$1; shift
    "$UPSCOPE" -q --html "$TMP/$name.html" -j "$TMP/$name.ndjson" "$@"
    check_eq "$name: upscope exits 0" 0 $?
    dom "$name"
    local n
    n=$(wc -l <"$TMP/$name.ndjson")
    check_eq "$name: one table row per NDJSON line ($n)" "$n" \
        "$(domq "$TMP/$name.dom" count "tr[data-kind]" in sessions)"
    check_eq "$name: one section per NDJSON line" "$n" \
        "$(domq "$TMP/$name.dom" count section.session)"
    check_eq "$name: the page's script ran (and counted the rows)" "ran $n of $n sessions shown" \
        "$(domq "$TMP/$name.dom" attr html data-script) $(domq "$TMP/$name.dom" text span in shown)"
}

# every capture of captures/ in one file
mergecap -w "$TMP/all.pcap" "$CAPTURES"/*.pcap
report all -r "$TMP/all.pcap"
check_eq "all: the overview counts every session" "$(wc -l <"$TMP/all.ndjson") sessions in all." \
    "$(grep -o '[0-9]* sessions in all\.' "$TMP/all.dom")"
check_eq "all: a timeline bar per session" "$(wc -l <"$TMP/all.ndjson")" \
    "$(domq "$TMP/all.dom" count rect.bar in timeline)"

# the Accept mismatch: its checklist row failed, its finding listed, its verdict in the table
report bad -r "$CAPTURES/ws-bad-accept.pcap"
check_eq "bad: the checklist marks 'Sec-WebSocket-Accept matches the key' failed" \
    "✗Sec-WebSocket-Accept matches the keyRFC 6455 §4.2.2" \
    "$(domq "$TMP/bad.dom" text "tr.check.fail[data-finding=WS_ACCEPT_MISMATCH]" in s-1)"
check_eq "bad: and only that row" 1 "$(domq "$TMP/bad.dom" count tr.check.fail in s-1)"
check_eq "bad: with the values received and computed under it" \
    "received dGhlIHNhbXBsZSBub25jZQ== computed QtFaBLO+kJtlNzNGPiHvtgNXmrY=" \
    "$(domq "$TMP/bad.dom" text tr.note in s-1 | tr -s ' \n' '  ' | sed 's/ $//')"
check_eq "bad: the finding's row" 1 \
    "$(domq "$TMP/bad.dom" count "tr.finding[data-finding=WS_ACCEPT_MISMATCH]" in s-1)"
check_contains "bad: its RFC section is a link" "$TMP/bad.dom" \
    'href="https://www.rfc-editor.org/rfc/rfc6455#section-4.2.2"'
check_eq "bad: the table's verdict, the NDJSON's findings by severity" \
    "$(jq -r '[.findings[].severity] | group_by(.) | map("\(length) \(.[0])") | join(", ")' "$TMP/bad.ndjson")" \
    "$(domq "$TMP/bad.dom" text "td.error" in sessions)"

# a ladder: one arrow per event, the request and the 101 then every frame
report basic -r "$CAPTURES/ws-basic.pcap"
frames=$(jq '[.websocket.frames[][]] | add' "$TMP/basic.ndjson")
check_eq "basic: the ladder has an arrow for the request, the 101 and each of the $frames frames" \
    $((frames + 2)) "$(domq "$TMP/basic.dom" count path.arrow in s-1)"
check_eq "basic: client to server arrows: the request and the client's frames" \
    $(( $(jq '[.websocket.frames.client[]] | add' "$TMP/basic.ndjson") + 1 )) \
    "$(domq "$TMP/basic.dom" count path.arrow.c2s in s-1)"
chrome --window-size=1280,2000 --screenshot="$TMP/basic.png" "file://$TMP/basic.html" >/dev/null
check_eq "basic: a screenshot, a PNG of 1280x2000" "89504e47 1280x2000" \
    "$("$PY" -c 'import struct,sys; d=open(sys.argv[1],"rb").read(24)
print(d[:4].hex(), "%dx%d" % struct.unpack(">II", d[16:24]))' "$TMP/basic.png" 2>&1)"
check "basic: the screenshot is not blank (over 20 KB)" \
    test "$(stat -c %s "$TMP/basic.png")" -gt 20000

# the lifecycle: haproxy's idle timeout ends the session with a FIN and no close frame; the
# ladder says so across, not as an arrow from either side
report life -r "$CAPTURES/life/life-idle-haproxy.pcap"
check_eq "life: each of the 3 sessions' ladder ends with a note across (no arrowhead)" "3" \
    "$(for i in 1 2 3; do domq "$TMP/life.dom" count path.note in "s-$i"; done | grep -c '^[1-9]')"
check_contains "life: the notes say how long the silence and how it ended (capture README: FIN from haproxy after 1 s idle)" "$TMP/life.dom" "ended: TCP FIN from the server first"

# inside TLS with the key log, and WebSockets over HTTP/2
tls="$CAPTURES/tls"
report tls -r "$tls/browser-wss.pcap" --keylog "$tls/browser-wss.keys"
check_contains "tls: the decrypted WebSocket's negotiated lines name the cipher suite" \
    "$TMP/tls.dom" "TLS cipher suite: TLS_AES_256_GCM_SHA384"
h2ws="$CAPTURES/h2ws"
report h2ws -r "$h2ws/h2ws-chromium.pcap" --keylog "$h2ws/h2ws-chromium.keys"
ws=$(jq -r 'select(.transition == "websocket") | .id' "$TMP/h2ws.ndjson" | head -1)
check_contains "h2ws: the WebSocket over HTTP/2 says what carries it" "$TMP/h2ws.dom" \
    "websocket in tls, http2 stream 3"
check "h2ws: its ladder is drawn" test "$(domq "$TMP/h2ws.dom" count path.arrow in "s-$ws")" -gt 2

# a hostile capture: HTML and script in the target, headers, reason, subprotocol, Accept,
# close reasons; the file's own name too
"$PY" "$top_srcdir/tests/pcapgen.py" hostile-html "$TMP/hostile.pcap"
evil="<img src=x onerror=document.title='PWNED'>.pcap"
cp "$TMP/hostile.pcap" "$TMP/$evil"
report hostile -r "$TMP/$evil"
check_eq "hostile: the page's title is its own" "upscope: $TMP/$evil" \
    "$(domq "$TMP/hostile.dom" text title)"
check_eq "hostile: one script element, the page's" 1 "$(domq "$TMP/hostile.dom" count script)"
check_eq "hostile: no element from the wire (img, iframe, b, svg with onload)" "0 0 0 0" \
    "$(for e in img iframe b "svg[onload]"; do domq "$TMP/hostile.dom" count "$e"; done | paste -sd' ')"
check_eq "hostile: no event-handler attribute anywhere" 0 "$(domq "$TMP/hostile.dom" handlers)"
check_contains "hostile: the payloads show as text" "$TMP/hostile.dom" \
    "GET /&lt;script&gt;document.title='PWNED'&lt;/script&gt; HTTP/1.1"
check_contains "hostile: in the finding's message too" "$TMP/hostile.dom" \
    "Sec-WebSocket-Accept is \"&lt;script&gt;document.title='PWNED'&lt;/script&gt;\""
check_contains "hostile: U+2028 shows escaped" "$TMP/hostile.dom" '\u{2028}\u{2029}&lt;/pre&gt;'
# the same page with its escaping undone: now the payloads are markup. Without the CSP they
# run (the checks above can fail), with it they do not (the second wall)
"$PY" - "$TMP/hostile.html" "$TMP/undone" <<'EOF'
import html, re, sys
page = open(sys.argv[1], encoding="utf-8").read()
body = page.index("<body>")
raw = page[:body] + html.unescape(page[body:])
open(sys.argv[2] + "-csp.html", "w").write(raw)
open(sys.argv[2] + ".html", "w").write(re.sub(r'<meta http-equiv="Content-Security-Policy"[^>]*>',
                                              "", raw))
EOF
dom undone
check_eq "tampered, no CSP: an injected script runs (the check can fail)" PWNED \
    "$(domq "$TMP/undone.dom" text title)"
dom undone-csp
check_eq "tampered, with the CSP: no injected script runs" "upscope: $TMP/$evil" \
    "$(domq "$TMP/undone-csp.dom" text title)"

# the cap: sessions past it are counted, not shown
"$UPSCOPE" -q --html "$TMP/cap.html" --html-max-sessions=3 -r "$TMP/all.pcap"
check_eq "cap: status 0" 0 $?
dom cap
total=$(wc -l <"$TMP/all.ndjson")
check_eq "cap: three sessions shown" 3 "$(domq "$TMP/cap.dom" count section.session)"
check_eq "cap: the banner counts the $((total - 3)) left out" $((total - 3)) \
    "$(domq "$TMP/cap.dom" attr p.banner data-left-out)"
check_contains "cap: and says why" "$TMP/cap.dom" "past the first 3 (--html-max-sessions)"
check_eq "cap: the overview still counts all $total" "$total sessions in all." \
    "$(grep -o '[0-9]* sessions in all\.' "$TMP/cap.dom")"

# --only chooses for the HTML report as for the others
"$UPSCOPE" -q --only=errors --html "$TMP/only.html" -r "$TMP/all.pcap"
grep -c '<section class="session"' "$TMP/only.html" >"$TMP/only.n"
check_eq "--only=errors: the report has the sessions with errors only" \
    "$("$UPSCOPE" -q --only=errors -j - -r "$TMP/all.pcap" | wc -l)" "$(cat "$TMP/only.n")"

# SIGINT while reading (a slow pipe): the report is written with the sessions so far
"$PY" "$top_srcdir/tests/pcapgen.py" many-ws 200 - 20 2>/dev/null |
    "$UPSCOPE" -q --html "$TMP/int.html" -r - & up=$!
sleep 2
kill -INT $up; wait $up
check_eq "SIGINT: a clean exit" 0 $?
n=$(grep -c '<section class="session"' "$TMP/int.html")
check "SIGINT: the report holds the sessions read so far ($n)" test "$n" -gt 0 -a "$n" -lt 200
check_contains "SIGINT: the page is complete" "$TMP/int.html" "</html>"
check_contains "SIGINT: and says reading stopped" "$TMP/int.html" "stopped before the end"

# with the UI: written when it quits
if have_pty; then
    sock="upscope-html-$$"
    trap 'tmux -L "$sock" kill-server 2>/dev/null; rm -rf "$TMP"' EXIT
    tmux -L "$sock" new-session -d -s ui -x 120 -y 30 "cd '$TMP' && env LANG=C.UTF-8 \
        '$UPSCOPE' --ui --html ui.html -r '$CAPTURES/ws-bad-accept.pcap'; echo EXITED \$?; sleep 60"
    pane_has() { for _ in $(seq 100); do
        tmux -L "$sock" capture-pane -p -t ui | grep -qF -- "$1" && return 0; sleep 0.1; done
        return 1; }
    pane_has "[end of file]"
    tmux -L "$sock" send-keys -t ui q
    check "--ui --html: q quits, status 0" pane_has "EXITED 0"
    check_eq "--ui --html: the report has the session and its ladder" "1 2" \
        "$(grep -c '<section class="session"' "$TMP/ui.html") $(grep -o 'class="arrow' "$TMP/ui.html" | wc -l)"
else
    skip "--ui --html" "no pseudo-terminal here"
fi

# files that cannot be written: a message naming the file once, status 1
"$UPSCOPE" -q --html /proc/nope/r.html -r "$CAPTURES/ws-basic.pcap" 2>"$TMP/err"
check_eq "a directory that does not exist: status 1" 1 $?
check_eq "...and the message names the file once" \
    "upscope: /proc/nope/r.html: No such file or directory" "$(cat "$TMP/err")"
"$UPSCOPE" --html /dev/full -r "$CAPTURES/ws-basic.pcap" >"$TMP/out" 2>"$TMP/err"
check_eq "a full disk: status 1" 1 $?
check_eq "...with the reason" "upscope: writing the HTML report failed: /dev/full: No space left on device" \
    "$(cat "$TMP/err")"
"$UPSCOPE" --html - -r "$CAPTURES/ws-basic.pcap" 2>"$TMP/err"
check_eq "--html - is refused (the report is one file): status 1" 1 $?

done_testing

#!/bin/bash
# The text summary and the exit statuses: what a person at a terminal sees.
. "$(dirname "$0")/lib.sh"

out="$TMP/summary.txt"
"$UPSCOPE" -r "$CAPTURES/hostile-escapes.pcap" >"$out"
check_eq "hostile capture: no ESC byte reaches the output" 0 "$(tr -cd '\033' <"$out" | wc -c)"
check_eq "hostile capture: no BEL, CSI (C1) or other control byte either" 0 \
    "$(tr -d '\n' <"$out" | LC_ALL=C tr -cd '\000-\037\177' | wc -c)"
check_eq "hostile capture: no raw bidi override" 0 "$(grep -c $'\xe2\x80\xae' "$out")"
check_contains "escapes are shown, visibly" "$out" '\e]0;pwned\x07\e[31;1mRED'
check_contains "bidi override shown as a code point" "$out" '\u{202E}evil'
check_eq "JSON of the hostile capture is valid and pure ASCII" "0 1" \
    "$("$UPSCOPE" -q -j - -r "$CAPTURES/hostile-escapes.pcap" | tee "$TMP/h.json" |
       LC_ALL=C tr -d '\n -~' | wc -c) $(jq -s length "$TMP/h.json")"
check_eq "JSON keeps the real bytes (ESC as \\u001b)" \
    $'\e]0;pwned\a\e[31;1mRED\e[0m\e[2J\u202eevil\\x9B' \
    "$(jq -r '.websocket.subprotocol' "$TMP/h.json")"

# colour: never into a pipe or file, on demand with --color=always, never with NO_COLOR
check_eq "no colour when not a terminal" 0 \
    "$("$UPSCOPE" -r "$CAPTURES/ws-bad-accept.pcap" | tr -cd '\033' | wc -c)"
check "colour with --color=always" sh -c \
    "'$UPSCOPE' --color=always -r '$CAPTURES/ws-bad-accept.pcap' | grep -q \"$(printf '\033')\[31m\""

# what the summary says
"$UPSCOPE" --color=never -r "$CAPTURES/ws-bad-accept.pcap" >"$out"
check_contains "summary: the session line" "$out" "websocket switched (101 Switching Protocols)"
check_contains "summary: the Accept verdict" "$out" "accept      INVALID: got dGhlIHNhbXBsZSBub25jZQ==, expected"
check_contains "summary: the finding with its RFC" "$out" "WS_ACCEPT_MISMATCH"
check_contains "summary: the closing tally" "$out" "1 upgrade session (1 switched); findings: 1 error(s)"
"$UPSCOPE" --color=never -r "$CAPTURES/ws-deflate.pcap" >"$out"
check_contains "summary: negotiated extension" "$out" "extensions  permessage-deflate; server_max_window_bits=12; client_max_window_bits=12"
check_contains "summary: frames per direction" "$out" "client: 3 continuation, 3 text, 1 binary, 1 close, 1 ping"
check_contains "summary: close" "$out" 'close       1000 "bye", from the client, answered'
check_eq "-q: no summary" "" "$("$UPSCOPE" -q -r "$CAPTURES/ws-deflate.pcap")"
check_eq "-j -: stdout holds only JSON" 1 \
    "$("$UPSCOPE" -j - -r "$CAPTURES/ws-deflate.pcap" | jq -s length)"

# h2c, TLS and nDPI in the summary
"$UPSCOPE" --color=never -r "$CAPTURES/h2c-smuggle.pcap" >"$out"
check_contains "summary: h2c settings decoded by name" "$out" "settings    HEADER_TABLE_SIZE=4096, ENABLE_PUSH=1"
check_contains "summary: h2c requests per stream" "$out" "stream 3 GET /admin -> 404"
check_contains "summary: nDPI's verdict beside upscope's" "$out" "nDPI        HTTP (Web)"
"$UPSCOPE" --color=never -r "$CAPTURES/tls-upgrade-options.pcap" >"$out"
check_contains "summary: TLS after the upgrade" "$out" "tls         ClientHello SNI upscope.test, ALPN h2, http/1.1, versions TLS 1.3, TLS 1.2, TLS 1.1, TLS 1.0; ServerHello TLS 1.3"

# --all: every connection with data, upgrade or not
check_eq "--all: the two keep-alive connections are reported" "none none HTTP none none HTTP" \
    "$("$UPSCOPE" --all -q -j - -r "$CAPTURES/http-keepalive.pcap" |
       jq -r '[.outcome, .transition, .ndpi.protocol] | join(" ")' | tr '\n' ' ' | sed 's/ $//')"
check_eq "without --all: no session for them" 0 \
    "$("$UPSCOPE" -q -j - -r "$CAPTURES/http-keepalive.pcap" | wc -l)"
check_eq "--all keeps upgrade sessions as they are" "switched" \
    "$("$UPSCOPE" --all -q -j - -r "$CAPTURES/ws-basic.pcap" | jq -r .outcome)"

# the caps' counters are reported
"$UPSCOPE" -q --stats -r "$CAPTURES/ws-basic.pcap" -w "$TMP/w.pcap" 2>"$TMP/stats"
check_eq "--stats with -w: packets written" 18 "$(stat_of export.packets_written <"$TMP/stats")"
check_eq "--stats with -w: nothing truncated" 0 "$(stat_of export.flows_truncated <"$TMP/stats")"

# --fail-on
status() { "$@" >/dev/null 2>&1; echo $?; }
check_eq "--fail-on=error with an error finding: status 3" 3 \
    "$(status "$UPSCOPE" --fail-on=error -r "$CAPTURES/ws-bad-accept.pcap")"
check_eq "--fail-on=error on a clean capture: status 0" 0 \
    "$(status "$UPSCOPE" --fail-on=error -r "$CAPTURES/ws-deflate.pcap")"
# ws-big stopped after 20 packets: the 70000-byte frame is cut, a warning and nothing else
check_eq "a frame cut by the end of input: WS_FRAME_TRUNCATED only" '["WS_FRAME_TRUNCATED"]' \
    "$("$UPSCOPE" -q -c 20 -j - -r "$CAPTURES/ws-big.pcap" | jq -c '[.findings[].id]')"
check_eq "--fail-on=error with only a warning: status 0" 0 \
    "$(status "$UPSCOPE" --fail-on=error -c 20 -r "$CAPTURES/ws-big.pcap")"
check_eq "--fail-on=warning with a warning: status 3" 3 \
    "$(status "$UPSCOPE" --fail-on=warning -c 20 -r "$CAPTURES/ws-big.pcap")"
check_eq "--fail-on=info with an info finding: status 3" 3 \
    "$(status "$UPSCOPE" --fail-on=info -r "$CAPTURES/corpus/suricata-verify__websocket-ping__input.pcap")"
check_eq "--fail-on=bogus: usage error" 1 "$(status "$UPSCOPE" --fail-on=bogus -r "$CAPTURES/ws-basic.pcap")"

# the catalogue is documented, all of it
"$UPSCOPE" --list-findings | cut -f1 >"$TMP/ids"
check_eq "--list-findings lists the catalogue" yes "$([ "$(wc -l <"$TMP/ids")" -ge 40 ] && echo yes)"
missing_doc="" missing_man=""
while read -r id; do
    grep -q "^### $id\$" "$top_srcdir/docs/findings.md" || missing_doc="$missing_doc $id"
    grep -q "^\.B $id\$" "$top_srcdir/upscope.1" || missing_man="$missing_man $id"
done <"$TMP/ids"
check_eq "every finding ID has a section in docs/findings.md" "" "$missing_doc"
check_eq "every finding ID is in the man page" "" "$missing_man"

# reading a file, the summary lists sessions in session-id order (#1 before #2), whatever the
# order they ended in: here the HTTP/2 connection (#1) ends after the two WebSockets it carries
# (the NDJSON report, in the order sessions ended, is the oracle for which sessions there are)
two="$CAPTURES/h2ws/h2ws-node-two.pcap"
ended=$("$UPSCOPE" -q -j - -r "$two" | jq -r .id | tr '\n' ' ')
check_eq "the NDJSON report has them in the order they ended" "2 3 1 " "$ended"
check_eq "the summary has the same sessions in id order" \
    "$(echo $ended | tr ' ' '\n' | sort -n | tr '\n' ' ')" \
    "$("$UPSCOPE" -r "$two" | grep -oE '^#[0-9]+' | tr -d '#' | tr '\n' ' ')"
check_eq "...also when --only leaves the first out" "2 3 " \
    "$("$UPSCOPE" --only websocket -r "$two" | grep -oE '^#[0-9]+' | tr -d '#' | tr '\n' ' ')"
check_eq "from a pipe (-r -, perhaps tcpdump live): as they end" "2 3 1 " \
    "$("$UPSCOPE" -r - <"$two" | grep -oE '^#[0-9]+' | tr -d '#' | tr '\n' ' ')"
check_eq "...and the tally is still last" 1 \
    "$("$UPSCOPE" -r "$two" | tail -1 | grep -c '^3 upgrade sessions')"
mergecap -F pcap -w "$TMP/many.pcap" "$CAPTURES"/h2ws/h2ws-*.pcap "$CAPTURES"/ws-*.pcap 2>/dev/null
n=$("$UPSCOPE" -q -j - -r "$TMP/many.pcap" | wc -l)
check_eq "several captures merged ($n sessions): the summary is 1..$n in order" "$(seq -s ' ' "$n") " \
    "$("$UPSCOPE" -r "$TMP/many.pcap" | grep -oE '^#[0-9]+' | tr -d '#' | tr '\n' ' ')"

done_testing

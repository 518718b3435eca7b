#!/bin/bash
# Evasion: packets an attacker on the wire can add must not blind upscope. A spoofed RST or a
# FIN at a sequence number a real TCP stack would not accept leaves every report unchanged
# (RFC 9293 §3.10.7.4, RFC 5961 §3); the counters say what was ignored.
. "$(dirname "$0")/lib.sh"
GEN="$PY $top_srcdir/tests/pcapgen.py"

# what a session's report says about its protocol, whatever the transport counted
essence() { jq -c '{transition, outcome, incomplete, websocket, h2c, findings:
                    [.findings[] | {id, direction, message, count}]}' "$1"; }

for cap in ws-basic ws-deflate ws-big h2c-curl h2-prior-knowledge; do
    pcap="$CAPTURES/$cap.pcap"
    "$UPSCOPE" -q -j "$TMP/orig.ndjson" -r "$pcap"
    check_eq "$cap: one session to compare" 1 "$(wc -l <"$TMP/orig.ndjson")"

    $GEN inject-rst "$pcap" "$TMP/rst.pcap"
    "$UPSCOPE" -q --stats -j "$TMP/rst.ndjson" -r "$TMP/rst.pcap" 2>"$TMP/rst.stats"
    check_eq "$cap with spoofed RSTs: the same report" "$(essence "$TMP/orig.ndjson")" \
        "$(essence "$TMP/rst.ndjson")"
    check_eq "$cap with spoofed RSTs: both ignored" 2 "$(stat_of tcp.rst_ignored <"$TMP/rst.stats")"

    $GEN inject-fin "$pcap" "$TMP/fin.pcap"
    "$UPSCOPE" -q --stats -j "$TMP/fin.ndjson" -r "$TMP/fin.pcap" 2>"$TMP/fin.stats"
    check_eq "$cap with a false FIN: the same report" "$(essence "$TMP/orig.ndjson")" \
        "$(essence "$TMP/fin.ndjson")"
    check_eq "$cap with a false FIN: discredited by the data after it" 1 \
        "$(stat_of reasm.fins_discredited <"$TMP/fin.stats")"
done

done_testing

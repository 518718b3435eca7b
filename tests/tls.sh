#!/bin/bash
# TLS decryption with key logs, on captures made by real clients and servers that wrote their
# own key logs (captures/tls/, made by captures/tls/make.sh). tshark, told the same key log
# (captures/tls/oracle.sh), is the oracle: per connection the suite, SNI and ALPN, the records
# each way, the WebSocket frames per opcode and the HTTP/2 frames per type inside. Then what
# must go wrong visibly: a wrong key, no key, a truncated key log, a hole in the stream, a
# capture that begins mid-connection; and keys carried in the pcapng file itself.
. "$(dirname "$0")/lib.sh"
DIR="$CAPTURES/tls"
GEN="$PY $top_srcdir/tests/pcapgen.py"
command -v tshark >/dev/null || { not_ok "tshark is installed"; done_testing; exit; }

# upscope's facts about connection k (in start order), in the oracle's words
facts() { # NDJSON: one line per connection: the session carried in TLS if any, else the own
    jq -s -c 'group_by(.flow_id) | map(sort_by(-(.carried_by | length)) | .[0]) | .[]' "$1"
}
frames_line() { # a JSON object kind -> count, non-zero ones, as "name count" sorted
    jq -r 'to_entries | map(select(.value > 0 and .key != "reserved")) |
           map("\(.key | ascii_downcase) \(.value)") | sort | join(" ")'
}
oracle_frames() { # the oracle's "text 2 binary 1 close 1 ping 1" → the same sorted form
    tr ' ' '\n' | paste -d' ' - - | tr 'A-Z' 'a-z' | sort | paste -sd' '
}

for pcap in "$DIR"/*.pcap; do
    name=$(basename "$pcap" .pcap)
    bash "$DIR/oracle.sh" "$name" >"$TMP/oracle" 2>/dev/null
    "$UPSCOPE" -q --all -j "$TMP/all.ndjson" --keylog "$DIR/$name.keys" -r "$pcap" 2>"$TMP/err"
    facts "$TMP/all.ndjson" >"$TMP/facts"
    conns=$(grep -c '^conn [0-9]*: tls ' "$TMP/oracle")
    check_eq "$name: one report per TLS connection ($conns)" "$conns" "$(wc -l <"$TMP/facts")"
    k=0
    while read -r line; do
        k=$((k + 1))
        o() { sed -n "s/^conn $k: $1//p" "$TMP/oracle"; }
        read -r _ suite _ sni _ alpn _ <<<"$(o 'tls ')"
        check_eq "$name conn $k: decrypted" "true null" \
            "$(jq -r '"\(.tls.decrypted) \(.tls.decrypt_failure)"' <<<"$line")"
        check_eq "$name conn $k: suite, SNI and ALPN as tshark reads them" "$suite $sni $alpn" \
            "$(jq -r '"\(.tls.cipher_suite) \(.tls.sni) \(.tls.server_alpn)"' <<<"$line")"
        check_eq "$name conn $k: records each way as tshark counts them" \
            "$(o 'c>s records ' | cut -d: -f1) $(o 's>c records ' | cut -d: -f1)" \
            "$(jq -r '"\(.tls.records.client) \(.tls.records.server)"' <<<"$line")"
        for d in c s; do
            side=$([ $d = c ] && echo client || echo server)
            ws=$(o "$d>.. websocket: " | cut -d';' -f1)
            [ -n "$ws" ] && check_eq "$name conn $k: WebSocket frames from the $side" \
                "$(oracle_frames <<<"$ws")" \
                "$(jq -c ".websocket.frames.$side" <<<"$line" | frames_line)"
            h2=$(o "$d>.. http2: " | cut -d';' -f1)
            [ -n "$h2" ] && check_eq "$name conn $k: HTTP/2 frames from the $side" \
                "$(oracle_frames <<<"$h2")" "$(jq -c ".h2c.frames.$side" <<<"$line" | frames_line)"
        done
    done <"$TMP/facts"
    check_eq "$name: no error findings" 0 \
        "$(jq -s '[.[].findings[] | select(.severity == "error")] | length' "$TMP/all.ndjson")"
done

# a wss:// capture as a user first meets it: the summary says what was inside
pcap="$DIR/wss-tls13-aes256.pcap"
"$UPSCOPE" --keylog "$DIR/wss-tls13-aes256.keys" -r "$pcap" >"$TMP/sum"
check_contains "summary: the WebSocket inside TLS" "$TMP/sum" "websocket switched (101 Switching Protocols)"
check_contains "summary: the lock state" "$TMP/sum" "decryption  TLS_AES_256_GCM_SHA384: decrypted"
"$UPSCOPE" -q -j - --keylog "$DIR/wss-tls13-aes256.keys" -r "$pcap" >"$TMP/one.ndjson"
check_eq "NDJSON: carried by TLS" '[{"protocol":"tls","session":null}]' \
    "$(jq -c .carried_by "$TMP/one.ndjson")"
check_eq "--only=decrypted keeps it" 1 \
    "$("$UPSCOPE" -q -j - --only=decrypted --keylog "$DIR/wss-tls13-aes256.keys" -r "$pcap" | wc -l)"
check_eq "without a key: nothing to report" 0 "$("$UPSCOPE" -q -j - -r "$pcap" | wc -l)"

# the keys inside the pcapng file (editcap --inject-secrets)
"$UPSCOPE" -q -j "$TMP/dsb.ndjson" -r "$DIR/wss-tls13-aes256.pcapng"
check_eq "pcapng with a Decryption Secrets Block: the same report, no --keylog" \
    "$(jq -c '{transition, outcome, websocket}' "$TMP/one.ndjson")" \
    "$(jq -c '{transition, outcome, websocket}' "$TMP/dsb.ndjson")"

# RFC 2817: the upgrade's own session, and the WebSocket found inside its TLS
"$UPSCOPE" -q -j "$TMP/2817.ndjson" --keylog "$DIR/tls-2817-upgrade.keys" -r "$DIR/tls-2817-upgrade.pcap"
check_eq "RFC 2817: the TLS upgrade and the WebSocket carried in it" \
    '["tls","switched",0] ["websocket","switched",1]' \
    "$(jq -c '[.transition, .outcome, (.carried_by | length)]' "$TMP/2817.ndjson" | sort | paste -sd' ')"
check_eq "RFC 2817: the inner session names the upgrade's session as its carrier" \
    "$(jq -r 'select(.transition == "tls") | .id' "$TMP/2817.ndjson")" \
    "$(jq -r 'select(.transition == "websocket") | .carried_by[0].session' "$TMP/2817.ndjson")"

# h2 chosen by ALPN
"$UPSCOPE" -q -j "$TMP/h2.ndjson" --keylog "$DIR/h2-curl-nghttpd.keys" -r "$DIR/h2-curl-nghttpd.pcap"
check_eq "h2 by ALPN: transition h2, outcome alpn, two requests" "h2 alpn 2" \
    "$(jq -r '"\(.transition) \(.outcome) \(.h2c.requests | length)"' "$TMP/h2.ndjson")"

# a wrong key: records that do not authenticate, said so, the connection reported
awk '$1 !~ /^#/ && NF == 3 { $3 = (substr($3, 1, 1) == "f" ? "e" : "f") substr($3, 2) } 1' \
    "$DIR/wss-tls12-aesgcm.keys" >"$TMP/wrong.keys"
"$UPSCOPE" -q -j "$TMP/wrong.ndjson" --keylog "$TMP/wrong.keys" -r "$DIR/wss-tls12-aesgcm.pcap"
check_eq "wrong key: reported, not decrypted, auth_failed" "1 false auth_failed" \
    "$(jq -r '"\(input_line_number) \(.tls.decrypted) \(.tls.decrypt_failure)"' "$TMP/wrong.ndjson")"
check_eq "wrong key: the finding" TLS_RECORD_AUTH_FAILED \
    "$(jq -r '[.findings[].id] | unique | join(",")' "$TMP/wrong.ndjson")"

# no key: an empty key log
: >"$TMP/empty.keys"
"$UPSCOPE" -q -j "$TMP/nokey.ndjson" --keylog "$TMP/empty.keys" -r "$DIR/wss-tls13-chacha.pcap"
check_eq "no key: reported, not decrypted, no_key" "false no_key" \
    "$(jq -r '"\(.tls.decrypted) \(.tls.decrypt_failure)"' "$TMP/nokey.ndjson")"

# a truncated key log: the cut line named on standard error, never fatal
keys="$DIR/wss-tls13-aes128.keys"
head -c $(( $(stat -c %s "$keys") - 20 )) "$keys" >"$TMP/cut.keys"
lines=$(wc -l <"$TMP/cut.keys")
"$UPSCOPE" -q -j "$TMP/cut.ndjson" --keylog "$TMP/cut.keys" -r "$DIR/wss-tls13-aes128.pcap" 2>"$TMP/cut.err"
check_eq "truncated key log: still runs (status 0)" 0 $?
check_contains "truncated key log: the cut line named" "$TMP/cut.err" "cut.keys:$((lines + 1)): not a key log line"
check_eq "truncated key log: what its keys cover is decrypted, the rest said" "no_key" \
    "$(jq -r '.tls.decrypt_failure' "$TMP/cut.ndjson" | head -1)"

# a hole in the middle of the server's encrypted stream
pcap="$DIR/wss-tls13-aes256.pcap"
frame=$(tshark -r "$pcap" -Y 'tcp.srcport == 19401 && tcp.len > 0' -T fields -e frame.number 2>/dev/null | sed -n '6p')
$GEN drop "$pcap" "$TMP/gap.pcap" "$frame"
"$UPSCOPE" -q -j "$TMP/gap.ndjson" --keylog "$DIR/wss-tls13-aes256.keys" -r "$TMP/gap.pcap"
check_eq "gap: the WebSocket still reported, not all decrypted: gap" "websocket false gap" \
    "$(jq -r '"\(.transition) \(.tls.decrypted) \(.tls.decrypt_failure)"' "$TMP/gap.ndjson")"
check_eq "gap: frames before the hole were decrypted" yes \
    "$([ "$(jq '.websocket.frames.server.text' "$TMP/gap.ndjson")" -ge 1 ] && echo yes)"

# one record corrupted on the wire: it alone fails, the frames after it are still read
$GEN flip "$pcap" "$TMP/flip.pcap" "$frame"
"$UPSCOPE" -q -j "$TMP/flip.ndjson" --keylog "$DIR/wss-tls13-aes256.keys" -r "$TMP/flip.pcap"
check_eq "corrupt record: one auth failure, the records after it decrypted" \
    "1 auth_failed $(( $(jq '.tls.records_decrypted.server' "$TMP/one.ndjson") - 1 ))" \
    "$(jq -r '"\(.tls.auth_failures.server) \(.tls.decrypt_failure) \(.tls.records_decrypted.server)"' "$TMP/flip.ndjson")"
check_eq "corrupt record: the WebSocket inside saw a gap, not garbage" \
    "server STREAM_GAP; 0 errors" \
    "$(jq -r '"\([.findings[] | select(.id == "STREAM_GAP") | "\(.direction) \(.id)"] | join(",")); \([.findings[] | select(.severity == "error")] | length) errors"' "$TMP/flip.ndjson")"
check_eq "corrupt record: only the frame it carried is missing" \
    "$(jq -c '.websocket.frames | [.client, .server.text, .server.close]' "$TMP/one.ndjson")" \
    "$(jq -c '.websocket.frames | [.client, .server.text, .server.close]' "$TMP/flip.ndjson")"

# a capture that begins mid-connection: no ClientHello to find the keys by
$GEN from "$pcap" "$TMP/mid.pcap" "$frame"
"$UPSCOPE" -q -j "$TMP/mid.ndjson" --keylog "$DIR/wss-tls13-aes256.keys" -r "$TMP/mid.pcap"
check_eq "mid-connection: reported, not decrypted: midstream" "false midstream" \
    "$(jq -r '"\(.tls.decrypted) \(.tls.decrypt_failure)"' "$TMP/mid.ndjson")"

# opaque TLS: with no key log (nor keys in the pcapng) and without --all, nothing about a
# connection that opens with a ClientHello can be reported, so nDPI is not run on it (its TLS
# dissection was a quarter of a busy link's instructions). --stats counts them; the oracle is
# tshark's count of the streams that carry a ClientHello. With keys, or --all, nDPI runs.
b="$DIR/browser-wss.pcap"
hellos=$(tshark -r "$b" -Y "tls.handshake.type == 1" -T fields -e tcp.stream 2>/dev/null |
    sort -u | wc -l)
for w in 1 2; do
    "$UPSCOPE" -q --stats --workers $w -j "$TMP/none.ndjson" -r "$b" 2>"$TMP/st"
    check_eq "no keys, --workers $w: nDPI skips the $hellos connections opening with a ClientHello" \
        "$hellos 0" "$(stat_of ndpi.skipped_tls <"$TMP/st") $(stat_of ndpi.flows <"$TMP/st")"
    # the premise: without keys and --all no report could have shown nDPI's verdict on them
    check_eq "... and there was no report to show nDPI's verdict in" 0 \
        "$(wc -l <"$TMP/none.ndjson")"
done
"$UPSCOPE" -q --stats -j "$TMP/k.ndjson" --keylog "$DIR/browser-wss.keys" -r "$b" 2>"$TMP/st"
check_eq "with a key log: nDPI runs on them" "0 $hellos" \
    "$(stat_of ndpi.skipped_tls <"$TMP/st") $(stat_of ndpi.flows <"$TMP/st")"
check_eq "... and the decrypted WebSocket's report has nDPI's verdict" "websocket TLS" \
    "$(jq -r '"\(.transition) \(.ndpi.protocol)"' "$TMP/k.ndjson")"
"$UPSCOPE" -q --stats -j "$TMP/n.ndjson" -r "$DIR/wss-tls13-aes256.pcapng" 2>"$TMP/st"
check_eq "keys in the pcapng itself: nDPI runs, the report has its verdict" "0 TLS" \
    "$(stat_of ndpi.skipped_tls <"$TMP/st") $(jq -r .ndpi.protocol "$TMP/n.ndjson")"
"$UPSCOPE" --all -q --stats -j "$TMP/a.ndjson" -r "$b" 2>"$TMP/st"
check_eq "--all: nDPI runs; every connection's report names TLS" "0 $(yes TLS | head -$hellos | paste -sd' ')" \
    "$(stat_of ndpi.skipped_tls <"$TMP/st") $(jq -r .ndpi.protocol "$TMP/a.ndjson" | paste -sd' ')"

check_eq "a key log that does not exist: status 1" 1 \
    "$("$UPSCOPE" -q --keylog /nonexistent/keys -r "$pcap" >/dev/null 2>&1; echo $?)"

done_testing

#!/bin/bash
# Why did my WebSocket die? The lifecycle of sessions in captures of real software
# (captures/life/: python websockets peers, through haproxy and nginx that cut idle tunnels,
# and raw peers that leave pings and closes unanswered or reset with data in flight), against
# tshark as captures/life/oracle.sh reads it: the TCP handshake, the time to the 101, each ping's
# round trip, the longest silence each way, the FINs and RSTs and who sent them first, the
# bytes a RST threw away, the idle time before the end; then the findings that follow.
. "$(dirname "$0")/lib.sh"
DIR="$CAPTURES/life"
command -v tshark >/dev/null || { not_ok "tshark is installed"; done_testing; exit; }

# the oracle's facts for connection k of a capture, as "key value" lines (times in µs from
# the capture's first packet; epoch: that first packet)
oracle_facts() { # NAME
    bash "$DIR/oracle.sh" "$1" 2>/dev/null | "$PY" -c '
import re, sys
conn = None
for line in sys.stdin:
    m = re.search(r"first packet at epoch ([0-9.]+)", line)
    if m:
        epoch = round(float(m.group(1)) * 1e6); print("epoch", epoch); continue
    m = re.match(r"conn (\d+): (.*)", line)
    if not m:
        continue
    k, rest = m.group(1), m.group(2)
    m = re.match(r"tcp SYN (\d+) .*SYN/ACK (\d+) .*ACK (\d+)", rest)
    if m:
        s, sa, a = map(int, m.groups()); print(k, "handshake", sa - s, a - sa)
    m = re.search(r"request to response (\d+) us", rest)
    if m: print(k, "latency", m.group(1))
    m = re.search(r"rtt (\d+) us", rest)
    if m: print(k, "rtt", m.group(1))
    m = re.match(r"longest silence (c>s|s>c) (\d+) us", rest)
    if m: print(k, "silence", "client" if m.group(1) == "c>s" else "server", m.group(2))
    m = re.match(r"FIN frame \d+ at (\d+) from (client|server)", rest)
    if m: print(k, "fin", m.group(2), epoch + int(m.group(1)))
    m = re.match(r"RST frame \d+ at (\d+) from (client|server).*: (\d+) bytes unacknowledged", rest)
    if m: print(k, "rst", m.group(2), m.group(3))
    m = re.search(r"last data frame \d+ at \d+: idle (\d+) us", rest)
    if m: print(k, "idle", m.group(1))
    m = re.match(r"summary: close frames (.*); first FIN (none|client|server)", rest)
    if m:
        closes = re.findall(r"(c>s|s>c) code", m.group(1))
        print(k, "closes", "".join(c[0] for c in closes) or "none", m.group(2))
'
}

for pcap in "$DIR"/life-*.pcap; do
    name=$(basename "$pcap" .pcap)
    oracle_facts "$name" >"$TMP/o"
    "$UPSCOPE" -q -j "$TMP/r.ndjson" -r "$pcap"
    conns=$(awk '$2 == "handshake"' "$TMP/o" | wc -l)
    check_eq "$name: one session per connection" "$conns" "$(wc -l <"$TMP/r.ndjson")"
    k=0
    while read -r s; do
        k=$((k + 1))
        o() { awk -v k=$k -v f="$1" '$1 == k && $2 == f { $1 = ""; $2 = ""; print substr($0, 3) }' "$TMP/o"; }
        check_eq "$name #$k: the TCP handshake's halves" "$(o handshake)" \
            "$(jq -r '.lifecycle.tcp.handshake | "\(.syn_to_synack_us) \(.synack_to_ack_us)"' <<<"$s")"
        check_eq "$name #$k: request to 101" "$(o latency)" "$(jq -r .lifecycle.upgrade_latency_us <<<"$s")"
        check_eq "$name #$k: each ping's round trip, matched by payload" "$(o rtt | sort -n | paste -sd' ')" \
            "$(jq -r '.lifecycle.websocket.liveness.rtt_us | if . then "\(.min) \(.max) \(.samples)" else "" end' <<<"$s" |
               awk 'NF { print ($3 == 1 ? $1 : $1 " " $2) }')"
        for side in client server; do
            want=$(o silence | awk -v s=$side '$1 == s { print $2 }')
            [ -n "$want" ] && check_eq "$name #$k: the $side's longest silence" "$want" \
                "$(jq -r ".lifecycle.websocket.longest_silence_us.$side" <<<"$s")"
        done
        for side in client server; do
            want=$(o fin | awk -v s=$side '$1 == s { print $2 }')
            got=$(jq -r ".lifecycle.tcp.fin.$side // empty" <<<"$s")
            [ -n "$got" ] && got=$(date -u -d "${got%Z}" +%s%6N 2>/dev/null || echo "$got")
            check_eq "$name #$k: the $side's FIN" "$want" "$got"
        done
        check_eq "$name #$k: the RST and the bytes it threw away" "$(o rst)" \
            "$(jq -r '.lifecycle.tcp.rst | if . then "\(.by) \(.data_in_flight)" else "" end' <<<"$s")"
        read -r closes first_fin <<<"$(o closes)"
        how=$(jq -r '"\(.lifecycle.end.how) \(.lifecycle.end.by)"' <<<"$s")
        case $closes in
        cs|sc) want="close_handshake $([ ${closes:0:1} = c ] && echo client || echo server)" ;;
        c|s) want="close_unanswered $([ $closes = c ] && echo client || echo server)" ;;
        none) if [ -n "$(o rst)" ]; then want="tcp_rst $(o rst | cut -d' ' -f1)"
              else want="tcp_fin $first_fin"; fi ;;
        esac
        check_eq "$name #$k: how it ended, and by whom" "$want" "$how"
        [ "$closes" = none ] && [ -z "$(o rst)" ] && check_eq "$name #$k: its silence before the end" \
            "$(o idle)" "$(jq -r .lifecycle.idle_before_end_us <<<"$s")"
    done <"$TMP/r.ndjson"
    jq -r '.findings[] | .id' "$TMP/r.ndjson" | sort | uniq -c | awk '{ print $2 "=" $1 }' |
        paste -sd' ' >"$TMP/findings-$name"
done

# the findings each scenario calls for (captures/life/README.md), and no others
expect() { check_eq "$1: its findings" "$2" "$(cat "$TMP/findings-$1")"; }
expect life-clean ""
expect life-unsolicited-pong ""
expect life-close-unanswered "WS_CLOSE_NOT_ANSWERED=1"
expect life-ping-unanswered "WS_CLOSE_NOT_ANSWERED=1 WS_PING_UNANSWERED=1"
expect life-rst-in-flight "TCP_RESET_WITH_DATA_IN_FLIGHT=1 WS_CLOSED_WITHOUT_CLOSE_FRAME=1 WS_FRAME_TRUNCATED=1"
expect life-nginx-idle "WS_CLOSED_WITHOUT_CLOSE_FRAME=1"
# haproxy's tunnel timeout, three times: the third session names the pattern
expect life-idle-haproxy "CONNECTION_IDLE_TIMEOUT_PATTERN=1 WS_CLOSED_WITHOUT_CLOSE_FRAME=3"
"$UPSCOPE" -q -j - -r "$DIR/life-idle-haproxy.pcap" | jq -r '.findings[] |
    select(.id == "CONNECTION_IDLE_TIMEOUT_PATTERN") | .message' >"$TMP/pattern"
check_contains "the idle timeout named with its duration" "$TMP/pattern" "after the same 1.00 s of silence"

# liveness counted as the peers logged it
"$UPSCOPE" -q -j - -r "$DIR/life-unsolicited-pong.pcap" >"$TMP/pong.ndjson"
check_eq "unsolicited pongs (heartbeats) counted, not matched" "3 2" \
    "$(jq -r '.lifecycle.websocket.liveness | "\(.unsolicited_pongs.client) \(.rtt_us.samples)"' "$TMP/pong.ndjson")"
"$UPSCOPE" -q -j - -r "$DIR/life-ping-unanswered.pcap" >"$TMP/ping.ndjson"
check_eq "seven pings, none answered" "7 0 7" \
    "$(jq -r '.lifecycle.websocket.liveness | "\(.pings.client) \(.pongs.server) \(.unanswered_pings.client)"' "$TMP/ping.ndjson")"

# a message the reset cut short: counted apart, as the bytes that came (oracle.sh decodes the
# unfinished frame from tshark's TCP payload)
seen=$(bash "$DIR/oracle.sh" life-rst-in-flight 2>/dev/null |
       sed -n 's/.*unfinished frame s>c.* \([0-9]*\) payload bytes seen.*/\1/p')
check_eq "a cut message: not a message, a partial one with the bytes seen" "0 1 $seen $seen 0" \
    "$("$UPSCOPE" -q -j - -r "$DIR/life-rst-in-flight.pcap" | jq -r '.websocket |
       "\(.messages.server) \(.partial.messages.server) \(.partial.bytes.server) \(.payload_bytes.server) \(.message_bytes.server)"')"

# the summary's line and the ladder's marks
"$UPSCOPE" -r "$DIR/life-clean.pcap" >"$TMP/sum"
check_contains "summary: the lifecycle line" "$TMP/sum" \
    "ended: close handshake from the client; 2 ping(s), 2 pong(s), RTT 658 us / 700 us / 700 us"

done_testing

#!/bin/bash
# Stream bytes per direction delivered by upscope's reassembly must equal tshark's (an
# independent reassembler) on every sample capture, and must not change when the same packets
# come in another link-layer encapsulation, over IPv6, or in a pcapng file.
. "$(dirname "$0")/lib.sh"

stream_bytes() { # FILE → "C2S S2C GAPS DECODE_ERRORS"
    "$UPSCOPE" -q --stats -r "$1" 2>&1 >/dev/null | awk '
        $1 == "stream.bytes_client_to_server" { c = $2 }
        $1 == "stream.bytes_server_to_client" { s = $2 }
        $1 == "reasm.gaps" { g = $2 }
        $1 ~ /^decode\.(link|ip_|ipv6|tcp)/ { e += $2 }
        END { print c + 0, s + 0, g + 0, e + 0 }'
}

for pcap in "$CAPTURES"/*.pcap; do
    name=$(basename "$pcap" .pcap)
    expected="$("$PY" "$top_srcdir/tests/tshark_bytes.py" "$pcap") 0 0"
    check_eq "$name: stream bytes match tshark" "$expected" "$(stream_bytes "$pcap")"
    for mode in sll sll2 null loop raw ipv4 ipv6 ipv6ext vlan qinq pcapng; do
        "$PY" "$top_srcdir/tests/relink.py" "$pcap" "$TMP/$mode.pcap" "$mode"
        check_eq "$name as $mode: same stream bytes" "$expected" "$(stream_bytes "$TMP/$mode.pcap")"
    done
done

# Cut by a snap length: what was captured plus the gaps adds up to the real stream length.
pcap="$CAPTURES/ws-basic.pcap"
read -r c2s s2c _ <<<"$("$PY" "$top_srcdir/tests/tshark_bytes.py" "$pcap")"
"$PY" "$top_srcdir/tests/relink.py" "$pcap" "$TMP/snap.pcap" snap:80
out=$("$UPSCOPE" -q --stats -r "$TMP/snap.pcap" 2>&1 >/dev/null)
got=$(( $(stat_of stream.bytes_client_to_server <<<"$out") + $(stat_of stream.gap_bytes_client_to_server <<<"$out") ))
check_eq "snaplen-cut capture: client bytes + gap bytes = stream length" "$c2s" "$got"
got=$(( $(stat_of stream.bytes_server_to_client <<<"$out") + $(stat_of stream.gap_bytes_server_to_client <<<"$out") ))
check_eq "snaplen-cut capture: server bytes + gap bytes = stream length" "$s2c" "$got"
check_eq "snaplen-cut capture: payload cuts counted" "yes" \
    "$([ "$(stat_of decode.payload_cut_by_snaplen <<<"$out")" -gt 0 ] && echo yes)"

done_testing

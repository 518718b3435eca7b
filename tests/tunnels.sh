#!/bin/bash
# Tunnels and IP fragments end to end. Every sample capture is carried, at test time, in each
# tunnel and fragment variant tests/pcapgen.py makes (VXLAN, Geneve, GRE with a key, GRE with
# Ethernet, ERSPAN II and III, IP-in-IP in its four forms, GTP-U, VXLAN in GRE, IPv4 and IPv6
# fragments out of order, overlapping copies, fragments in a tunnel, a tunnel in fragments):
# each variant's report must equal the original's except for "encapsulation", which must name
# the tunnel and its ids. tshark is the oracle that the variants carry the same traffic and
# the same ids. Then: two tenants with the same addresses, an overlap with other bytes, and
# the corpus's WebSocket handshakes inside GTP-U.
. "$(dirname "$0")/lib.sh"
GEN="$top_srcdir/tests/pcapgen.py"

# The reports of a capture, without "encapsulation", keys sorted; and the encapsulations.
reports() { # OUT_PREFIX UPSCOPE_ARGS...
    local out=$1; shift
    "$UPSCOPE" -q -j "$out.ndjson" "$@" 2>"$out.err"
    jq -S -c 'del(.encapsulation, .capture.source)' "$out.ndjson" >"$out.reports"
    # fragments are frames of their own: the frame numbers move
    jq -S -c 'del(.encapsulation, .capture) | walk(if type == "object" then del(.frame) else . end)' \
        "$out.ndjson" >"$out.noframes"
    jq -c 'select(.outcome != "midstream") | .encapsulation' "$out.ndjson" | sort -u >"$out.encap"
    jq -c 'select(.outcome == "midstream") | .encapsulation' "$out.ndjson" | unordered |
        sort -u >"$out.mid"
}

# A capture that begins mid-connection may show the server's side first: which end of the
# tunnel is the client's is then the capture's guess. Without the order of ends and TEIDs:
unordered() {
    jq -c 'map(([.outer_src, .outer_dst] | sort) as $o | .outer_src = $o[0] | .outer_dst = $o[1]
               | if .teid then .teid = ([.teid.client, .teid.server] | sort) else . end)'
}

A='"outer_src":"192.0.2.1","outer_dst":"192.0.2.2"'
A6='"outer_src":"2001:db8:ff00::1","outer_dst":"2001:db8:ff00::2"'
expected_encap() { # MODE → the "encapsulation" every session of that variant must have
    case $1 in
    vxlan|vxlan-4790|frag-in-vxlan) echo "[{\"type\":\"vxlan\",$A,\"vni\":42}]" ;;
    geneve) echo "[{\"type\":\"geneve\",$A,\"vni\":42}]" ;;
    gre-key|gre-teb|gre-outer-frag) echo "[{\"type\":\"gre\",$A,\"key\":7}]" ;;
    erspan2) echo "[{\"type\":\"erspan\",$A,\"version\":2,\"session_id\":100}]" ;;
    erspan3) echo "[{\"type\":\"erspan\",$A,\"version\":3,\"session_id\":100}]" ;;
    ipip) echo "[{\"type\":\"ip-in-ip\",$A,\"mode\":\"4in4\"}]" ;;
    6in4) echo "[{\"type\":\"ip-in-ip\",$A,\"mode\":\"6in4\"}]" ;;
    4in6) echo "[{\"type\":\"ip-in-ip\",$A6,\"mode\":\"4in6\"}]" ;;
    6in6) echo "[{\"type\":\"ip-in-ip\",$A6,\"mode\":\"6in6\"}]" ;;
    gtpu) echo "[{\"type\":\"gtp-u\",$A,\"teid\":{\"client\":4096,\"server\":8192}}]" ;;
    vxlan-in-gre) echo "[{\"type\":\"gre\",\"outer_src\":\"198.51.100.1\",\"outer_dst\":\"198.51.100.2\",\"key\":7},{\"type\":\"vxlan\",$A,\"vni\":42}]" ;;
    frag4|frag4-dup|frag6) echo "[]" ;;
    esac
}

for pcap in "$CAPTURES"/*.pcap; do
    name=$(basename "$pcap" .pcap)
    rm -rf "$TMP/v"; mkdir -p "$TMP/v"
    "$PY" "$GEN" variants "$pcap" "$TMP/v"
    "$PY" "$top_srcdir/tests/relink.py" "$pcap" "$TMP/ipv6.pcap" ipv6
    reports "$TMP/base4" -r "$pcap"
    reports "$TMP/base6" -r "$TMP/ipv6.pcap"
    for v in "$TMP"/v/*.pcap; do
        mode=$(basename "$v" .pcap)
        case $mode in 6in4|6in6|frag6) base=base6 ;; *) base=base4 ;; esac
        args=(-r "$v")
        [ "$mode" = vxlan-4790 ] && args+=(--tunnel-port=vxlan:4790)
        reports "$TMP/got" "${args[@]}"
        case $mode in *frag*) kind=noframes ;; *) kind=reports ;; esac
        if cmp -s "$TMP/$base.$kind" "$TMP/got.$kind"; then
            ok "$name as $mode: same reports as the original"
        else
            not_ok "$name as $mode: same reports as the original"
            diff "$TMP/$base.$kind" "$TMP/got.$kind" | head -6 | sed 's/^/#   /'
        fi
        want=$(expected_encap "$mode")
        [ -s "$TMP/got.encap" ] &&
            check_eq "$name as $mode: encapsulation" "$want" "$(cat "$TMP/got.encap")"
        [ -s "$TMP/got.mid" ] &&
            check_eq "$name as $mode: encapsulation (mid-stream sessions, ends unordered)" \
                "$(unordered <<<"$want")" "$(cat "$TMP/got.mid")"
    done
done

# tshark, an independent decoder, sees the same handshakes and WebSocket frames in every
# variant as in the original, and the same ids
tshark_ws() { # FILE → the 101s and the WebSocket opcodes tshark reads
    tshark -r "$1" -d tcp.port==18081,http -d tcp.port==18083,http \
        -Y 'http.response.code == 101 || websocket' -T fields -e http.response.code \
        -e websocket.opcode 2>/dev/null | tr '\n' ' '
}
for cap in ws-basic ws-deflate; do
    rm -rf "$TMP/v"; mkdir -p "$TMP/v"
    "$PY" "$GEN" variants "$CAPTURES/$cap.pcap" "$TMP/v"
    want=$(tshark_ws "$CAPTURES/$cap.pcap")
    for v in "$TMP"/v/*.pcap; do
        mode=$(basename "$v" .pcap)
        [ "$mode" = vxlan-4790 ] && continue    # tshark does not know this port carries VXLAN
        check_eq "$cap as $mode: tshark sees the same 101 and frames" "$want" "$(tshark_ws "$v")"
    done
done
# the values of one field tshark reads in FILE, in decimal (it prints some in hex), sorted
ids() { # FILE FIELD
    tshark -r "$1" -T fields -e "$2" 2>/dev/null | tr ',' '\n' |
        while read -r x; do [ -n "$x" ] && printf '%d\n' "$x"; done | sort -un | tr '\n' ' '
}
check_eq "tshark: the VXLAN VNI" "42 " "$(ids "$TMP/v/vxlan.pcap" vxlan.vni)"
check_eq "tshark: the Geneve VNI" "42 " "$(ids "$TMP/v/geneve.pcap" geneve.vni)"
check_eq "tshark: the GRE key" "7 " "$(ids "$TMP/v/gre-key.pcap" gre.key)"
check_eq "tshark: the ERSPAN II session" "100 " "$(ids "$TMP/v/erspan2.pcap" erspan.spanid)"
check_eq "tshark: the ERSPAN III session" "100 " "$(ids "$TMP/v/erspan3.pcap" erspan.spanid)"
check_eq "tshark: the GTP-U TEIDs" "4096 8192 " "$(ids "$TMP/v/gtpu.pcap" gtp.teid)"
check_eq "tshark: frag4 is in fragments" "yes" \
    "$([ "$(tshark -r "$TMP/v/frag4.pcap" -Y 'ip.flags.mf == 1' 2>/dev/null | wc -l)" -gt 0 ] && echo yes)"

# the counters say what happened
out=$("$UPSCOPE" -q --stats -r "$TMP/v/frag4-dup.pcap" 2>&1 >/dev/null)
check_eq "frag4-dup: datagrams reassembled" yes \
    "$([ "$(stat_of defrag.reassembled <<<"$out")" -gt 0 ] && echo yes)"
check_eq "frag4-dup: identical overlaps counted as duplicates" yes \
    "$([ "$(stat_of defrag.duplicates <<<"$out")" -gt 0 ] && echo yes)"
check_eq "frag4-dup: no conflicting overlap" 0 "$(stat_of defrag.conflicts <<<"$out")"
check_eq "frag4-dup: nothing left waiting or dropped" "0 0 0 0" \
    "$(stat_of defrag.timed_out <<<"$out") $(stat_of defrag.evicted <<<"$out") $(stat_of defrag.malformed <<<"$out") $(stat_of defrag.incomplete <<<"$out")"
out=$("$UPSCOPE" -q --stats -r "$TMP/v/vxlan-in-gre.pcap" 2>&1 >/dev/null)
check_eq "vxlan-in-gre: every packet decapsulated twice" \
    "$(stat_of packets <<<"$out") $(stat_of packets <<<"$out")" \
    "$(stat_of tunnel.gre <<<"$out") $(stat_of tunnel.vxlan <<<"$out")"
out=$("$UPSCOPE" -q --stats -r "$TMP/v/vxlan-4790.pcap" 2>&1 >/dev/null)
check_eq "VXLAN on 4790 without --tunnel-port: not decapsulated" "0 0" \
    "$(stat_of tcp.packets <<<"$out") $(stat_of tunnel.vxlan <<<"$out")"

# an overlap with other bytes: the first copy wins (same report), and a finding says so
pcap="$CAPTURES/ws-basic.pcap"
get=$(tshark -r "$pcap" -Y 'tcp.len > 0' -T fields -e frame.number 2>/dev/null | head -1)
"$PY" "$GEN" variant-one "$pcap" "$TMP/other.pcap" frag4-other "$get"
reports "$TMP/other" -r "$TMP/other.pcap"
check_eq "overlap with other bytes: IP_FRAGMENT_OVERLAP_CONFLICT, blamed on the client" \
    "client" "$(jq -r '.findings[] | select(.id == "IP_FRAGMENT_OVERLAP_CONFLICT") | .direction' "$TMP/other.ndjson")"
reports "$TMP/base4" -r "$pcap"
check_eq "overlap with other bytes: otherwise the original's report (first copy kept)" \
    "$(cat "$TMP/base4.noframes")" \
    "$(jq -S -c 'del(.findings[] | select(.id == "IP_FRAGMENT_OVERLAP_CONFLICT")) |
                 .findings_dropped = 0' "$TMP/other.noframes")"
check_eq "overlap with other bytes: tshark sees the overlap too" yes \
    "$([ "$(tshark -r "$TMP/other.pcap" -Y 'ip.fragment.overlap' 2>/dev/null | wc -l)" -gt 0 ] && echo yes)"

# two tenants, the same addresses and ports, VNIs 42 and 43, interleaved: two sessions
"$PY" "$GEN" variants "$pcap" "$TMP" vxlan:42 vxlan:43
"$PY" "$GEN" interleave "$TMP/tenants.pcap" "$TMP/vxlan:42.pcap" "$TMP/vxlan:43.pcap"
reports "$TMP/t" -r "$TMP/tenants.pcap"
check_eq "two tenants with the same addresses: two sessions" 2 "$(wc -l <"$TMP/t.ndjson")"
check_eq "two tenants: each in its own VNI" "42 43" \
    "$(jq -r '.encapsulation[0].vni' "$TMP/t.ndjson" | sort | tr '\n' ' ' | sed 's/ $//')"
check_eq "two tenants: each session whole (frames as in the original)" \
    "$(jq -c '.websocket.frames' "$TMP/base4.ndjson")$(jq -c '.websocket.frames' "$TMP/base4.ndjson")" \
    "$(jq -c '.websocket.frames' "$TMP/t.ndjson" | tr -d '\n')"

# the corpus: WebSocket handshakes inside GTP-U (QinQ / IPv4 / UDP 2152 / GTP-U / IPv4 / TCP)
for pcap in "$CAPTURES"/corpus/nDPI__http_origin_different_than_host.pcap \
            "$CAPTURES"/corpus/nDPI__false_positives.pcapng; do
    name=$(basename "$pcap")
    want=$(tshark -r "$pcap" -Y 'http.response.code == 101' 2>/dev/null | wc -l)
    "$UPSCOPE" -q -j "$TMP/gtp.ndjson" -r "$pcap"
    check_eq "$name: the 101s tshark sees are switched WebSocket sessions" "$want" \
        "$(jq -c 'select(.transition == "websocket" and .outcome == "switched")' "$TMP/gtp.ndjson" | wc -l)"
    check_eq "$name: at least one" yes "$([ "$want" -gt 0 ] && echo yes)"
    cport=$(jq -r '.client.port' "$TMP/gtp.ndjson")
    teids=$(printf '%d %d' "$(tshark -r "$pcap" -Y "tcp.srcport == $cport" -T fields \
                                     -e gtp.teid 2>/dev/null | sort -u)" \
                           "$(tshark -r "$pcap" -Y "tcp.dstport == $cport" -T fields \
                                     -e gtp.teid 2>/dev/null | sort -u)")
    check_eq "$name: GTP-U with tshark's TEIDs, per direction" "gtp-u $teids" \
        "$(jq -r '.encapsulation[0] | "\(.type) \(.teid.client) \(.teid.server)"' "$TMP/gtp.ndjson")"
done

done_testing

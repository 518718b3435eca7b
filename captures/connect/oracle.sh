#!/bin/bash
# Prints tshark's view of one CONNECT capture (captures/connect/NAME.pcap), the facts the
# README's tables quote:
#   captures/connect/oracle.sh NAME        (NAME without .pcap; NAME.keys is used when present)
# 1. every CONNECT request (frame, TCP stream, request-target) and every proxy response
#    (frame, stream, version, code, phrase, frame of its request);
# 2. the tunnelled traffic, decoded: tshark follows a CONNECT tunnel by itself (TLS is found by
#    its heuristic), but dissects plaintext tunnel bytes by the *target's* port, so for each
#    CONNECT target port the script adds -d tcp.port==PORT,http, unless NAME.keys exists
#    (then the tunnels carry TLS, which a -d ...,http would hide; it adds
#    -o tls.keylog_file:NAME.keys instead). One line per message: frame, stream, direction (c>s is to
#    the proxy), then TLS handshake (type list, SNI, ALPN, version, suite), HTTP (method,
#    target / code, phrase), WebSocket (opcode, text, close code and reason).
set -eu
here=$(cd "$(dirname "$0")" && pwd)
name=${1%.pcap}
pcap=$here/$name.pcap
args=()
if [ -f "$here/$name.keys" ]; then # TLS tunnels: tshark's TLS heuristic finds them
    args+=(-o "tls.keylog_file:$here/$name.keys")
else # plaintext tunnels: decode by the target port (a -d ...,http there would hide TLS)
    for port in $(tshark -r "$pcap" -Y http.request.method==CONNECT -T fields \
                  -e http.request.uri 2>/dev/null | sed 's/.*://' | sort -u); do
        args+=(-d "tcp.port==$port,http")
    done
fi
echo "# $name.pcap: $(tshark -r "$pcap" 2>/dev/null | wc -l) frames, $(tshark -r "$pcap" -T fields \
    -e tcp.stream 2>/dev/null | sort -u | wc -l) TCP connections; tshark options: ${args[*]:-none}"
echo "## CONNECT requests: frame stream target"
tshark -r "$pcap" -Y http.request.method==CONNECT -T fields -e frame.number -e tcp.stream \
    -e http.request.uri 2>/dev/null
echo "## proxy responses to CONNECT: frame stream version code phrase request-frame"
tshark -r "$pcap" "${args[@]}" -Y 'http.response && http.request_in' -T fields -e frame.number \
    -e tcp.stream -e http.response.version -e http.response.code -e http.response.phrase \
    -e http.request_in 2>/dev/null | while IFS=$'\t' read -r f s v c p r; do
        m=$(tshark -r "$pcap" -Y "frame.number==$r" -T fields -e http.request.method 2>/dev/null)
        if [ "$m" = CONNECT ]; then printf '%s\t%s\t%s\t%s\t%s\t%s\n' "$f" "$s" "$v" "$c" "$p" "$r"; fi
    done
echo "## decoded messages: frame stream dir tls(types sni alpn version suite) http ws"
tshark -r "$pcap" "${args[@]}" \
    -Y 'tls.handshake.type || tls.alert_message || http.request || http.response || websocket' \
    -T fields -E occurrence=a -E aggregator=, -e frame.number -e tcp.stream -e tcp.dstport \
    -e tls.handshake.type -e tls.handshake.extensions_server_name \
    -e tls.handshake.extensions_alpn_str -e tls.handshake.extensions.supported_version \
    -e tls.handshake.ciphersuite -e tls.alert_message.desc -e http.request.method \
    -e http.request.uri -e http.response.code -e http.response.phrase -e websocket.opcode \
    -e websocket.payload.text -e websocket.payload.close.status_code \
    -e websocket.payload.close.reason 2>/dev/null |
awk -F'\t' -v OFS=' ' '{
    dir = ($3 == 18888) ? "c>s" : "s>c"; out = $1 " " $2 " " dir
    if ($4 != "") {
        out = out " tls[hs=" $4; if ($5 != "") out = out " sni=" $5
        if ($6 != "") out = out " alpn=" $6
        if ($4 ~ /^2(,|$)/) out = out " version=" $7 " suite=" $8
        else if ($4 ~ /^1(,|$)/) out = out " versions=" $7 " suites=" split($8, a, ",")
        out = out "]"
    }
    if ($9 != "") out = out " alert=" $9
    if ($10 != "") out = out " http: " $10 " " substr($11, 1, 60)
    if ($12 != "") out = out " http: " $12 " " $13
    if ($14 != "") {
        n = split($14, op, ","); split($15, tx, ",")
        for (i = 1; i <= n; i++) out = out " ws:op=" op[i]
        if ($15 != "") out = out " text=\"" $15 "\""
        if ($16 != "") out = out " close=" $16 " \"" $17 "\""
    }
    print out
}'

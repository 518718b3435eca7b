#!/bin/bash
# Prints what tshark (Wireshark 4.0) makes of one TLS sample capture, decrypted with its key
# log: the facts upscope's TLS tests compare against.
#   captures/tls/oracle.sh NAME          NAME.pcap decrypted with NAME.keys
#   captures/tls/oracle.sh NAME.pcapng   the secrets embedded in the file (DSB)
#   captures/tls/oracle.sh FILE [KEYS]   any capture (KEYS: FILE without extension + .keys)
# The server port is the destination of the first SYN; that port is decoded as TLS, and the
# TLS payload as HTTP unless ALPN says otherwise (h2 goes to tshark's HTTP/2 dissector).
# After an RFC 2817 upgrade (101 with Upgrade: TLS...) tshark does not follow into the TLS,
# so the plaintext HTTP frames are read first and then cut out (editcap) to decode the rest.
#
# Output, per TCP connection N (in order of appearance), c>s = client to server:
#   conn N: tls VERSION SUITE sni NAME alpn CHOSEN (offered LIST)
#   conn N: key_share client GROUPS server GROUP (TLS 1.2: the ECDHE curve) hrr yes|no psk yes|no early_data ...
#   conn N: tls12 encrypt_then_mac yes|no extended_master_secret yes|no   (TLS 1.2 only)
#   conn N: tcp c>s FLAGS s>c FLAGS              (syn/fin/rst seen in that direction)
#   conn N: c>s records TOTAL: TYPE COUNT ...    (inner content types once decrypted)
#   conn N: c>s handshake: MESSAGE ...           (every handshake message, in order)
#   conn N: c>s alerts: ...
#   conn N: c>s http: REQUEST LINE | s>c http: STATUS LINE   (in order)
#   conn N: c>s websocket: OPCODE COUNT ...; rsv1 COUNT; close CODES
#   conn N: c>s http2: TYPE COUNT ...; requests / responses
set -eu
here=$(cd "$(dirname "$0")" && pwd)
[ $# -ge 1 ] || { echo "usage: $0 NAME|FILE [KEYS]" >&2; exit 2; }
if [ -f "$1" ]; then file=$1; else
    case $1 in *.pcap|*.pcapng) file=$here/$1 ;; *) file=$here/$1.pcap ;; esac
fi
[ -f "$file" ] || { echo "oracle.sh: no capture $file" >&2; exit 1; }
keys=${2:-${file%.*}.keys}
case $file in *.pcapng) [ $# -ge 2 ] || keys= ;; esac
tsopts=()
if [ -n "$keys" ]; then
    [ -f "$keys" ] || { echo "oracle.sh: no key log $keys" >&2; exit 1; }
    tsopts+=(-o "tls.keylog_file:$keys")
fi
ts() { tshark "$@" 2> >(grep -v 'Running as user' >&2); }

port=$(ts -r "$file" -Y 'tcp.flags.syn==1 && tcp.flags.ack==0' -T fields -e tcp.dstport | head -1)
[ -n "$port" ] || { echo "oracle.sh: no SYN in $file" >&2; exit 1; }
tsopts+=(-d "tcp.port==$port,tls" -d "tls.port==$port,http")

fields=(frame.number tcp.stream tcp.srcport tcp.flags.syn tcp.flags.fin tcp.flags.reset
    tls.record.version tls.record.content_type tls.handshake.type tls.handshake.random
    tls.handshake.extensions.supported_version tls.handshake.version tls.handshake.ciphersuite
    tls.handshake.extensions_server_name tls.handshake.extensions_alpn_str
    tls.handshake.extensions.psk.identity.selected tls.handshake.extension.type
    tls.handshake.extensions_key_share_group tls.alert_message.desc
    websocket.opcode websocket.rsv websocket.payload.close.status_code
    http.request.method http.request.uri http.request.version
    http.response.version http.response.code http.response.phrase
    http2.type http2.headers.method http2.headers.path http2.headers.status
    tls.handshake.server_named_curve)
eopts=()
for f in "${fields[@]}"; do eopts+=(-e "$f"); done
rows() { ts -r "$1" "${tsopts[@]}" -T fields -E separator=/t -E "aggregator=$(printf '\037')" \
    "${eopts[@]}" "${@:2}"; }

tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
plain=$(ts -r "$file" -Y 'http.response.code==101 && http.upgrade contains "TLS"' \
    -T fields -e tcp.stream)
if [ -n "$plain" ]; then # RFC 2817: read the plaintext HTTP, then cut it out
    rows "$file" -Y http >"$tmp/rows"
    ts -r "$file" -Y http -T fields -e frame.number >"$tmp/plain"
    # shellcheck disable=SC2046
    editcap "$file" "$tmp/tls.pcap" $(cat "$tmp/plain")
    rows "$tmp/tls.pcap" >>"$tmp/rows"
else
    rows "$file" >"$tmp/rows"
fi

echo "capture $(basename "$file") port $port keys $([ -n "$keys" ] && basename "$keys" || echo embedded)"
awk -F'\t' -v port="$port" '
function split_(s, a) { if (s == "") return 0; return split(s, a, "\037") }
function add(list, item) { return list == "" ? item : list " " item }
function group(g) { # a name, GREASE (RFC 8701: 0x?a?a, random per connection) or the number
    if (g in gr) return gr[g]
    if (g ~ /^[0-9]+$/ && int(g / 256) == g % 256 && g % 16 == 10) return "GREASE"
    return g
}
BEGIN {
    HRR = "cf21ad74e59a6111be1d8c021e65b891c2a211167abb8c5e079e09e2c8a8339c"
    hs[1] = "ClientHello"; hs[2] = "ServerHello"; hs[4] = "NewSessionTicket"
    hs[5] = "EndOfEarlyData"; hs[8] = "EncryptedExtensions"; hs[11] = "Certificate"
    hs[12] = "ServerKeyExchange"; hs[13] = "CertificateRequest"; hs[14] = "ServerHelloDone"
    hs[15] = "CertificateVerify"; hs[16] = "ClientKeyExchange"; hs[20] = "Finished"
    hs[24] = "KeyUpdate"
    ct[20] = "change_cipher_spec"; ct[21] = "alert"; ct[22] = "handshake"
    ct[23] = "application_data"; nct = split("20 21 22 23", cts, " ")
    al[0] = "close_notify"; al[10] = "unexpected_message"; al[20] = "bad_record_mac"
    al[40] = "handshake_failure"; al[50] = "decode_error"; al[80] = "internal_error"
    al[90] = "user_canceled"; al[109] = "missing_extension"; al[120] = "no_application_protocol"
    ver["0x0304"] = "TLSv1.3"; ver["0x0303"] = "TLSv1.2"; ver["0x0302"] = "TLSv1.1"
    ver["0x0301"] = "TLSv1.0"
    cs["0x1301"] = "TLS_AES_128_GCM_SHA256"; cs["0x1302"] = "TLS_AES_256_GCM_SHA384"
    cs["0x1303"] = "TLS_CHACHA20_POLY1305_SHA256"
    cs["0xc02f"] = "TLS_ECDHE_RSA_WITH_AES_128_GCM_SHA256"
    cs["0xc030"] = "TLS_ECDHE_RSA_WITH_AES_256_GCM_SHA384"
    cs["0xcca8"] = "TLS_ECDHE_RSA_WITH_CHACHA20_POLY1305_SHA256"
    cs["0xc027"] = "TLS_ECDHE_RSA_WITH_AES_128_CBC_SHA256"
    cs["0x009c"] = "TLS_RSA_WITH_AES_128_GCM_SHA256"
    gr[23] = "secp256r1"; gr[24] = "secp384r1"; gr[25] = "secp521r1"; gr[29] = "x25519"
    gr[30] = "x448"; gr[4588] = "X25519MLKEM768"; gr[25497] = "X25519Kyber768Draft00"
    gr["0x0017"] = "secp256r1"; gr["0x0018"] = "secp384r1"; gr["0x001d"] = "x25519"
    op[0] = "continuation"; op[1] = "text"; op[2] = "binary"; op[8] = "close"; op[9] = "ping"
    op[10] = "pong"; nop = split("0 1 2 8 9 10", ops, " ")
    h2[0] = "DATA"; h2[1] = "HEADERS"; h2[2] = "PRIORITY"; h2[3] = "RST_STREAM"
    h2[4] = "SETTINGS"; h2[5] = "PUSH_PROMISE"; h2[6] = "PING"; h2[7] = "GOAWAY"
    h2[8] = "WINDOW_UPDATE"; h2[9] = "CONTINUATION"
}
{
    s = $2; d = ($3 == port) ? "s>c" : "c>s"
    if (!(s in seen)) { seen[s] = 1; order[++nconn] = s }
    if ($4 == 1) tcp[s, d] = add(tcp[s, d], "syn")
    if ($5 == 1) tcp[s, d] = add(tcp[s, d], "fin")
    if ($6 == 1) tcp[s, d] = add(tcp[s, d], "rst")
    nrec[s, d] += split_($7, a)
    n = split_($8, a); for (i = 1; i <= n; i++) nct_[s, d, a[i]]++
    nt = split_($9, t); split_($10, r)
    for (i = 1; i <= nt; i++) {
        name = (t[i] in hs) ? hs[t[i]] : "type" t[i]
        if (t[i] == 2 && r[1] == HRR) { name = "HelloRetryRequest"; hrr[s] = "yes" }
        hsl[s, d] = add(hsl[s, d], name)
        if (t[i] == 5) early[s] = "accepted"
        if (t[i] == 24) ku[s, d]++
    }
    if (d == "s>c") {
        if ($11 != "") tlsver[s] = $11
        else if ($12 != "" && tlsver[s] == "") tlsver[s] = $12
        if ($13 != "") suite[s] = $13
        if ($15 != "") alpn[s] = $15
        if ($16 != "") psk[s] = "yes"
        if ($18 != "") sgroup[s] = $18
        if ($33 != "") sgroup[s] = $33
        n = split_($17, a); for (i = 1; i <= n; i++) { if (a[i] == 22) etm[s] = "yes"; if (a[i] == 23) ems[s] = "yes" }
    } else {
        if ($14 != "") sni[s] = $14
        if ($15 != "") { n = split_($15, a); o = ""; for (i = 1; i <= n; i++) o = o (i > 1 ? "," : "") a[i]; offer[s] = o }
        if ($18 != "") { n = split_($18, a); o = ""; for (i = 1; i <= n; i++) o = o (i > 1 ? "+" : "") group(a[i]); cgroup[s] = add(cgroup[s], o) }
        n = split_($17, a); for (i = 1; i <= n; i++) if (a[i] == 42 && early[s] == "") early[s] = "offered"
    }
    n = split_($19, a); for (i = 1; i <= n; i++) alerts[s, d] = add(alerts[s, d], (a[i] in al) ? al[a[i]] : a[i])
    n = split_($20, a); split_($21, b)
    for (i = 1; i <= n; i++) { wso[s, d, a[i] + 0]++; if (index("4567", substr(b[i], length(b[i]), 1)) > 0) rsv1[s, d]++; nws[s, d]++ }
    n = split_($22, a); for (i = 1; i <= n; i++) wsc[s, d] = add(wsc[s, d], a[i])
    n = split_($23, a); split_($24, b); split_($25, c)
    for (i = 1; i <= n; i++) ev[s, ++nev[s]] = d " http: " a[i] " " b[i] " " c[i]
    n = split_($26, a); split_($27, b); split_($28, c)
    for (i = 1; i <= n; i++) ev[s, ++nev[s]] = d " http: " a[i] " " b[i] " " c[i]
    n = split_($29, a); for (i = 1; i <= n; i++) { h2c[s, d, a[i] + 0]++; nh2[s, d]++ }
    n = split_($30, a); split_($31, b)
    for (i = 1; i <= n; i++) h2r[s, d] = add(h2r[s, d], a[i] " " b[i] ";")
    n = split_($32, a); for (i = 1; i <= n; i++) h2r[s, d] = add(h2r[s, d], ":status " a[i] ";")
}
END {
    for (k = 1; k <= nconn; k++) {
        s = order[k]; p = "conn " k ": "
        if (tlsver[s] != "" || nrec[s, "c>s"] > 0) {
            v = (tlsver[s] in ver) ? ver[tlsver[s]] : tlsver[s]
            u = (suite[s] in cs) ? cs[suite[s]] : suite[s]
            print p "tls " (v == "" ? "-" : v) " " (u == "" ? "-" : u) " sni " (sni[s] == "" ? "-" : sni[s]) \
                " alpn " (alpn[s] == "" ? "-" : alpn[s]) " (offered " (offer[s] == "" ? "-" : offer[s]) ")"
            g = group(sgroup[s])
            print p "key_share client " (cgroup[s] == "" ? "-" : cgroup[s]) " server " (g == "" ? "-" : g) \
                " hrr " (hrr[s] == "" ? "no" : "yes") " psk " (psk[s] == "" ? "no" : "yes") \
                " early_data " (early[s] == "" ? "no" : early[s]) \
                " key_update c>s " (ku[s, "c>s"] + 0) " s>c " (ku[s, "s>c"] + 0)
            if (v == "TLSv1.2")
                print p "tls12 encrypt_then_mac " (etm[s] == "" ? "no" : "yes") \
                    " extended_master_secret " (ems[s] == "" ? "no" : "yes")
        }
        print p "tcp c>s " tcp[s, "c>s"] "; s>c " tcp[s, "s>c"]
        split("c>s s>c", dirs, " ")
        for (j = 1; j <= 2; j++) {
            d = dirs[j]
            if (nrec[s, d] > 0) {
                o = ""; for (i = 1; i <= nct; i++) if (nct_[s, d, cts[i]] > 0) o = o " " ct[cts[i]] " " nct_[s, d, cts[i]]
                print p d " records " nrec[s, d] ":" o
                print p d " handshake: " hsl[s, d]
            }
            if (alerts[s, d] != "") print p d " alerts: " alerts[s, d]
        }
        for (i = 1; i <= nev[s]; i++) print p ev[s, i]
        for (j = 1; j <= 2; j++) {
            d = dirs[j]
            if (nws[s, d] > 0) {
                o = ""; for (i = 1; i <= nop; i++) if (wso[s, d, ops[i]] > 0) o = o " " op[ops[i]] " " wso[s, d, ops[i]]
                print p d " websocket:" o "; rsv1 " (rsv1[s, d] + 0) "; close " (wsc[s, d] == "" ? "-" : wsc[s, d])
            }
        }
        for (j = 1; j <= 2; j++) {
            d = dirs[j]
            if (nh2[s, d] > 0) {
                o = ""; for (i = 0; i <= 9; i++) if (h2c[s, d, i] > 0) o = o " " h2[i] " " h2c[s, d, i]
                print p d " http2:" o "; " h2r[s, d]
            }
        }
    }
}' "$tmp/rows"

#!/bin/bash
# Regenerates the TLS sample captures and their key logs on the loopback interface, with real
# clients and servers. Needs root (tcpdump), and: tcpdump tshark (editcap) curl openssl
# python3 python3-websockets nghttp2-server chromium nodejs, plus `npm install` here (ws).
#   captures/tls/make.sh            all captures
#   captures/tls/make.sh NAME...    only these (names without .pcap)
# Each capture NAME.pcap holds one scenario on its own port (19400-19499) and comes with
# NAME.keys, the NSS key log its TLS client (Chromium: the browser) wrote while it ran.
# See captures/tls/README.md for the list; captures/tls/oracle.sh NAME prints what tshark
# makes of one capture.
set -eu
here=$(cd "$(dirname "$0")" && pwd)
peers="/usr/bin/python3 $here/peers_tls.py"
node="node $here/peers_node.js"
cert=$here/test-cert.pem
key=$here/test-key.pem
pids=()

cleanup() {
    for p in "${pids[@]}"; do kill "$p" 2>/dev/null || true; done
    wait 2>/dev/null || true
}
trap cleanup EXIT

wait_port() { # PORT: wait until something listens there
    for _ in $(seq 100); do
        (exec 3<>"/dev/tcp/127.0.0.1/$1") 2>/dev/null && return 0
        sleep 0.05
    done
    echo "make.sh: nothing listens on port $1" >&2
    return 1
}

# capture NAME PORT SERVER_CMD CLIENT_CMD: runs the server, starts tcpdump, runs the client.
# Both commands see KEYS (the key log to write: captures/tls/NAME.keys, removed first) and
# WORK (a scratch directory of this run). A run in which the loopback retransmitted (a tail
# loss probe when a peer was slow to ACK: it happens on a busy machine) is made again.
capture() {
    local name=$1
    for _ in 1 2 3; do
        capture_once "$@"
        [ "$(tshark -r "$here/$name.pcap" -Y tcp.analysis.retransmission 2>/dev/null | wc -l)" = 0 ] \
            && return 0
        echo "   (TCP retransmission in the capture; again)"
    done
}

capture_once() {
    local name=$1 port=$2 server=$3 client=$4
    local out="$here/$name.pcap"
    export KEYS="$here/$name.keys"
    echo "== $name (port $port)"
    rm -f "$KEYS"
    bash -c "$server" >/dev/null 2>&1 &
    local spid=$!
    pids+=("$spid")
    wait_port "$port"
    local log
    log=$(mktemp)
    tcpdump -i lo --immediate-mode -U -s 0 -w "$out.tmp" "tcp port $port" 2>"$log" &
    local tpid=$!
    for _ in $(seq 100); do grep -q "listening on" "$log" && break; sleep 0.05; done
    sleep 0.2
    bash -c "$client" >/dev/null 2>&1 || echo "   (client exited with $?)"
    sleep 0.5
    kill "$tpid"; wait "$tpid" 2>/dev/null || true
    kill "$spid" 2>/dev/null || true; wait "$spid" 2>/dev/null || true
    mv "$out.tmp" "$out"
    chown --reference="$here" "$out" "$KEYS"
    chmod 644 "$out" "$KEYS"
    rm -f "$log"
    echo "   $(tcpdump -r "$out" 2>/dev/null | wc -l) packets, $(grep -c '^[A-Z]' "$KEYS") secrets"
}

want() { # NAME: selected on the command line (or no selection)?
    [ ${#selected[@]} -eq 0 ] && return 0
    local s
    for s in "${selected[@]}"; do [ "$s" = "$1" ] && return 0; done
    return 1
}
selected=("$@")

if [ ! -f "$cert" ]; then # the committed test certificate; made once
    openssl req -x509 -newkey rsa:2048 -nodes -days 36500 -subj /CN=upscope.test \
        -addext "subjectAltName=DNS:upscope.test,IP:127.0.0.1" \
        -keyout "$key" -out "$cert" 2>/dev/null
    chmod 644 "$key"
fi
if [ ! -d "$here/node_modules/ws" ]; then
    (cd "$here" && npm install --no-audit --no-fund >/dev/null)
fi

export WORK
WORK=$(mktemp -d)
printf 'index page\n' >"$WORK/index.html"
head -c 2000 /dev/zero | tr '\0' 'b' >"$WORK/b.txt"
printf 'GET /early.txt HTTP/1.1\r\nHost: upscope.test:19416\r\n\r\n' >"$WORK/early.txt"

# ---- WebSocket over TLS 1.3, one suite each ----
want wss-tls13-aes256 && capture wss-tls13-aes256 19401 \
    "$peers wss-server 19401" "$peers wss-client 19401 \$KEYS"

want wss-tls13-aes128 && capture wss-tls13-aes128 19402 \
    "$node server 19402 ciphers=TLS_AES_128_GCM_SHA256" \
    "node --tls-keylog=\$KEYS $here/peers_node.js client 19402 ciphers=TLS_AES_128_GCM_SHA256"

want wss-tls13-chacha && capture wss-tls13-chacha 19403 \
    "$node server 19403 ciphers=TLS_CHACHA20_POLY1305_SHA256" \
    "node --tls-keylog=\$KEYS $here/peers_node.js client 19403 ciphers=TLS_CHACHA20_POLY1305_SHA256"

# ---- WebSocket over TLS 1.2 (the python server is capped at 1.2 and offers one suite) ----
want wss-tls12-aesgcm && capture wss-tls12-aesgcm 19404 \
    "$peers wss-server 19404 tls12 ciphers=ECDHE-RSA-AES128-GCM-SHA256" \
    "$peers wss-client 19404 \$KEYS"

want wss-tls12-aes256gcm && capture wss-tls12-aes256gcm 19405 \
    "$peers wss-server 19405 tls12 ciphers=ECDHE-RSA-AES256-GCM-SHA384" \
    "$peers wss-client 19405 \$KEYS"

want wss-tls12-chacha && capture wss-tls12-chacha 19406 \
    "$peers wss-server 19406 tls12 ciphers=ECDHE-RSA-CHACHA20-POLY1305" \
    "$peers wss-client 19406 \$KEYS"

want wss-tls12-cbc && capture wss-tls12-cbc 19407 \
    "$peers wss-server 19407 tls12 ciphers=ECDHE-RSA-AES128-SHA256" \
    "$peers wss-client 19407 \$KEYS"

want wss-tls12-cbc-noetm && capture wss-tls12-cbc-noetm 19408 \
    "$peers wss-server 19408 tls12 ciphers=ECDHE-RSA-AES128-SHA256 noetm" \
    "$peers wss-client 19408 \$KEYS"

want wss-tls12-rsa && capture wss-tls12-rsa 19409 \
    "$peers wss-server 19409 tls12 ciphers=AES128-GCM-SHA256" \
    "$peers wss-client 19409 \$KEYS"

want wss-node-deflate && capture wss-node-deflate 19410 \
    "$node server 19410 deflate" \
    "node --tls-keylog=\$KEYS $here/peers_node.js client 19410 deflate"

# ---- HTTP over TLS without an upgrade ----
want h2-curl-nghttpd && capture h2-curl-nghttpd 19411 \
    "nghttpd -d $WORK 19411 $key $cert" \
    "SSLKEYLOGFILE=\$KEYS curl -s -k --http2 --resolve upscope.test:19411:127.0.0.1 \
     https://upscope.test:19411/index.html https://upscope.test:19411/b.txt"

want https-curl-http11 && capture https-curl-http11 19412 \
    "cd $WORK && exec $peers https-server 19412" \
    "SSLKEYLOGFILE=\$KEYS curl -s -k --http1.1 --resolve upscope.test:19412:127.0.0.1 \
     https://upscope.test:19412/index.html"

# ---- TLS inside an RFC 2817 upgrade, with a WebSocket inside the TLS ----
want tls-2817-upgrade && capture tls-2817-upgrade 19413 \
    "$peers rfc2817-server 19413" "$peers rfc2817-client 19413 \$KEYS"

# ---- TLS 1.3 handshake variants ----
# HelloRetryRequest: the client's only key share is X25519, the server takes P-256 only.
# openssl s_client carries the WebSocket bytes ws-feed writes; the server is python.
want tls13-hrr && capture tls13-hrr 19414 \
    "$peers raw-wss-server 19414 group=prime256v1" \
    "$peers ws-feed 19414 | openssl s_client -connect 127.0.0.1:19414 -servername upscope.test \
     -alpn http/1.1 -groups X25519:P-256 -keylogfile \$KEYS -nocommands"

# PSK resumption: the second connection resumes the first one's session (python ssl both ends)
want tls13-resume && capture tls13-resume 19415 \
    "cd $WORK && exec $peers https-server 19415" \
    "$peers resume-client 19415 \$KEYS /index.html /b.txt"

# 0-RTT: a first connection fetches a ticket, the second sends its request as early data
want tls13-early-data && capture tls13-early-data 19416 \
    "$peers s_server-http 19416 -early_data -alpn http/1.1" \
    "(printf 'GET /first.txt HTTP/1.1\r\nHost: upscope.test:19416\r\n\r\n'; sleep 0.7) \
       | openssl s_client -connect 127.0.0.1:19416 -servername upscope.test -alpn http/1.1 \
         -keylogfile \$KEYS -sess_out \$WORK/early.sess -nocommands \
     && sleep 0.3 && (sleep 0.7) | openssl s_client -connect 127.0.0.1:19416 \
         -servername upscope.test -alpn http/1.1 -keylogfile \$KEYS -sess_in \$WORK/early.sess \
         -early_data \$WORK/early.txt -nocommands"

# KeyUpdate: s_client reads a line "K" from ws-feed: it sends KeyUpdate(update_requested)
want tls13-keyupdate && capture tls13-keyupdate 19417 \
    "$peers raw-wss-server 19417" \
    "$peers ws-feed 19417 keyupdate | openssl s_client -connect 127.0.0.1:19417 \
     -servername upscope.test -alpn http/1.1 -keylogfile \$KEYS"

# ---- a browser ----
want browser-wss && capture browser-wss 19418 "$node page 19418" \
    "chromium --headless --no-sandbox --disable-gpu --disable-quic --no-first-run \
     --disable-background-networking --disable-component-update --disable-sync \
     --ignore-certificate-errors --user-data-dir=\$WORK/chromium \
     --host-resolver-rules='MAP upscope.test 127.0.0.1' --ssl-key-log-file=\$KEYS \
     --dump-dom https://upscope.test:19418/"

# ---- the first capture again, its key log embedded (pcapng Decryption Secrets Block) ----
if want wss-tls13-aes256.pcapng || want wss-tls13-aes256; then
    editcap --inject-secrets "tls,$here/wss-tls13-aes256.keys" \
        "$here/wss-tls13-aes256.pcap" "$here/wss-tls13-aes256.pcapng"
    echo "== wss-tls13-aes256.pcapng (keys embedded)"
fi

rm -rf "$WORK"

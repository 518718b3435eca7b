#!/bin/bash
# Regenerates the WebSocket-over-HTTP/2 (RFC 8441) captures and the captures of what rides inside
# WebSockets, on the loopback interface, with real clients and servers (see README.md).
# Needs root (tcpdump), node 20 with `npm ci` done in this directory, and Debian's tcpdump,
# python3-hpack, chromium, firefox-esr and libnss3-tools (certutil).
#   captures/h2ws/make.sh            all captures
#   captures/h2ws/make.sh NAME...    only these (names without .pcap)
# Each capture holds one scenario on its own port (19500-19599). Beside NAME.pcap go NAME.log
# (every WebSocket message each peer sent and received, and what the peers saw) and, for TLS,
# NAME.keys (the TLS key log, NSS format).
set -eu
here=$(cd "$(dirname "$0")" && pwd)
node="node"
py=/usr/bin/python3
export here
pids=()

cleanup() {
    for p in "${pids[@]}"; do kill "$p" 2>/dev/null || true; done
    wait 2>/dev/null || true
}
trap cleanup EXIT

[ -d "$here/node_modules" ] || (cd "$here" && npm ci --no-audit --no-fund >/dev/null)

wait_port() { # PORT: wait until something listens there
    for _ in $(seq 100); do
        (exec 3<>"/dev/tcp/127.0.0.1/$1") 2>/dev/null && return 0
        sleep 0.05
    done
    echo "make.sh: nothing listens on port $1" >&2
    return 1
}

# capture NAME PORT SERVER_CMD CLIENT_CMD: runs the server, starts tcpdump, runs the client.
# Both peers' stdout goes to NAME.log (LOG in their environment), stderr to the terminal.
capture() {
    local name=$1 port=$2 server=$3 client=$4
    local out="$here/$name.pcap"
    export LOG="$here/$name.log"
    echo "== $name (port $port)"
    : >"$LOG"
    bash -c "exec $server" >>"$LOG" &
    local spid=$!
    pids+=("$spid")
    wait_port "$port"
    local tlog
    tlog=$(mktemp)
    tcpdump -i lo --immediate-mode -U -s 0 -w "$out.tmp" "tcp port $port" 2>"$tlog" &
    local tpid=$!
    for _ in $(seq 100); do grep -q "listening on" "$tlog" && break; sleep 0.05; done
    sleep 0.2
    bash -c "$client" >>"$LOG" || echo "   (client exited with $?)"
    sleep 0.5
    kill "$tpid"; wait "$tpid" 2>/dev/null || true
    kill "$spid" 2>/dev/null || true; wait "$spid" 2>/dev/null || true
    mv "$out.tmp" "$out"
    rm -f "$tlog"
    echo "   $(tcpdump -r "$out" 2>/dev/null | wc -l) packets, $(stat -c %s "$out") bytes"
}

want() { # NAME: selected on the command line (or no selection)?
    [ ${#selected[@]} -eq 0 ] && return 0
    local s
    for s in "${selected[@]}"; do [ "$s" = "$1" ] && return 0; done
    return 1
}
selected=("$@")

# the browsers load https://127.0.0.1:PORT/ (page.html), whose script opens wss://.../ws; the
# page reports its result to the server (a "server page result" line in the log)
wait_result() { # seconds: wait for the page's report in $LOG
    for _ in $(seq $(($1 * 10))); do grep -q "page result" "$LOG" && return 0; sleep 0.1; done
    echo "make.sh: no result from the page" >&2
    return 1
}

chromium_client() { # PORT KEYFILE
    local ud
    ud=$(mktemp -d)
    rm -f "$2"
    chromium --headless --no-sandbox --disable-gpu --disable-quic --no-first-run \
        --disable-background-networking --disable-component-update --disable-sync \
        --ignore-certificate-errors --ssl-key-log-file="$2" --user-data-dir="$ud" \
        --virtual-time-budget=5000 --dump-dom "https://127.0.0.1:$1/" 2>/dev/null \
        | grep -o '<p id="result">[^<]*' | sed 's/^<p id="result">/client dom result /'
    wait_result 10
    rm -rf "$ud"
}

firefox_client() { # PORT KEYFILE: a fresh profile that knows the test certificate
    local prof fp
    prof=$(mktemp -d)
    rm -f "$2"
    certutil -N -d "sql:$prof" --empty-password
    # a self-signed end-entity certificate cannot be a trust anchor for Firefox: an override
    fp=$(openssl x509 -in "$here/cert.pem" -noout -fingerprint -sha256 | cut -d= -f2)
    printf '# PSM Certificate Override Settings file\n# This is a generated file!  Do not edit.\n127.0.0.1:%s:\tOID.2.16.840.1.101.3.4.2.1\t%s\t\n' \
        "$1" "$fp" >"$prof/cert_override.txt"
    cat >"$prof/user.js" <<'EOF'
user_pref("network.http.http2.websockets", true);
user_pref("network.http.http3.enable", false);
user_pref("browser.shell.checkDefaultBrowser", false);
user_pref("app.update.enabled", false);
user_pref("datareporting.policy.dataSubmissionEnabled", false);
user_pref("toolkit.telemetry.enabled", false);
user_pref("network.captive-portal-service.enabled", false);
user_pref("network.connectivity-service.enabled", false);
user_pref("browser.safebrowsing.malware.enabled", false);
user_pref("browser.safebrowsing.phishing.enabled", false);
user_pref("extensions.update.enabled", false);
user_pref("browser.aboutwelcome.enabled", false);
user_pref("browser.startup.homepage_override.mstone", "ignore");
EOF
    SSLKEYLOGFILE="$2" firefox-esr --headless --no-remote --profile "$prof" "https://127.0.0.1:$1/" \
        >/dev/null 2>&1 &
    local fpid=$!
    wait_result 30 || true
    sleep 3 # what does Firefox do with the stream after the close handshake? nothing, it seems
    echo "client firefox: SIGTERM after the page reported"
    kill "$fpid"; wait "$fpid" 2>/dev/null || true
    rm -rf "$prof"
}
export -f wait_result chromium_client firefox_client

# ---- RFC 8441 with node's http2 (nghttp2) ----
want h2ws-node-cleartext && capture h2ws-node-cleartext 19500 \
    "$node $here/h2ws.js server 19500" "$node $here/h2ws.js client 19500 one"

want h2ws-node-two && capture h2ws-node-two 19501 \
    "$node $here/h2ws.js server 19501" "$node $here/h2ws.js client 19501 two"

want h2ws-node-tls && capture h2ws-node-tls 19502 \
    "$node $here/h2ws.js server 19502 tls keys=$here/h2ws-node-tls.keys" \
    "$node $here/h2ws.js client 19502 tls"

# ---- browsers against the node server ----
want h2ws-chromium && capture h2ws-chromium 19503 \
    "$node $here/h2ws.js server 19503 tls" "chromium_client 19503 $here/h2ws-chromium.keys"

want h2ws-firefox && capture h2ws-firefox 19504 \
    "$node $here/h2ws.js server 19504 tls" "firefox_client 19504 $here/h2ws-firefox.keys"

# the same, but the server ends its side of the stream (END_STREAM) right after its close frame
want h2ws-firefox-server-ends && capture h2ws-firefox-server-ends 19505 \
    "$node $here/h2ws.js server 19505 tls end-after-close" \
    "firefox_client 19505 $here/h2ws-firefox-server-ends.keys"

# ---- raw peers: what libraries refuse to do ----
for m in no-setting:h2ws-connect-without-setting:19510 status-101:h2ws-bad-status:19511 \
    key-headers:h2ws-key-headers:19512 data-before-200:h2ws-data-before-200:19513 \
    withdrawn:h2ws-setting-withdrawn:19514 unmasked:h2ws-unmasked:19515; do
    IFS=: read -r mode name port <<<"$m"
    want "$name" && capture "$name" "$port" \
        "$py $here/h2raw.py server $port $mode" "$py $here/h2raw.py client $port $mode"
done

# the same CONNECT with HTTP/1.1 handshake headers, against node (nghttp2 refuses it)
want h2ws-key-headers-node && capture h2ws-key-headers-node 19516 \
    "$node $here/h2ws.js server 19516" "$py $here/h2raw.py client 19516 key-headers"

# ---- what rides inside WebSockets (HTTP/1.1 upgrades) ----
inner() { # NAME PORT SERVER_ROLE CLIENT_ROLE
    want "$1" && capture "$1" "$2" "$node $here/inner.js $3 $2" "$node $here/inner.js $4 $2"
    return 0
}
inner ws-mqtt 19520 mqtt-broker mqtt-client
inner ws-mqtt-split 19527 mqtt-broker-split mqtt-client-split
inner ws-stomp 19521 stomp-server stomp-client
inner ws-socketio 19522 socketio-server socketio-client
inner ws-graphql 19523 graphql-server graphql-client
inner ws-mqtt-mismatch 19524 echo-server mismatch-client
inner ws-sip 19525 sip-server sip-client
inner ws-wamp 19526 wamp-server wamp-client

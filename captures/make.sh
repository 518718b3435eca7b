#!/bin/bash
# Regenerates the sample captures on the loopback interface with real clients and servers.
# Needs root (tcpdump), and: tcpdump curl python3 python3-websockets python3-h2 apache2
# nghttp2-client nghttp2-server openssl.
#   captures/make.sh            all captures
#   captures/make.sh NAME...    only these (names without .pcap)
# Each capture holds one scenario on its own port; see captures/README.md for the list.
set -eu
here=$(cd "$(dirname "$0")" && pwd)
peers="/usr/bin/python3 $here/peers.py"
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
# snaplen=N in the environment: bytes kept per packet (tcpdump -s; default all).
capture() {
    local name=$1 port=$2 server=$3 client=$4
    local out="$here/$name.pcap"
    echo "== $name (port $port)"
    bash -c "$server" >/dev/null 2>&1 &
    local spid=$!
    pids+=("$spid")
    wait_port "$port"
    local log
    log=$(mktemp)
    tcpdump -i lo --immediate-mode -U -s "${snaplen:-0}" -w "$out.tmp" "tcp port $port" 2>"$log" &
    local tpid=$!
    for _ in $(seq 100); do grep -q "listening on" "$log" && break; sleep 0.05; done
    sleep 0.2
    bash -c "$client" >/dev/null 2>&1 || echo "   (client exited with $?)"
    sleep 0.5
    kill "$tpid"; wait "$tpid" 2>/dev/null || true
    kill "$spid" 2>/dev/null || true; wait "$spid" 2>/dev/null || true
    mv "$out.tmp" "$out"
    rm -f "$log"
    echo "   $(tcpdump -r "$out" 2>/dev/null | wc -l) packets"
}

want() { # NAME: selected on the command line (or no selection)?
    [ ${#selected[@]} -eq 0 ] && return 0
    local s
    for s in "${selected[@]}"; do [ "$s" = "$1" ] && return 0; done
    return 1
}
selected=("$@")

www=$(mktemp -d)
printf 'index page\n' >"$www/index.html"
head -c 3000 /dev/zero | tr '\0' 'a' >"$www/a.txt"
printf 'second file\n' >"$www/b.txt"

want http-keepalive && capture http-keepalive 18080 \
    "cd $www && $peers http-server 18080" \
    "curl -s http://127.0.0.1:18080/ http://127.0.0.1:18080/a.txt http://127.0.0.1:18080/b.txt \
     && curl -s -d 'name=upscope&x=1' http://127.0.0.1:18080/form -o /dev/null"

want ws-basic && capture ws-basic 18081 \
    "$peers ws-server 18081" "$peers ws-client 18081"

# a snaplen-cut capture of a WebSocket session (tcpdump -s 160 / -s 96): heads cut short;
# in snaplen/, apart from the captures every test loops over, until upscope reports them
want ws-snap160 && snaplen=160 capture snaplen/ws-snap160 18095 \
    "$peers ws-server 18095" "$peers ws-client 18095"
want ws-snap96 && snaplen=96 capture snaplen/ws-snap96 18096 \
    "$peers ws-server 18096" "$peers ws-client 18096"

want ws-deflate && capture ws-deflate 18082 \
    "$peers ws-server 18082 deflate" "$peers ws-client 18082 deflate big"

want ws-subprotocol && capture ws-subprotocol 18083 \
    "$peers ws-server 18083 subprotocols=superchat,chat" \
    "$peers ws-client 18083 subprotocols=chat.v2,superchat"

want ws-big && capture ws-big 18084 \
    "$peers ws-server 18084" "$peers ws-client 18084 big"

want ws-rejected && capture ws-rejected 18085 \
    "$peers ws-server 18085 reject=/private" "$peers ws-client-fail 18085 path=/private"

want ws-version && capture ws-version 18086 \
    "$peers raw-ws-server 18086 version" "$peers raw-ws-client 18086 version"

want ws-version-refused && capture ws-version-refused 18087 \
    "$peers ws-server 18087" "$peers raw-ws-client 18087 version"

want ws-plain-get && capture ws-plain-get 18088 \
    "$peers ws-server 18088" "curl -s http://127.0.0.1:18088/chat"

want ws-bad-accept && capture ws-bad-accept 18089 \
    "$peers raw-ws-server 18089 bad-accept" "$peers ws-client-fail 18089"

want ws-unmasked-client && capture ws-unmasked-client 18090 \
    "$peers ws-server 18090" "$peers raw-ws-client 18090 unmasked"

want ws-masked-server && capture ws-masked-server 18091 \
    "$peers raw-ws-server 18091 masked" "$peers ws-client-fail 18091"

want ws-bad-close && capture ws-bad-close 18092 \
    "$peers ws-server 18092" "$peers raw-ws-client 18092 bad-close"

want ws-early-data && capture ws-early-data 18093 \
    "$peers raw-ws-server 18093 plain" "$peers raw-ws-client 18093 early"

want hostile-escapes && capture hostile-escapes 18094 \
    "$peers raw-ws-server 18094 hostile" "$peers raw-hostile-client 18094"

# ---- h2c (Apache httpd with mod_http2), HTTP/2 prior knowledge (nghttpd), TLS (RFC 2817) ----
apache() { # PORT: Apache with Protocols h2c http/1.1 serving $www
    mkdir -p "$www.run/$1" && chmod 777 "$www.run/$1"
    echo "UPSCOPE_PORT=$1 UPSCOPE_WWW=$www UPSCOPE_RUN=$www.run/$1 exec apache2 -f $here/apache-h2c.conf -DFOREGROUND"
}
chmod -R a+rX "$www"

want h2c-curl && capture h2c-curl 18100 "$(apache 18100)" \
    "curl -s --http2 http://127.0.0.1:18100/index.html"

want h2c-nghttp && capture h2c-nghttp 18101 "$(apache 18101)" \
    "nghttp -u http://127.0.0.1:18101/index.html"

want h2c-nghttp-two && capture h2c-nghttp-two 18114 "$(apache 18114)" \
    "nghttp -u http://127.0.0.1:18114/index.html http://127.0.0.1:18114/b.txt"

want h2-prior-knowledge && capture h2-prior-knowledge 18102 \
    "cd $www && exec nghttpd --no-tls -d $www 18102" \
    "curl -s --http2-prior-knowledge http://127.0.0.1:18102/index.html"

want h2c-declined && capture h2c-declined 18103 \
    "cd $www && $peers http-server 18103" "curl -s --http2 http://127.0.0.1:18103/index.html"

want h2c-smuggle && capture h2c-smuggle 18104 "$(apache 18104)" "$peers h2c-client 18104 smuggle"

want h2c-missing-settings && capture h2c-missing-settings 18105 "$(apache 18105)" \
    "$peers h2c-client 18105 missing-settings"

want h2c-duplicate-settings && capture h2c-duplicate-settings 18106 "$(apache 18106)" \
    "$peers h2c-client 18106 duplicate-settings"

want h2c-full-frame-settings && capture h2c-full-frame-settings 18107 "$(apache 18107)" \
    "$peers h2c-client 18107 full-frame"

want h2c-ping-first && capture h2c-ping-first 18108 \
    "$peers h2c-server 18108 ping-first" "curl -s --http2 http://127.0.0.1:18108/index.html"

want h2c-body && capture h2c-body 18109 "$peers h2c-server 18109 plain" "$peers h2c-client 18109 body"

tls=$(mktemp -d)
openssl req -x509 -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes -days 3650 \
    -subj /CN=upscope.test -keyout "$tls/key.pem" -out "$tls/cert.pem" 2>/dev/null

want tls-upgrade-options && capture tls-upgrade-options 18110 \
    "$peers tls-server 18110 upgrade $tls/cert.pem $tls/key.pem" "$peers tls-client 18110 options"

want tls-upgrade-get && capture tls-upgrade-get 18111 \
    "$peers tls-server 18111 upgrade $tls/cert.pem $tls/key.pem" "$peers tls-client 18111 get"

want tls-required && capture tls-required 18112 \
    "$peers tls-server 18112 required" "curl -s http://127.0.0.1:18112/secret"

want tls-offered && capture tls-offered 18113 \
    "$peers tls-server 18113 offer" "curl -s http://127.0.0.1:18113/"

rm -rf "$www" "$www.run" "$tls"

#!/bin/bash
# Prints what tshark (4.0) sees in one capture of this directory: the facts upscope's tests
# compare against.   captures/h2ws/oracle.sh NAME     (NAME without .pcap)
#
# h2ws-*: HTTP/2 frames per direction and type, the SETTINGS each side sent, every stream with
#   its request and response headers, DATA frames per direction (and END_STREAM, RST_STREAM),
#   GOAWAY; TLS captures are decrypted with NAME.keys. tshark 4.0 does not dissect WebSocket
#   inside HTTP/2, so the WebSocket frames of each extended-CONNECT stream are decoded here from
#   the DATA bytes tshark reassembled (marked "decoded by oracle.sh").
# ws-*: the HTTP/1.1 handshake, every WebSocket frame tshark dissects (direction, opcode, mask,
#   length, text), and what tshark makes of the payload: MQTT (with mqtt-ws.lua, which only
#   tells tshark's MQTT dissector to take the "mqtt" subprotocol) and SIP (built in).
# Directions: c>s = towards the server port, s>c = from it.
set -eu
here=$(cd "$(dirname "$0")" && pwd)
name=${1:?usage: oracle.sh NAME}
pcap="$here/$name.pcap"
[ -f "$pcap" ] || { echo "oracle.sh: no $pcap" >&2; exit 1; }
port=$(tshark -r "$pcap" -Y "tcp.flags.syn==1 && tcp.flags.ack==0" -T fields -e tcp.dstport -c 1 2>/dev/null)
args=(-r "$pcap")
if [ -f "$here/$name.keys" ]; then
    args+=(-o "tls.keylog_file:$here/$name.keys")
elif [[ $name == h2ws-* ]]; then
    args+=(-d "tcp.port==$port,http2")
else
    args+=(-d "tcp.port==$port,http" -X "lua_script:$here/mqtt-ws.lua")
fi
tshark "${args[@]}" -T json --no-duplicate-keys 2>/dev/null |
    /usr/bin/python3 -c '
import json, struct, sys
from collections import Counter, OrderedDict, defaultdict

name, port = sys.argv[1], sys.argv[2]
packets = json.load(sys.stdin)

def lst(x):
    return x if isinstance(x, list) else ([] if x is None else [x])

def find(obj, key):
    """all values of key anywhere under obj, in document order"""
    out = []
    if isinstance(obj, dict):
        for k, v in obj.items():
            if k == key:
                out.extend(lst(v))
            out.extend(find(v, key))
    elif isinstance(obj, list):
        for v in obj:
            out.extend(find(v, key))
    return out

def first(obj, key, default=None):
    v = find(obj, key)
    return v[0] if v else default

FRAME = {0: "DATA", 1: "HEADERS", 2: "PRIORITY", 3: "RST_STREAM", 4: "SETTINGS", 5: "PUSH_PROMISE",
         6: "PING", 7: "GOAWAY", 8: "WINDOW_UPDATE", 9: "CONTINUATION"}
SETTING = {1: "HEADER_TABLE_SIZE", 2: "ENABLE_PUSH", 3: "MAX_CONCURRENT_STREAMS",
           4: "INITIAL_WINDOW_SIZE", 5: "MAX_FRAME_SIZE", 6: "MAX_HEADER_LIST_SIZE",
           8: "ENABLE_CONNECT_PROTOCOL", 9: "NO_RFC7540_PRIORITIES"}
ERROR = {0: "NO_ERROR", 1: "PROTOCOL_ERROR", 2: "INTERNAL_ERROR", 3: "FLOW_CONTROL_ERROR",
         5: "STREAM_CLOSED", 7: "REFUSED_STREAM", 8: "CANCEL"}
OPC = {0: "cont", 1: "text", 2: "binary", 8: "close", 9: "ping", 10: "pong"}
MQTT = {1: "CONNECT", 2: "CONNACK", 3: "PUBLISH", 4: "PUBACK", 5: "PUBREC", 6: "PUBREL",
        7: "PUBCOMP", 8: "SUBSCRIBE", 9: "SUBACK", 10: "UNSUBSCRIBE", 11: "UNSUBACK",
        12: "PINGREQ", 13: "PINGRESP", 14: "DISCONNECT", 15: "AUTH"}

def short(s, n=70):
    s = json.dumps(s)
    return s if len(s) <= n else s[:n - 4] + "...\""

def ws_frames(data):
    """RFC 6455 frames in a byte string: (fin, op, masked, payload)"""
    out = []
    while len(data) >= 2:
        fin, op, masked, n, off = data[0] >> 7, data[0] & 15, data[1] >> 7, data[1] & 127, 2
        if n == 126:
            n, off = struct.unpack(">H", data[2:4])[0], 4
        elif n == 127:
            n, off = struct.unpack(">Q", data[2:10])[0], 10
        key = data[off:off + 4] if masked else b"\0\0\0\0"
        off += 4 if masked else 0
        if len(data) < off + n:
            out.append((None, op, masked, b"")); break
        p = bytes(b ^ key[i % 4] for i, b in enumerate(data[off:off + n]))
        out.append((fin, op, masked, p))
        data = data[off + n:]
    return out

def ws_desc(op, p):
    if op == 8:
        return "code=%d reason=%s" % (struct.unpack(">H", p[:2])[0], short(p[2:].decode("utf-8", "replace"))) if len(p) >= 2 else "code=none"
    if op in (1, 9, 10):
        return short(p.decode("utf-8", "replace"))
    return p[:8].hex() + ("..." if len(p) > 8 else "")

conns = OrderedDict()
frames = {"c>s": Counter(), "s>c": Counter()}
settings = []
streams = OrderedDict()
goaways = []
pings = []
ws_list = []
http1 = []
inner = {"c>s": Counter(), "s>c": Counter()}
inner_seq = []
tcp_end = []

for pkt in packets:
    L = pkt["_source"]["layers"]
    tcp = L.get("tcp", {})
    if isinstance(tcp, list):
        tcp = tcp[0]
    conn = int(tcp.get("tcp.stream", 0))
    d = "c>s" if tcp.get("tcp.dstport") == port else "s>c"
    conns.setdefault(conn, tcp.get("tcp.srcport") if d == "c>s" else tcp.get("tcp.dstport"))
    fl = tcp.get("tcp.flags_tree", {})
    if fl.get("tcp.flags.fin") == "1" or fl.get("tcp.flags.reset") == "1":
        tcp_end.append("conn%d %s %s" % (conn, d, "RST" if fl.get("tcp.flags.reset") == "1" else "FIN"))
    for h2 in lst(L.get("http2")):
        for f in lst(h2.get("http2.stream")) if isinstance(h2, dict) else []:
            if "http2.type" not in f:
                continue  # the client preface (magic)
            t = int(f["http2.type"]); flags = int(f["http2.flags"], 16); sid = int(f["http2.streamid"])
            frames[d][FRAME.get(t, "type%d" % t)] += 1
            if t == 4 and not flags & 1:
                pairs = []
                for s in lst(f.get("http2.settings")):
                    sid_ = int(s["http2.settings.id"])
                    val = [v for k, v in s.items() if k != "http2.settings.id"]
                    pairs.append("%s(%d)=%s" % (SETTING.get(sid_, "UNKNOWN"), sid_, val[0] if val else "?"))
                settings.append("conn%d %s SETTINGS [%s]" % (conn, d, ", ".join(pairs)))
            elif t == 4:
                settings.append("conn%d %s SETTINGS ACK" % (conn, d))
            if sid:
                st = streams.setdefault((conn, sid), {"hdr": {"c>s": [], "s>c": []}, "data": Counter(),
                                                      "end": Counter(), "bytes": defaultdict(bytes),
                                                      "rst": [], "order": []})
            if t == 1:
                hs = [(h.get("http2.header.name"), h.get("http2.header.value", "")) for h in lst(f.get("http2.header"))]
                st["hdr"][d].append((hs, bool(flags & 1)))
                if flags & 1:
                    st["end"][d] += 1
                st["order"].append("%s HEADERS%s" % (d, " END_STREAM" if flags & 1 else ""))
            elif t == 0:
                st["data"][d] += 1
                if flags & 1:
                    st["end"][d] += 1
                raw = f.get("http2.data.data", "")
                if isinstance(raw, list):
                    raw = raw[0]
                st["bytes"][d] += bytes.fromhex(raw.replace(":", "")) if raw else b""
                n = int(f.get("http2.length", 0))
                st["order"].append("%s DATA(%d)%s" % (d, n, " END_STREAM" if flags & 1 else ""))
            elif t == 3:
                code = int(f.get("http2.rst_stream.error", -1))
                st["rst"].append("%s %s(%d)" % (d, ERROR.get(code, "?"), code))
                st["order"].append("%s RST_STREAM %s" % (d, ERROR.get(code, code)))
            elif t == 7:
                code = int(f.get("http2.goaway.error", -1))
                goaways.append("conn%d %s GOAWAY last_stream=%s %s" % (conn, d, f.get("http2.goaway.last_stream_id"), ERROR.get(code, code)))
    # HTTP/1.1 handshake
    for h in lst(L.get("http")):
        if not isinstance(h, dict):
            continue
        m, uri, code = first(h, "http.request.method"), first(h, "http.request.uri"), first(h, "http.response.code")
        proto = first(h, "http.sec_websocket_protocol")
        if m:
            http1.append("conn%d c>s %s %s upgrade=%s sec-websocket-protocol=%s" % (conn, m, uri, first(h, "http.upgrade"), proto or "(none)"))
        elif code:
            http1.append("conn%d s>c %s upgrade=%s sec-websocket-protocol=%s" % (conn, code, first(h, "http.upgrade"), proto or "(none)"))
    for w in lst(L.get("websocket")):
        op = int(w.get("websocket.opcode", -1))
        text = first(w, "websocket.payload.text")
        if op == 8:
            c = first(w, "websocket.payload.close.status_code")
            desc = "code=%s reason=%s" % (c, short(first(w, "websocket.payload.close.reason", ""))) if c else "code=none"
        elif text is not None:
            desc = short(text)
        else:
            desc = ""
        ws_list.append((conn, d, "fin" if w.get("websocket.fin") == "1" else "nofin", OPC.get(op, op),
                        "masked" if w.get("websocket.mask") == "1" else "unmasked",
                        int(w.get("websocket.payload_length_ext_64") or w.get("websocket.payload_length_ext_16") or w.get("websocket.payload_length", 0)), desc))
    for m in lst(L.get("mqtt")):
        t = first(m, "mqtt.msgtype")
        if t is not None:
            inner[d]["MQTT " + MQTT.get(int(t), "type" + t)] += 1
            inner_seq.append("%s MQTT %s%s" % (d, MQTT.get(int(t), "type" + t), (" " + first(m, "mqtt.topic")) if first(m, "mqtt.topic") else ""))
        else:
            inner[d]["MQTT (malformed or undissected)"] += 1
    for s in lst(L.get("sip")):
        m, c = first(s, "sip.Method"), first(s, "sip.Status-Code")
        if m or c:
            inner[d]["SIP " + (m or c)] += 1
            inner_seq.append("%s SIP %s" % (d, m or ("SIP/2.0 " + c)))

print("capture %s.pcap  server port %s  TCP connections %d" % (name, port, len(conns)))
if frames["c>s"] or frames["s>c"]:
    for d in ("c>s", "s>c"):
        print("h2 frames %s: %s (total %d)" % (d, " ".join("%s=%d" % kv for kv in sorted(frames[d].items())), sum(frames[d].values())))
    for s in settings:
        print(s)
    for (conn, sid), st in streams.items():
        req = st["hdr"]["c>s"][0][0] if st["hdr"]["c>s"] else []
        res = st["hdr"]["s>c"][0][0] if st["hdr"]["s>c"] else []
        rq = OrderedDict(req); rs = OrderedDict(res)
        kind = "CONNECT" if rq.get(":method") == "CONNECT" else rq.get(":method", "?")
        print("stream conn%d/%d %s" % (conn, sid, kind))
        print("  request  " + "; ".join("%s: %s" % h for h in req))
        print("  response " + ("; ".join("%s: %s" % h for h in res) if res else "(none)"))
        for extra in st["hdr"]["s>c"][1:]:
            print("  later s>c HEADERS " + "; ".join("%s: %s" % h for h in extra[0]))
        print("  DATA frames c>s=%d s>c=%d  END_STREAM c>s=%d s>c=%d  RST_STREAM %s" % (
            st["data"]["c>s"], st["data"]["s>c"], st["end"]["c>s"], st["end"]["s>c"], ", ".join(st["rst"]) or "none"))
        print("  order    " + ", ".join(st["order"]))
        if kind == "CONNECT" and rq.get(":protocol"):
            for d in ("c>s", "s>c"):
                fr = ws_frames(st["bytes"][d])
                cnt = Counter(OPC.get(op, op) for _, op, _, _ in fr)
                print("  websocket %s (decoded by oracle.sh): %d frames: %s" % (d, len(fr), " ".join("%s=%d" % kv for kv in sorted(cnt.items()))))
                for fin, op, masked, p in fr:
                    print("    %s %s len=%d %s %s" % (OPC.get(op, op), "masked" if masked else "unmasked", len(p),
                                                 "fin" if fin else ("TRUNCATED" if fin is None else "nofin"), ws_desc(op, p)))
    for g in goaways:
        print(g)
for line in http1:
    print("http/1.1 " + line)
if ws_list:
    for d in ("c>s", "s>c"):
        mine = [w for w in ws_list if w[1] == d]
        cnt = Counter(w[3] for w in mine)
        masks = Counter(w[4] for w in mine)
        print("websocket frames %s: %d (%s) %s" % (d, len(mine), " ".join("%s=%d" % kv for kv in sorted(cnt.items())),
                                                " ".join("%s=%d" % kv for kv in sorted(masks.items()))))
    for w in ws_list:
        print("  conn%d %s %s %s %s len=%d %s" % w)
if inner["c>s"] or inner["s>c"]:
    for d in ("c>s", "s>c"):
        print("tshark inner %s: %s" % (d, " ".join("%s=%d" % kv for kv in sorted(inner[d].items())) or "none"))
    for s in inner_seq:
        print("  " + s)
print("tcp ends: " + (", ".join(tcp_end) or "none"))
' "$name" "$port"

# the peers' own account (NAME.log): WebSocket messages each side sent and received, per stream
if [ -f "$here/$name.log" ]; then
    /usr/bin/python3 -c '
import re, sys
from collections import Counter, OrderedDict
rx = re.compile(r"^(client|server)(?: stream=(\d+))? (send|recv) (\w+) len=(\d+)")
seen = OrderedDict()
for line in open(sys.argv[1], errors="replace"):
    m = rx.match(line)
    if m:
        seen.setdefault((m.group(1), m.group(2) or "-", m.group(3)), Counter())[m.group(4)] += 1
for (who, sid, d), c in sorted(seen.items()):
    print("peers log: %s stream=%s %s %d messages: %s" % (who, sid, d, sum(c.values()),
          " ".join("%s=%d" % kv for kv in sorted(c.items()))))
# the inner protocol as the libraries report it (mqtt.js packet events, stompjs debug lines)
px = re.compile(r"^(client|server) (mqtt|stomp) (send|recv|>>>|<<<) ([A-Z]+)\b")
inner = OrderedDict()
for line in open(sys.argv[1], errors="replace"):
    m = px.match(line)
    if m:
        d = {">>>": "send", "<<<": "recv"}.get(m.group(3), m.group(3))
        inner.setdefault((m.group(1), m.group(2), d), Counter())[m.group(4)] += 1
for (who, proto, d), c in sorted(inner.items()):
    print("peers log: %s %s %s %d: %s" % (who, proto, d, sum(c.values()), " ".join("%s=%d" % kv for kv in sorted(c.items()))))
' "$here/$name.log"
fi

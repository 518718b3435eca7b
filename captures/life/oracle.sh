#!/bin/bash
# Prints what tshark (Wireshark 4.0) sees of the lifecycle of the WebSockets in one capture:
# the facts upscope's lifecycle analysis is compared against.
#   captures/life/oracle.sh NAME     NAME.pcap in this directory (or any FILE)
# The server port is the destination of the first SYN; it is decoded as HTTP
# (-d tcp.port==PORT,http), so tshark follows the 101 into WebSocket. c>s = client to server.
# All times are in microseconds from the capture's first packet (the first line gives its
# epoch time); durations are in microseconds too. Per TCP connection N (in order of the SYNs):
#   conn N: client ADDR:PORT server ADDR:PORT
#   conn N: tcp SYN T (frame F) SYN/ACK T (frame F) ACK T (frame F)
#   conn N: http REQUEST-LINE frame F at T -> STATUS frame F at T: request to response D us
#   conn N: ws frame F at T DIR OPCODE len=N [nofin] [payload=HEX | code=N reason=".." | "text"]
#   conn N: FIN frame F at T from client|server
#   conn N: RST frame F at T from client|server: the peer had sent up to seq S (highest
#           tcp.seq + tcp.len of its segments before the RST); the RST sender's last ACK before
#           the RST acknowledged A: S - A bytes unacknowledged; the RST's own ack field: B
#           (S - B bytes); and how many segments of the peer came after the RST
#   conn N: ping DIR frame F at T payload HEX -> pong DIR frame F at T: rtt D us | no pong
#   conn N: pong DIR frame F at T payload HEX: unsolicited (no ping with that payload before it)
#   conn N: longest silence DIR D us (frames F at T -> F at T) between WebSocket frames, per
#           direction and either direction
#   conn N: end of connection T (first FIN or RST); last data frame (text, binary,
#           continuation) at T: idle D us; last WebSocket frame at T: D us; last segment with TCP
#           payload before the end at T: D us
#   conn N: unfinished frame DIR ...    (a frame whose bytes never all came: decoded by oracle.sh
#           itself from tcp.payload, since tshark shows only complete frames)
#   conn N: summary: close frames ..., first FIN ..., RST ...
# and, for captures with several connections, the idle time before each connection's end.
set -eu
here=$(cd "$(dirname "$0")" && pwd)
[ $# -eq 1 ] || { echo "usage: $0 NAME|FILE" >&2; exit 2; }
if [ -f "$1" ]; then file=$1; else file=$here/${1%.pcap}.pcap; fi
[ -f "$file" ] || { echo "oracle.sh: no capture $file" >&2; exit 1; }
ts() { tshark "$@" 2> >(grep -v 'Running as user' >&2); }

port=$(ts -r "$file" -Y 'tcp.flags.syn==1 && tcp.flags.ack==0' -T fields -e tcp.dstport | head -1)
[ -n "$port" ] || { echo "oracle.sh: no SYN in $file" >&2; exit 1; }

ts -r "$file" -d "tcp.port==$port,http" -T json -J "frame tcp http websocket" | /usr/bin/python3 -c '
import json, struct, sys
from collections import OrderedDict

name, port = sys.argv[1], sys.argv[2]
packets = json.load(sys.stdin)
OPC = {0: "continuation", 1: "text", 2: "binary", 8: "close", 9: "ping", 10: "pong"}


def lst(x):
    return [] if x is None else x if isinstance(x, list) else [x]


def find(obj, key):
    """first value of key anywhere in a tshark JSON tree"""
    if isinstance(obj, dict):
        if key in obj:
            return obj[key]
        for v in obj.values():
            r = find(v, key)
            if r is not None:
                return r
    elif isinstance(obj, list):
        for v in obj:
            r = find(v, key)
            if r is not None:
                return r
    return None


def usec(epoch):  # "1796007787.107241000" -> integer microseconds, no float rounding
    s, _, f = epoch.partition(".")
    return int(s) * 1000000 + int((f + "000000")[:6])


def hexs(v):
    return v.replace(":", "") if v else ""


def short(s, n=60):
    s = s if len(s) <= n else s[:n] + "..."
    return json.dumps(s, ensure_ascii=True)


t0 = None
conns = OrderedDict()
for pkt in packets:
    L = pkt["_source"]["layers"]
    fr, tcp = L["frame"], L.get("tcp")
    if isinstance(tcp, list):
        tcp = tcp[0]
    if not tcp:
        continue
    t = usec(fr["frame.time_epoch"])
    if t0 is None:
        t0 = t
        print("capture %s: server port %s, %d packets, first packet at epoch %d.%06d; times in "
              "microseconds from it" % (name, port, len(packets), t // 1000000, t % 1000000))
    t -= t0
    n = int(fr["frame.number"])
    s = int(tcp["tcp.stream"])
    d = "c>s" if tcp["tcp.dstport"] == port else "s>c"
    fl = tcp.get("tcp.flags_tree", {})
    flags = {k if k != "ack" else "ackf": fl.get("tcp.flags." + k) == "1" for k in ("syn", "ack", "fin", "reset")}
    c = conns.setdefault(s, {"pk": [], "ws": [], "http": [], "ends": []})
    seg = {"n": n, "t": t, "d": d, "seq": int(tcp["tcp.seq"]), "ack": int(tcp.get("tcp.ack", 0)),
           "len": int(tcp["tcp.len"]), "payload": bytes.fromhex(hexs(tcp.get("tcp.payload", ""))),
           **flags}
    c["pk"].append(seg)
    if "addr" not in c and flags["syn"] and not flags["ackf"]:
        c["addr"] = "client %s:%s server %s:%s" % (find(L, "ip.src") or "127.0.0.1", tcp["tcp.srcport"],
                                                   find(L, "ip.dst") or "127.0.0.1", tcp["tcp.dstport"])
    for h in lst(L.get("http")):
        m, code = find(h, "http.request.method"), find(h, "http.response.code")
        if m:
            c["http"].append((n, t, d, "%s %s %s" % (m, find(h, "http.request.uri"), find(h, "http.request.version"))))
        elif code:
            c["http"].append((n, t, d, "%s %s %s" % (find(h, "http.response.version"), code, find(h, "http.response.phrase"))))
    for w in lst(L.get("websocket")):
        op = int(w["websocket.opcode"])
        ln = int(w["websocket.payload_length"])
        if ln == 126:
            ln = int(w["websocket.payload_length_ext_16"])
        elif ln == 127:
            ln = int(w["websocket.payload_length_ext_64"])
        pl = w.get("websocket.payload") or {}
        if isinstance(pl, list):
            pl = pl[0]
        fin = w.get("websocket.fin") == "1"
        if op in (9, 10):
            p = hexs(pl.get("websocket.payload.ping" if op == 9 else "websocket.payload.pong", ""))
            desc = "payload=%s" % (p or "-")
        elif op == 8:
            code = find(pl, "websocket.payload.close.status_code")
            desc = "code=%s reason=%s" % (code, short(find(pl, "websocket.payload.close.reason") or "")) if code else "code=none"
            p = None
        elif op == 1:
            desc, p = short(find(pl, "websocket.payload.text") or ""), None
        else:
            desc, p = "", None
        c["ws"].append({"n": n, "t": t, "d": d, "op": op, "len": ln, "fin": fin, "desc": desc, "payload": p})


def who(d):
    return "client" if d == "c>s" else "server"


def other(d):
    return "s>c" if d == "c>s" else "c>s"


def frames_of(data):
    """RFC 6455 frames in data: (opcode, payload length, bytes of it present, complete)"""
    out = []
    while len(data) >= 2:
        op, n, masked, off = data[0] & 0x0F, data[1] & 0x7F, data[1] >> 7, 2
        if n == 126:
            if len(data) < 4:
                break
            n, off = struct.unpack(">H", data[2:4])[0], 4
        elif n == 127:
            if len(data) < 10:
                break
            n, off = struct.unpack(">Q", data[2:10])[0], 10
        off += 4 if masked else 0
        have = max(0, min(n, len(data) - off))
        out.append((op, n, have, len(data) >= off + n))
        data = data[off + n:]
    return out, data


gaps_all = []
for k, (s, c) in enumerate(conns.items(), 1):
    p = "conn %d: " % k
    pk, ws = c["pk"], c["ws"]
    print(p + c.get("addr", "(no SYN in the capture)"))
    syn = next((x for x in pk if x["syn"] and not x["ackf"]), None)
    synack = next((x for x in pk if x["syn"] and x["ackf"]), None)
    ack3 = next((x for x in pk if synack and x["d"] == "c>s" and x["ackf"] and not x["syn"]
                 and x["n"] > synack["n"]), None)
    print(p + "tcp " + " ".join("%s %s" % (lbl, "%d (frame %d)" % (x["t"], x["n"]) if x else "-")
                                 for lbl, x in (("SYN", syn), ("SYN/ACK", synack), ("ACK", ack3))))
    reqs = [h for h in c["http"] if h[2] == "c>s"]
    for h in c["http"]:
        if h[2] == "s>c":
            rq = reqs.pop(0) if reqs else None
            if rq:
                print(p + "http %s frame %d at %d -> %s frame %d at %d: request to response %d us"
                      % (rq[3], rq[0], rq[1], h[3], h[0], h[1], h[1] - rq[1]))
            else:
                print(p + "http (no request) -> %s frame %d at %d" % (h[3], h[0], h[1]))
    for rq in reqs:
        print(p + "http %s frame %d at %d -> no response" % (rq[3], rq[0], rq[1]))
    for w in ws:
        print(p + "ws frame %d at %d %s %s len=%d%s%s" % (w["n"], w["t"], w["d"], OPC.get(w["op"], w["op"]),
                                                         w["len"], "" if w["fin"] else " nofin",
                                                         " " + w["desc"] if w["desc"] else ""))
    # FIN and RST
    for i, x in enumerate(pk):
        if x["fin"]:
            print(p + "FIN frame %d at %d from %s" % (x["n"], x["t"], who(x["d"])))
        if x["reset"]:
            before = pk[:i]
            peer = [y for y in before if y["d"] != x["d"]]
            hi = max((y["seq"] + y["len"] for y in peer), default=0)
            acks = [y["ack"] for y in before if y["d"] == x["d"] and y["ackf"] and not y["reset"]]
            last = acks[-1] if acks else None
            after = [y for y in pk[i + 1:] if y["d"] != x["d"]]
            msg = "RST frame %d at %d from %s: the %s had sent up to seq %d; " % (
                x["n"], x["t"], who(x["d"]), who(other(x["d"])), hi)
            msg += ("the %s\x27s last ACK before the RST acknowledged %d: %d bytes unacknowledged; "
                    % (who(x["d"]), last, max(0, hi - last))) if last is not None else "no ACK before it; "
            msg += ("the RST\x27s own ack field %d (%d bytes); " % (x["ack"], max(0, hi - x["ack"]))
                    if x["ackf"] else "no ack field; ")
            msg += "%d segments of the %s after the RST" % (len(after), who(other(x["d"])))
            print(p + msg)
    # pings and pongs
    used = set()
    for w in ws:
        if w["op"] == 10:
            m = next((q for q in ws if q["op"] == 9 and q["d"] != w["d"] and id(q) not in used
                      and q["payload"] == w["payload"] and (q["n"], q["t"]) <= (w["n"], w["t"])), None)
            if m:
                used.add(id(m))
                m["pong"] = w
            else:
                w["unsolicited"] = True
    for w in ws:
        if w["op"] == 9:
            q = w.get("pong")
            print(p + "ping %s frame %d at %d payload=%s -> %s" % (
                w["d"], w["n"], w["t"], w["payload"] or "-",
                "pong %s frame %d at %d: rtt %d us" % (q["d"], q["n"], q["t"], q["t"] - w["t"]) if q else "no pong"))
        elif w["op"] == 10 and w.get("unsolicited"):
            print(p + "pong %s frame %d at %d payload=%s: unsolicited (no ping with that payload before it)"
                  % (w["d"], w["n"], w["t"], w["payload"] or "-"))
    # silences between WebSocket frames
    for d in ("c>s", "s>c", "either"):
        mine = [w for w in ws if d == "either" or w["d"] == d]
        if len(mine) < 2:
            print(p + "longest silence %s: fewer than 2 WebSocket frames" % d)
            continue
        a, b = max(zip(mine, mine[1:]), key=lambda ab: ab[1]["t"] - ab[0]["t"])
        print(p + "longest silence %s %d us (frames %d at %d -> %d at %d)" % (
            d, b["t"] - a["t"], a["n"], a["t"], b["n"], b["t"]))
    # idle before the end
    end = next((x for x in pk if x["fin"] or x["reset"]), None)
    data = [w for w in ws if w["op"] in (0, 1, 2)]
    if end:
        msg = "end of connection %d (frame %d, %s from %s)" % (end["t"], end["n"], "RST" if end["reset"] else "FIN", who(end["d"]))
        if data:
            msg += "; last data frame %d at %d: idle %d us" % (data[-1]["n"], data[-1]["t"], end["t"] - data[-1]["t"])
            gaps_all.append((k, end["t"] - data[-1]["t"]))
        if ws:
            msg += "; last WebSocket frame %d at %d: %d us" % (ws[-1]["n"], ws[-1]["t"], end["t"] - ws[-1]["t"])
        last = [x for x in pk if x["len"] and x["n"] < end["n"]]
        if last:
            msg += "; last TCP payload before it frame %d at %d (%s): %d us" % (
                last[-1]["n"], last[-1]["t"], last[-1]["d"], end["t"] - last[-1]["t"])
        print(p + msg)
    else:
        print(p + "no FIN or RST in the capture")
    # frames whose bytes never all came (oracle.sh decodes tcp.payload after the HTTP heads)
    for d in ("c>s", "s>c"):
        stream = b"".join(x["payload"] for x in pk if x["d"] == d)
        if b"\r\n\r\n" not in stream:
            continue
        fr, _ = frames_of(stream.split(b"\r\n\r\n", 1)[1])
        full = [f for f in fr if f[3]]
        if len(full) != len([w for w in ws if w["d"] == d]):
            print(p + "NOTE %s: oracle.sh decodes %d complete frames, tshark shows %d" % (
                d, len(full), len([w for w in ws if w["d"] == d])))
        for f in fr:
            if not f[3]:
                print(p + "unfinished frame %s (decoded by oracle.sh from tcp.payload): %s declared len=%d, %d payload bytes seen, %d missing"
                      % (d, OPC.get(f[0], f[0]), f[1], f[2], f[1] - f[2]))
    # summary
    closes = ["%s %s at %d" % (w["d"], w["desc"], w["t"]) for w in ws if w["op"] == 8]
    fins = [x for x in pk if x["fin"]]
    rsts = [x for x in pk if x["reset"]]
    print(p + "summary: close frames %s; first FIN %s; RST %s; duration SYN to last packet %d us" % (
        ", ".join(closes) or "none",
        "%s at %d" % (who(fins[0]["d"]), fins[0]["t"]) if fins else "none",
        ", ".join("%s at %d" % (who(x["d"]), x["t"]) for x in rsts) or "none",
        pk[-1]["t"] - (syn or pk[0])["t"]))
if len(gaps_all) > 1:
    print("idle time from the last data frame to the end of each connection: " +
          ", ".join("conn %d %d us" % g for g in gaps_all))
' "$(basename "$file")" "$port"

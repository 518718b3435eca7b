#!/usr/bin/env python3
"""Stream bytes per direction according to tshark, an independent reassembler.

  tshark_bytes.py FILE  →  prints "CLIENT_TO_SERVER SERVER_TO_CLIENT"
Sums `tshark -z follow,tcp,raw,N` over every TCP stream. The client is the sender of the SYN;
for a stream whose SYN was not captured, the endpoint with the higher port (the rule upscope
documents). What is compared is the reassembly, not the role guess.
"""
import subprocess
import sys


def client_is_node0(path):
    """stream id → True if tshark's node 0 (the first packet's sender) is the client."""
    out = subprocess.run(["tshark", "-r", path, "-T", "fields", "-e", "tcp.stream",
                          "-e", "tcp.srcport", "-e", "tcp.dstport", "-e", "tcp.flags.syn",
                          "-e", "tcp.flags.ack"], capture_output=True, text=True,
                         check=True).stdout
    first, syn = {}, {}
    for line in out.splitlines():
        f = line.split("\t")
        if len(f) < 5 or not f[0]:
            continue
        sid, sport, dport = int(f[0]), int(f[1]), int(f[2])
        first.setdefault(sid, (sport, dport))
        if f[3] in ("1", "True") and f[4] in ("0", "False") and sid not in syn:
            syn[sid] = sport
    result = {}
    for sid, (sport, dport) in first.items():
        client = syn.get(sid, sport if sport > dport else dport)
        result[sid] = client == sport
    return result


def main():
    path = sys.argv[1]
    node0_client = client_is_node0(path)
    streams = sorted(node0_client)
    c2s = s2c = 0
    for chunk in range(0, len(streams), 50):
        args = ["tshark", "-r", path, "-q"]
        for sid in streams[chunk:chunk + 50]:
            args += ["-z", "follow,tcp,raw,%d" % sid]
        out = subprocess.run(args, capture_output=True, text=True, check=True).stdout
        sid = None
        for line in out.splitlines():
            if line.startswith("Filter: tcp.stream eq "):
                sid = int(line.split()[-1])
                continue
            if not line.strip() or set(line.strip()) == {"="}:
                continue
            if line.startswith(("Follow:", "Node ")):
                continue
            n = len(line.strip()) // 2
            from_node1 = line.startswith("\t")
            if from_node1 == node0_client.get(sid, True):
                s2c += n
            else:
                c2s += n
    print(c2s, s2c)


if __name__ == "__main__":
    main()

#!/usr/bin/env python3
"""Stream bytes per direction according to tshark, an independent reassembler.

  tshark_bytes.py FILE  →  prints "CLIENT_TO_SERVER SERVER_TO_CLIENT"
Sums `tshark -z follow,tcp,raw,N` over every TCP stream: node 0 (the first packet's sender, the
client when the capture holds the SYN) against node 1.
"""
import subprocess
import sys


def main():
    path = sys.argv[1]
    ids = subprocess.run(["tshark", "-r", path, "-T", "fields", "-e", "tcp.stream"],
                         capture_output=True, text=True, check=True).stdout.split()
    streams = sorted({int(i) for i in ids if i})
    c2s = s2c = 0
    for chunk in range(0, len(streams), 50):
        args = ["tshark", "-r", path, "-q"]
        for sid in streams[chunk:chunk + 50]:
            args += ["-z", "follow,tcp,raw,%d" % sid]
        out = subprocess.run(args, capture_output=True, text=True, check=True).stdout
        for line in out.splitlines():
            if not line.strip() or set(line.strip()) == {"="}:
                continue
            if line.startswith(("Follow:", "Filter:", "Node ")):
                continue
            if line.startswith("\t"):
                s2c += len(line.strip()) // 2
            else:
                c2s += len(line.strip()) // 2
    print(c2s, s2c)


if __name__ == "__main__":
    main()

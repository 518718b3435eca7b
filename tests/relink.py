#!/usr/bin/env python3
"""Rewrites an Ethernet/IPv4 pcap into another link type or shape, packet by packet, so the
decoder can be tested on real traffic in every encapsulation it supports.

  relink.py IN OUT MODE
MODE: sll, sll2, null, loop, raw, ipv4, ipv6 (IPv4 turned into IPv6), ipv6ext (IPv6 with
hop-by-hop and destination-options headers), vlan (802.1Q), qinq (802.1ad + 802.1Q),
snap:N (records cut to N bytes), pcapng (same packets, pcapng file format), pcapng-be-ns
(pcapng, big-endian, two sections, nanosecond and 2^-20 s time stamps), after:TEXT (only
the records after the first one whose bytes contain TEXT: a capture that starts mid-stream).
Pure python, no dependencies. Checksums are not recomputed (upscope does not verify them).
"""
import struct
import sys

LINKTYPES = {"sll": 113, "sll2": 276, "null": 0, "loop": 108, "raw": 101, "ipv4": 228,
             "ipv6": 101, "ipv6ext": 101, "vlan": 1, "qinq": 1, "pcapng": 1}


def read_pcap(path):
    with open(path, "rb") as f:
        data = f.read()
    magic = struct.unpack("<I", data[:4])[0]
    endian = "<" if magic in (0xA1B2C3D4, 0xA1B23C4D) else ">"
    linktype = struct.unpack(endian + "I", data[20:24])[0]
    assert linktype == 1, "input must be Ethernet"
    off, recs = 24, []
    while off + 16 <= len(data):
        sec, usec, incl, orig = struct.unpack(endian + "IIII", data[off:off + 16])
        recs.append((sec, usec, orig, data[off + 16:off + 16 + incl]))
        off += 16 + incl
    return recs


def v4_to_v6(ip, ext=False):
    ihl = (ip[0] & 15) * 4
    total = struct.unpack(">H", ip[2:4])[0]
    payload = ip[ihl:total]
    src = b"\x20\x01\x0d\xb8" + b"\x00" * 8 + ip[12:16]
    dst = b"\x20\x01\x0d\xb8" + b"\x00" * 8 + ip[16:20]
    exts, nh = b"", 6
    if ext:
        # hop-by-hop (8 bytes, PadN) → destination options (16 bytes, PadN) → TCP
        dest = bytes([6, 1, 1, 12]) + b"\x00" * 12
        hbh = bytes([60, 0, 1, 4]) + b"\x00" * 4
        exts, nh = hbh + dest, 0
    hdr = struct.pack(">IHBB", 6 << 28, len(exts) + len(payload), nh, 64) + src + dst
    return hdr + exts + payload


def convert(frame, mode):
    eth_type = struct.unpack(">H", frame[12:14])[0]
    ip = frame[14:]
    v6 = (ip[0] >> 4) == 6
    if mode == "sll":
        return struct.pack(">HHH8sH", 0, 772, 6, b"\x00" * 8, eth_type) + ip
    if mode == "sll2":
        return struct.pack(">HHIHBB8s", eth_type, 0, 1, 772, 0, 6, b"\x00" * 8) + ip
    if mode == "null":
        return struct.pack("<I", 10 if v6 else 2) + ip
    if mode == "loop":
        return struct.pack(">I", 24 if v6 else 2) + ip
    if mode in ("raw", "ipv4"):
        return ip
    if mode in ("ipv6", "ipv6ext"):
        return v4_to_v6(ip, mode == "ipv6ext")
    if mode == "vlan":
        return frame[:12] + struct.pack(">HH", 0x8100, 42) + frame[12:]
    if mode == "qinq":
        return frame[:12] + struct.pack(">HHHH", 0x88A8, 7, 0x8100, 42) + frame[12:]
    return frame


def write_pcap(path, linktype, recs):
    with open(path, "wb") as f:
        f.write(struct.pack("<IHHiIII", 0xA1B2C3D4, 2, 4, 0, 0, 262144, linktype))
        for sec, usec, orig, data, in recs:
            f.write(struct.pack("<IIII", sec, usec, len(data), orig) + data)


def write_pcapng(path, recs):
    def block(btype, body):
        body += b"\x00" * (-len(body) % 4)
        n = 12 + len(body)
        return struct.pack("<II", btype, n) + body + struct.pack("<I", n)
    with open(path, "wb") as f:
        f.write(block(0x0A0D0D0A, struct.pack("<IHHq", 0x1A2B3C4D, 1, 0, -1)))
        f.write(block(1, struct.pack("<HHI", 1, 0, 262144)))
        for sec, usec, orig, data in recs:
            ts = sec * 1000000 + usec
            f.write(block(6, struct.pack("<IIIII", 0, ts >> 32, ts & 0xFFFFFFFF, len(data),
                                         orig) + data))


def write_pcapng_odd(path, recs):
    """The same packets in a pcapng file written big-endian, in two sections: the first with
    time stamps in nanoseconds (if_tsresol 9) and a Name Resolution Block to step over, the
    second in 2^-20 s units with if_tsoffset 1000 s, its first packet in an obsolete Packet
    Block."""
    def block(btype, body):
        body += b"\x00" * (-len(body) % 4)
        n = 12 + len(body)
        return struct.pack(">II", btype, n) + body + struct.pack(">I", n)

    def opt(code, value):
        return struct.pack(">HH", code, len(value)) + value + b"\x00" * (-len(value) % 4)
    half = len(recs) // 2
    out = [block(0x0A0D0D0A, struct.pack(">IHHq", 0x1A2B3C4D, 1, 0, -1)),
           block(1, struct.pack(">HHI", 1, 0, 0) + opt(9, b"\x09") + opt(0, b"")),
           block(4, struct.pack(">HH", 0, 0))]
    for sec, usec, orig, data in recs[:half]:
        ts = (sec * 1000000 + usec) * 1000
        out.append(block(6, struct.pack(">IIIII", 0, ts >> 32, ts & 0xFFFFFFFF, len(data), orig)
                         + data))
    out += [block(0x0A0D0D0A, struct.pack(">IHHq", 0x1A2B3C4D, 1, 0, -1)),
            block(1, struct.pack(">HHI", 1, 0, 0) + opt(9, b"\x94") +
                  opt(14, struct.pack(">q", 1000)) + opt(0, b""))]
    for i, (sec, usec, orig, data) in enumerate(recs[half:]):
        us = sec * 1000000 + usec - 1000 * 1000000
        ts = -(-us * 2 ** 20 // 10 ** 6)        # rounded up: floor(ts / 2^20 s) in us is us
        head = (struct.pack(">HHII", 0, 0, ts >> 32, ts & 0xFFFFFFFF) if i == 0 else
                struct.pack(">III", 0, ts >> 32, ts & 0xFFFFFFFF))
        out.append(block(2 if i == 0 else 6, head + struct.pack(">II", len(data), orig) + data))
    with open(path, "wb") as f:
        f.write(b"".join(out))


def main():
    src, dst, mode = sys.argv[1:4]
    recs = read_pcap(src)
    if mode.startswith("after:"):
        text = mode[6:].encode()
        first = next(i for i, r in enumerate(recs) if text in r[3])
        write_pcap(dst, 1, recs[first + 1:])
    elif mode.startswith("snap:"):
        n = int(mode[5:])
        write_pcap(dst, 1, [(s, u, o, d[:n]) for s, u, o, d in recs])
    elif mode == "pcapng":
        write_pcapng(dst, recs)
    elif mode == "pcapng-be-ns":
        write_pcapng_odd(dst, recs)
    else:
        out = []
        for s, u, o, d in recs:
            c = convert(d, mode)
            out.append((s, u, o - len(d) + len(c), c))
        write_pcap(dst, LINKTYPES[mode], out)


if __name__ == "__main__":
    main()

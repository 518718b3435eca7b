#!/bin/bash
# Plain pcap files are mapped and read by upscope itself (src/pcapmap.c); a pipe goes to
# libpcap. libpcap is the oracle: the same file read both ways gives the same reports, the same
# errors in the same words — in both byte orders, with microsecond and nanosecond time stamps.
# And reading a large file mapped keeps the resident set small (what was read is dropped).
. "$(dirname "$0")/lib.sh"

# FILE: the NDJSON of every connection and any error, read mapped (the file) and by libpcap
# (the same bytes through a pipe), the input's name replaced by INPUT in both
same_name() { sed -e "s#$1#INPUT#g" -e 's#"source":"[^"]*"#"source":"INPUT"#g'; }
mapped() { "$UPSCOPE" -q --all -j - -r "$1" 2>&1 | same_name "$1"; echo "status ${PIPESTATUS[0]}"; }
piped() {
    cat "$1" | "$UPSCOPE" -q --all -j - -r - 2>&1 | same_name "(stdin)"
    echo "status ${PIPESTATUS[1]}"
}
same_both_ways() { # NAME FILE
    mapped "$2" >"$TMP/m.out"
    piped "$2" >"$TMP/p.out"
    if cmp -s "$TMP/m.out" "$TMP/p.out" && [ -s "$TMP/m.out" ]; then ok "$1"; else
        not_ok "$1"; diff "$TMP/m.out" "$TMP/p.out" | head -5 | sed 's/^/#   /'; fi
}

n=0 bad=0
for f in "$CAPTURES"/*.pcap "$CAPTURES"/tls/*.pcap; do
    [ "$(head -c 4 "$f" | od -An -tx1 | tr -d ' ')" = 0a0d0d0a ] && continue # pcapng
    mapped "$f" >"$TMP/m.out"
    piped "$f" >"$TMP/p.out"
    n=$((n + 1))
    cmp -s "$TMP/m.out" "$TMP/p.out" || { bad=$((bad + 1)); echo "# differs: $f"; }
done
check_eq "every pcap capture ($n): the same reports mapped and through libpcap" "0 of $n" \
    "$bad of $n"
check "... and they were reports (status 0, sessions)" \
    grep -q '"transition"' "$TMP/m.out"

# the other byte order and nanosecond time stamps, written by a converter of our own
src="$CAPTURES/ws-basic.pcap"
"$PY" - "$src" "$TMP" <<'EOF'
import struct, sys
src, out = sys.argv[1], sys.argv[2]
data = open(src, 'rb').read()
magic, vmaj, vmin, zone, sig, snap, lt = struct.unpack('<IHHiIII', data[:24])
assert magic == 0xa1b2c3d4
recs, off = [], 24
while off < len(data):
    sec, usec, cap, ln = struct.unpack('<IIII', data[off:off + 16])
    recs.append((sec, usec, cap, ln, data[off + 16:off + 16 + cap]))
    off += 16 + cap
def write(name, order, nsec, snaplen=snap):
    with open(f'{out}/{name}', 'wb') as f:
        f.write(struct.pack(order + 'IHHiIII', 0xa1b23c4d if nsec else 0xa1b2c3d4,
                            vmaj, vmin, zone, sig, snaplen, lt))
        for sec, usec, cap, ln, b in recs:
            f.write(struct.pack(order + 'IIII', sec, usec * 1000 + 999 if nsec else usec, cap, ln))
            f.write(b)
write('be.pcap', '>', False)
write('ns.pcap', '<', True)
write('be-ns.pcap', '>', True)
write('snap100.pcap', '<', False, 100)  # records longer than the header's snap length
EOF
check_eq "the converter's big-endian file: libpcap reads it as the original" \
    "$(piped "$src" | md5sum)" "$(piped "$TMP/be.pcap" | md5sum)"
same_both_ways "big-endian: the same both ways" "$TMP/be.pcap"
same_both_ways "nanoseconds: the same both ways" "$TMP/ns.pcap"
same_both_ways "big-endian, nanoseconds: the same both ways" "$TMP/be-ns.pcap"
same_both_ways "records over the header's snap length: the same both ways" "$TMP/snap100.pcap"
check "... cut to it (the handshake is there, the WebSocket frames not)" \
    grep -q '"truncated":{' "$TMP/m.out"
check_eq "nanoseconds: cut to microseconds as libpcap does (the same reports as the original)" \
    "$(piped "$src" | md5sum)" "$(mapped "$TMP/ns.pcap" | md5sum)"

# damage: libpcap's words, the record named, the packets before it read
size=$(stat -c %s "$src")
head -c $((size - 30)) "$src" >"$TMP/cut.pcap"
head -c 34 "$src" >"$TMP/cut-header.pcap"
cp "$src" "$TMP/huge.pcap"
printf '\0\0\0\0\0\0\0\0\1\0\5\0\1\0\5\0' >>"$TMP/huge.pcap" # caplen 327681 > 262144
for f in cut cut-header huge; do
    mapped "$TMP/$f.pcap" >"$TMP/m.out"
    piped "$TMP/$f.pcap" >"$TMP/p.out"
    check_eq "$f: the same error and reports both ways" "$(cat "$TMP/p.out")" "$(cat "$TMP/m.out")"
done
mapped "$TMP/cut.pcap" >"$TMP/m.out"
check_contains "cut mid-record: truncated dump file, the record named" "$TMP/m.out" \
    "INPUT: record $(tshark -r "$src" 2>/dev/null | wc -l): truncated dump file; tried to read"
mapped "$TMP/huge.pcap" >"$TMP/m.out"
check_contains "a record over 256 KiB: libpcap's error" "$TMP/m.out" \
    "invalid packet capture length 327681, bigger than snaplen of 262144"

# --workers 2 on mapped files: the frames reach the other thread uncopied, and stay readable
# after their file ends (several files, one after the other and overlapping in time)
for f in ws-basic ws-deflate h2c-curl http-keepalive; do files+=(-r "$CAPTURES/$f.pcap"); done
"$UPSCOPE" -q --all -j - "${files[@]}" >"$TMP/one.out" 2>&1
"$UPSCOPE" -q --all -j - --workers 2 "${files[@]}" >"$TMP/two.out" 2>&1
check_eq "--workers 2 on four mapped files: the reports of one worker" \
    "$(md5sum <"$TMP/one.out")" "$(md5sum <"$TMP/two.out")"
check "... and they are reports" test "$(grep -c '"transition"' "$TMP/two.out")" -ge 4

# a pipe named by its path (a shell's <(...), /dev/stdin on a pipe) is read once, by libpcap
"$UPSCOPE" -q --all -j - -r <(cat "$src") >"$TMP/sub.out" 2>&1
"$UPSCOPE" -q --all -j - -r "$src" >"$TMP/file.out" 2>&1
check_eq "-r <(cat FILE): the same reports as the file" \
    "$(sed 's#"source":"[^"]*"##' "$TMP/file.out")" \
    "$(sed 's#"source":"[^"]*"##' "$TMP/sub.out")"
cat "$src" | "$UPSCOPE" -q --all -j - -r /dev/stdin >"$TMP/sub.out" 2>&1
check_eq "-r /dev/stdin on a pipe: the same reports as the file" \
    "$(sed 's#"source":"[^"]*"##' "$TMP/file.out")" "$(sed 's#"source":"[^"]*"##' "$TMP/sub.out")"

# mapped indeed: no read() per packet, one mmap of the file
if command -v strace >/dev/null; then
    "$PY" "$top_srcdir/tests/pcapgen.py" many-ws 5000 "$TMP/big.pcap"
    strace -f -e trace=read -o "$TMP/trace" "$UPSCOPE" -q -r "$TMP/big.pcap" >/dev/null 2>&1
    reads=$(grep -c '^[0-9]* *read(' "$TMP/trace")
    pkts=$("$UPSCOPE" -q --stats -r "$TMP/big.pcap" 2>&1 | stat_of packets)
    check "mapped: $reads read() calls for $pkts packets (libpcap's 4 KiB reads: thousands)" \
        test "$reads" -lt 200 -a "$pkts" -gt 50000
else
    skip "mapped: no read() per packet" "no strace"
fi

# what was read leaves the resident set: a file far larger than the run's memory takes no more
# memory mapped than read through a pipe (ASan's runs are larger both ways)
if [ -x /usr/bin/time ]; then
    "$PY" "$top_srcdir/tests/pcapgen.py" long 64000 "$TMP/long.pcap"
    mib=$(($(stat -c %s "$TMP/long.pcap") >> 20))
    /usr/bin/time -f %M -o "$TMP/rss.m" "$UPSCOPE" -q -r "$TMP/long.pcap" >/dev/null 2>&1
    cat "$TMP/long.pcap" | /usr/bin/time -f %M -o "$TMP/rss.p" "$UPSCOPE" -q -r /dev/stdin \
        >/dev/null 2>&1
    m=$(($(tail -1 "$TMP/rss.m") >> 10)) p=$(($(tail -1 "$TMP/rss.p") >> 10))
    check "a $mib MiB file read mapped: peak RSS $m MiB, through libpcap $p MiB" \
        test "$mib" -ge 100 -a "$m" -le $((p + 8))
    /usr/bin/time -f %M -o "$TMP/rss.m" "$UPSCOPE" -q --workers 2 -r "$TMP/long.pcap" \
        >/dev/null 2>&1
    cat "$TMP/long.pcap" | /usr/bin/time -f %M -o "$TMP/rss.p" "$UPSCOPE" -q --workers 2 -r - \
        >/dev/null 2>&1
    m=$(($(tail -1 "$TMP/rss.m") >> 10)) p=$(($(tail -1 "$TMP/rss.p") >> 10))
    check "... --workers 2 (frames passed uncopied, 16 MiB kept mapped): $m MiB, libpcap $p MiB" \
        test "$m" -le $((p + 24))
else
    skip "the resident set stays small" "no /usr/bin/time"
fi

done_testing

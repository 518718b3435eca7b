#!/bin/bash
# What upscope reads: pcapng files whose interfaces have different link types (what mergecap
# writes; libpcap refuses them), with BPF filters compiled per link type; and many files read
# as one capture (-r DIR, -r repeated, a shell glob) in time stamp order, as after mergecap:
# rotated captures (editcap -c, as tcpdump -C writes them) give the whole capture's reports,
# and two files of one connection's two directions are merged packet by packet.
. "$(dirname "$0")/lib.sh"
RELINK="$top_srcdir/tests/relink.py"

# (the name of the source aside: several inputs number their frames as mergecap would merge
# them, so a capture cut in pieces keeps the frame numbers of the whole)
reports() { "$UPSCOPE" -q -j - "$@" 2>"$TMP/err" | jq -S -c 'del(.capture.source)'; }
# reports without the numbers given in order of appearance, sorted: the same sessions
sessions() {
    "$UPSCOPE" -q -j - "$@" 2>"$TMP/err" |
        jq -S -c 'del(.id, .flow_id, .capture) | walk(if type == "object" then del(.frame) else . end)' |
        sort
}

# ---- one pcapng file, three link types ----
"$PY" "$RELINK" "$CAPTURES/h2c-curl.pcap" "$TMP/sll.pcap" sll
"$PY" "$RELINK" "$CAPTURES/ws-deflate.pcap" "$TMP/raw.pcap" raw
"$PY" "$RELINK" "$CAPTURES/tls-upgrade-get.pcap" "$TMP/sll2.pcap" sll2
mergecap -w "$TMP/mixed.pcapng" "$CAPTURES/ws-basic.pcap" "$TMP/sll.pcap" "$TMP/raw.pcap" \
    "$TMP/sll2.pcap"
check_eq "mergecap wrote one pcapng file of several link types" "Per packet" \
    "$(capinfos -E "$TMP/mixed.pcapng" | sed -n 's/^File encapsulation: *//p')"
check_contains "libpcap alone refuses it" <(tcpdump -r "$TMP/mixed.pcapng" 2>&1) \
    "different from the type of the first interface"
want=$(for f in "$CAPTURES/ws-basic.pcap" "$TMP/sll.pcap" "$TMP/raw.pcap" "$TMP/sll2.pcap"; do
           sessions -r "$f"; done | sort)
got=$(sessions -r "$TMP/mixed.pcapng")
check_eq "several link types: every session, as in the single-link-type files" "$want" "$got"
check_eq "several link types: four sessions" 4 "$(wc -l <<<"$got")"
out=$("$UPSCOPE" -q --stats -r "$TMP/mixed.pcapng" 2>&1 >/dev/null)
check_eq "several link types: every packet decoded" \
    "$(capinfos -c -M "$TMP/mixed.pcapng" | sed -n 's/^Number of packets: *//p')" \
    "$(stat_of tcp.packets <<<"$out")"
check_eq "a filter compiled for each link type" "$(sessions -r "$TMP/sll.pcap")" \
    "$(sessions -r "$TMP/mixed.pcapng" tcp port "$(jq -r .server.port <<<"$(sessions -r "$TMP/sll.pcap" | head -1)")")"
"$UPSCOPE" -q -r "$TMP/mixed.pcapng" ether host 00:00:00:00:00:01 >/dev/null 2>"$TMP/err"
check_eq "a filter that cannot apply to a later interface's link type: status 2" 2 "$?"
check_contains "... naming the filter, the file and the link type" "$TMP/err" \
    "bad filter 'ether host 00:00:00:00:00:01' for $TMP/mixed.pcapng (link type RAW)"

# an interface of a link type upscope does not read: its packets counted and skipped
editcap -F pcap -T ieee-802-11 "$CAPTURES/ws-version.pcap" "$TMP/wifi.pcap" 2>/dev/null
mergecap -w "$TMP/with-wifi.pcapng" "$CAPTURES/ws-basic.pcap" "$TMP/wifi.pcap"
out=$("$UPSCOPE" -q --stats -r "$TMP/with-wifi.pcapng" 2>&1 >/dev/null)
check_eq "an unread link type: its packets skipped, counted" \
    "$(capinfos -c -M "$TMP/wifi.pcap" | sed -n 's/^Number of packets: *//p')" \
    "$(stat_of input.packets_other_linktype <<<"$out")"
check_contains "... and said" <(echo "$out") "packets of interfaces whose link type upscope does not read were skipped"
check_eq "... the other interface's sessions reported" "$(sessions -r "$CAPTURES/ws-basic.pcap")" \
    "$(sessions -r "$TMP/with-wifi.pcapng")"
mergecap -w "$TMP/wifi-first.pcapng" "$TMP/wifi.pcap" "$CAPTURES/ws-basic.pcap"
check_eq "... also when it is the first interface" "$(sessions -r "$CAPTURES/ws-basic.pcap")" \
    "$(sessions -r "$TMP/wifi-first.pcapng")"
"$UPSCOPE" -q -r "$TMP/wifi.pcap" 2>"$TMP/err"
check_eq "a pcap file of a link type upscope does not read: status 1" 1 "$?"
check_contains "... said" "$TMP/err" "unsupported link type IEEE802_11"
editcap -F pcapng "$TMP/wifi.pcap" "$TMP/wifi.pcapng" 2>/dev/null
out=$("$UPSCOPE" -q -r "$TMP/wifi.pcapng" 2>&1)
check_eq "a pcapng file with only such an interface: read, its packets counted as skipped" \
    "0 $(capinfos -c -M "$TMP/wifi.pcap" | sed -n 's/^Number of packets: *//p')" \
    "$?$(sed -n 's/.*: \([0-9]*\) packets of interfaces.*/ \1/p' <<<"$out")"

# pcapng written big-endian, time stamps in nanoseconds, and a second section
"$PY" "$RELINK" "$CAPTURES/ws-deflate.pcap" "$TMP/be.pcapng" pcapng-be-ns
check_eq "pcapng big-endian, nanosecond time stamps, two sections: the same reports" \
    "$(reports -r "$CAPTURES/ws-deflate.pcap")" "$(reports -r "$TMP/be.pcapng")"
check_eq "... from standard input too" \
    "$(reports -r "$CAPTURES/ws-deflate.pcap")" "$(reports -r - <"$TMP/be.pcapng")"
cat "$TMP/mixed.pcapng" | "$UPSCOPE" -q -j - -r - >/dev/null 2>&1
check_eq "several link types from a pipe: status 0" 0 "$?"
head -c 700 "$TMP/mixed.pcapng" >"$TMP/cut.pcapng"
"$UPSCOPE" -q -r "$TMP/cut.pcapng" 2>"$TMP/err"
check_eq "a pcapng file cut inside a block: status 2" 2 "$?"
check_contains "... naming the file and the block" "$TMP/err" "$TMP/cut.pcapng: pcapng block"

# ---- many files ----
pcap="$CAPTURES/ws-big.pcap"
mkdir "$TMP/rot"
editcap -c 7 "$pcap" "$TMP/rot/part.pcap"
n=$(ls "$TMP/rot" | wc -l)
check_eq "the capture rotated into several files" yes "$([ "$n" -gt 3 ] && echo yes)"
whole=$(reports -r "$pcap")
check_eq "-r DIR: the whole capture's report (one session across $n files)" "$whole" \
    "$(reports -r "$TMP/rot")"
check_eq "-r with a shell glob: the same" "$whole" "$(reports -r "$TMP"/rot/*)"
rev=(); for f in $(ls "$TMP"/rot/* | sort -r); do rev+=(-r "$f"); done
check_eq "-r repeated, files given newest first: the same (ordered by time)" "$whole" \
    "$(reports "${rev[@]}")"
port=$(jq -r .server.port <<<"$whole")
check_eq "-r DIR with a filter (compiled for each file)" "$whole" \
    "$(reports -r "$TMP/rot" tcp port "$port")"
check_eq "-r DIR with a filter that keeps nothing" "" "$(reports -r "$TMP/rot" tcp port 1)"
: >"$TMP/rot/zz-empty.pcap"
"$UPSCOPE" -q -r "$TMP/rot" 2>"$TMP/err"
check_eq "a file in the directory that is not a capture: status 1" 1 "$?"
check_contains "... named" "$TMP/err" "$TMP/rot/zz-empty.pcap: not a readable pcap or pcapng file"
rm "$TMP/rot/zz-empty.pcap"
editcap -r "$pcap" "$TMP/rot/.hidden-empty.pcap" 0 2>/dev/null
check_eq "hidden files in the directory are left out" "$whole" "$(reports -r "$TMP/rot")"
"$UPSCOPE" -q -r - -r - </dev/null 2>"$TMP/err"
check_eq "standard input twice: status 1" 1 "$?"

# one connection's two directions in two files (two taps): merged packet by packet, not
# file after file
tshark -r "$CAPTURES/ws-basic.pcap" -Y 'tcp.srcport == 18081' -w "$TMP/server.pcap" 2>/dev/null
tshark -r "$CAPTURES/ws-basic.pcap" -Y 'tcp.dstport == 18081' -w "$TMP/client.pcap" 2>/dev/null
check_eq "two directions in two files: the original's report" \
    "$(reports -r "$CAPTURES/ws-basic.pcap")" "$(reports -r "$TMP/server.pcap" -r "$TMP/client.pcap")"
check_eq "... the source names both inputs" "$TMP/server.pcap, $TMP/client.pcap" \
    "$("$UPSCOPE" -q -j - -r "$TMP/server.pcap" -r "$TMP/client.pcap" | jq -r .capture.source)"
# tshark's oracle for the frame numbers: those of mergecap's chronological merge
mergecap -w "$TMP/merged.pcap" "$TMP/server.pcap" "$TMP/client.pcap"
check_eq "... frame numbers as in mergecap's merge: the 101 is the frame tshark finds there" \
    "$(tshark -r "$TMP/merged.pcap" -Y 'http.response.code == 101' -T fields -e frame.number 2>/dev/null)" \
    "$("$UPSCOPE" -q -j - -r "$TMP/server.pcap" -r "$TMP/client.pcap" | jq -r .response.frame)"
mergecap -a -w "$TMP/concat.pcap" "$TMP/client.pcap" "$TMP/server.pcap"
check_eq "... which reading them one after the other would not give" no \
    "$([ "$(reports -r "$CAPTURES/ws-basic.pcap")" = "$(reports -r "$TMP/concat.pcap")" ] && echo yes || echo no)"
# two captures interleaved in time, split by connection, read back as two files
"$PY" "$top_srcdir/tests/pcapgen.py" interleave "$TMP/both.pcap" "$CAPTURES/ws-basic.pcap" \
    "$CAPTURES/ws-deflate.pcap"
tshark -r "$TMP/both.pcap" -Y 'tcp.port == 18081' -w "$TMP/one.pcap" 2>/dev/null
tshark -r "$TMP/both.pcap" -Y 'not tcp.port == 18081' -w "$TMP/two.pcap" 2>/dev/null
check_eq "connections interleaved in time across two files: as in one file" \
    "$(reports -r "$TMP/both.pcap")" "$(reports -r "$TMP/two.pcap" -r "$TMP/one.pcap")"
# files of different link types together
check_eq "files of different link types (Ethernet, Linux SLL) together" \
    "$( (sessions -r "$CAPTURES/ws-basic.pcap"; sessions -r "$TMP/sll.pcap") | sort)" \
    "$(sessions -r "$CAPTURES/ws-basic.pcap" -r "$TMP/sll.pcap")"
out=$("$UPSCOPE" -q --stats -w "$TMP/out.pcap" -r "$CAPTURES/ws-basic.pcap" -r "$TMP/sll.pcap" 2>&1 >/dev/null)
check_eq "-w: packets of another link type than the first are counted, not written" \
    "$(capinfos -c -M "$TMP/sll.pcap" | sed -n 's/^Number of packets: *//p')" \
    "$(stat_of export.packets_other_linktype <<<"$out")"
check_eq "... the first link type's are" \
    "$(capinfos -c -M "$CAPTURES/ws-basic.pcap" | sed -n 's/^Number of packets: *//p')" \
    "$(capinfos -c -M "$TMP/out.pcap" | sed -n 's/^Number of packets: *//p')"

done_testing

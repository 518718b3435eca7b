#!/bin/bash
# Heads of real size (issue: a 20 KB keep-alive request stopped a direction for good, the
# upgrade after it became an "unsolicited" 101 with a false error, and HTTP_HEADER_TOO_LARGE
# was lost with no session to hold it; a valid HTTP2-Settings over ~1366 characters was "not
# base64url"). pcapgen.py big-heads makes the connections; tshark is the oracle for the
# requests and the 101s it sees.
. "$(dirname "$0")/lib.sh"
"$PY" "$top_srcdir/tests/pcapgen.py" big-heads "$TMP/big.pcap"
"$UPSCOPE" -q -j "$TMP/big.ndjson" -r "$TMP/big.pcap"
check_eq "upscope reads it" 0 $?

# tshark: the frame of each 101 and of the upgrade request before it, per client port
want=$(tshark -r "$TMP/big.pcap" -d tcp.port==8080,http -Y 'http.response.code == 101' \
       -T fields -e tcp.dstport -e frame.number 2>/dev/null | sort)
check_eq "20 KB and 100 KB heads: each later upgrade switched, its 101 where tshark finds it" \
    "$want" \
    "$(jq -r 'select(.transition == "websocket" and .outcome == "switched") |
              "\(.client.port)\t\(.response.frame)"' "$TMP/big.ndjson" | sort)"
check "tshark found both 101s (the check above compared something)" \
    test "$(wc -l <<<"$want")" -eq 2
check_eq "a 20 KB head (default limit 64 KiB): no finding but the close" "WS_CLOSED_WITHOUT_CLOSE_FRAME" \
    "$(jq -r 'select(.client.port == 42000) | .findings[].id' "$TMP/big.ndjson" | sort -u)"
check_eq "a 100 KB head: HTTP_HEADER_TOO_LARGE kept, in a connection-level session" \
    "none none client" \
    "$(jq -r 'select(.client.port == 42001) | select(.findings[].id == "HTTP_HEADER_TOO_LARGE") |
              "\(.transition) \(.outcome) \(.findings[0].direction)"' "$TMP/big.ndjson")"
check_eq "... whose frame is in the big request (tshark's frame of that GET ends it)" yes \
    "$(f=$(jq -r 'select(.client.port == 42001 and .outcome == "none") | .findings[0].frame' "$TMP/big.ndjson")
       g=$(tshark -r "$TMP/big.pcap" -d tcp.port==8080,http -Y 'tcp.srcport == 42001 && http.request.uri == "/big"' \
           -T fields -e frame.number 2>/dev/null)
       [ -n "$f" ] && [ -n "$g" ] && [ "$f" -le "$g" ] && echo yes)"
check_eq "the 101 after it is no longer blamed on the server" "" \
    "$(jq -r '.findings[] | select(.id == "UPGRADE_101_NOT_REQUESTED") | .id' "$TMP/big.ndjson")"
check_eq "an HTTP2-Settings of 2664 characters decodes (no H2C_SETTINGS_BAD_BASE64)" \
    "declined true" \
    "$(jq -r 'select(.transition == "h2c") |
              "\(.outcome) \(all(.findings[]; .id != "H2C_SETTINGS_BAD_BASE64"))"' "$TMP/big.ndjson")"
check_eq "... and its value is read: MAX_CONCURRENT_STREAMS 100" 100 \
    "$(jq -r 'select(.transition == "h2c") | .h2c.settings.MAX_CONCURRENT_STREAMS' "$TMP/big.ndjson")"

# --max-head: a smaller limit makes the 20 KB head too large too; a larger one takes 100 KB
"$UPSCOPE" -q -j - -r "$TMP/big.pcap" --max-head=8192 >"$TMP/small.ndjson"
check_eq "--max-head=8192: the 20 KB head too is reported, and its upgrade still switches" \
    "HTTP_HEADER_TOO_LARGE switched" \
    "$(jq -r 'select(.client.port == 42000) | (.findings[] | select(.id == "HTTP_HEADER_TOO_LARGE") | .id),
              (select(.transition == "websocket") | .outcome)' "$TMP/small.ndjson" | paste -sd' ')"
"$UPSCOPE" -q -j - -r "$TMP/big.pcap" --max-head=200000 >"$TMP/large.ndjson"
check_eq "--max-head=200000: the 100 KB head is inspected, nothing too large" "" \
    "$(jq -r '.findings[] | select(.id == "HTTP_HEADER_TOO_LARGE") | .id' "$TMP/large.ndjson")"
"$UPSCOPE" --max-head=10 -r "$TMP/big.pcap" >/dev/null 2>"$TMP/err"
check_eq "--max-head below 1024: a usage error" 1 $?
done_testing

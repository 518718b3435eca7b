#!/bin/bash
# Regenerates tests/expected/*.ndjson from the captures with the built upscope.
# Run after a deliberate change to what upscope reports; then read the diff (git diff
# tests/expected) line by line, and check anything new against tshark before committing.
set -eu
top=$(cd "$(dirname "$0")/.." && pwd)
upscope=${UPSCOPE:-$top/upscope}
for pcap in "$top"/captures/*.pcap "$top"/captures/corpus/*.pcap*; do
    name=$(basename "$pcap"); name=${name%.pcapng}; name=${name%.pcap}
    # the capture is named as upscope was told it: only its file name is the same everywhere
    "$upscope" -q -j - -r "$pcap" | jq -S -c '.capture.source |= (split("/") | last)' \
        >"$top/tests/expected/$name.ndjson"
done
echo "updated $(ls "$top"/tests/expected | wc -l) expected reports"

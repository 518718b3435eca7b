#!/bin/bash
# Rewrites the FINDINGS list of upscope.1 from the catalogue compiled into upscope
# (src/findings.h), so the man page can never miss an ID. Run after adding a finding.
set -eu
top=$(cd "$(dirname "$0")/.." && pwd)
upscope=${UPSCOPE:-$top/upscope}
block=$("$upscope" --list-findings | awk -F'\t' '{
    title = $4; gsub(/\\/, "\\\\", title); gsub(/-/, "\\-", title);
    printf ".TP\n.B %s\n%s \\(em %s: %s.\n", $1, $2, $3, title }')
awk -v block="$block" '
    /^\.\\" BEGIN FINDINGS/ { print; print block; skip = 1; next }
    /^\.\\" END FINDINGS/ { skip = 0 }
    !skip' "$top/upscope.1" >"$top/upscope.1.new"
mv "$top/upscope.1.new" "$top/upscope.1"
echo "upscope.1: $("$upscope" --list-findings | wc -l) findings"

#!/bin/bash
# The fuzz targets, built as plain programs (tests/replay_*), run over seeds derived from every
# capture (fuzz/make-seeds.py) and over every regression input a fuzzing run once found
# (tests/fuzz-regressions/): under the sanitizer build and valgrind too, each must finish
# cleanly.
. "$(dirname "$0")/lib.sh"
"$PY" "$top_srcdir/fuzz/make-seeds.py" "$TMP/seeds" "$CAPTURES"/*.pcap "$CAPTURES"/corpus/*.pcap* \
    $(ls "$CAPTURES"/*/*.pcap "$CAPTURES"/*/*.pcapng 2>/dev/null)
for t in pipeline reasm http1 websocket http2 tls tls_decrypt keylog decode pcapng; do
    prog="$top_builddir/tests/replay_$t"
    out=$(${REPLAY_WRAPPER:-} "$prog" "$TMP/seeds/$t" "$top_srcdir/tests/fuzz-regressions/$t" 2>&1)
    status=$?
    n=$(sed -n 's/^\([0-9]*\) input(s) replayed$/\1/p' <<<"$out")
    if [ "$status" = 0 ] && [ "${n:-0}" -gt 0 ]; then
        ok "fuzz target $t: $n seed and regression inputs ran cleanly"
    else
        not_ok "fuzz target $t: seeds and regression inputs"
        tail -20 <<<"$out" | sed 's/^/#   /'
    fi
done
done_testing

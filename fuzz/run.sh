#!/bin/bash
# run.sh: runs each libFuzzer target for SECONDS (make fuzz FUZZ_SECONDS=N), from a corpus kept
# in the build tree (seeded from the real captures), with its dictionary. Prints each target's
# final stats (exec/s, coverage) and fails if any target found a crash, a leak or a timeout;
# the input that did it is left in fuzz-artifacts/ for tests/fuzz-regressions/.
#   fuzz/run.sh SECONDS TARGET...
set -u
seconds=$1; shift
src=$(cd "$(dirname "$0")/.." && pwd)
status=0
for prog in "$@"; do
    name=$(basename "$prog"); name=${name#fuzz_}
    corpus="fuzz-corpus/$name"; mkdir -p "$corpus" fuzz-artifacts
    if [ -z "$(ls -A "$corpus")" ]; then
        seeds=$(mktemp -d)
        python3 "$src/fuzz/make-seeds.py" "$seeds" "$src"/captures/*.pcap \
            "$src"/captures/corpus/*.pcap* "$src"/captures/*/*.pcap "$src"/captures/*/*.pcapng \
            2>/dev/null
        cp "$seeds/$name"/* "$corpus"/ 2>/dev/null
        rm -rf "$seeds"
    fi
    cp "$src/tests/fuzz-regressions/$name"/* "$corpus"/ 2>/dev/null
    dict="$src/fuzz/$name.dict"
    [ -f "$dict" ] || dict=""
    echo "== $name: $seconds s, $(ls "$corpus" | wc -l) inputs in the corpus"
    "$prog" "$corpus" ${dict:+-dict="$dict"} -max_total_time="$seconds" -max_len=65536 \
        -timeout=10 -rss_limit_mb=2048 -print_final_stats=1 -artifact_prefix=fuzz-artifacts/"$name"- \
        >"fuzz-$name.log" 2>&1
    rc=$?
    grep -E '^stat::(number_of_executed_units|average_exec_per_sec|peak_rss_mb)|cov: [0-9]+' \
        "fuzz-$name.log" | tail -4 | sed 's/^/   /'
    if [ $rc -ne 0 ]; then
        echo "   FAILED (exit $rc): see fuzz-$name.log and fuzz-artifacts/"
        grep -E 'ERROR|SUMMARY|Test unit written' "fuzz-$name.log" | head -5 | sed 's/^/   /'
        status=1
    fi
done
exit $status

#!/bin/sh
# Generates ./configure. Options:
#   --deps       first install the build dependencies with apt-get (Debian/Ubuntu, as root)
#   --test-deps  also install what the test suite drives (tshark, python3, jq, tmux, ...) and
#                the checkers CI runs it under (clang for the fuzzers, valgrind)
set -e
cd "$(dirname "$0")"

BUILD_DEPS="build-essential autoconf automake pkg-config libpcap-dev libndpi-dev libncurses-dev
 zlib1g-dev libssl-dev libnghttp2-dev libjansson-dev check"
TEST_DEPS="tshark python3 python3-websockets jq tmux tcpdump tcpreplay iproute2 procps chromium clang
 libclang-rt-dev valgrind time"

deps=""
for arg in "$@"; do
    case "$arg" in
    --deps) deps="$deps $BUILD_DEPS" ;;
    --test-deps) deps="$deps $BUILD_DEPS $TEST_DEPS" ;;
    -h|--help) sed -n '2,4p' "$0"; exit 0 ;;
    *) echo "autogen.sh: unknown option '$arg' (try --help)" >&2; exit 1 ;;
    esac
done

if [ -n "$deps" ]; then
    if [ "$(id -u)" != 0 ]; then
        echo "autogen.sh: installing packages needs root; run as root or install:$deps" >&2
        exit 1
    fi
    export DEBIAN_FRONTEND=noninteractive
    apt-get update -q
    # shellcheck disable=SC2086
    apt-get install -y -q --no-install-recommends $deps
fi

autoreconf --install --force
echo "autogen.sh: now run ./configure && make"

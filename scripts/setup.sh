#!/usr/bin/env bash
# scripts/setup.sh — install what feedsift needs on Debian and configure the build.
#
# Idempotent: packages already installed are not touched; apt-get runs only
# when something is missing.  Builds into ./build (or $FEEDSIFT_BUILD).
# Usage: scripts/setup.sh [extra meson setup options...]
set -euo pipefail

cd "$(dirname "$0")/.."
BUILD=${FEEDSIFT_BUILD:-build}

PACKAGES=(meson ninja-build pkg-config gcc python3
          libcurl4-openssl-dev libxml2-dev libpcre2-dev libsqlite3-dev
          libjansson-dev libssl-dev libvectorscan-dev
          libisal-dev libbrotli-dev libzstd-dev zlib1g-dev)
# zlib1g-dev: the decoder test (built with everything) checks fetcher/
# decode.c against zlib's own gzip/deflate encoder.
# What only the test suite needs (scripts/test.sh sets FEEDSIFT_SETUP_TESTS=1):
# clang + libFuzzer for the bounded fuzz runs, valgrind for the crawl under
# memcheck, chromium to check that `report` pages render, nginx + openssl
# for the live HTTP/2-over-TLS crawl test (tests/e2e/test_http2.py),
# brotli + zstd for the test server's br/zstd responses (tests/lib/server.py).
if [ "${FEEDSIFT_SETUP_TESTS:-0}" = 1 ]; then
    PACKAGES+=(clang libclang-rt-14-dev valgrind chromium nginx openssl
               brotli zstd)
fi

missing=()
for p in "${PACKAGES[@]}"; do
    dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" \
        || missing+=("$p")
done
if ((${#missing[@]})); then
    echo "setup: installing ${missing[*]}" >&2
    SUDO=""
    [ "$(id -u)" -eq 0 ] || SUDO=sudo
    $SUDO apt-get update -qq
    DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq --no-install-recommends "${missing[@]}" >&2
fi

if [ ! -f "$BUILD/build.ninja" ]; then
    meson setup "$BUILD" --buildtype=debugoptimized "$@" >&2
fi
ninja -C "$BUILD" >&2

#!/bin/sh
# quickstart.sh - on a fresh Debian 12 machine: install the dependencies,
# build discvault, and run the main job end to end on a simulated BD-R
# drive (see scripts/demo.sh).
set -eu
cd "$(dirname "$0")/.."
scripts/install-deps.sh
[ -d build ] || meson setup build --buildtype=release >/dev/null
ninja -C build
exec scripts/demo.sh build/discvault

#!/bin/sh
# install-deps.sh - install what discvault needs to build, run and test on
# Debian 12 (as root, or with sudo). Installs only what is missing, so it is
# cheap to run again.
set -eu

PKGS="build-essential meson ninja-build pkg-config clang
libburn-dev libisofs-dev libjansson-dev libssl-dev
dar par2 xorriso genisoimage udftools hfsutils python3 perl time openssl
libudfread-dev"

missing=""
for p in $PKGS; do
	dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" ||
		missing="$missing $p"
done
[ -z "$missing" ] && exit 0

SUDO=""
[ "$(id -u)" -eq 0 ] || SUDO=sudo
echo "installing:$missing" >&2
export DEBIAN_FRONTEND=noninteractive
$SUDO apt-get update -qq
# shellcheck disable=SC2086
$SUDO apt-get install -y -qq --no-install-recommends $missing >/dev/null

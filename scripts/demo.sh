#!/bin/sh
# demo.sh - the main job on the embedded default, a simulated BD-R drive:
# make a sample image, burn it, prove it by reading it back, then show
# what a damaged disc does to the proof.
set -eu
DV=${1:-build/discvault}
DV=$(cd "$(dirname "$DV")" && pwd)/$(basename "$DV")
W=$(mktemp -d "${TMPDIR:-/tmp}/discvault-demo.XXXXXX")
trap 'rm -rf "$W"' EXIT

echo "== sample data in $W/photos"
mkdir -p "$W/photos/2004" "$W/photos/2024"
head -c 8000000 /dev/urandom >"$W/photos/2004/holiday.raw"
head -c 4000000 /dev/urandom >"$W/photos/2024/birthday.raw"
echo "20 years of photos" >"$W/photos/README.txt"
xorriso -as mkisofs -quiet -R -J -V PHOTOS_2024 -o "$W/photos.iso" "$W/photos" 2>/dev/null

echo "== a simulated BD drive with a blank BD-R 25"
"$DV" sim new "$W/drive" --queue bd-r25,bd-r25
"$DV" drives --device "sim:$W/drive"

echo "== burn and verify by read-back"
"$DV" burn --device "sim:$W/drive" --iso-path "$W/photos.iso"

echo "== what is on the image"
"$DV" inspect "$W/photos.iso" || true

echo "== the same image on a disc that flips one byte on read-back"
"$DV" sim damage "$W/drive" --flip 100000
set +e
"$DV" burn --device "sim:$W/drive" --iso-path "$W/photos.iso"
rc=$?
set -e
if [ "$rc" -ne 2 ]; then
	echo "demo: expected exit status 2 (checksum mismatch), got $rc" >&2
	exit 1
fi
echo "== the damaged disc was caught (exit status 2): the demo ran end to end"

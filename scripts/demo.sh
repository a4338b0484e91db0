#!/bin/sh
# demo.sh - the main job, end to end on simulated drives (the embedded
# default, a simulated BD writer with an autoloader): archive a sample
# tree into a multi-disc set, burn and verify every disc, damage one disc,
# check it, restore from the discs in shuffled order, and show that
# everything came back bit for bit.
set -eu
DV=${1:-build/discvault}
DV=$(cd "$(dirname "$DV")" && pwd)/$(basename "$DV")
W=$(mktemp -d "${TMPDIR:-/tmp}/discvault-demo.XXXXXX")
trap 'rm -rf "$W"' EXIT
export DISCVAULT_POLL_MS=200

step() { printf '\n=== %s\n' "$*"; }

step "sample data: 20 years of family photos in $W/photos"
mkdir -p "$W/photos/2004" "$W/photos/2024"
head -c 12000000 /dev/urandom >"$W/photos/2004/holiday.raw"
head -c 9000000 /dev/urandom >"$W/photos/2024/birthday.raw"
seq 1 100000 >"$W/photos/index.txt"
echo "20 years of photos" >"$W/photos/README.txt"

step "create: a set of discs (small 10 MB 'discs' so the demo is quick)"
"$DV" create -s "$W/photos" -n family -o "$W/set" -b 10M -r 10 -y

step "a simulated BD writer with blank BD-R discs in its autoloader"
n=$(ls "$W/set"/*.iso | wc -l)
"$DV" sim new "$W/writer"
i=0
while [ "$i" -lt "$n" ]; do "$DV" sim insert "$W/writer" --media bd-r25 --queue; i=$((i + 1)); done
"$DV" sim eject "$W/writer"

step "burn: every disc, each verified by reading it back"
"$DV" burn -i "$W/set" --device "sim:$W/writer"

step "years later, disc 2 has unreadable sectors and a flipped byte"
"$DV" sim new "$W/reader"
for d in $(ls -d "$W/writer/out/"* | sort -r); do "$DV" sim insert "$W/reader" "$d/data" --queue; done
"$DV" sim eject "$W/reader"
# the queued disc that holds disc 2's image
damaged=
for q in "$W/reader/queue/"*; do
	cmp -s "$q/data" "$W/set/family-gen1.disc0002.iso" && damaged=$q
done
mid=$(( $(stat -c %s "$W/set/family-gen1.disc0002.iso") / 2048 / 2 ))
"$DV" sim damage "$W/reader" --disc "$damaged" --unreadable "$mid+4" --flip $(( (mid + 100) * 2048 + 7 ))

step "verify the damaged disc (read through a drive, as it would be)"
"$DV" sim new "$W/check"
"$DV" sim insert "$W/check" "$damaged/data"
cp "$damaged/damage" "$W/check/tray/damage"
set +e
"$DV" verify --device "sim:$W/check"
rc=$?
set -e
echo "verify exit status: $rc (0 ok, 1 repairable, 2 broken)"

step "extract: the discs go in last-first; the damaged one is repaired"
"$DV" extract -o "$W/restored" --device "sim:$W/reader"

step "compare"
if diff -r "$W/photos" "$W/restored"; then
	echo "everything came back, bit for bit: the demo ran end to end"
else
	echo "demo: the restored tree differs" >&2
	exit 1
fi

#!/bin/bash
# Discs made by the original bd-archive: dar slices, sha512 sidecars, par2
# files and genisoimage -iso-level 3 -udf (real names only in UDF), in the
# -gen<N> layout and in the older root layout without -gen. extract and
# verify read them (through libudfread), and repair a damaged one.
. "$(dirname "$0")/lib.sh"

for t in dar par2 genisoimage python3; do command -v $t >/dev/null || skip_all "$t not installed"; done
export DISCVAULT_POLL_MS=50 DISCVAULT_SYSFS=$T/sys
unset DISCVAULT_DEVICE

mkdir -p "$T/src/a b" "$T/w"
head -c 2500000 /dev/urandom >"$T/src/a b/photo one.raw"
seq 1 50000 >"$T/src/list.txt"
snapshot() { (cd "$1" && find . -type f -exec sha256sum {} + | sort -k2); }

# the seed's pipeline: one slice per disc
(cd "$T/w" && dar -c My_archive-gen1 -R "$T/src" -s 1M --hash sha512 --min-digits 4 -Q >/dev/null 2>&1 &&
 dar -C My_archive-gen1-catalog -A My_archive-gen1 --hash sha512 --min-digits 4 -Q >/dev/null 2>&1)
n=$(ls "$T/w"/My_archive-gen1.*.dar | wc -l)
for i in $(seq "$n"); do
	s=My_archive-gen1.$(printf %04d "$i").dar
	(cd "$T/w" && par2 create -q -q -r10 -n1 "$s.par2" "$s" >/dev/null)
	grafts=("/My_archive-gen1/$s=$T/w/$s" "/My_archive-gen1/$s.sha512=$T/w/$s.sha512")
	for p in "$T/w/$s"*.par2; do grafts+=("/My_archive-gen1/${p##*/}=$p"); done
	if [ "$i" = 1 ]; then
		grafts+=("/My_archive-gen1/My_archive-gen1-catalog.0001.dar=$T/w/My_archive-gen1-catalog.0001.dar"
			 "/My_archive-gen1/My_archive-gen1-catalog.0001.dar.sha512=$T/w/My_archive-gen1-catalog.0001.dar.sha512")
	fi
	genisoimage -quiet -iso-level 3 -udf -V "My_archive_G01_$(printf %04d "$i")" -input-charset utf-8 \
		-graft-points -o "$T/disc$i.iso" "${grafts[@]}" 2>/dev/null
done
[ "$n" -ge 3 ]; ok $? "fixture: $n bd-archive discs"
ok_run "verify reads a bd-archive disc through UDF" $DV verify "$T/disc1.iso"
like "$(cat "$T/out")" "ok +/My_archive-gen1/My_archive-gen1.0001.dar" "verify: real names from UDF"

from=()
for i in $(seq "$n" | shuf); do from+=(--from "$T/disc$i.iso"); done
ok_run "extract: bd-archive discs in any order" $DV extract -o "$T/r1" "${from[@]}"
is "$(snapshot "$T/r1")" "$(snapshot "$T/src")" "extract: tree identical"

# on a simulated autoloader, one disc damaged (PAR2 repairs it)
$DV sim new "$T/al" >/dev/null
for i in $(seq "$n" | shuf); do $DV sim insert "$T/al" "$T/disc$i.iso" --queue; done
$DV sim eject "$T/al"
lba=$(python3 -c '
import sys
img = open(sys.argv[1], "rb").read(); s = open(sys.argv[2], "rb").read()
print(img.find(s[8192:12288]) // 2048)' "$T/disc2.iso" "$T/w/My_archive-gen1.0002.dar")
for q in "$T/al/tray" "$T/al/queue/"*; do cmp -s "$q/data" "$T/disc2.iso" && $DV sim damage "$T/al" --disc "$q" --unreadable "$lba+2"; done
ok_run "extract: autoloader, damaged disc repaired" $DV extract -o "$T/r2" -D "sim:$T/al" --stop-when-empty
like "$(cat "$T/err")" "repaired" "damaged bd-archive slice repaired"
is "$(snapshot "$T/r2")" "$(snapshot "$T/src")" "autoloader: tree identical"

# the older layout: files at the root, no -gen in the names
rm -rf "$T/w2"; mkdir -p "$T/w2"
(cd "$T/w2" && dar -c Old -R "$T/src" -s 2M --hash sha512 --min-digits 4 -Q >/dev/null 2>&1)
m=$(ls "$T/w2"/Old.*.dar | wc -l)
for i in $(seq "$m"); do
	s=Old.$(printf %04d "$i").dar
	genisoimage -quiet -iso-level 3 -udf -V "OLD_$i" -graft-points -o "$T/old$i.iso" \
		"/$s=$T/w2/$s" "/$s.sha512=$T/w2/$s.sha512" 2>/dev/null
done
from=()
for i in $(seq "$m" | shuf); do from+=(--from "$T/old$i.iso"); done
ok_run "extract: older root layout without -gen" $DV extract -o "$T/r3" "${from[@]}"
is "$(snapshot "$T/r3")" "$(snapshot "$T/src")" "older layout: tree identical"
done_testing

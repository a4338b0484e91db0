#!/bin/bash
# The whole cycle on simulated drives: create an archive set, burn every
# disc on an autoloader, extract with the discs in shuffled order; damage
# within the PAR2 margin (repaired, exit 0), beyond it (only the affected
# files listed, the rest exact, exit 1), a missing disc, a disc of another
# chain, a disc read twice, three generations, images read with --from.
. "$(dirname "$0")/lib.sh"

for t in dar par2 python3; do command -v $t >/dev/null || skip_all "$t not installed"; done
export DISCVAULT_POLL_MS=50 DISCVAULT_SYSFS=$T/sys
unset DISCVAULT_DEVICE

mkdir -p "$T/src/photos/2004" "$T/src/docs"
head -c 9000000 /dev/urandom >"$T/src/photos/2004/a.raw"
head -c 7000000 /dev/urandom >"$T/src/photos/b.raw"
seq 1 200000 >"$T/src/docs/list.txt"
echo "family" >"$T/src/docs/readme.txt"
chmod 640 "$T/src/docs/readme.txt"
touch -d '2004-05-06 07:08:09' "$T/src/photos/2004/a.raw"

# tree listing with content hash, mode and mtime
snapshot() { (cd "$1" && find . -type f -printf '%p %m %T@\n' | sed 's/\.[0-9]*$//' | sort &&
	      find . -type f -exec sha256sum {} + | sort -k2); }

ok_run "create: gen 1" $DV create -s "$T/src" -n fam -o "$T/g1" -b 8M -y
ndisc=$(ls "$T/g1"/*.iso | wc -l)
[ "$ndisc" -ge 3 ]; ok $? "create: $ndisc discs"

$DV sim new "$T/bd" >/dev/null
for i in $(seq "$ndisc"); do $DV sim insert "$T/bd" --media bd-r25 --queue; done
$DV sim eject "$T/bd"
ok_run "burn: every disc of the set" $DV burn -i "$T/g1" -D "sim:$T/bd"

# the burned discs, in shuffled order, into a second drive's autoloader
load_shuffled() { # DRIVE DISC-DIR...
	local drv=$1; shift
	$DV sim new "$drv" >/dev/null
	for d in $(printf '%s\n' "$@" | shuf); do
		$DV sim insert "$drv" "$d/data" --queue
	done
	$DV sim eject "$drv"
}
discs=$(ls -d "$T/bd/out/"*)
load_shuffled "$T/x1" $discs
ok_run "extract: shuffled discs" $DV extract -o "$T/r1" -D "sim:$T/x1"
is "$(snapshot "$T/r1")" "$(snapshot "$T/src")" "extract: tree identical (content, modes, times)"
[ ! -e "$T/r1/.discvault-work" ]; ok $? "extract: staging removed after a clean restore"

# where slice S of gen 1 lies on its image, in sectors
slice_lba() { python3 -c '
import sys
img = open(sys.argv[1], "rb").read(); s = open(sys.argv[2], "rb").read()
off = img.find(s[4096:8192]) - 4096
print(off // 2048 if off >= 0 and off % 2048 == 0 else -1)' "$1" "$2"; }
xorriso -osirrox on -indev "$T/g1/fam-gen1.disc0002.iso" -extract /fam-gen1 "$T/d2" >/dev/null 2>&1
chmod -R u+w "$T/d2"
s2=$(ls "$T/d2"/fam-gen1.0*.dar | head -n 1)
lba=$(slice_lba "$T/g1/fam-gen1.disc0002.iso" "$s2")
[ "$lba" -gt 0 ]; ok $? "fixture: a slice of disc 2 at sector $lba"

# damage within the margin: repaired, exact
load_shuffled "$T/x2" $discs
d2=$(for q in "$T/x2/queue/"* "$T/x2/tray"; do
	[ "$(head -c 10000000 "$q/data" | cmp -s - <(head -c 10000000 "$T/g1/fam-gen1.disc0002.iso") && echo y)" = y ] && echo "$q"; done | head -n 1)
$DV sim damage "$T/x2" --disc "$d2" --unreadable $((lba + 40))+2 --flip $(( (lba + 200) * 2048 + 5 ))
ok_run "damage within the margin: exit 0" $DV extract -o "$T/r2" -D "sim:$T/x2"
like "$(cat "$T/err")" "repaired" "damage within the margin: repaired"
is "$(snapshot "$T/r2")" "$(snapshot "$T/src")" "damage within the margin: tree identical"

# damage beyond the margin on one disc
load_shuffled "$T/x3" $discs
d3=$(for q in "$T/x3/queue/"* "$T/x3/tray"; do
	[ "$(head -c 10000000 "$q/data" | cmp -s - <(head -c 10000000 "$T/g1/fam-gen1.disc0002.iso") && echo y)" = y ] && echo "$q"; done | head -n 1)
$DV sim damage "$T/x3" --disc "$d3" --unreadable $((lba + 40))+600
ok_rc 1 "damage beyond the margin: exit 1" $DV extract -o "$T/r3" -D "sim:$T/x3"
[ -s "$T/r3/corrupted-files.txt" ]; ok $? "beyond the margin: corrupted-files.txt written"
like "$(cat "$T/r3/corrupted-files.txt")" "fam-gen1.0" "beyond the margin: the slice is listed"
# every file not listed is exact
bad_listed=0 good_exact=0
for f in $(cd "$T/src" && find . -type f | sed 's|^\./||'); do
	if grep -qF "$f" "$T/r3/corrupted-files.txt"; then bad_listed=$((bad_listed + 1));
	elif cmp -s "$T/src/$f" "$T/r3/$f"; then good_exact=$((good_exact + 1)); fi
done
[ "$bad_listed" -ge 1 ]; ok $? "beyond the margin: $bad_listed file(s) listed as not restored"
is "$((bad_listed + good_exact))" "$(cd "$T/src" && find . -type f | wc -l)" "beyond the margin: every other file exact"

# a missing disc: says which, restores the rest
$DV sim new "$T/x4" >/dev/null
for d in $discs; do
	cmp -s <(head -c 1000000 "$d/data") <(head -c 1000000 "$T/g1/fam-gen1.disc0002.iso") && continue
	$DV sim insert "$T/x4" "$d/data" --queue
done
$DV sim eject "$T/x4"
ok_rc 1 "missing disc: not clean" $DV extract -o "$T/r4" -D "sim:$T/x4" --stop-when-empty
like "$(cat "$T/err")" "disc 2 of $ndisc of generation 1 \(fam_G01_0002\)" "missing disc: named with its label"

# a disc of another chain and a disc read twice
mkdir -p "$T/other"
echo x >"$T/other/x"
$DV create -s "$T/other" -n other -o "$T/og" -b 8M -y >/dev/null 2>&1
$DV sim new "$T/x5" >/dev/null
$DV sim insert "$T/x5" "$T/g1/fam-gen1.disc0001.iso" --queue
$DV sim insert "$T/x5" "$T/og/other-gen1.disc0001.iso" --queue
$DV sim insert "$T/x5" "$T/g1/fam-gen1.disc0001.iso" --queue
for i in $(seq 2 "$ndisc"); do $DV sim insert "$T/x5" "$T/g1/fam-gen1.disc000$i.iso" --queue; done
$DV sim eject "$T/x5"
ok_run "foreign and repeated discs" $DV extract -o "$T/r5" -D "sim:$T/x5"
like "$(cat "$T/err")" "belongs to archive 'other', not 'fam'" "foreign disc refused"
like "$(cat "$T/err")" "disc 1 of generation 1 was already read" "repeated disc recognised"
is "$(snapshot "$T/r5")" "$(snapshot "$T/src")" "foreign and repeated: tree identical"

# partial restore: only the discs holding the path (and the last) are read
$DV sim new "$T/x7" >/dev/null
for i in $(seq "$ndisc" -1 1); do $DV sim insert "$T/x7" "$T/g1/fam-gen1.disc$(printf %04d "$i").iso" --queue; done
$DV sim eject "$T/x7"
ok_run "partial restore" $DV extract -o "$T/r7" -D "sim:$T/x7" docs/readme.txt
cmp -s "$T/src/docs/readme.txt" "$T/r7/docs/readme.txt"; ok $? "partial restore: the file is exact"
[ ! -e "$T/r7/photos" ]; ok $? "partial restore: nothing else restored"
nread=$(grep -c "Read fam generation 1" "$T/err")
[ "$nread" -lt "$ndisc" ]; ok $? "partial restore: read $nread of $ndisc discs"
like "$(cat "$T/err")" "The asked paths are on disc" "partial restore: says where the path is"

# a damaged catalog on the first disc read is taken from another disc
catlba=$(python3 -c '
import sys
img = open(sys.argv[1], "rb").read(); s = open(sys.argv[2], "rb").read()
off = img.find(s)
print(off // 2048 if off >= 0 and off % 2048 == 0 else -1)' "$T/g1/fam-gen1.disc0001.iso" "$T/g1/fam-gen1-catalog.0001.dar")
[ "$catlba" -gt 0 ]; ok $? "fixture: catalog of disc 1 at sector $catlba"
$DV sim new "$T/x8" >/dev/null
for i in $(seq "$ndisc"); do $DV sim insert "$T/x8" "$T/g1/fam-gen1.disc$(printf %04d "$i").iso" --queue; done
$DV sim eject "$T/x8"
$DV sim damage "$T/x8" --unreadable "$catlba+1"
ok_run "damaged catalog: restore still clean" $DV extract -o "$T/r8" -w "$T/w8" -D "sim:$T/x8"
like "$(cat "$T/err")" "fam-gen1-catalog.0001.dar is damaged" "damaged catalog: noticed"
is "$(sha512sum <"$T/w8/gen1/fam-gen1-catalog.0001.dar" | cut -d' ' -f1)" \
   "$(sha512sum <"$T/g1/fam-gen1-catalog.0001.dar" | cut -d' ' -f1)" "damaged catalog: an intact copy staged from another disc"
is "$(snapshot "$T/r8")" "$(snapshot "$T/src")" "damaged catalog: tree identical"

# three generations: add, change, delete
cp -a "$T/src" "$T/live"
echo "new in gen 2" >"$T/live/docs/new.txt"
seq 1 1000 >"$T/live/docs/list.txt"
rm "$T/live/photos/b.raw"
ok_run "create: gen 2" $DV create -s "$T/live" -n fam -o "$T/g2" -b 8M -y --base "$T/g1/fam-gen1-catalog.0001.dar"
echo "gen 3" >"$T/live/gen3.txt"
rm "$T/live/docs/readme.txt"
ok_run "create: gen 3" $DV create -s "$T/live" -n fam -o "$T/g3" -b 8M -y --base "$T/g2/fam-gen2-catalog.0001.dar"
$DV sim new "$T/x6" >/dev/null
# generation 3 last: nothing announces it while the others are read
for i in $(ls "$T"/g1/*.iso "$T"/g2/*.iso | shuf) $(ls "$T"/g3/*.iso); do $DV sim insert "$T/x6" "$i" --queue; done
$DV sim eject "$T/x6"
ok_run "extract: three generations on the autoloader in any order" $DV extract -o "$T/r6" -D "sim:$T/x6"
is "$(snapshot "$T/r6")" "$(snapshot "$T/live")" "three generations: the latest tree, deletions honoured"
from=()
for i in $(ls "$T"/g1/*.iso "$T"/g2/*.iso "$T"/g3/*.iso | shuf); do from+=(--from "$i"); done
ok_run "extract: three generations from image files" $DV extract -o "$T/r9" "${from[@]}"
is "$(snapshot "$T/r9")" "$(snapshot "$T/live")" "three generations from files: the latest tree"
done_testing

#!/bin/bash
# discvault verify: archive slices on an image, a simulated disc and a
# directory; damage within the PAR2 margin (exit 1), beyond it (exit 2),
# a wrong sidecar, nothing to verify, --json.
. "$(dirname "$0")/lib.sh"

for t in dar par2 xorriso python3; do
	command -v $t >/dev/null || skip_all "$t not installed"
done
export DISCVAULT_SYSFS=$T/sys
unset DISCVAULT_DEVICE

# an archive disc laid out as ARCHITECTURE.md describes, made with dar and par2
mkdir -p "$T/src/sub" "$T/disc/fam-gen1"
head -c 2500000 /dev/urandom >"$T/src/photo.raw"
seq 1 20000 >"$T/src/sub/list.txt"
(cd "$T/disc/fam-gen1" && dar -c fam-gen1 -R "$T/src" -s 1M --hash sha512 --min-digits 4 -Q >/dev/null 2>&1)
(cd "$T/disc/fam-gen1" && for s in fam-gen1.*.dar; do par2 create -q -q -r10 -n1 "$s.par2" "$s" >/dev/null; done)
printf '{"name":"fam","generation":1,"disc":1,"discs":1}\n' >"$T/disc/fam-gen1/fam-gen1.disc0001.json"
nslices=$(ls "$T/disc/fam-gen1/"*.dar | wc -l)
[ "$nslices" -ge 3 ]; ok $? "fixture: dar made $nslices slices with sidecars"
xorriso -as mkisofs -quiet -R -J -V FAM_G01_0001 -o "$T/disc.iso" "$T/disc" 2>/dev/null

ok_run "image: intact" $DV verify "$T/disc.iso"
like "$(cat "$T/out")" "Result: OK" "image: result OK"
like "$(cat "$T/out")" "fam, generation 1, disc 1 of 1" "image: disc identity"
like "$(cat "$T/out")" "ok +/fam-gen1/fam-gen1.0001.dar .*0 of [0-9]+ blocks missing, [0-9]+ recovery blocks, margin [1-9]" "image: margin of an intact slice"
ok_run "directory: intact" $DV verify "$T/disc"
ok_run "json" $DV verify --json "$T/disc.iso"
like "$(cat "$T/out")" '"status": "ok"' "json: status"
like "$(cat "$T/out")" '"margin": [1-9]' "json: margin"

# where slice 0002 lies in the image, in sectors
lba=$(python3 -c '
import sys
img = open(sys.argv[1], "rb").read()
s = open(sys.argv[2], "rb").read()
off = img.find(s[:4096])
print(off // 2048 if off >= 0 and off % 2048 == 0 else -1)' "$T/disc.iso" "$T/disc/fam-gen1/fam-gen1.0002.dar")
[ "$lba" -gt 0 ]; ok $? "fixture: slice 2 found at sector $lba"

$DV sim new "$T/drv" >/dev/null
$DV sim insert "$T/drv" "$T/disc.iso"
ok_run "sim disc: intact" $DV verify --device "sim:$T/drv"

# a few unreadable sectors inside slice 2: repairable
$DV sim damage "$T/drv" --unreadable $((lba + 100))+3
ok_rc 1 "sim disc: unreadable sectors within the margin" $DV verify "sim:$T/drv"
like "$(cat "$T/out")" "repairable +/fam-gen1/fam-gen1.0002.dar" "names the damaged slice"
like "$(cat "$T/out")" "ok +/fam-gen1/fam-gen1.0001.dar" "other slices ok"
like "$(cat "$T/out")" "Result: REPAIRABLE" "result repairable"

# a silently flipped byte: SHA-512 catches it, PAR2 can repair
$DV sim damage "$T/drv" --clear --flip $(( (lba + 10) * 2048 + 77 ))
ok_rc 1 "sim disc: flipped byte" $DV verify "sim:$T/drv"
like "$(cat "$T/out")" "repairable +/fam-gen1/fam-gen1.0002.dar.*1 of [0-9]+ blocks missing" "one block missing"

# far more damage than the recovery data covers: broken
$DV sim damage "$T/drv" --clear --unreadable $((lba + 20))+300
ok_rc 2 "sim disc: damage beyond the margin" $DV verify "sim:$T/drv"
like "$(cat "$T/out")" "broken +/fam-gen1/fam-gen1.0002.dar.*margin -" "negative margin"
like "$(cat "$T/out")" "Result: BROKEN" "result broken"

# a wrong sidecar with intact data: PAR2 tells
cp -r "$T/disc" "$T/disc2"
sed -i 's/^./0/' "$T/disc2/fam-gen1/fam-gen1.0001.dar.sha512"
sed -i 's/^./1/' "$T/disc2/fam-gen1/fam-gen1.0001.dar.sha512"
ok_rc 1 "directory: wrong sidecar" $DV verify "$T/disc2"
like "$(cat "$T/out")" "sidecar differs" "says the sidecar differs"

# nothing to verify is an error
mkdir -p "$T/empty"
echo hi >"$T/empty/readme.txt"
ok_rc 2 "nothing to verify" $DV verify "$T/empty"
like "$(cat "$T/err")" "nothing to verify" "says nothing to verify"
ok_rc 2 "missing target" $DV verify "$T/nope.iso"
ok_rc 2 "no drive" $DV verify
like "$(cat "$T/err")" "No drive detected" "says no drive"
done_testing

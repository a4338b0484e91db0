#!/bin/bash
# discvault inspect on devices: a simulated drive (sim:DIR) with a clean
# disc, a disc whose last sectors cannot be read (TAO run-out), a disc
# with an unreadable volume descriptor, and an empty drive; and, when run
# as root where loop devices work, a read-only loop block device.
. "$(dirname "$0")/lib.sh"

command -v genisoimage >/dev/null || skip_all "genisoimage not installed"

mkdir -p "$T/src/sub"
echo hello >"$T/src/a.txt"
echo c >"$T/src/sub/c.txt"
genisoimage -quiet -R -J -udf -V SIMVOL -o "$T/disc.iso" "$T/src" 2>/dev/null
sectors=$(( $(stat -c %s "$T/disc.iso") / 2048 ))

S=$T/drive
ok_run "sim: new drive" $DV sim new "$S"
ok_rc 1 "sim: empty drive" $DV inspect "sim:$S"
like "$(cat "$T/err")" "no readable disc" "sim: empty drive named as such"

ok_run "sim: insert the image" $DV sim insert "$S" "$T/disc.iso"
ok_run "sim: inspect the disc" $DV inspect "sim:$S"
like "$(cat "$T/out")" "volume: +SIMVOL" "sim: volume label"
like "$(cat "$T/out")" "udf anchors: +256 yes, N-256 no, N-1 yes" "sim: UDF anchors"
ok_run "sim: list the disc" $DV inspect --list "sim:$S"
like "$(cat "$T/out")" " /sub/c.txt$" "sim: file listing"

ok_run "sim: last two sectors unreadable" $DV sim damage "$S" --unreadable $((sectors - 2))+2
ok_run "sim: inspect still succeeds" $DV inspect --xml "sim:$S"
like "$(cat "$T/out")" "<sizeAsExpected>True</sizeAsExpected>" "sim: size as expected despite the tail"
ok_run "sim: summary" $DV inspect "sim:$S"
like "$(cat "$T/out")" "N-1 no" "sim: end anchor unreadable, reported missing"

ok_run "sim: clear damage" $DV sim damage "$S" --clear
ok_run "sim: PVD unreadable" $DV sim damage "$S" --unreadable 16
ok_rc 1 "sim: read error: exit 1" $DV inspect --xml "sim:$S"
like "$(cat "$T/out")" "<success>False</success>" "sim: report says the analysis failed"
like "$(cat "$T/err")" "." "sim: error message on stderr"

# --- a block device (root only; skipped where loop devices are unavailable) ---
if [ "$(id -u)" = 0 ] && command -v losetup >/dev/null &&
	LOOP=$(losetup -f --show -r "$T/disc.iso" 2>/dev/null); then
	trap 'losetup -d "$LOOP" 2>/dev/null; rm -rf "$T"' EXIT
	ok_run "block device: size as expected" $DV inspect --xml "$LOOP"
	like "$(cat "$T/out")" "<sizeActual>$(stat -c %s "$T/disc.iso")</sizeActual>" \
		"block device: size from the kernel"
	ok_run "block device: list" $DV inspect --list "$LOOP"
	like "$(cat "$T/out")" " /sub/c.txt$" "block device: file listing"
	losetup -d "$LOOP"
else
	diag "no loop device here: block device checks skipped"
fi

done_testing

#!/bin/sh
# discvault rip on damaged simulated discs: unreadable ranges give an
# incomplete image, a mapfile and exit 2; a resumed run after the damage is
# cleared completes it; flipped bytes are caught by the libisofs MD5 tags;
# Ctrl-C keeps the partial image and mapfile and a rerun resumes.
. "$(dirname "$0")/lib.sh"

command -v xorriso >/dev/null || skip_all "xorriso not installed"
"$DV" rip --help >/dev/null 2>&1 || skip_all "this discvault has no rip command"

mkdir -p "$T/src"
head -c 1500000 /dev/urandom >"$T/src/data.bin"
echo small >"$T/src/small.txt"
sim_disc DAMAGED
rip() { timeout 60 "$DV" rip -D "sim:$T/sim" --dir "$T/o" --operator QA --no-eject "$@"; }

# sectors 200-203 and 500 are inside data.bin
ok_run "damage the disc" "$DV" sim damage "$T/sim" --unreadable 200+4 --unreadable 500
ok_rc 2 "unreadable sectors: incomplete image" rip --filename d
D="$T/o/d"
like "$(cat "$T/out")" "5 sectors|10240 bytes unreadable" "summary counts the damage"
[ -s "$D/d.iso" ] && [ -s "$D/d.iso.mapfile" ] && [ -s "$D/d_manifest.json" ]
ok $? "image, mapfile and manifest written"
map=$(grep -v '^#' "$D/d.iso.mapfile")
like "$map" "^0x00064000  0x00002000  -" "mapfile: sectors 200-203 bad"
like "$map" "0x000FA000  0x00000800  -" "mapfile: sector 500 bad"
is "$(dd if="$D/d.iso" bs=2048 skip=200 count=4 2>/dev/null | tr -d '\0' | wc -c)" 0 "unreadable sectors zero-filled"
is "$(dd if="$D/d.iso" bs=2048 count=200 2>/dev/null | md5sum)" "$(dd if="$T/disc.iso" bs=2048 count=200 2>/dev/null | md5sum)" "good sectors before the damage copied"
like "$(cat "$D/d.iso.log.txt")" "sectors 200-203 \(4 sectors" "log lists the bad range"
check=$(python3 - "$D/d_manifest.json" <<'PY'
import json, sys
m = json.load(open(sys.argv[1]))
r = m['read_errors']
print('complete=%s sectors=%d ranges=%d' % (r['image_complete'], r['unreadable_sectors'], r['unreadable_ranges']))
print('first=%d+%d' % (r['ranges'][0]['start_sector'], r['ranges'][0]['sectors']))
print('status=%s' % m['backup_status']['overall_status'])
print('damaged=%s' % [f['path'] for f in m['file_listing'] if f['damaged']])
print('capture=%s' % [e['event_outcome_information']['outcome'] for e in m['preservation_events'] if e['event_type'] == 'capture'])
PY
)
like "$check" "complete=False sectors=5 ranges=2" "manifest: 5 bad sectors in 2 ranges"
like "$check" "first=200\+4" "manifest: first bad range"
like "$check" "status=incomplete" "manifest: incomplete"
like "$check" "damaged=\['/data.bin'\]" "the damaged file is flagged"
like "$check" "capture=\['failure'\]" "capture event failed"

ok_run "repair the disc" "$DV" sim damage "$T/sim" --clear
ok_rc 0 "resumed run completes the image" rip --filename d
like "$(cat "$T/err")" "Resuming from" "it resumed from the mapfile"
ok_run "image identical to the original" cmp "$D/d.iso" "$T/disc.iso"
like "$(grep -v '^#' "$D/d.iso.mapfile")" "^0x00000000  0x[0-9A-F]+  \+$" "mapfile all finished"
like "$(python3 -c "import json,sys; m=json.load(open(sys.argv[1])); print(m['backup_status']['overall_status'], m['backup_status']['resumed'], m['integrity_verification']['integrity_status'])" "$D/d_manifest.json")" "success True verified" "manifest: success after resume"
[ ! -e "$D/d.iso.part" ]; ok $? "no partial image left"

# a resume with another disc of the same size in the drive is refused
ok_run "damage again" "$DV" sim damage "$T/sim" --unreadable 600
ok_rc 2 "incomplete again" rip --filename other
mkdir -p "$T/src2"
head -c 1500000 /dev/urandom >"$T/src2/data.bin"
echo small >"$T/src2/small.txt"
xorriso -as mkisofs --md5 -r -V DAMAGED -o "$T/disc2.iso" "$T/src2" >/dev/null 2>&1
"$DV" sim new "$T/sim2" >/dev/null && "$DV" sim insert "$T/sim2" "$T/disc2.iso" >/dev/null
ok_rc 1 "resume from another disc refused" timeout 60 "$DV" rip -D "sim:$T/sim2" --dir "$T/o" --operator QA --no-eject --filename other
like "$(cat "$T/err")" "part of another disc \(sector [0-9]+ differs\)" "says it is another disc"
"$DV" sim damage "$T/sim" --clear >/dev/null

# unreadable sectors only after the end of the file system (a TAO run-out)
cat "$T/disc.iso" >"$T/padded.iso"
head -c 8192 /dev/zero >>"$T/padded.iso"
"$DV" sim new "$T/simp" >/dev/null && "$DV" sim insert "$T/simp" "$T/padded.iso" >/dev/null
last=$(( $(stat -c %s "$T/padded.iso") / 2048 - 2 ))
"$DV" sim damage "$T/simp" --unreadable "$last+2" >/dev/null
ok_rc 0 "errors only after the file system: exit 0" timeout 60 "$DV" rip -D "sim:$T/simp" --dir "$T/o" --operator QA --no-eject --filename tail
like "$(cat "$T/err")" "file system is complete" "warns about the unreadable tail"
like "$(python3 -c "import json,sys; r=json.load(open(sys.argv[1]))['read_errors']; print(r['image_complete'], r['filesystem_complete'], r['unreadable_sectors'])" "$T/o/tail/tail_manifest.json")" "False True 2" "manifest: tail unreadable, file system complete"
is "$(head -c $(stat -c %s "$T/disc.iso") "$T/o/tail/tail.iso" | md5sum)" "$(md5sum <"$T/disc.iso")" "the file system part is intact"

# a flipped byte in the file data: only the MD5 tags can see it
ok_run "flip a byte on read" "$DV" sim damage "$T/sim" --flip 300001
ok_rc 2 "MD5 tag mismatch" rip --filename f
like "$(cat "$T/err")" "MD5 tag MISMATCH" "the tag check failed"
like "$(python3 -c "import json,sys; m=json.load(open(sys.argv[1])); print(m['backup_status']['overall_status'], m['integrity_verification']['integrity_status'], [t['match'] for t in m['integrity_verification']['libisofs_md5_tags']])" "$T/o/f/f_manifest.json")" "checksum_mismatch failed .*False" "manifest records the mismatch"
"$DV" sim damage "$T/sim" --clear >/dev/null

# Ctrl-C: partial image and mapfile kept, no complete-looking set; rerun resumes
"$DV" sim speed "$T/sim" 500 >/dev/null
"$DV" rip -D "sim:$T/sim" --dir "$T/o" --operator QA --no-eject --filename i --read-size 64K </dev/null >"$T/out" 2>"$T/err" &
pid=$!
for i in $(seq 1 100); do	# until the read has started
	[ -e "$T/o/i/i.iso.part" ] && break
	sleep 0.1
done
sleep 0.3
kill -INT $pid
wait $pid
is "$?" 130 "interrupted: exit 130"
[ -e "$T/o/i/i.iso.part" ] && [ -e "$T/o/i/i.iso.mapfile" ]; ok $? "partial image and mapfile kept"
[ ! -e "$T/o/i/i.iso" ] && [ ! -e "$T/o/i/i_manifest.json" ]; ok $? "no image or manifest after an interruption"
"$DV" sim speed "$T/sim" 0 >/dev/null
ok_rc 0 "rerun after the interruption" rip --filename i
like "$(cat "$T/err")" "Resuming from" "it resumed"
ok_run "resumed image identical" cmp "$T/o/i/i.iso" "$T/disc.iso"

done_testing

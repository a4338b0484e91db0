#!/bin/bash
# discvault burn -i OUT: an archive set burned disc by disc on a simulated
# autoloader, verified against the SHA-256 recorded in the set, resumed
# after an interruption, a failed verification, a used disc in the queue,
# media too small, a changed image, an incomplete set.
. "$(dirname "$0")/lib.sh"

command -v genisoimage >/dev/null || skip_all "genisoimage not installed"
export DISCVAULT_POLL_MS=100 DISCVAULT_SYSFS=$T/sys
unset DISCVAULT_DEVICE

# a set as create writes it (docs/archive-set.md): two disc images + set file
mkdir -p "$T/set" "$T/d1" "$T/d2"
head -c 1500000 /dev/urandom >"$T/d1/a"
head -c 900000 /dev/urandom >"$T/d2/b"
genisoimage -quiet -R -V FAM_G01_0001 -o "$T/set/fam-gen1.disc0001.iso" "$T/d1" 2>/dev/null
genisoimage -quiet -R -V FAM_G01_0002 -o "$T/set/fam-gen1.disc0002.iso" "$T/d2" 2>/dev/null
sha() { sha256sum "$1" | cut -d' ' -f1; }
size() { stat -c %s "$1"; }
S1=$(sha "$T/set/fam-gen1.disc0001.iso"); S2=$(sha "$T/set/fam-gen1.disc0002.iso")
Z1=$(size "$T/set/fam-gen1.disc0001.iso"); Z2=$(size "$T/set/fam-gen1.disc0002.iso")
cat >"$T/set/fam-gen1.set.json" <<EOS
{ "format": "discvault-archive-set", "version": 1, "name": "fam", "generation": 1,
  "complete": true, "discs": [
  { "disc": 1, "label": "FAM_G01_0001", "image": "fam-gen1.disc0001.iso", "size": $Z1, "sha256": "$S1" },
  { "disc": 2, "label": "FAM_G01_0002", "image": "fam-gen1.disc0002.iso", "size": $Z2, "sha256": "$S2" } ] }
EOS
# sha256 of the first N bytes of ejected disc K of drive D
disc_sha() { head -c "$3" "$1/out/$(printf %04d "$2")/data" | sha256sum | cut -d' ' -f1; }
state() { sed -n "/\"disc\": $2,/,/}/p" "$1" | grep -c '"verified": true'; }

ok_run "dry run lists the discs" $DV burn -i "$T/set" --dry-run
like "$(cat "$T/out")" "disc 1 of 2 +FAM_G01_0001 +to burn" "dry run: disc 1"

# the whole set on an autoloader
$DV sim new "$T/al" --queue bd-r25,bd-r25 >/dev/null
ok_run "set: every disc burned and verified" $DV burn -i "$T/set" -D "sim:$T/al"
like "$(cat "$T/err")" "Disc 2 of 2 verified" "set: disc 2 verified"
like "$(cat "$T/err")" "SUCCESS: all 2 discs of fam generation 1 burned and verified" "set: success"
is "$(disc_sha "$T/al" 1 "$Z1")" "$S1" "set: disc 1 holds image 1"
is "$(disc_sha "$T/al" 2 "$Z2")" "$S2" "set: disc 2 holds image 2"
is "$(state "$T/set/fam-gen1.burn.json" 2)" 1 "set: progress recorded"
ok_run "set: a rerun has nothing left to do" $DV burn -i "$T/set" -D "sim:$T/al"
unlike "$(cat "$T/err")" "burning" "set: nothing burned again"
rm -f "$T/set/fam-gen1.burn.json"

# interrupted while waiting for disc 2, then resumed
$DV sim new "$T/r" --queue bd-r25 >/dev/null
: >"$T/err1"
$DV burn -i "$T/set" -D "sim:$T/r" >/dev/null 2>"$T/err1" </dev/null &
pid=$!
for _ in $(seq 200); do grep -q "Insert a blank disc for disc 2 of 2" "$T/err1" && break; sleep 0.1; done
kill -INT $pid
wait $pid
is "$?" 130 "resume: Ctrl-C while waiting exits 130"
like "$(cat "$T/err1")" "1 of 2 discs done. To continue: discvault burn -i $T/set" "resume: says how to continue"
$DV sim insert "$T/r" --media bd-r25
ok_run "resume: the rerun continues with disc 2" $DV burn -i "$T/set" -D "sim:$T/r"
unlike "$(cat "$T/err")" "Disc 1 of 2 \(" "resume: disc 1 not burned again"
is "$(disc_sha "$T/r" 2 "$Z2")" "$S2" "resume: disc 2 written"
rm -f "$T/set/fam-gen1.burn.json"

# a double Ctrl-C in the middle of writing a disc aborts it; the rerun
# ejects the spoiled disc and burns that disc again on a new blank
$DV sim new "$T/cc" --queue bd-r25,bd-r25 --speed 500 >/dev/null
: >"$T/errc"
$DV burn -i "$T/set" -D "sim:$T/cc" >/dev/null 2>"$T/errc" </dev/null &
pid=$!
for _ in $(seq 300); do grep -q "Disc 1 of 2 (" "$T/errc" && break; sleep 0.05; done
sleep 0.3
kill -INT $pid; sleep 0.2; kill -INT $pid
wait $pid
is "$?" 130 "interrupted burn: exit 130"
like "$(cat "$T/errc")" "To continue: discvault burn -i $T/set" "interrupted burn: says how to resume"
$DV sim speed "$T/cc" 0
$DV sim insert "$T/cc" --media bd-r25 --queue
ok_run "interrupted burn: the rerun finishes the set" $DV burn -i "$T/set" -D "sim:$T/cc"
like "$(cat "$T/err")" "not blank: ejecting it" "interrupted burn: the spoiled disc is set aside"
is "$(disc_sha "$T/cc" 2 "$Z1")" "$S1" "interrupted burn: disc 1 burned again on a new blank"
is "$(disc_sha "$T/cc" 3 "$Z2")" "$S2" "interrupted burn: then disc 2"
rm -f "$T/set/fam-gen1.burn.json"

# a used disc in the queue is ejected; a failed verification stops with exit 2
$DV sim new "$T/v" >/dev/null
$DV sim insert "$T/v" "$T/set/fam-gen1.disc0002.iso"
$DV sim insert "$T/v" --media bd-r25 --queue
$DV sim insert "$T/v" --media bd-r25 --queue
$DV sim damage "$T/v" --disc "$T/v/queue/0002" --flip 70000
ok_rc 2 "verify failure: exit 2" $DV burn -i "$T/set" -D "sim:$T/v"
like "$(cat "$T/err")" "not blank: ejecting it" "used disc: ejected"
like "$(cat "$T/err")" "Checksum mismatch: disc 2" "verify failure: names the disc"
like "$(cat "$T/err")" "1 of 2 discs done" "verify failure: resume hint"
$DV sim insert "$T/v" --media bd-r25
ok_run "verify failure: a new blank finishes the set" $DV burn -i "$T/set" -D "sim:$T/v"
is "$(disc_sha "$T/v" 4 "$Z2")" "$S2" "verify failure: disc 2 burned again"

# --start 2 redoes disc 2 only
$DV sim new "$T/s" --queue bd-r25 >/dev/null
ok_run "--start 2" $DV burn -i "$T/set" -D "sim:$T/s" --start 2
is "$(disc_sha "$T/s" 1 "$Z2")" "$S2" "--start 2: the first blank got disc 2"

# media smaller than the largest image
$DV sim new "$T/small" >/dev/null
$DV sim insert "$T/small" --media cd-r --capacity 1M
ok_rc 1 "small media refused" $DV burn -i "$T/set" -D "sim:$T/small" --start 1
like "$(cat "$T/err")" "less than the largest image of the set" "small media: says why"

# a changed image and an incomplete set
cp -r "$T/set" "$T/out2"
rm -f "$T/out2"/*.burn.json
printf 'X' | dd of="$T/out2/fam-gen1.disc0001.iso" bs=1 seek=40000 conv=notrunc 2>/dev/null
$DV sim new "$T/c" --queue bd-r25 >/dev/null
ok_rc 1 "changed image refused" $DV burn -i "$T/out2" -D "sim:$T/c"
like "$(cat "$T/err")" "changed since the set was made" "changed image: says so"
mkdir -p "$T/inc"
touch "$T/inc/fam-gen1.INCOMPLETE"
ok_rc 1 "incomplete set refused" $DV burn -i "$T/inc" -D "sim:$T/c"
like "$(cat "$T/err")" "incomplete" "incomplete: says so"
ok_rc 1 "no set" $DV burn -i "$T/d1" -D "sim:$T/c"
like "$(cat "$T/err")" "no archive set" "no set: says so"
done_testing

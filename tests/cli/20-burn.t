#!/bin/bash
# discvault burn: the twelve acceptance scenarios of burn_iso.py's
# specification on simulated drives (11 through the macOS backend with fake
# drutil/hdiutil, 12 through libburn's stdio pseudo-drive), bad inputs, a
# write that fails mid-disc, and Ctrl-C.
. "$(dirname "$0")/lib.sh"

command -v genisoimage >/dev/null || skip_all "genisoimage not installed"
export DISCVAULT_POLL_MS=100
export DISCVAULT_SYSFS=$T/sys      # no real drives, whatever the host has
mkdir -p "$T/sys/class/block"
unset DISCVAULT_DEVICE

mkdir -p "$T/src/dir"
head -c 3000000 /dev/urandom >"$T/src/footage.bin"
echo "case 42" >"$T/src/dir/notes.txt"
genisoimage -quiet -R -J -V BODYCAM -o "$T/footage.iso" "$T/src" 2>/dev/null
ISO=$T/footage.iso
ISO_SHA=$(sha256sum "$ISO" | cut -d' ' -f1)
ISO_SIZE=$(stat -c %s "$ISO")

disc_state() { $DV sim status "$1" --json | sed -n 's/.*"state": "\([a-z]*\)".*/\1/p'; }
# first ISO_SIZE bytes of the most recently ejected disc of drive $1
ejected_sha() { head -c "$ISO_SIZE" "$(ls -d "$1"/out/* | tail -n 1)/data" | sha256sum | cut -d' ' -f1; }

# 1: successful burn + verify
$DV sim new "$T/d1" --queue bd-r25 >/dev/null
ok_run "1: burn + verify succeeds" $DV burn --device "sim:$T/d1" --logfile "$T/burn1.log" "$ISO"
like "$(cat "$T/err")" "SUCCESS" "1: output says SUCCESS"
like "$(cat "$T/burn1.log")" "SUCCESS" "1: log file says SUCCESS"
like "$(cat "$T/burn1.log")" "^[0-9]{4}-[0-9]{2}-[0-9]{2} [0-9:]{8} UTC" "1: log lines are timestamped"
like "$(cat "$T/err")" "SHA-256 \(disc\): +$ISO_SHA" "1: SHA-256 read back equals the image's"
is "$(ejected_sha "$T/d1")" "$ISO_SHA" "1: the disc holds exactly the image"
is "$($DV sim status "$T/d1" --json | grep -c '"disc": null')" 1 "1: the disc was ejected"

# 2: no disc, then one is inserted while discvault waits
$DV sim new "$T/d2" >/dev/null
: >"$T/err2"
$DV burn --device "sim:$T/d2" "$ISO" >"$T/out2" 2>"$T/err2" </dev/null &
pid=$!
for _ in $(seq 100); do grep -q "No disc detected" "$T/err2" && break; sleep 0.1; done
like "$(cat "$T/err2")" "No disc detected in sim:$T/d2. Please insert a blank BD-R/RE" "2: friendly no-disc message"
kill -0 $pid 2>/dev/null; ok $? "2: still waiting for a disc"
$DV sim insert "$T/d2" --media bd-r25
wait $pid
ok $? "2: burn proceeds once a disc is inserted"
is "$(ejected_sha "$T/d2")" "$ISO_SHA" "2: disc written"

# 3: --skip-verify
$DV sim new "$T/d3" --queue bd-re25 >/dev/null
ok_run "3: --skip-verify burns" $DV burn --device "sim:$T/d3" --skip-verify --iso-path "$ISO"
like "$(cat "$T/err")" "Verification skipped" "3: says verification skipped"
unlike "$(cat "$T/err")" "SHA-256 \(disc\)" "3: no read-back hash"

# 4: missing image: fails before waiting for a disc (the drive is empty)
$DV sim new "$T/d4" >/dev/null
ok_rc 1 "4: missing image" timeout 20 $DV burn --device "sim:$T/d4" --iso-path "$T/nope.iso"
like "$(cat "$T/err")" "File not found" "4: says File not found"
unlike "$(cat "$T/err")" "No disc detected" "4: did not wait for a disc"

# 5: a used disc
$DV sim new "$T/d5" >/dev/null
$DV sim insert "$T/d5" --media bd-r25
printf 'old data' >"$T/old.bin"
cp "$ISO" "$T/other.iso"
$DV burn --device "sim:$T/d5" --no-eject "$T/other.iso" >/dev/null 2>&1
ok_rc 1 "5: used disc refused" $DV burn --device "sim:$T/d5" "$ISO"
like "$(cat "$T/err")" "medium not blank" "5: says medium not blank"
is "$(disc_state "$T/d5")" closed "5: disc left as it was"

# 6: no drive at all
ok_rc 1 "6: no drive" $DV burn "$ISO"
like "$(cat "$T/err")" "No drive detected" "6: says No drive detected"

# 7: read-back differs (a byte flips on the disc)
$DV sim new "$T/d7" --queue bd-r25 >/dev/null
$DV sim damage "$T/d7" --flip 40000
ok_rc 2 "7: verify mismatch" $DV burn --device "sim:$T/d7" "$ISO"
like "$(cat "$T/err")" "Checksum mismatch" "7: says Checksum mismatch"
unlike "$(cat "$T/err")" "SUCCESS" "7: no SUCCESS"

# 8: log file cannot be written: nothing is burned
$DV sim new "$T/d8" --queue bd-r25 >/dev/null
ok_rc 1 "8: unwritable log file" $DV burn --device "sim:$T/d8" --logfile "$T/no/such/dir/burn.log" "$ISO"
like "$(cat "$T/err")" "cannot write log file '$T/no/such/dir/burn.log'" "8: names the log file and cause"
is "$(disc_state "$T/d8")" blank "8: the disc was not touched"

# 9: --device overrides the default drive
$DV sim new "$T/d9a" --queue bd-r25 >/dev/null
$DV sim new "$T/d9b" --queue bd-r25 >/dev/null
DISCVAULT_DEVICE=sim:$T/d9a ok_run "9: --device override" $DV burn --device "sim:$T/d9b" "$ISO"
is "$(disc_state "$T/d9a")" blank "9: default drive untouched"
is "$(ejected_sha "$T/d9b")" "$ISO_SHA" "9: chosen drive written"

# 10: dry run: no drive is opened (this one does not even exist)
ok_run "10: dry run exits 0" $DV burn --dry-run --device "sim:$T/absent" --speed 4 --skip-verify "$ISO"
like "$(cat "$T/out")" "drive: +sim:$T/absent" "10: shows the chosen drive"
like "$(cat "$T/out")" "speed: +4x" "10: shows the chosen speed"
like "$(cat "$T/out")" "verify: +no" "10: shows verification off"
like "$(cat "$T/out")" "Would run: simulated drive sim:$T/absent: write $ISO_SIZE bytes .* at 17984 kB/s" "10: shows the write that would run"
ok_run "10: dry run on the libburn path" $DV burn --dry-run --device /dev/sr7 --speed 2 "$ISO"
like "$(cat "$T/out")" "xorriso -as cdrecord -v dev=/dev/sr7 speed=8992k stream_recording=on" "10: equivalent command matches the options"
[ ! -e "$T/absent" ]; ok $? "10: nothing created"

# 11: macOS backend, hdiutil missing / present (fake tools)
mkdir -p "$T/macbin" "$T/macdev"
cat >"$T/macbin/drutil" <<EOS
#!/bin/sh
case "\$*" in
  *status*)
    if [ -e "$T/macdev/burned" ]; then wr="appendable"; used=\$(( \$(stat -c %s "$T/macdev/rdisk9") / 2048 )); else wr="appendable, blank, overwritable"; used=0; fi
    printf ' Vendor   Product           Rev\n PIONEER  BD-RW   BDR-XD05  1.10\n\n           Type: BD-R                 Name: /dev/disk9\n     Space Free: 2172:42:11         blocks: 12219392 /  25.03GB /  23.31GiB\n     Space Used:   00:00:00         blocks: %s /   0.00MB /   0.00MiB\n    Writability: %s\n' "\$used" "\$wr" ;;
  *eject*) : ;;
  list) printf '   Vendor   Product           Rev   Bus       SupportLevel\n1  PIONEER  BD-RW   BDR-XD05  1.10  USB       Unsupported\n' ;;
esac
EOS
cat >"$T/macbin/hdiutil" <<EOS
#!/bin/sh
[ "\$1" = burn ] || exit 1
for last; do :; done
cp "\$last" "$T/macdev/rdisk9" && touch "$T/macdev/burned"
EOS
chmod +x "$T/macbin/drutil" "$T/macbin/hdiutil"
mkdir -p "$T/nohdiutil"
ln -s "$T/macbin/drutil" "$T/nohdiutil/drutil"
PATH=$T/nohdiutil:/usr/bin:/bin ok_rc 1 "11: hdiutil missing" $DV burn --device mac:1 "$ISO"
like "$(cat "$T/err")" "'hdiutil' not found.*restore it" "11: tells the user to restore hdiutil"
[ ! -e "$T/macdev/burned" ]; ok $? "11: nothing burned"
PATH=$T/macbin:$PATH DISCVAULT_MAC_DEV=$T/macdev ok_run "11: burn through hdiutil, verify by raw read" \
	$DV burn --device mac:1 "$ISO"
like "$(cat "$T/err")" "SHA-256 \(disc\): +$ISO_SHA" "11: raw read-back matches"
PATH=$T/macbin:$PATH DISCVAULT_BACKEND=macos ok_run "11: drives lists drutil's drives" $DV drives
like "$(cat "$T/out")" "mac:1 +PIONEER" "11: drive listed"

# 12: the Linux path: libburn stdio pseudo-drive, scenarios 1 and 3
ok_run "12: libburn burn + verify" $DV burn --device "stdio:$T/bd.img" "$ISO"
like "$(cat "$T/err")" "SHA-256 \(disc\): +$ISO_SHA" "12: libburn read-back matches"
is "$(head -c "$ISO_SIZE" "$T/bd.img" | sha256sum | cut -d' ' -f1)" "$ISO_SHA" "12: pseudo-disc holds the image"
head -c 20000000 /dev/urandom >"$T/bd2.img"
ok_run "12: libburn --skip-verify" $DV burn --device "stdio:$T/bd2.img" --skip-verify "$ISO"
is "$(stat -c %s "$T/bd2.img")" "$ISO_SIZE" "12: an old pseudo-disc file is truncated, not overlaid"
ok_rc 1 "12: missing /dev/srN named" $DV burn --device /dev/sr9 "$ISO"
like "$(cat "$T/err")" "drive '/dev/sr9' not found" "12: says the drive is not found"

# bad inputs: clear message, nothing written
$DV sim new "$T/bad" --queue bd-r25 >/dev/null
head -c 5000 /dev/zero >"$T/odd.iso"
: >"$T/empty.iso"
ok_rc 1 "bad: size not a multiple of 2048" $DV burn --device "sim:$T/bad" "$T/odd.iso"
like "$(cat "$T/err")" "not a whole number of 2048-byte sectors" "bad: says why"
ok_rc 1 "bad: empty file" $DV burn --device "sim:$T/bad" "$T/empty.iso"
like "$(cat "$T/err")" "is empty" "bad: says empty"
ok_rc 1 "bad: directory" $DV burn --device "sim:$T/bad" "$T/src"
like "$(cat "$T/err")" "no archive set in" "bad: a directory is taken as an archive set, and has none"
ok_rc 1 "bad: device node" $DV burn --device "sim:$T/bad" /dev/null
like "$(cat "$T/err")" "is a device node" "bad: says device node"
ok_rc 1 "bad: unknown speed" $DV burn --device "sim:$T/bad" --speed fast "$ISO"
is "$(disc_state "$T/bad")" blank "bad: disc still blank"
$DV sim new "$T/small" >/dev/null
$DV sim insert "$T/small" --media cd-r --capacity 1M
ok_rc 1 "bad: image larger than the medium" $DV burn --device "sim:$T/small" "$ISO"
like "$(cat "$T/err")" "image too large for the medium: $ISO_SIZE bytes, the CD-R holds 1048576 bytes" "bad: sizes named"
is "$(disc_state "$T/small")" blank "bad: small disc still blank"

# a write that fails mid-disc
$DV sim new "$T/wf" --queue bd-r25 >/dev/null
$DV sim damage "$T/wf" --write-fail 500
ok_rc 1 "write failure mid-disc" $DV burn --device "sim:$T/wf" "$ISO"
like "$(cat "$T/err")" "write error at sector 500" "write failure: sector named"
unlike "$(cat "$T/err")" "SUCCESS" "write failure: no SUCCESS"
is "$(disc_state "$T/wf")" appendable "write failure: disc marked used, not closed"

# Ctrl-C during the write: one press warns, a second within 5 s aborts (130)
$DV sim new "$T/cc" --queue bd-r25 --speed 1000 >/dev/null
: >"$T/errc"
$DV burn --device "sim:$T/cc" "$ISO" >"$T/outc" 2>"$T/errc" </dev/null &
pid=$!
for _ in $(seq 100); do [ "$($DV sim status "$T/cc" --json | grep -c '"lock_holder": 0')" = 0 ] && break; sleep 0.05; done
kill -INT $pid; sleep 0.3
kill -0 $pid 2>/dev/null; ok $? "ctrl-c: one press does not stop the write"
like "$(cat "$T/errc")" "Press Ctrl-C again within 5 seconds" "ctrl-c: warns"
kill -INT $pid
wait $pid
is "$?" 130 "ctrl-c: second press aborts with 130"
unlike "$(cat "$T/errc")" "SUCCESS" "ctrl-c: no SUCCESS"
is "$(disc_state "$T/cc")" appendable "ctrl-c: the disc is marked used"

# Ctrl-C while waiting for a disc
$DV sim new "$T/cw" >/dev/null
: >"$T/errw"
$DV burn --device "sim:$T/cw" "$ISO" >/dev/null 2>"$T/errw" </dev/null &
pid=$!
for _ in $(seq 100); do grep -q "No disc detected" "$T/errw" && break; sleep 0.1; done
kill -INT $pid
wait $pid
is "$?" 130 "ctrl-c while waiting: exit 130"

# tray open: the drive shows no disc until the operator closes it
$DV sim new "$T/to" --queue bd-r25 >/dev/null
$DV sim open "$T/to"
: >"$T/errt"
$DV burn --device "sim:$T/to" "$ISO" >/dev/null 2>"$T/errt" </dev/null &
pid=$!
for _ in $(seq 100); do grep -q "No disc detected" "$T/errt" && break; sleep 0.1; done
like "$(cat "$T/errt")" "No disc detected" "tray open: waits for a disc"
$DV sim close "$T/to"
wait $pid
ok $? "tray open: burn proceeds when the tray closes"

# busy drive: the holder is named
$DV sim new "$T/busy" --queue bd-r25 --speed 2000 >/dev/null
$DV burn --device "sim:$T/busy" "$ISO" >/dev/null 2>&1 </dev/null &
pid=$!
for _ in $(seq 100); do [ "$($DV sim status "$T/busy" --json | grep -c '"lock_holder": 0')" = 0 ] && break; sleep 0.05; done
ok_rc 1 "busy: eject refused while writing" $DV sim eject "$T/busy"
like "$(cat "$T/err")" "locked by process $pid" "busy: names the process holding the drive"
wait $pid

# progress on a terminal: bytes, percent, speed, ETA
if command -v script >/dev/null; then
	$DV sim new "$T/pg" --queue bd-r25 --speed 3000 >/dev/null
	script -qec "$DV burn --device sim:$T/pg $ISO" /dev/null >"$T/tty.out" 2>&1 </dev/null
	like "$(tr '\r' '\n' <"$T/tty.out")" "Burning +[0-9.]+ [KMG]?i?B / [0-9.]+ MiB +[0-9.]+% +[0-9.]+ [KMG]?i?B/s +(ETA|took)" "progress: shown on a terminal"
	unlike "$(cat "$T/err2")" "Burning " "progress: not drawn when stderr is not a terminal"
fi

# drives lists simulated drives with their media
ok_run "drives: --json" $DV drives --json --device "sim:$T/bad"
like "$(cat "$T/out")" '"state": "blank"' "drives: state"
like "$(cat "$T/out")" '"capacity_bytes": 25025314816' "drives: BD-R 25 capacity"
ok_rc 1 "drives: none found" $DV drives
like "$(cat "$T/err")" "No drive detected" "drives: says so"

done_testing

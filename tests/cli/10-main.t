#!/bin/bash
# discvault's front: --help, --version, per-command help, unknown commands,
# global --logfile, and a full standard output being an error.
. "$(dirname "$0")/lib.sh"

ok_run "--version" $DV --version
like "$(cat "$T/out")" "^discvault [0-9]+\.[0-9]+\.[0-9]+" "--version prints the version"
ok_run "--help" $DV --help
for c in drives burn rip inspect par2 create verify sim; do
	like "$(cat "$T/out")" "^  $c " "--help lists $c"
done
for c in drives burn rip inspect par2 create verify sim; do
	ok_run "$c --help" $DV $c --help
	like "$(cat "$T/out")" "usage: discvault $c" "$c --help shows its usage"
done
ok_run "help burn" $DV help burn
like "$(cat "$T/out")" "usage: discvault burn" "help COMMAND shows the command's help"
ok_rc 1 "unknown command" $DV frobnicate
like "$(cat "$T/err")" "'frobnicate' is not a discvault command" "unknown command named"
ok_rc 1 "no command" $DV
ok_rc 1 "unknown global option" $DV --frob drives
ok_rc 1 "unwritable global log file" $DV --logfile "$T/no/dir/log" drives
like "$(cat "$T/err")" "cannot write log file" "global log file error named"
$DV sim new "$T/d" --queue cd-r >/dev/null
genisoimage -quiet -o "$T/x.iso" "$TOP/tests/unit" 2>/dev/null || head -c 65536 /dev/zero >"$T/x.iso"
ok_run "global --logfile" $DV --logfile "$T/g.log" burn --device "sim:$T/d" "$T/x.iso"
like "$(cat "$T/g.log")" "SUCCESS" "global log file gets the log"
if [ -w /dev/full ]; then
	$DV --help >/dev/full 2>"$T/err"
	ok_rc_full=$?
	[ $ok_rc_full -ne 0 ]; ok $? "a full standard output is an error"
	like "$(cat "$T/err")" "cannot write to standard output" "and is reported"
fi
# colours: only on a terminal, never with NO_COLOR
if command -v script >/dev/null; then
	(unset NO_COLOR; script -qec "$DV burn --dry-run --device sim:$T/nod $T/x.iso" /dev/null) >"$T/tty1" 2>&1 </dev/null
	grep -q $'\033\[36m\[INFO\]' "$T/tty1"; ok $? "colour on a terminal"
	NO_COLOR=1 script -qec "$DV burn --dry-run --device sim:$T/nod $T/x.iso" /dev/null >"$T/tty2" 2>&1 </dev/null
	! grep -q $'\033\[3' "$T/tty2"; ok $? "no colour with NO_COLOR"
	$DV burn --dry-run --device "sim:$T/nod" "$T/x.iso" 2>"$T/plain" >/dev/null
	! grep -q $'\033' "$T/plain"; ok $? "no colour when stderr is not a terminal"
fi
done_testing

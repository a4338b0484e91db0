#!/bin/bash
# 62-create-faults.t - bad names and arguments, a missing or unusable
# source, an output directory that is too small (refused up front) or that
# fills up during the run (tmpfs), Ctrl-C, a killed run: a clear message,
# no set left that looks complete, and a rerun that works.
. "$(dirname "$0")/lib.sh"
command -v dar >/dev/null || skip_all "dar not installed"

S=$T/src
mkdir -p "$S/d"
seq 1 100000 >"$S/d/a.txt"

for bad in "-lead" "has space" "bad/slash" "x-catalog" "x-gen3" "caf$(printf '\303\251')" \
	"abcdefghijklmnopqrstuvwxyz01" ""; do
	ok_rc 2 "name '$bad' is refused" "$DV" create -s "$S" -n "$bad" -o "$T/o" -b 40M -y
	like "$(cat "$T/err")" "archive name" "message for '$bad' names the archive name"
done
ok_run "nothing was created for refused names" test ! -e "$T/o"

ok_rc 1 "a missing source" "$DV" create -s "$T/nope" -n ok -o "$T/o" -b 40M -y
like "$(cat "$T/err")" "cannot read source '.*nope': No such file or directory" "message names the source and the cause"
ok_rc 2 "a source that is a file" "$DV" create -s "$S/d/a.txt" -n ok -o "$T/o" -b 40M -y
like "$(cat "$T/err")" "is not a directory" "message says so"
mkdir "$T/empty"
ok_rc 2 "an empty source" "$DV" create -s "$T/empty" -n ok -o "$T/o" -b 40M -y
ok_rc 2 "output inside the source" "$DV" create -s "$S" -n ok -o "$S/out" -b 40M -y
ok_run "and nothing was created in the source" test ! -e "$S/out"
ok_rc 2 "work directory inside the source" "$DV" create -s "$S" -n ok -o "$T/o" -w "$S/work" -b 40M -y
ok_run "and nothing was created in the source" test ! -e "$S/work"
ok_rc 2 "no terminal and no -y" "$DV" create -s "$S" -n ok -o "$T/o" -b 40M
like "$(cat "$T/err")" "pass -y" "message asks for -y"
if command -v script >/dev/null; then
	echo n | script -qec "'$DV' create -s '$S' -n asked -o '$T/ask' -b 40M" /dev/null >"$T/tty.out" 2>&1
	like "$(cat "$T/tty.out")" "Proceed\? \[y/N\]" "on a terminal the plan is followed by a question"
	like "$(cat "$T/tty.out")" "cancelled, nothing was written" "answering n cancels"
	is "$(ls -A "$T/ask" | tr '\n' ' ')" "" "nothing written after n"
	(sleep 2; echo y) | script -qec "'$DV' create -s '$S' -n asked -o '$T/ask' -b 40M" /dev/null >"$T/tty.out" 2>&1
	ok_run "answering y creates the set" test -s "$T/ask/asked-gen1.set.json"
fi
ok_rc 2 "-b and --media together" "$DV" create -s "$S" -n ok -o "$T/o" -b 40M --media cd -y
ok_rc 2 "unknown media" "$DV" create -s "$S" -n ok -o "$T/o" --media floppy -y
ok_rc 2 "unknown compression" "$DV" create -s "$S" -n ok -o "$T/o" -b 40M -c rar -y
ok_rc 1 "a disc too small for anything" "$DV" create -s "$S" -n ok -o "$T/o" -b 5M -y
like "$(cat "$T/err")" "cannot hold|less than 1 MiB" "message says the disc is too small"
"$DV" sim new "$T/nodisc" >/dev/null 2>&1
ok_rc 1 "-D with no disc in the drive" "$DV" create -s "$S" -n ok -o "$T/o" -D "sim:$T/nodisc" -y
like "$(cat "$T/err")" "no blank disc in 'sim:" "message says there is no blank disc"
ok_run "--help" "$DV" create --help
like "$(cat "$T/out")" "--min-last-disc-fill" "help lists the options"

# Ctrl-C while dar writes, then a rerun
mkdir -p "$T/big"
head -c 200000000 /dev/urandom >"$T/big/r.bin"
"$DV" create -s "$T/big" -n cc -o "$T/c" -b 60M -c none -y >"$T/c.out" 2>"$T/c.err" &
pid=$!
for i in $(seq 1 100); do
	ls "$T"/c/.discvault-work/cc-gen1/cc-gen1.0001.dar >/dev/null 2>&1 && break
	sleep 0.05
done
kill -INT $pid
wait $pid
is "$?" 130 "Ctrl-C exits 130"
like "$(cat "$T/c.err")" "interrupted" "message says interrupted"
is "$(ls -A "$T/c" | tr '\n' ' ')" "" "nothing left in OUT after Ctrl-C"
ok_run "rerun after Ctrl-C works" "$DV" create -s "$T/big" -n cc -o "$T/c" -b 60M -c none -y
ok_run "rerun's set is complete" test -s "$T/c/cc-gen1.set.json"

# Ctrl-C while the images are built
"$DV" create -s "$T/big" -n ci -o "$T/ci" -b 60M -c none -y >"$T/c.out" 2>"$T/c.err" &
pid=$!
for i in $(seq 1 200); do
	ls "$T"/ci/ci-gen1.disc0001.iso* >/dev/null 2>&1 && break
	sleep 0.05
done
kill -INT $pid
wait $pid
is "$?" 130 "Ctrl-C during the images exits 130"
is "$(ls -A "$T/ci" | tr '\n' ' ')" "" "nothing left in OUT"

# a source that changes while dar reads it: a warning, a good set
mkdir "$T/chg"
head -c 50000000 /dev/urandom >"$T/chg/a"
(while :; do head -c 100000 /dev/urandom >>"$T/chg/grow"; done) &
w=$!
ok_run "a changing source still gives a set" "$DV" create -s "$T/chg" -n chg -o "$T/chgo" -b 100M -c none -y
kill $w; wait $w 2>/dev/null
# dar notices the change only when it falls inside its read of the file
if grep -q "changed while dar read them" "$T/err"; then diag "dar saw the file change"; fi
ok_run "its set is complete" test -s "$T/chgo/chg-gen1.set.json"

# unreadable entries (as an unprivileged user): a warning naming them, a set
# of everything else
if [ "$(id -u)" = 0 ] && command -v setpriv >/dev/null; then
	chmod 755 "$T"
	mkdir -p "$T/nr/src/d" "$T/nr/src/closed" "$T/nr/out"
	echo fine >"$T/nr/src/ok.txt"
	echo secret >"$T/nr/src/d/locked"
	echo x >"$T/nr/src/closed/f"
	chmod 755 "$T/nr" "$T/nr/src" "$T/nr/src/d"
	chmod 000 "$T/nr/src/d/locked" "$T/nr/src/closed"
	chown 65534 "$T/nr/out"
	ok_run "unreadable entries: the set is made" setpriv --reuid=65534 --regid=65534 --clear-groups \
		env HOME=/nonexistent "$DV" create -s "$T/nr/src" -n nr -o "$T/nr/out" -b 40M -y
	like "$(cat "$T/err")" "cannot be read and will be missing" "the plan warns about unreadable entries"
	like "$(cat "$T/err")" "NOT in the archive.*closed" "the end warns and names one"
	is "$(python3 -c "import json,sys; print(json.load(open(sys.argv[1]))['unsaved'] > 0)" "$T/nr/out/nr-gen1.set.json")" \
		True "the set file records it"
else
	diag "not root or no setpriv: unreadable-entry test skipped"
fi

# a run killed outright leaves a marker; the rerun cleans up and succeeds
"$DV" create -s "$T/big" -n kk -o "$T/k" -b 60M -c none -y >/dev/null 2>&1 &
pid=$!
for i in $(seq 1 200); do
	ls "$T"/k/kk-gen1.disc0001.iso* >/dev/null 2>&1 && break
	sleep 0.05
done
kill -KILL $pid
wait $pid 2>/dev/null
ok_run "a killed run is marked incomplete" test -e "$T/k/kk-gen1.INCOMPLETE"
ok_run "and has no set file" test ! -e "$T/k/kk-gen1.set.json"
ok_run "rerun after a kill works" "$DV" create -s "$T/big" -n kk -o "$T/k" -b 60M -c none -y
like "$(cat "$T/err")" "interrupted run" "rerun says it removed the leftovers"
ok_run "marker gone" test ! -e "$T/k/kk-gen1.INCOMPLETE"
n=$(python3 -c "import json,sys; print(len(json.load(open(sys.argv[1]))['discs']))" "$T/k/kk-gen1.set.json")
is "$(ls "$T"/k/kk-gen1.disc*.iso | wc -l | tr -d ' ')" "$n" "exactly the images of the set"
ok_run "a completed set is not overwritten" sh -c "! '$DV' create -s '$T/big' -n kk -o '$T/k' -b 60M -y"

# full output filesystem: refused up front, or failing cleanly mid-run
M=$T/tmpfs
mkdir "$M"
if mount -t tmpfs -o size=20m tmpfs "$M" 2>/dev/null; then
	trap 'umount "$M" 2>/dev/null; rm -rf "$T"' EXIT
	mkdir "$T/rnd"
	head -c 30000000 /dev/urandom >"$T/rnd/r.bin"
	ok_rc 1 "a set larger than the free space is refused up front" \
		"$DV" create -s "$T/rnd" -n big -o "$M/o" -b 40M -y
	like "$(cat "$T/err")" "bytes free, the set needs about" "message gives free and needed space"
	is "$(ls -A "$M/o" 2>/dev/null | tr '\n' ' ')" "" "nothing written"
	# the sample sees only zeros, the data is random: the plan is wrong
	# and the disc fills up while dar writes
	mkdir "$T/trick"
	python3 -c "
import os
with open('$T/trick/t.bin', 'wb') as f:
    for k in range(512):
        f.write(os.urandom(65536)); f.write(bytes(65536))
"
	ok_rc 1 "output filling up during the run fails" "$DV" create -s "$T/trick" -n fill -o "$M/o" -b 40M -y
	like "$(cat "$T/err")" "no space left" "message says no space"
	is "$(ls -A "$M/o" 2>/dev/null | tr '\n' ' ')" "" "the partial set is removed"
	is "$(df --output=used -B1M "$M" | tail -1 | tr -d ' ')" 0 "the filesystem is empty again"
	umount "$M"
else
	diag "cannot mount a tmpfs here: full-disk tests skipped"
fi
done_testing

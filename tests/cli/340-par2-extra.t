#!/bin/sh
# 340-par2-extra.t - verify and repair searching extra files for blocks, as
# par2cmdline does with the files named after BASE.par2: a renamed file, a
# shifted partial copy of a badly damaged file, a file of the set given
# again, an unreadable name. Block counts are compared with par2 verify.
. "$(dirname "$0")/lib.sh"

"$DV" par2 --help >/dev/null 2>&1 || skip_all "discvault has no par2 command yet"

D=$T/x
mkdir -p "$D"
head -c 300000 /dev/urandom >"$D/a.bin"
head -c 200000 /dev/urandom >"$D/b.bin"
cp "$D/a.bin" "$T/a.orig"
cp "$D/b.bin" "$T/b.orig"
ok_rc 0 "create a set with 4 recovery blocks" sh -c "cd '$D' && '$DV' par2 create -q -s4096 -c4 set.par2 a.bin b.bin"

# par2's count of available blocks, for comparison
theirs_avail() { (cd "$D" && par2 verify set.par2 "$@" 2>&1) | sed -n 's/^You have \([0-9]* out of [0-9]*\) data blocks.*/\1/p'; }
avail() { sed -n 's/^You have \([0-9]* out of [0-9]*\) data blocks.*/\1/p' "$T/out"; }

mv "$D/a.bin" "$D/renamed.bin"
ok_rc 2 "a.bin renamed: 74 blocks missing, 4 recovery blocks" "$DV" par2 verify -q "$D/set.par2"
ok_rc 1 "with the renamed file given: repairable" "$DV" par2 verify -q "$D/set.par2" "$D/renamed.bin"
like "$(cat "$T/out")" "74 block\(s\) found in other files" "says how many blocks it found there"
if command -v par2 >/dev/null; then
	is "$(avail)" "$(theirs_avail renamed.bin)" "par2 verify finds as many blocks ($(avail))"
fi
ok_rc 0 "repair from the renamed file" "$DV" par2 repair -q "$D/set.par2" "$D/renamed.bin"
ok_rc 0 "a.bin is back" cmp "$D/a.bin" "$T/a.orig"
ok_rc 0 "the renamed file is left as it was" cmp "$D/renamed.bin" "$T/a.orig"
rm "$D/renamed.bin"

# b.bin overwritten over 3/4 of its length (beyond the 4 recovery blocks);
# an extra file holds all but its first 4 blocks, at a shifted offset
python3 -c 'import sys; d=open(sys.argv[1],"rb").read(); open(sys.argv[2],"wb").write(b"x"*1001 + d[16384:])' "$T/b.orig" "$D/half.bin"
dd if=/dev/urandom of="$D/b.bin" bs=1000 count=150 conv=notrunc status=none
ok_rc 2 "b.bin mostly overwritten: not repairable alone" "$DV" par2 verify -q "$D/set.par2"
ok_rc 1 "with a shifted partial copy: repairable" "$DV" par2 verify -q "$D/set.par2" "$D/half.bin"
if command -v par2 >/dev/null; then
	is "$(avail)" "$(theirs_avail half.bin)" "par2 verify finds as many blocks ($(avail))"
fi
ok_rc 0 "repair with blocks from the shifted copy" "$DV" par2 repair -q "$D/set.par2" "$D/half.bin"
ok_rc 0 "b.bin is repaired" cmp "$D/b.bin" "$T/b.orig"

# a file of the set given as an extra file, and a name that does not exist
ok_rc 0 "a set file given again is not counted twice" "$DV" par2 verify -q "$D/set.par2" "$D/a.bin"
unlike "$(cat "$T/out")" "found in other files" "no block counted as found elsewhere"
# `repair set.par2 *`: the set's files and its .par2 files among the extra files
dd if=/dev/urandom of="$D/a.bin" bs=4096 seek=3 count=2 conv=notrunc status=none
ok_rc 0 "repair set.par2 * (set files and .par2 files among them)" sh -c "cd '$D' && '$DV' par2 repair -q set.par2 *"
unlike "$(cat "$T/out")" "found in other files" "no block counted as found elsewhere"
ok_rc 0 "a.bin repaired" cmp "$D/a.bin" "$T/a.orig"
rm -f "$D"/*.bin.1
ok_rc 0 "an unreadable extra name is reported, not fatal" "$DV" par2 verify -q "$D/set.par2" "$D/nosuch.bin"
like "$(cat "$T/err")" "cannot read '.*nosuch.bin'" "warning names it"
done_testing

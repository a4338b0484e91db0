#!/bin/bash
# 61-create-incremental.t - generations 2 and 3 (files added, changed,
# deleted) restore in order with plain dar; a foreign catalog, a fork of
# the chain and a reused generation are refused; --min-last-disc-fill
# defers the newest files to a later generation.
. "$(dirname "$0")/lib.sh"
for t in dar xorriso; do
	command -v $t >/dev/null || skip_all "$t not installed"
done

gather() { # out-dir dest: the files of every image of a set in dest
	local i
	mkdir -p "$2"
	for i in "$1"/*.iso; do
		rm -rf "$T/xx"
		xorriso -osirrox on -indev "$i" -extract / "$T/xx" >/dev/null 2>&1 || return 1
		chmod -R u+w "$T/xx"
		cp -n "$T"/xx/*/* "$2/" || return 1
	done
}
snap() { (cd "$1" && find . -printf '%p %m %s\n' | sort && find . -type f -exec md5sum {} + | sort); }

S=$T/src
mkdir -p "$S/keep" "$S/gone"
head -c 6000000 /dev/urandom >"$S/keep/a.bin"
seq 1 400000 >"$S/keep/b.txt"
echo doomed >"$S/gone/x.txt"
echo doomed too >"$S/keep/old.txt"

ok_run "generation 1" "$DV" create -s "$S" -n chain -o "$T/g1" -b 20M -y
cp -a "$S" "$T/src1"

# generation 2: add, change, delete
sleep 1
echo new >"$S/keep/new.txt"
head -c 3000000 /dev/urandom >"$S/keep/fresh.bin"
echo changed >>"$S/keep/b.txt"
rm -r "$S/gone"
ok_run "generation 2 with --base" "$DV" create -s "$S" -n chain -o "$T/g2" -b 20M -y \
	--base "$T/g1/chain-gen1-catalog.0001.dar"
like "$(cat "$T/out")" "generation 2 \(incremental\)" "plan says generation 2"
ok_run "gen 2 set file" test -s "$T/g2/chain-gen2.set.json"
is "$(python3 -c "import json,sys; s=json.load(open(sys.argv[1])); print(s['generation'], s['base']['generation'], s['base']['catalog'])" "$T/g2/chain-gen2.set.json")" \
	"2 1 chain-gen1-catalog.0001.dar" "gen 2 names its base"
cp -a "$S" "$T/src2"

# generation 3: delete and change again
sleep 1
rm "$S/keep/old.txt"
echo again >"$S/keep/new.txt"
ok_run "generation 3" "$DV" create -s "$S" -n chain -o "$T/g3" -b 20M -y \
	--base "$T/g2/chain-gen2-catalog.0001.dar"
ok_run "gen 3 images" test -s "$T/g3/chain-gen3.disc0001.iso"

gather "$T/g1" "$T/d1" && gather "$T/g2" "$T/d2" && gather "$T/g3" "$T/d3"
ok $? "all images extract"
mkdir "$T/r"
ok_run "dar restores gen 1" dar -x "$T/d1/chain-gen1" -R "$T/r" -Q
is "$(snap "$T/r")" "$(snap "$T/src1")" "after gen 1: the tree of gen 1"
ok_run "dar restores gen 2 on top (-w)" dar -x "$T/d2/chain-gen2" -R "$T/r" -Q -w
is "$(snap "$T/r")" "$(snap "$T/src2")" "after gen 2: added, changed and deleted files as in gen 2"
ok_run "dar restores gen 3 on top (-w)" dar -x "$T/d3/chain-gen3" -R "$T/r" -Q -w
is "$(snap "$T/r")" "$(snap "$S")" "after gen 3: the current tree"

# chain rules
ok_rc 2 "a catalog of another chain is refused" "$DV" create -s "$S" -n other -o "$T/o" -b 20M -y \
	--base "$T/g3/chain-gen3-catalog.0001.dar"
like "$(cat "$T/err")" "belongs to the chain 'chain', not 'other'" "message names both chains"
ok_run "nothing written for the refused run" test ! -e "$T/o/other-gen4.set.json"
cp "$T/g1/chain-gen1-catalog.0001.dar"* "$T/g3/"
ok_rc 2 "an old base next to a newer generation (a fork) is refused" "$DV" create -s "$S" -n chain \
	-o "$T/fork" -b 20M -y --base "$T/g3/chain-gen1-catalog.0001.dar"
like "$(cat "$T/err")" "generation 3 of 'chain' already exists" "message names the newer generation"
ok_rc 2 "the same generation twice in one output is refused" "$DV" create -s "$S" -n chain -o "$T/g2" \
	-b 20M -y --base "$T/g1/chain-gen1-catalog.0001.dar"
like "$(cat "$T/err")" "already" "message says it exists"
ok_rc 2 "a full archive into a directory holding the chain is refused" "$DV" create -s "$S" -n chain \
	-o "$T/g1" -b 20M -y
cp "$T/g3/chain-gen3-catalog.0001.dar" "$T/bad-gen3-catalog.0001.dar"
ok_rc 2 "a catalog renamed to another chain is still checked by name" "$DV" create -s "$S" -n chain \
	-o "$T/o2" -b 20M -y --base "$T/bad-gen3-catalog.0001.dar"
echo garbage >"$T/chain-gen7-catalog.0001.dar"
ok_rc 1 "a catalog that is not a dar catalog fails" "$DV" create -s "$S" -n chain \
	-o "$T/o3" -b 20M -y --base "$T/chain-gen7-catalog.0001.dar"
ok_run "and leaves no set behind" test ! -e "$T/o3/chain-gen8.set.json" -a ! -e "$T/o3/chain-gen8.INCOMPLETE"
cp "$T/g3/chain-gen3-catalog.0001.dar" "$T/corrupt/" 2>/dev/null || { mkdir "$T/corrupt"; cp "$T/g3/chain-gen3-catalog.0001.dar"* "$T/corrupt/"; }
printf 'Z' | dd of="$T/corrupt/chain-gen3-catalog.0001.dar" bs=1 seek=200 conv=notrunc 2>/dev/null
ok_rc 1 "a catalog that fails its SHA-512 is refused" "$DV" create -s "$S" -n chain \
	-o "$T/o4" -b 20M -y --base "$T/corrupt/chain-gen3-catalog.0001.dar"
like "$(cat "$T/err")" "SHA-512" "message names the checksum"

# --min-last-disc-fill: gen 4 adds files; the newest are deferred
sleep 1
for i in 1 2 3 4 5 6; do head -c 2500000 /dev/urandom >"$S/keep/batch$i.bin"; touch -d "+$i seconds" "$S/keep/batch$i.bin"; done
ok_run "gen 4 with --min-last-disc-fill 80" "$DV" create -s "$S" -n chain -o "$T/g4" -b 12M -y \
	--base "$T/g3/chain-gen3-catalog.0001.dar" --min-last-disc-fill 80
like "$(cat "$T/out")" "Deferred: +[0-9]+ newest files" "the plan shows what was deferred"
like "$(cat "$T/out")" "keep/batch6.bin" "the newest file is among those shown"
is "$(ls "$T/g4"/*.iso | wc -l | tr -d ' ')" "$(sed -n 's/^Discs: *//p' "$T/out")" "as many discs as planned"
like "$(cat "$T/out")" "\(2 discs instead of 3\)" "deferral saves a disc"
gather "$T/g4" "$T/d4"
ok_run "dar restores gen 4 on top" dar -x "$T/d4/chain-gen4" -R "$T/r" -Q -w
ok_run "a deferred file is not in gen 4" test ! -e "$T/r/keep/batch6.bin"
ok_run "an older new file is" test -e "$T/r/keep/batch1.bin"
ok_run "gen 5 picks up the deferred files" "$DV" create -s "$S" -n chain -o "$T/g5" -b 12M -y \
	--base "$T/g4/chain-gen4-catalog.0001.dar"
gather "$T/g5" "$T/d5"
ok_run "dar restores gen 5 on top" dar -x "$T/d5/chain-gen5" -R "$T/r" -Q -w
is "$(snap "$T/r")" "$(snap "$S")" "after gen 5: the current tree"

ok_run "--min-last-disc-fill on a full archive" "$DV" create -s "$S" -n solo -o "$T/solo" -b 12M -y \
	--min-last-disc-fill 90
like "$(cat "$T/err")" "NOT in this archive" "warns loudly that deferred files are left out"
done_testing

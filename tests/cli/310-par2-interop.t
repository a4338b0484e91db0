#!/bin/sh
# 310-par2-interop.t - interoperability with Debian's par2 (par2cmdline) in
# both directions: par2 verifies and repairs what we create, and we verify
# and repair what par2 creates, for flipped bytes, overwritten ranges,
# truncation, a deleted middle range (shifted data), a missing file, damaged
# .par2 files, and damage exactly at and one block beyond the capacity.
. "$(dirname "$0")/lib.sh"

command -v par2 >/dev/null || skip_all "par2 (par2cmdline) not installed"
command -v python3 >/dev/null || skip_all "python3 not installed"
"$DV" par2 --help >/dev/null 2>&1 || skip_all "discvault has no par2 command yet"

gen() {
	python3 -c 'import random,sys; r=random.Random(int(sys.argv[2])); sys.stdout.buffer.write(r.randbytes(int(sys.argv[1])))' "$2" "$3" >"$1"
}
# scribble FILE OFFSET LEN: overwrite with other bytes (every byte changes)
scribble() {
	python3 -c 'import sys
f=open(sys.argv[1],"r+b"); o=int(sys.argv[2]); n=int(sys.argv[3])
f.seek(o); d=f.read(n); f.seek(o); f.write(bytes(b ^ 0xA5 for b in d))' "$1" "$2" "$3"
}
# cut FILE OFFSET LEN: delete a range, shifting the rest
cut() {
	python3 -c 'import sys
p=sys.argv[1]; o=int(sys.argv[2]); n=int(sys.argv[3])
d=open(p,"rb").read(); open(p,"wb").write(d[:o]+d[o+n:])' "$1" "$2" "$3"
}

FILES="data.bin two.bin sub/three.bin"
mkset() { # DIR
	rm -rf "$1"
	mkdir -p "$1/sub"
	gen "$1/data.bin" 1048576 11
	gen "$1/two.bin" 300001 12
	gen "$1/sub/three.bin" 70000 13
}
mkset "$T/pristine"
(cd "$T/pristine" && md5sum $FILES) >"$T/sums"
same() { # DIR DESC
	(cd "$1" && md5sum -c --quiet "$T/sums") >/dev/null 2>&1
	ok $? "$2"
}
# avail DIR: "X out of Y" from our verify output
avail() { sed -n 's/^You have \([0-9]* out of [0-9]*\) data blocks.*/\1/p' "$T/out"; }
theirs_avail() { (cd "$1" && par2 verify set.par2 2>&1) | sed -n 's/^You have \([0-9]* out of [0-9]*\) data blocks.*/\1/p'; }

# ---- we create, par2 verifies and repairs ----
ours() { # DIR OPTS
	mkset "$1"
	(cd "$1" && "$DV" par2 create -q $2 set.par2 $FILES) >/dev/null 2>&1
}
D=$T/a
ours "$D" "-s4096 -r10"
ok_rc 0 "par2 verify accepts our set" sh -c "cd '$D' && par2 verify set.par2"

scribble "$D/data.bin" 5000 3; scribble "$D/data.bin" 600000 1
ok_rc 1 "par2 verify: flipped bytes are repairable" sh -c "cd '$D' && par2 verify set.par2"
ok_rc 0 "par2 repair with our recovery blocks: flipped bytes" sh -c "cd '$D' && par2 repair set.par2"
same "$D" "repaired content is identical"

scribble "$D/two.bin" 10000 65536
ok_rc 0 "par2 repair: overwritten 64 KiB range" sh -c "cd '$D' && par2 repair set.par2"
same "$D" "repaired content is identical"

truncate -s 1000000 "$D/data.bin"
ok_rc 0 "par2 repair: truncated file" sh -c "cd '$D' && par2 repair set.par2"
same "$D" "repaired content is identical"

cut "$D/data.bin" 300000 20000
ok_rc 0 "par2 repair: middle range deleted (shifted data)" sh -c "cd '$D' && par2 repair set.par2"
same "$D" "repaired content is identical"

rm -f "$D/sub/three.bin"
ok_rc 0 "par2 repair: missing file" sh -c "cd '$D' && par2 repair set.par2"
same "$D" "repaired content is identical"

# damaged .par2 files: flip bytes in the index and in two volumes
scribble "$D/set.par2" 100 8
for v in $(ls "$D"/set.vol*.par2 | sed -n '2p;5p'); do scribble "$v" 200 4; done
scribble "$D/data.bin" 40000 100
ok_rc 0 "par2 repair with damaged .par2 files" sh -c "cd '$D' && par2 repair set.par2"
same "$D" "repaired content is identical"

# capacity: 8 recovery blocks, exactly 8 then 9 blocks destroyed
D=$T/b
ours "$D" "-s4096 -c8"
scribble "$D/data.bin" 40960 32768
ok_rc 1 "par2 verify: 8 of 8 recovery blocks needed" sh -c "cd '$D' && par2 verify set.par2"
ok_rc 0 "par2 repair at exact capacity" sh -c "cd '$D' && par2 repair set.par2"
same "$D" "repaired content is identical"
scribble "$D/data.bin" 40960 36864
ok_rc 2 "par2 verify: one block beyond capacity" sh -c "cd '$D' && par2 verify set.par2"

# ---- par2 creates, we verify and repair ----
theirs() { # DIR OPTS
	mkset "$1"
	(cd "$1" && par2 create -q $2 set.par2 $FILES) >/dev/null 2>&1
}
for layout in "-s4096 -r10" "-s4000 -r10 -u" "-b500 -r12 -n3"; do
	D=$T/c
	theirs "$D" "$layout"
	ok_rc 0 "[$layout] our verify accepts par2's set" "$DV" par2 verify -q "$D/set.par2"
	like "$(cat "$T/out")" "All files are correct" "[$layout] says all files are correct"

	scribble "$D/data.bin" 5000 3; scribble "$D/data.bin" 700001 1
	ok_rc 1 "[$layout] flipped bytes: repairable" "$DV" par2 verify -q "$D/set.par2"
	is "$(avail)" "$(theirs_avail "$D")" "[$layout] same block count as par2 verify ($(avail))"
	ok_rc 0 "[$layout] our repair" "$DV" par2 repair -q "$D/set.par2"
	same "$D" "[$layout] repaired content is identical"
	ok_rc 0 "[$layout] par2 verify agrees after our repair" sh -c "cd '$D' && par2 verify set.par2"

	scribble "$D/two.bin" 12345 65536
	truncate -s 1000000 "$D/data.bin"
	ok_rc 1 "[$layout] overwritten range and truncation: repairable" "$DV" par2 verify -q "$D/set.par2"
	is "$(avail)" "$(theirs_avail "$D")" "[$layout] same block count as par2 verify ($(avail))"
	ok_rc 0 "[$layout] our repair" "$DV" par2 repair -q "$D/set.par2"
	same "$D" "[$layout] repaired content is identical"

	cut "$D/data.bin" 250000 30000
	ok_rc 1 "[$layout] deleted middle range: repairable" "$DV" par2 verify -q "$D/set.par2"
	is "$(avail)" "$(theirs_avail "$D")" "[$layout] shifted blocks found as par2 finds them ($(avail))"
	ok_rc 0 "[$layout] our repair of shifted data" "$DV" par2 repair -q "$D/set.par2"
	same "$D" "[$layout] repaired content is identical"

	rm "$D/sub/three.bin"
	ok_rc 0 "[$layout] our repair of a missing file" "$DV" par2 repair -q "$D/set.par2"
	same "$D" "[$layout] repaired content is identical"
done

# damaged .par2 files from par2: bad packets are skipped, the rest used
D=$T/d
theirs "$D" "-s4096 -r10"
scribble "$D/set.par2" 70 16
for v in $(ls "$D"/set.vol*.par2 | sed -n '1p;3p'); do scribble "$v" 300 64; done
truncate -s 50000 "$(ls "$D"/set.vol*.par2 | sed -n '5p')"
scribble "$D/data.bin" 100000 10000
ok_rc 1 "damaged and truncated .par2 files: still repairable" "$DV" par2 verify -q "$D/set.par2"
like "$(cat "$T/out")" "bad packet" "reports the bad packets it skipped"
ok_rc 0 "repair with damaged .par2 files" "$DV" par2 repair -q "$D/set.par2"
same "$D" "repaired content is identical"

# the index file lost: the volumes carry the critical packets too
D=$T/f
theirs "$D" "-s4096 -r10"
rm "$D/set.par2"
scribble "$D/data.bin" 4096 8192
V=$(ls "$D"/set.vol*.par2 | head -n 1)
ok_rc 1 "index file deleted: verify from a volume file" "$DV" par2 verify -q "$V"
ok_rc 0 "index file deleted: repair from a volume file" "$DV" par2 repair -q "$V"
same "$D" "repaired content is identical"

# capacity on par2's set
D=$T/e
theirs "$D" "-s4096 -c8"
scribble "$D/two.bin" 8192 32768
ok_rc 1 "exactly 8 blocks lost, 8 recovery blocks: repairable" "$DV" par2 verify -q "$D/set.par2"
ok_rc 0 "repair at exact capacity" "$DV" par2 repair -q "$D/set.par2"
same "$D" "repaired content is identical"
scribble "$D/two.bin" 8192 36864
ok_rc 2 "9 blocks lost: not repairable" "$DV" par2 verify -q "$D/set.par2"
like "$(cat "$T/out")" "need 1 more recovery block" "says one more block is needed"
ok_rc 2 "repair refuses" "$DV" par2 repair -q "$D/set.par2"
ok_rc 2 "par2 agrees: not repairable" sh -c "cd '$D' && par2 verify set.par2"

done_testing

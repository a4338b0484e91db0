#!/bin/sh
# 300-par2-golden.t - our `par2 create` and par2cmdline's produce the same
# packets (all but Creator, byte for byte) and the same file names, for
# awkward sizes, block sizes that are not multiples of 64, several files in
# subdirectories, and par2cmdline's variable, uniform and -n layouts.
. "$(dirname "$0")/lib.sh"

command -v par2 >/dev/null || skip_all "par2 (par2cmdline) not installed"
command -v python3 >/dev/null || skip_all "python3 not installed"
"$DV" par2 --help >/dev/null 2>&1 || skip_all "discvault has no par2 command yet"
PK="$TOP/tests/cli/par2_packets.py"

# gen FILE SIZE SEED: deterministic pseudo-random content
gen() {
	python3 -c 'import random,sys; r=random.Random(int(sys.argv[2])); sys.stdout.buffer.write(r.randbytes(int(sys.argv[1])))' "$2" "$3" >"$1"
}

# golden NAME "CREATE-OPTIONS" FILE...: create in two copies of the same tree
golden() {
	name=$1 opts=$2
	shift 2
	rm -rf "$T/ours" "$T/theirs"
	cp -r "$T/src" "$T/ours"
	cp -r "$T/src" "$T/theirs"
	(cd "$T/ours" && "$DV" par2 create -q $opts set.par2 "$@") >"$T/out" 2>"$T/err"
	ok $? "$name: discvault par2 create $opts"
	(cd "$T/theirs" && par2 create -q $opts set.par2 "$@") >/dev/null 2>&1
	ok $? "$name: par2 create $opts"
	is "$(cd "$T/ours" && ls set*.par2 | tr '\n' ' ')" \
	   "$(cd "$T/theirs" && ls set*.par2 | tr '\n' ' ')" "$name: same file names"
	python3 "$PK" "$T"/ours/set*.par2 >"$T/p_ours"
	python3 "$PK" "$T"/theirs/set*.par2 >"$T/p_theirs"
	if cmp -s "$T/p_ours" "$T/p_theirs" && [ -s "$T/p_ours" ]; then
		ok 0 "$name: identical packets ($(wc -l <"$T/p_ours") besides Creator)"
	else
		ok 1 "$name: identical packets"
		diff "$T/p_ours" "$T/p_theirs" | head -n 10 | sed 's/^/# /'
	fi
}

mkdir -p "$T/src/sub/deeper"
for size in 1 4 16383 16384 16385 65536 100003; do
	rm -f "$T"/src/f*
	gen "$T/src/f$size.bin" "$size" "$size"
	golden "size $size" "-s4000 -c7 -n1" "f$size.bin"
done
rm -f "$T"/src/f*
gen "$T/src/data.bin" 1048576 1
golden "exact multiple of the block size" "-s65536 -c5 -n1" data.bin
golden "partial last block, bs not a multiple of 64" "-s1028 -c20 -n1" data.bin
golden "-b count sizing, -r redundancy" "-b300 -r10" data.bin
golden "variable scheme" "-s4096 -c200" data.bin
golden "uniform scheme" "-s4096 -c10 -u" data.bin
golden "-n3 files" "-s8192 -r10 -n3" data.bin
golden "first exponent -f" "-s16384 -c9 -f100" data.bin
gen "$T/src/sub/alpha.txt" 5000 2
gen "$T/src/sub/deeper/beta.dat" 123457 3
gen "$T/src/zz.bin" 40000 4
golden "several files in subdirectories" "-s2048 -c30" data.bin sub/alpha.txt sub/deeper/beta.dat zz.bin
golden "several files, -b sizing" "-b100 -r5" zz.bin sub/alpha.txt data.bin

: >"$T/src/empty.bin"
golden "an empty file is left out, as par2 does" "-s1024 -c3 -n1" zz.bin empty.bin

done_testing

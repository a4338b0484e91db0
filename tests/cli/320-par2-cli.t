#!/bin/sh
# 320-par2-cli.t - `discvault par2` as a command: usage and exit codes,
# option checking, kernels and memory limits giving identical output, and
# hostile .par2 input (garbage, forged lengths and counts, packets of
# another set) rejected without crashing.
. "$(dirname "$0")/lib.sh"

command -v python3 >/dev/null || skip_all "python3 not installed"
"$DV" par2 --help >/dev/null 2>&1 || skip_all "discvault has no par2 command yet"

gen() {
	python3 -c 'import random,sys; r=random.Random(int(sys.argv[2])); sys.stdout.buffer.write(r.randbytes(int(sys.argv[1])))' "$2" "$3" >"$1"
}

ok_rc 0 "--help" "$DV" par2 --help
like "$(cat "$T/out")" "par2 create" "help shows create"
ok_rc 3 "no mode" "$DV" par2
ok_rc 3 "unknown mode" "$DV" par2 frobnicate x.par2
ok_rc 3 "-r and -c together" "$DV" par2 create -r5 -c3 "$T/x.par2" "$T/x"
ok_rc 3 "block size not a multiple of 4" "$DV" par2 create -s1001 "$T/x.par2" "$T/x"
ok_rc 3 "bad number" "$DV" par2 create -c abc "$T/x.par2" "$T/x"
ok_rc 3 "create without files" "$DV" par2 create "$T/x.par2"
ok_rc 3 "unknown kernel" "$DV" par2 create -k nosuch "$T/x.par2" "$T/x"
ok_rc 3 "name must end in .par2" sh -c "cd '$T' && touch xx && '$DV' par2 create xx.par xx"
ok_rc 6 "input file missing" sh -c "cd '$T' && '$DV' par2 create a.par2 nosuchfile"
mkdir -p "$T/in" "$T/out_of_tree"
gen "$T/out_of_tree/zz.bin" 1000 1
ok_rc 3 "file outside the .par2 directory" "$DV" par2 create "$T/in/s.par2" "$T/out_of_tree/zz.bin"

# kernels and memory limits: identical files
# same_as_ref: every ref*.par2 has an identical k*.par2
same_as_ref() {
	for f in "$T"/in/ref*.par2; do
		cmp -s "$f" "$(echo "$f" | sed 's/ref\(\.\|$\)/k\1/; s/\/ref/\/k/')" || return 1
	done
	return 0
}
gen "$T/in/data.bin" 2000000 7
(cd "$T/in" && "$DV" par2 create -q -s8192 -c40 -k scalar ref.par2 data.bin) >/dev/null
ok $? "create with the scalar kernel"
for k in ssse3 avx2 gfni gfni512; do
	if ! "$DV" par2 create -q -k $k -s8192 -c40 "$T/in/probe.par2" "$T/in/data.bin" >/dev/null 2>&1; then
		diag "kernel $k not supported here"
		continue
	fi
	(cd "$T/in" && "$DV" par2 create -q -s8192 -c40 -k $k k.par2 data.bin) >/dev/null
	same_as_ref
	ok $? "kernel $k writes the same files as scalar"
done
# the MD5 kernels (block, file and packet hashes) give the same files too
for k in scalar avx2 avx512; do
	rm -f "$T"/in/k.*par2 "$T"/in/k.par2
	(cd "$T/in" && DV_MD5_KERNEL=$k "$DV" par2 create -q -s8192 -c40 -k scalar k.par2 data.bin) >/dev/null
	same_as_ref
	ok $? "MD5 kernel $k (or the best supported) writes the same files"
	DV_MD5_KERNEL=$k "$DV" par2 verify -q "$T/in/ref.par2" >/dev/null 2>&1
	ok $? "MD5 kernel $k: verify accepts them"
done
(cd "$T/in" && "$DV" par2 create -q -s65536 -c40 big.par2 data.bin) >/dev/null
(cd "$T/in" && "$DV" par2 create -q -s65536 -c40 -m1 -t2 m.par2 data.bin) >/dev/null
same=0
for f in "$T"/in/big*.par2; do g=$(echo "$f" | sed 's/\/big/\/m/'); cmp -s "$f" "$g" || same=1; done
ok $same "-m1 (4 passes over the input, 2 threads) writes the same files"
ok_rc 0 "verify with progress forced off" "$DV" par2 verify "$T/in/ref.par2"
like "$(cat "$T/out")" "All files are correct" "verify output"

# hostile input
P=$T/in/ref.par2
head -c 100000 /dev/urandom >"$T/in/garbage.par2"
ok_rc 4 "garbage .par2: no critical packets" "$DV" par2 verify "$T/in/garbage.par2"
like "$(cat "$T/err")" "no valid main packet" "says why"
: >"$T/in/empty.par2"
ok_rc 4 "empty .par2" "$DV" par2 verify "$T/in/empty.par2"
ok_rc 6 "missing .par2" "$DV" par2 verify "$T/in/nosuch.par2"

# forge packets with valid MD5s but hostile contents
python3 - "$T/in" <<'PY'
import hashlib, struct, sys, os
d = sys.argv[1]
def pkt(setid, ptype, body):
    n = 64 + len(body)
    h = hashlib.md5(setid + ptype + body).digest()
    return b"PAR2\0PKT" + struct.pack("<Q", n) + h + setid + ptype + body
MAIN = b"PAR 2.0\0Main\0\0\0\0"
DESC = b"PAR 2.0\0FileDesc"
IFSC = b"PAR 2.0\0IFSC\0\0\0\0"
RECV = b"PAR 2.0\0RecvSlic"
fid = b"F" * 16
main_body = struct.pack("<QI", 4096, 1) + fid
sid = hashlib.md5(main_body).digest()
out = b""
# a main packet claiming 2^32-1 files in a short body
huge = struct.pack("<QI", 4096, 0xFFFFFFFF) + fid
out += pkt(hashlib.md5(huge).digest(), MAIN, huge)
# the real main packet, a description claiming a 2^62 byte file
out += pkt(sid, MAIN, main_body)
out += pkt(sid, DESC, fid + b"\0" * 32 + struct.pack("<Q", 1 << 62) + b"big\0")
# an IFSC with the wrong number of entries, a recovery slice of the wrong size
out += pkt(sid, IFSC, fid + b"\0" * 20 * 5)
out += pkt(sid, RECV, struct.pack("<I", 0) + b"\0" * 100)
# a length field pointing far beyond the end, and one that is not a multiple of 4
out += b"PAR2\0PKT" + struct.pack("<Q", 1 << 60) + b"\0" * 48
out += b"PAR2\0PKT" + struct.pack("<Q", 67) + b"\0" * 59
# a packet of another set, and a name escaping the directory
other = struct.pack("<QI", 4096, 0)
out += pkt(hashlib.md5(other).digest(), MAIN, other)
open(os.path.join(d, "hostile.par2"), "wb").write(out)
fid2 = b"G" * 16
mb = struct.pack("<QI", 4, 1) + fid2
s2 = hashlib.md5(mb).digest()
e = hashlib.md5(b"").digest()
esc = pkt(s2, MAIN, mb) + pkt(s2, DESC, fid2 + e + e + struct.pack("<Q", 0) + b"../../etc/passwd")
open(os.path.join(d, "escape.par2"), "wb").write(esc)
PY
ok_rc 2 "hostile packets: rejected one by one, the file is not repairable" "$DV" par2 verify "$T/in/hostile.par2"
like "$(cat "$T/out")" "bad packet" "counts the bad packets"
ok_rc 2 "a name escaping the directory is refused" "$DV" par2 repair "$T/in/escape.par2"
ok $([ ! -e "$T/etc" ] && echo 0 || echo 1) "nothing written outside"

# truncated copies of a good set never crash
ok_fail=0
for n in 10 64 100 200 1000 3000; do
	head -c $n "$P" >"$T/in/cut.par2"
	"$DV" par2 verify -q "$T/in/cut.par2" >/dev/null 2>&1
	rc=$?
	[ $rc -le 6 ] || { ok_fail=1; diag "exit $rc at $n bytes"; }
done
ok $ok_fail "truncated .par2 files: clean exit codes"

done_testing

#!/bin/sh
# 330-par2-singular.t - repair when the recovery blocks chosen first give a
# singular matrix. Input blocks 0 and 2 have the bases 2^1 and 2^4 (logs
# 1 and 4, as par2cmdline numbers them), so the recovery blocks with
# exponents 0 and 21845 (65535 / 3) give rows that are linearly dependent
# for them: 2^(4 * 21845) = 2^21845 in GF(2^16). With only those two, the
# repair must fail cleanly and leave the damaged file as it was; with a
# third recovery block, repair must find a subset that works.
. "$(dirname "$0")/lib.sh"

"$DV" par2 --help >/dev/null 2>&1 || skip_all "discvault has no par2 command yet"

D=$T/s
mkdir -p "$D"
head -c 32768 /dev/urandom >"$D/data.bin"
cp "$D/data.bin" "$T/orig.bin"
ok_rc 0 "recovery block with exponent 0" sh -c "cd '$D' && '$DV' par2 create -q -s4096 -c1 -f0 set.par2 data.bin"
ok_rc 0 "recovery block with exponent 21845, same set" sh -c "cd '$D' && '$DV' par2 create -q -s4096 -c1 -f21845 set.par2 data.bin"
ok_rc 0 "the set verifies" "$DV" par2 verify -q "$D/set.par2"

# destroy blocks 0 and 2
dd if=/dev/zero of="$D/data.bin" bs=4096 count=1 conv=notrunc status=none
dd if=/dev/zero of="$D/data.bin" bs=4096 seek=2 count=1 conv=notrunc status=none
cp "$D/data.bin" "$T/damaged.bin"
ok_rc 1 "verify: 2 blocks missing, 2 recovery blocks (a count, so repairable)" "$DV" par2 verify -q "$D/set.par2"
ok_rc 5 "repair with a singular matrix fails" "$DV" par2 repair -q "$D/set.par2"
like "$(cat "$T/err")" "singular matrix" "and says why"
ok_rc 0 "the damaged file is left as it was" cmp "$D/data.bin" "$T/damaged.bin"
is "$(ls "$D" | tr '\n' ' ')" "data.bin set.par2 set.vol0+1.par2 set.vol21845+1.par2 " "no temporary or backup files left"

# a third recovery block: the first pair (0, 21845) is singular, another pair is not
ok_rc 0 "recovery block with exponent 30000, same set" sh -c "cd '$D' && cp '$T/orig.bin' data.bin && '$DV' par2 create -q -s4096 -c1 -f30000 set.par2 data.bin"
cp "$T/damaged.bin" "$D/data.bin"
ok_rc 0 "repair succeeds with another pair of recovery blocks" "$DV" par2 repair -q "$D/set.par2"
ok_rc 0 "repaired content is identical" cmp "$D/data.bin" "$T/orig.bin"
if command -v par2 >/dev/null; then
	ok_rc 0 "par2 verify accepts the repaired file" sh -c "cd '$D' && par2 verify set.par2"
fi
done_testing

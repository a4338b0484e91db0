#!/bin/sh
# discvault rip: the read-back check runs while the disc is read, and it
# can fail: a byte of the image file changed on storage during the rip
# (after it was written) makes the SHA-256 read back differ from the
# SHA-256 of the bytes read from the disc; the rip says so and exits 2,
# and the per-file MD5s are then taken from the image file.
. "$(dirname "$0")/lib.sh"

command -v xorriso >/dev/null || skip_all "xorriso not installed"
"$DV" rip --help >/dev/null 2>&1 || skip_all "this discvault has no rip command"

mkdir -p "$T/src"
head -c 1500000 /dev/urandom >"$T/src/data.bin"
echo small >"$T/src/small.txt"
sim_disc READBACK

# a clean rip: the read-back matched, during the read
ok_rc 0 "clean rip" timeout 60 "$DV" rip -D "sim:$T/sim" --dir "$T/o" --operator QA --no-eject --filename ok
like "$(cat "$T/o/ok/ok.iso.log.txt")" "read back while the disc was read" "the log says when the image was read back"
like "$(grep '^Match:' "$T/o/ok/ok.iso.log.txt")" "YES" "read-back SHA-256 matches"

# slow the drive so that the rip is still reading when byte 100 of the
# image (the system area, zeros) is changed behind its back, once sector
# 16 has been written
"$DV" sim speed "$T/sim" 500 >/dev/null
"$DV" rip -D "sim:$T/sim" --dir "$T/o" --operator QA --no-eject --filename bad --read-size 64K </dev/null >"$T/out" 2>"$T/err" &
pid=$!
P="$T/o/bad/bad.iso.part"
for i in $(seq 1 200); do
	[ -e "$P" ] && dd if="$P" bs=2048 skip=16 count=1 2>/dev/null | grep -q CD001 && break
	sleep 0.05
done
printf 'X' | dd of="$P" bs=1 seek=100 conv=notrunc 2>/dev/null
alive=0
kill -0 $pid 2>/dev/null && alive=1
wait $pid
rc=$?
is "$alive" 1 "the image was changed while the rip was still reading"
is "$rc" 2 "the read-back check failed: exit 2"
like "$(cat "$T/err")" "Checksum MISMATCH" "it says the image file differs"
check=$(python3 - "$T/o/bad/bad_manifest.json" "$T/src/data.bin" <<'PY'
import hashlib, json, sys
m = json.load(open(sys.argv[1]))
iv = m['integrity_verification']
print('match=%s status=%s overall=%s' % (iv['hashes_match'], iv['integrity_status'], m['backup_status']['overall_status']))
print('differ=%s' % (iv['iso_hash'] != iv['source_hash']))
ops = m['operations_performed']['tree_listing']['per_file_md5']
print('from_read=%d from_image=%d' % (ops['from_disc_read'], ops['from_image_file']))
f = {e['path']: e for e in m['file_listing']}
print('data=%s' % (f['/data.bin']['md5'] == hashlib.md5(open(sys.argv[2], 'rb').read()).hexdigest()))
PY
)
like "$check" "match=False status=failed overall=checksum_mismatch" "manifest: the read-back failed"
like "$check" "differ=True" "manifest: the two SHA-256 differ"
like "$check" "from_read=0 from_image=2" "per-file MD5s from the image file when the image differs from the read"
like "$check" "data=True" "per-file MD5 of the untouched file still right"
"$DV" sim speed "$T/sim" 0 >/dev/null

done_testing

#!/bin/sh
# discvault rip: the per-file MD5s of the manifest, computed while the disc
# is read (next to the image's MD5) or, after a rescue or a resume, from
# the image file. Either way they must be the MD5s of the files: checked
# against md5sum of the files the test put in the image, or of the files
# xorriso extracts from the ripped image. Covers many small files, a file
# tree spread over several reads, hard links (shared extents), empty
# files, symlinks, a deep relocated directory, Joliet-only names, a
# second session whose tree lies after the first session's files,
# unreadable sectors and a resumed rip.
. "$(dirname "$0")/lib.sh"

command -v xorriso >/dev/null || skip_all "xorriso not installed"
command -v python3 >/dev/null || skip_all "python3 not installed"
"$DV" rip --help >/dev/null 2>&1 || skip_all "this discvault has no rip command"

rip() { timeout 120 "$DV" rip --dir "$T/o" --operator QA --no-eject "$@"; }

# check MANIFEST ROOT: every regular file of the listing against md5sum
# of ROOT/path; prints "files=N bad=[...]" and "symlinks=N"
check() {
	python3 - "$1" "$2" <<'PY'
import hashlib, json, sys
m = json.load(open(sys.argv[1]))
files = bad = 0
badl = []
links = 0
for e in m['file_listing']:
    if e['type'] == 'symlink':
        links += 1
    if e['type'] != 'file':
        continue
    files += 1
    want = hashlib.md5(open(sys.argv[2] + e['path'], 'rb').read()).hexdigest()
    if e.get('md5') != want:
        badl.append(e['path'])
print('files=%d bad=%s' % (files, badl[:5]))
print('symlinks=%d' % links)
PY
}
# the count of per-file MD5s from each source, from the log
counts() { grep -o "per-file MD5 in the manifest ([0-9]* computed while reading the disc, [0-9]* from the image file)" "$1"; }

# A disc of many files: 1000 small ones in 40 directories (a file tree of
# a few hundred KiB, longer than one 64 KiB read), a 3 MB file, hard
# links, empty files, a symlink, a directory deeper than ISO 9660 allows
python3 - "$T/src" <<'PY'
import os, random, sys
r = random.Random(4)
root = sys.argv[1]
for d in range(40):
    os.makedirs('%s/dir%02d' % (root, d))
    for f in range(25):
        n = r.choice([0, 1, 7, 100, 2047, 2048, 2049, 3000, 4096, 5000, r.randrange(9000)])
        with open('%s/dir%02d/file%02d.dat' % (root, d, f), 'wb') as fp:
            fp.write(r.randbytes(n))
with open(root + '/big.bin', 'wb') as fp:
    fp.write(r.randbytes(3000000))
os.makedirs(root + '/a/b/c/d/e/f/g/h/i')
with open(root + '/a/b/c/d/e/f/g/h/i/deep.txt', 'w') as fp:
    fp.write('deep\n')
os.link(root + '/big.bin', root + '/dir00/big-hardlink.bin')
os.link(root + '/dir01/file03.dat', root + '/dir39/hardlink.dat')
open(root + '/empty', 'w').close()
os.symlink('big.bin', root + '/link-to-big')
PY
nfiles=$(find "$T/src" -type f | wc -l)
xorriso -as mkisofs --md5 -r -J -V MANY -o "$T/many.iso" "$T/src" >/dev/null 2>&1
"$DV" sim new "$T/sim" >/dev/null && "$DV" sim insert "$T/sim" "$T/many.iso" >/dev/null

ok_rc 0 "rip, 64 KiB reads (the tree takes several)" rip -D "sim:$T/sim" --filename small --read-size 64K
like "$(counts "$T/o/small/small.iso.log.txt")" "\($nfiles computed while reading the disc, 0 from the image file\)" "all $nfiles per-file MD5s computed while reading"
like "$(check "$T/o/small/small_manifest.json" "$T/src")" "files=$nfiles bad=\[\]" "every per-file MD5 is the file's"
like "$(check "$T/o/small/small_manifest.json" "$T/src")" "symlinks=1" "the symlink is listed, without an MD5"
ok_run "the image is identical to the disc" cmp "$T/o/small/small.iso" "$T/many.iso"

ok_rc 0 "rip, 4 KiB reads (the tree takes dozens)" rip -D "sim:$T/sim" --filename tiny --read-size 4K
like "$(check "$T/o/tiny/tiny_manifest.json" "$T/src")" "files=$nfiles bad=\[\]" "every per-file MD5 is the file's"

ok_rc 0 "rip, default reads" rip -D "sim:$T/sim" --filename big
like "$(counts "$T/o/big/big.iso.log.txt")" "\($nfiles computed while reading the disc, 0 from the image file\)" "all per-file MD5s computed while reading"
like "$(check "$T/o/big/big_manifest.json" "$T/src")" "files=$nfiles bad=\[\]" "every per-file MD5 is the file's"

ok_rc 0 "rip --no-verification" rip -D "sim:$T/sim" --filename nv --no-verification
like "$(check "$T/o/nv/nv_manifest.json" "$T/src")" "files=$nfiles bad=\[\]" "per-file MD5s without the read-back"

# Joliet names only (no Rock Ridge)
xorriso -as mkisofs -J -V JOLIET -o "$T/joliet.iso" "$T/src/dir05" >/dev/null 2>&1
"$DV" sim new "$T/simj" >/dev/null && "$DV" sim insert "$T/simj" "$T/joliet.iso" >/dev/null
ok_rc 0 "rip a Joliet-only disc" rip -D "sim:$T/simj" --filename joliet --read-size 4K
like "$(check "$T/o/joliet/joliet_manifest.json" "$T/src/dir05")" "files=25 bad=\[\]" "per-file MD5s by Joliet names"
like "$(counts "$T/o/joliet/joliet.iso.log.txt")" "\(25 computed while reading the disc, 0 from the image file\)" "computed while reading"

# A second session: the volume descriptors point to its tree, written
# after the first session's files, so with small reads those files have
# gone by when the tree is known (hashed from the image file), and the
# second session's files, after its tree, are hashed while reading.
mkdir -p "$T/s1" "$T/s2" "$T/ms/s2"
head -c 300000 /dev/urandom >"$T/s1/a.bin"
echo one >"$T/s1/one.txt"
head -c 200000 /dev/urandom >"$T/s2/b.bin"
echo two >"$T/s2/two.txt"
cp "$T/s1/a.bin" "$T/s1/one.txt" "$T/ms/" && cp "$T/s2/b.bin" "$T/s2/two.txt" "$T/ms/s2/"
xorriso -outdev "stdio:$T/ms.iso" -md5 on -rockridge on -map "$T/s1" / -commit >/dev/null 2>&1
xorriso -dev "stdio:$T/ms.iso" -md5 on -map "$T/s2" /s2 -commit >/dev/null 2>&1
"$DV" sim new "$T/simm" >/dev/null && "$DV" sim insert "$T/simm" "$T/ms.iso" >/dev/null
ok_rc 0 "rip a disc of two sessions, 64 KiB reads" rip -D "sim:$T/simm" --filename ms --read-size 64K
like "$(check "$T/o/ms/ms_manifest.json" "$T/ms")" "files=4 bad=\[\]" "every per-file MD5 is the file's"
like "$(counts "$T/o/ms/ms.iso.log.txt")" "\(2 computed while reading the disc, 2 from the image file\)" "files before the tree from the image file, the others while reading"

# Unreadable sectors inside big.bin: the read is a rescue, so every MD5
# comes from the image file; they are those of the files in the image
# (zero-filled where unreadable), as xorriso extracts them
lba=$(xorriso -indev "stdio:$T/many.iso" -find /big.bin -exec report_lba -- 2>/dev/null | awk -F, '/File data lba/ { print $2 + 0; exit }')
ok_run "damage the disc inside big.bin (sector $((lba + 100)))" "$DV" sim damage "$T/sim" --unreadable "$((lba + 100))+3"
ok_rc 2 "rip of the damaged disc: incomplete" rip -D "sim:$T/sim" --filename dmg
like "$(counts "$T/o/dmg/dmg.iso.log.txt")" "\(0 computed while reading the disc, $nfiles from the image file\)" "after a rescue, every per-file MD5 from the image file"
mkdir -p "$T/x"
xorriso -osirrox on -indev "stdio:$T/o/dmg/dmg.iso" -extract / "$T/x" >/dev/null 2>&1
like "$(check "$T/o/dmg/dmg_manifest.json" "$T/x")" "files=$nfiles bad=\[\]" "per-file MD5s equal md5sum of the files xorriso extracts from the image"
like "$(python3 -c "import json,sys; print(sorted(e['path'] for e in json.load(open(sys.argv[1]))['file_listing'] if e['damaged']))" "$T/o/dmg/dmg_manifest.json")" "^\['/big.bin', '/dir00/big-hardlink.bin'\]$" "the damaged file and its hard link are flagged"

ok_run "clear the damage" "$DV" sim damage "$T/sim" --clear
ok_rc 0 "resumed rip completes the image" rip -D "sim:$T/sim" --filename dmg
like "$(cat "$T/err")" "Resuming from" "it resumed"
like "$(counts "$T/o/dmg/dmg.iso.log.txt")" "\(0 computed while reading the disc, $nfiles from the image file\)" "after a resume, every per-file MD5 from the image file"
like "$(check "$T/o/dmg/dmg_manifest.json" "$T/src")" "files=$nfiles bad=\[\]" "every per-file MD5 is the file's"

done_testing

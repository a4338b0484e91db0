#!/bin/bash
# discvault inspect --list: the ISO 9660 tree read without mounting, with
# Rock Ridge, Joliet and plain ISO names, on genisoimage and xorriso
# images. Set DV_TEST_SLOW=1 to also check a multi-extent (> 4 GiB) file.
. "$(dirname "$0")/lib.sh"

command -v genisoimage >/dev/null || skip_all "genisoimage not installed"

mkdir -p "$T/src/sub/deeper" "$T/src/Mixed Case Dir"
echo hello >"$T/src/a.txt"
head -c 100000 /dev/zero | tr '\0' 'x' >"$T/src/sub/b.bin"
echo c >"$T/src/sub/deeper/c.txt"
echo long >"$T/src/Mixed Case Dir/a rather long file name.text"
chmod 600 "$T/src/sub/b.bin"
ln -s ../a.txt "$T/src/sub/link"
touch -d '2020-02-03 04:05:06 UTC' "$T/src/a.txt"

# --- Rock Ridge (genisoimage -R -J) ---
genisoimage -quiet -R -J -o "$T/rr.iso" "$T/src" 2>/dev/null
ok_run "Rock Ridge: list" $DV inspect --list "$T/rr.iso"
L=$(cat "$T/out")
like "$L" "^# names: rockridge" "Rock Ridge names chosen"
like "$L" "-rw-r--r-- +1 +6 2020-02-03 04:05:06 /a.txt" "Rock Ridge: mode, size, mtime of a.txt"
like "$L" "-rw------- +1 +100000 .* /sub/b.bin" "Rock Ridge: mode 600 and size in a subdirectory"
like "$L" " /sub/deeper/c.txt" "Rock Ridge: file two levels down"
like "$L" "^drwxr-xr-x .* /sub/deeper" "Rock Ridge: directory mode"
like "$L" "^l.* /sub/link -> \\.\\./a\\.txt" "Rock Ridge: symlink target"
like "$L" " /Mixed Case Dir/a rather long file name.text" "Rock Ridge: long mixed-case names with spaces"
is "$(printf '%s\n' "$L" | grep -c ' /')" "8" "Rock Ridge: 8 entries"

# --- Rock Ridge: directories deeper than 8 levels are relocated (CL/RE) ---
mkdir -p "$T/deep/1/2/3/4/5/6/7/8/9/10"
echo deep >"$T/deep/1/2/3/4/5/6/7/8/9/10/f.txt"
genisoimage -quiet -R -o "$T/deep.iso" "$T/deep" 2>/dev/null
ok_run "deep tree: list" $DV inspect --list "$T/deep.iso"
like "$(cat "$T/out")" " 5 .* /1/2/3/4/5/6/7/8/9/10/f.txt$" "deep tree: relocated directory at its real place"

# --- Joliet ---
ok_run "Joliet: list" $DV inspect --list --names=joliet "$T/rr.iso"
L=$(cat "$T/out")
like "$L" "^# names: joliet" "Joliet names chosen"
like "$L" " /Mixed Case Dir/a rather long file name.text" "Joliet: long names"
like "$L" " /sub/deeper/c.txt" "Joliet: file two levels down"

genisoimage -quiet -J -o "$T/joliet.iso" "$T/src" 2>/dev/null
ok_run "Joliet only: list" $DV inspect --list "$T/joliet.iso"
like "$(cat "$T/out")" "^# names: joliet" "without Rock Ridge, Joliet is chosen"

# --- plain ISO 9660 ---
genisoimage -quiet -o "$T/plain.iso" "$T/src" 2>/dev/null
ok_run "plain ISO: list" $DV inspect --list "$T/plain.iso"
L=$(cat "$T/out")
like "$L" "^# names: iso9660" "plain ISO names chosen"
like "$L" "-r--r--r-- +1 +6 .* /A.TXT$" "plain ISO: version suffix removed"
like "$L" " /SUB/DEEPER/C.TXT$" "plain ISO: nested file"
ok_rc 1 "plain ISO: --names=rockridge fails" $DV inspect --list --names=rockridge "$T/plain.iso"
like "$(cat "$T/err")" "no Rock Ridge" "plain ISO: says why"

# --- xorriso ---
if command -v xorriso >/dev/null; then
	xorriso -as mkisofs -quiet -R -J -o "$T/xorriso.iso" "$T/src" 2>/dev/null
	ok_run "xorriso: list" $DV inspect --list "$T/xorriso.iso"
	L=$(cat "$T/out")
	like "$L" "-rw-r--r-- +1 +6 2020-02-03 04:05:06 /a.txt" "xorriso: a.txt"
	like "$L" " /sub/deeper/c.txt" "xorriso: nested file"
	like "$L" "^l.* /sub/link -> \\.\\./a\\.txt" "xorriso: symlink"
fi

# --- no ISO 9660 ---
head -c 100000 /dev/urandom >"$T/random.bin"
ok_rc 1 "random data: --list fails" $DV inspect --list "$T/random.bin"
like "$(cat "$T/err")" "no ISO 9660 primary volume descriptor" "random data: says why"

# --- a file of several extents (slow: writes a sparse 4.1 GiB image) ---
if [ "${DV_TEST_SLOW:-0}" = 1 ] && command -v xorriso >/dev/null; then
	mkdir "$T/big"
	truncate -s 4100M "$T/big/huge.bin"
	xorriso -as mkisofs -quiet -iso-level 3 -R -o - "$T/big" 2>/dev/null |
		cp --sparse=always /dev/stdin "$T/big.iso"
	ok_run "multi-extent: list" $DV inspect --list "$T/big.iso"
	like "$(cat "$T/out")" " 4299161600 .* /huge.bin" "multi-extent: full size of a 4.1 GiB file"
fi

done_testing

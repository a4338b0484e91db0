#!/bin/bash
# discvault inspect: structure and size check on images made here by
# genisoimage (ISO, Joliet, HFS hybrid, UDF), xorriso, mkudffs and hformat
# (Debian packages genisoimage, xorriso, udftools, hfsutils), and on
# truncated, padded and foreign copies; exit codes; output formats.
. "$(dirname "$0")/lib.sh"

command -v genisoimage >/dev/null || skip_all "genisoimage not installed"

mkdir -p "$T/src/sub/deeper"
echo hello >"$T/src/a.txt"
head -c 100000 /dev/zero | tr '\0' 'x' >"$T/src/sub/b.bin"
echo c >"$T/src/sub/deeper/c.txt"

size() { stat -c %s "$1"; }

# xml_val FILE ELEMENT: the text of the first <ELEMENT>
xml_val() { sed -n "s:.*<$2>\\(.*\\)</$2>.*:\\1:p" "$1" | head -n 1; }
# json_val FILE KEY: the first "KEY": value
json_val() { sed -n "s/.*\"$2\": \\([^,]*\\),\\{0,1\\}\$/\\1/p" "$1" | head -n 1 | tr -d '"'; }

# --- plain ISO 9660 ---
genisoimage -quiet -V PLAINVOL -o "$T/plain.iso" "$T/src" 2>/dev/null
ok_run "plain ISO: size as expected" $DV inspect "$T/plain.iso"
like "$(cat "$T/out")" "file systems: +ISO 9660" "plain ISO: ISO 9660 found"
like "$(cat "$T/out")" "volume: +PLAINVOL" "plain ISO: volume label"
like "$(cat "$T/out")" "from ISO 9660 primary volume descriptor" "plain ISO: size comes from the PVD"
ok_run "plain ISO: --xml" $DV inspect --xml "$T/plain.iso"
cp "$T/out" "$T/plain.xml"
like "$(head -n 2 "$T/plain.xml")" 'xmlns="http://kb.nl/ns/isolyzer/v1/"' "xml: isolyzer namespace"
is "$(xml_val "$T/plain.xml" sizeExpected)" "$(size "$T/plain.iso")" "xml: sizeExpected is the image size"
is "$(xml_val "$T/plain.xml" sizeDifferenceSectors)" "0.0" "xml: sizeDifferenceSectors 0.0"
is "$(xml_val "$T/plain.xml" sizeAsExpected)" "True" "xml: sizeAsExpected True"
is "$(xml_val "$T/plain.xml" smallerThanExpected)" "False" "xml: smallerThanExpected False"
is "$(xml_val "$T/plain.xml" containsKnownFileSystem)" "True" "xml: containsKnownFileSystem True"
is "$(xml_val "$T/plain.xml" volumeIdentifier)" "PLAINVOL" "xml: volumeIdentifier"
is "$(xml_val "$T/plain.xml" logicalBlockSize)" "2048" "xml: logicalBlockSize"
if command -v python3 >/dev/null; then
	python3 -c 'import sys, xml.dom.minidom; xml.dom.minidom.parse(sys.argv[1])' "$T/plain.xml"
	ok $? "xml: well-formed"
fi

# --- Joliet + Rock Ridge ---
genisoimage -quiet -J -R -o "$T/joliet.iso" "$T/src" 2>/dev/null
ok_run "Joliet ISO: size as expected" $DV inspect "$T/joliet.iso"
like "$(cat "$T/out")" "joliet: +yes \\(level 3\\)" "Joliet ISO: Joliet SVD found"
ok_run "Joliet ISO: --json" $DV inspect --json "$T/joliet.iso"
cp "$T/out" "$T/joliet.json"
like "$(cat "$T/joliet.json")" '"jolietVolumeDescriptor"' "json: Joliet descriptor reported"
is "$(json_val "$T/joliet.json" sizeExpectedSource)" "ISO 9660 primary volume descriptor" "json: sizeExpectedSource"
is "$(json_val "$T/joliet.json" sizeAsExpected)" "true" "json: sizeAsExpected true"
if command -v python3 >/dev/null; then
	python3 -c 'import json, sys; json.load(open(sys.argv[1]))' "$T/joliet.json"
	ok $? "json: valid JSON"
fi

# --- El Torito ---
head -c 2048 /dev/zero >"$T/src/boot.img"
genisoimage -quiet -b boot.img -no-emul-boot -boot-load-size 4 -o "$T/boot.iso" "$T/src" 2>/dev/null
rm "$T/src/boot.img"
ok_run "El Torito: size as expected" $DV inspect "$T/boot.iso"
like "$(cat "$T/out")" "el torito: +yes" "El Torito: boot record found"
ok_run "El Torito: --json" $DV inspect --json "$T/boot.iso"
like "$(cat "$T/out")" '"validationEntryValid": true' "El Torito: valid boot catalog"
like "$(cat "$T/out")" '"defaultEntryBootable": true' "El Torito: bootable default entry"
like "$(cat "$T/out")" '"defaultEntrySectorCount": 4' "El Torito: load size"

# --- HFS hybrid ---
if genisoimage -quiet -hfs -o "$T/hfs.iso" "$T/src" 2>/dev/null; then
	ok_run "HFS hybrid: size as expected" $DV inspect --xml "$T/hfs.iso"
	like "$(cat "$T/out")" '<fileSystem TYPE="HFS">' "HFS hybrid: HFS found"
	like "$(cat "$T/out")" '<fileSystem TYPE="ISO 9660">' "HFS hybrid: ISO 9660 found"
	like "$(cat "$T/out")" '<masterDirectoryBlock>' "HFS hybrid: master directory block"
	genisoimage -quiet -hfs -part -o "$T/hfspart.iso" "$T/src" 2>/dev/null
	ok_run "HFS hybrid with partition map: size as expected" $DV inspect --xml "$T/hfspart.iso"
	like "$(cat "$T/out")" '<appleZeroBlock>' "HFS partition map: zero block"
	like "$(cat "$T/out")" '<partitionType>Apple_HFS</partitionType>' "HFS partition map: Apple_HFS entry"
else
	diag "genisoimage -hfs not supported here"
fi

# --- ISO + UDF bridge ---
genisoimage -quiet -udf -o "$T/udf.iso" "$T/src" 2>/dev/null
ok_run "ISO+UDF: size as expected" $DV inspect --xml "$T/udf.iso"
like "$(cat "$T/out")" '<fileSystem TYPE="UDF">' "ISO+UDF: UDF found"
like "$(cat "$T/out")" '<logicalVolumeIntegrityDescriptor>' "ISO+UDF: LVID parsed"
like "$(cat "$T/out")" '<partitionDescriptor>' "ISO+UDF: partition descriptor parsed"
ok_run "ISO+UDF: human summary" $DV inspect "$T/udf.iso"
like "$(cat "$T/out")" "udf anchors: +256 yes" "ISO+UDF: anchor at 256"

# --- xorriso ---
if command -v xorriso >/dev/null; then
	xorriso -as mkisofs -quiet -R -J -V XORRISO -o "$T/xorriso.iso" "$T/src" 2>/dev/null
	ok_run "xorriso ISO: size as expected" $DV inspect "$T/xorriso.iso"
	like "$(cat "$T/out")" "volume: +XORRISO" "xorriso ISO: volume label"
else
	diag "xorriso not installed"
fi

# --- mkudffs: a bare UDF file system ---
if command -v mkudffs >/dev/null; then
	truncate -s 4M "$T/udf.img"
	mkudffs --media-type=hd --blocksize=2048 --label=BAREUDF "$T/udf.img" >/dev/null 2>&1
	ok_rc 2 "mkudffs: larger than the UDF estimate" $DV inspect --json "$T/udf.img"
	cp "$T/out" "$T/udf.json"
	is "$(json_val "$T/udf.json" sizeExpectedSource)" "UDF partition descriptor" "mkudffs: size from UDF"
	exp=$(json_val "$T/udf.json" sizeExpected)
	start=$(json_val "$T/udf.json" partitionStartingLocation)
	len=$(json_val "$T/udf.json" partitionLength)
	is "$exp" "$(( (start + len) * 2048 ))" "mkudffs: expected = (start + length) x block size"
	is "$(json_val "$T/udf.json" sizeDifference)" "$(( 4194304 - exp ))" "mkudffs: difference in bytes"
	is "$(json_val "$T/udf.json" logicalVolumeIdentifier)" "BAREUDF" "mkudffs: volume identifier"
	like "$(cat "$T/udf.json")" '"position": "N-1"' "mkudffs: anchor at N-1 found"
else
	diag "mkudffs not installed (udftools)"
fi

# --- a bare HFS volume (hfsutils) ---
if command -v hformat >/dev/null; then
	head -c 1474560 /dev/zero >"$T/hfs.img"
	HOME=$T hformat -l HFSVOL "$T/hfs.img" >/dev/null 2>&1
	ok_rc 2 "hformat HFS: larger than the MDB's allocation blocks" $DV inspect --xml "$T/hfs.img"
	cp "$T/out" "$T/hfs.xml"
	like "$(cat "$T/hfs.xml")" '<fileSystem TYPE="HFS">' "hformat HFS: HFS found"
	is "$(xml_val "$T/hfs.xml" volumeName)" "HFSVOL" "hformat HFS: volume name"
	exp=$(( $(xml_val "$T/hfs.xml" blockSize) * $(xml_val "$T/hfs.xml" blockCount) ))
	is "$(xml_val "$T/hfs.xml" sizeExpected)" "$exp" "hformat HFS: expected = MDB blocks x size"
	is "$(xml_val "$T/hfs.xml" sizeDifference)" "$(( 1474560 - exp ))" "hformat HFS: difference"
else
	diag "hformat not installed (hfsutils)"
fi

# --- truncated and padded copies ---
sz=$(size "$T/plain.iso")
head -c $((sz - 100000)) "$T/plain.iso" >"$T/trunc.iso"
ok_rc 2 "truncated copy: exit 2" $DV inspect --xml "$T/trunc.iso"
cp "$T/out" "$T/trunc.xml"
is "$(xml_val "$T/trunc.xml" sizeDifference)" "-100000" "truncated: difference in bytes"
is "$(xml_val "$T/trunc.xml" sizeDifferenceSectors)" "-48.828125" "truncated: difference in sectors"
is "$(xml_val "$T/trunc.xml" smallerThanExpected)" "True" "truncated: smaller than expected"
is "$(xml_val "$T/trunc.xml" sizeAsExpected)" "False" "truncated: not as expected"
ok_rc 2 "truncated copy: human summary" $DV inspect "$T/trunc.iso"
like "$(cat "$T/out")" "smaller than expected" "truncated: summary says so"

cat "$T/plain.iso" >"$T/padded.iso"
head -c 4096 /dev/zero >>"$T/padded.iso"
ok_rc 2 "padded copy: exit 2" $DV inspect --xml "$T/padded.iso"
is "$(xml_val "$T/out" sizeDifference)" "4096" "padded: difference in bytes"
is "$(xml_val "$T/out" sizeDifferenceSectors)" "2.0" "padded: difference in sectors"
is "$(xml_val "$T/out" smallerThanExpected)" "False" "padded: not smaller"

head -c 34000 "$T/plain.iso" >"$T/stub.iso"  # one CD001 of the two
ok_rc 3 "cut before the descriptors: no known file system" $DV inspect --xml "$T/stub.iso"
is "$(xml_val "$T/out" containsKnownFileSystem)" "False" "stub: containsKnownFileSystem False"
is "$(xml_val "$T/out" sizeExpected)" "0" "stub: sizeExpected 0"

# --- no file system, bad arguments ---
head -c 200000 /dev/urandom >"$T/random.bin"
ok_rc 3 "random data: exit 3" $DV inspect "$T/random.bin"
: >"$T/empty.iso"
ok_rc 3 "empty file: exit 3" $DV inspect "$T/empty.iso"
ok_rc 1 "missing file: exit 1" $DV inspect "$T/nope.iso"
like "$(cat "$T/err")" "cannot open '.*nope.iso'" "missing file: message names it"
ok_rc 1 "directory: exit 1" $DV inspect "$T/src"
ok_rc 1 "no argument: exit 1" $DV inspect
ok_rc 1 "bad option: exit 1" $DV inspect --bogus "$T/plain.iso"
like "$(cat "$T/err")" "unknown option '--bogus'" "bad option: named"
ok_rc 1 "-o without a value: exit 1" $DV inspect "$T/plain.iso" -o
like "$(cat "$T/err")" "needs a value" "-o without a value: says so"
ok_rc 1 "bad --offset: exit 1" $DV inspect --offset=-3 "$T/plain.iso"
ok_run "--help" $DV inspect --help
like "$(cat "$T/out")" "Exit status" "--help documents the exit status"

# --- -o FILE ---
ok_run "-o writes the report" $DV inspect --xml -o "$T/report.xml" "$T/plain.iso"
is "$(cat "$T/out")" "" "-o: nothing on stdout"
is "$(xml_val "$T/report.xml" sizeAsExpected)" "True" "-o: report content"
[ ! -e "$T/report.xml.tmp" ]
ok $? "-o: no temporary file left"
ok_rc 1 "-o into a missing directory: exit 1" $DV inspect --xml -o "$T/no/such/dir/r.xml" "$T/plain.iso"

# --- a later session: --offset ---
ok_rc 2 "--offset changes the expected size" $DV inspect --xml --offset 10 "$T/plain.iso"
is "$(xml_val "$T/out" sizeDifference)" "20480" "--offset 10: 10 sectors fewer expected"
is "$(xml_val "$T/out" sectorOffset)" "10" "--offset: sectorOffset reported"

done_testing

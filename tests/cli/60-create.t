#!/bin/bash
# 60-create.t - discvault create, generation 1: a multi-disc set on small
# "discs" whose images MD5-check with xorriso, whose contents pass
# sha512sum -c and par2 verify, and which plain dar restores bit for bit.
. "$(dirname "$0")/lib.sh"
for t in dar par2 xorriso sha512sum; do
	command -v $t >/dev/null || skip_all "$t not installed"
done

# extract every image of set $1 (a directory) into $2/discNNNN and gather
# the files of all discs in $2/all
extract_set() {
	local out=$1 dst=$2 i
	mkdir -p "$dst/all"
	for i in "$out"/*.iso; do
		local d="$dst/$(basename "$i" .iso)"
		xorriso -osirrox on -indev "$i" -extract / "$d" >/dev/null 2>&1 || return 1
		chmod -R u+w "$d"
		cp -n "$d"/*/* "$dst/all/" || return 1
	done
}

# A mixed source: incompressible, compressible, many small files, odd names,
# modes, a symlink, an empty file and an empty directory.
S=$T/src
mkdir -p "$S/media" "$S/text" "$S/small/a/b" "$S/empty-dir"
head -c 30000000 /dev/urandom >"$S/media/clip.bin"
head -c 9000000 /dev/urandom >"$S/media/photo.jpg"
seq 1 3000000 >"$S/text/numbers.txt"
for i in $(seq 1 300); do echo "small file $i" >"$S/small/a/b/f$i.txt"; done
printf 'newline' >"$S/small/with
newline"
printf 'latin1' >"$S/small/caf$(printf '\351')"
printf 'spaces' >"$S/small/  lead and 'quotes' \$HOME *"
: >"$S/small/empty"
chmod 600 "$S/small/empty"
chmod 751 "$S/small/a"
ln -s ../text/numbers.txt "$S/small/link"

ok_run "create a set of 40 MB discs, 8 MB slices" \
	"$DV" create -s "$S" -n photos -o "$T/set" -b 40M --max-slice 8M -y
like "$(cat "$T/out" "$T/err")" "Found: +307 files" "the plan counts the files"
like "$(cat "$T/out")" "ratio [0-9.]+ estimated from a" "the plan shows the sampled ratio"
like "$(cat "$T/out")" "Discs: +2" "the plan shows two discs"
like "$(cat "$T/out")" "last disc" "the plan shows the last disc's fill"
like "$(cat "$T/out")" "Staging: +about" "the plan shows staging space"

O=$T/set
n=$(ls "$O"/photos-gen1.disc*.iso | wc -l)
is "$n" 2 "two disc images"
ok_run "the set file is valid JSON" python3 -c "import json,sys; json.load(open(sys.argv[1]))" "$O/photos-gen1.set.json"
is "$(python3 -c "import json,sys; s=json.load(open(sys.argv[1])); print(s['complete'], s['generation'], len(s['discs']), s['discs'][1]['label'])" "$O/photos-gen1.set.json")" \
	"True 1 2 photos_G01_0002" "set file: complete, generation, discs, labels"
ok_run "recorded SHA-256 of each image matches" python3 -c '
import hashlib, json, os, sys
s = json.load(open(sys.argv[1]))
d = os.path.dirname(sys.argv[1])
for disc in s["discs"]:
    p = os.path.join(d, disc["image"])
    h = hashlib.sha256(open(p, "rb").read()).hexdigest()
    assert h == disc["sha256"], p
    assert os.path.getsize(p) == disc["size"], p
    assert disc["size"] <= s["capacity"], p
' "$O/photos-gen1.set.json"
ok_run "the catalog stays in OUT with its checksum" test -s "$O/photos-gen1-catalog.0001.dar"
ok_run "no work directory or marker left" test ! -e "$O/.discvault-work" -a ! -e "$O/photos-gen1.INCOMPLETE"

for i in "$O"/*.iso; do
	ok_run "xorriso MD5-checks $(basename "$i")" xorriso -md5 on -indev "$i" -check_md5 FAILURE --
done
vol=$(xorriso -indev "$O/photos-gen1.disc0001.iso" -pvd_info 2>/dev/null | sed -n 's/^Volume Id *: *//p')
is "$vol" "photos_G01_0001" "volume label"
lst=$(xorriso -indev "$O/photos-gen1.disc0002.iso" -find / -type f -- 2>/dev/null)
like "$lst" "'/photos-gen1/README.txt'" "README on the disc"
like "$lst" "'/photos-gen1/photos-gen1.disc0002.json'" "disc identity on the disc"
like "$lst" "'/photos-gen1/photos-gen1-catalog.0001.dar'" "catalog on disc 2"
like "$lst" "'/photos-gen1/photos-gen1-catalog.0001.dar.sha512'" "catalog checksum on disc 2"

extract_set "$O" "$T/x"
ok $? "images extract with xorriso"
for d in "$T"/x/photos-gen1.disc*; do
	dd=$(basename "$d")
	ok_run "$dd: sha512sum -c" sh -c "cd '$d/photos-gen1' && sha512sum -c *.sha512"
	for p in "$d"/photos-gen1/*.dar.par2; do
		ok_run "$dd: par2 verify $(basename "$p")" par2 verify -q "$p"
	done
	ok_run "$dd: disc JSON" python3 -c "import json,sys; j=json.load(open(sys.argv[1])); assert j['chain']=='photos' and j['discs']==2" \
		"$d/photos-gen1/$dd.json"
done
ok_run "disc 1 holds several slices" test "$(ls "$T"/x/photos-gen1.disc0001/photos-gen1/photos-gen1.0*.dar | wc -l)" -eq 4
like "$(cat "$T"/x/photos-gen1.disc0001/photos-gen1/README.txt)" "dar -x DIR/photos-gen1 -R" "README tells how to restore"

mkdir "$T/r"
ok_run "plain dar restores the set" dar -x "$T/x/all/photos-gen1" -R "$T/r" -Q
ok_run "restored tree is identical" diff -r --no-dereference "$S" "$T/r"
is "$(cd "$S" && find . -printf '%p %m %s\n' | sort | md5sum)" "$(cd "$T/r" && find . -printf '%p %m %s\n' | sort | md5sum)" \
	"names, modes and sizes identical"

# a damaged slice is repaired by par2 alone
cp -r "$T/x/photos-gen1.disc0001/photos-gen1" "$T/dmg"
printf 'XXXXXXXXXXXXXXXX' | dd of="$T/dmg/photos-gen1.0001.dar" bs=1 seek=100000 conv=notrunc 2>/dev/null
ok_rc 1 "sha512sum notices the damage" sh -c "cd '$T/dmg' && sha512sum -c --quiet photos-gen1.0001.dar.sha512"
ok_run "par2 repair fixes it" par2 repair -q "$T/dmg/photos-gen1.0001.dar.par2"
ok_run "repaired slice passes sha512sum -c" sh -c "cd '$T/dmg' && sha512sum -c photos-gen1.0001.dar.sha512"

# images are reproducible from the same slices only through the timestamps;
# check the pinned ones
ok_run "same ISO timestamps in both images" sh -c \
	"test \"\$(xorriso -indev '$O/photos-gen1.disc0001.iso' -pvd_info 2>/dev/null | grep 'Creation Time')\" = \"\$(xorriso -indev '$O/photos-gen1.disc0002.iso' -pvd_info 2>/dev/null | grep 'Creation Time')\""

# one disc, media names, compression none
ok_run "a single-disc set with --media cd and -c none" \
	"$DV" create -s "$S/text" -n words -o "$T/cd" --media cd -c none -y
like "$(cat "$T/out")" "Discs: +1" "one disc"
like "$(cat "$T/out")" "737280000 bytes" "CD capacity"

# a separate work directory
ok_run "a set with -w elsewhere" "$DV" create -s "$S/text" -n worded -o "$T/wset" -w "$T/work" -b 40M -y
ok_run "the work directory is emptied" test -z "$(ls -A "$T/work" 2>/dev/null)"
ok_run "its image MD5-checks" xorriso -md5 on -indev "$T/wset/worded-gen1.disc0001.iso" -check_md5 FAILURE --

# -D: the capacity of the blank disc in a (simulated) drive
"$DV" sim new "$T/sim" >/dev/null 2>&1
"$DV" sim insert "$T/sim" --media cd-r --capacity 40M >/dev/null 2>&1
ok_run "-D takes the capacity from the blank disc in the drive" \
	"$DV" create -s "$S" -n simmed -o "$T/simset" -D "sim:$T/sim" -y
like "$(cat "$T/err")" "41943040 bytes" "the capacity of the simulated 40M CD-R"
like "$(cat "$T/out")" "Discs: +2" "two discs of that size"
done_testing

#!/bin/bash
# Build every libFuzzer target with clang (ASan + UBSan) and run each for
# $DV_FUZZ_SECONDS (default 20) on seeds made here: disc images, PAR2 sets,
# simulated-drive state files. A crash, leak or timeout fails the test.
. "$(dirname "$0")/../cli/lib.sh"

command -v clang >/dev/null || skip_all "clang not installed"
SECS=${DV_FUZZ_SECONDS:-20}
B=$TOP/build-fuzz
if [ ! -d "$B" ]; then
	CC=clang meson setup "$B" "$TOP" -Dfuzz=true -Db_sanitize=address,undefined \
		-Db_lundef=false >"$T/setup.log" 2>&1 || { cat "$T/setup.log"; exit 1; }
fi
ninja -C "$B" >"$T/build.log" 2>&1 || { tail -n 30 "$T/build.log" | sed 's/^/# /'; echo "not ok 1 - fuzz build"; echo 1..1; exit 1; }

# seeds
mkdir -p "$T/seed-inspect" "$T/seed-par2" "$T/seed-sim" "$T/src"
echo hello >"$T/src/a.txt"
head -c 3000 /dev/urandom >"$T/src/b.bin"
if command -v genisoimage >/dev/null; then
	genisoimage -quiet -R -J -o "$T/x.iso" "$T/src" 2>/dev/null && head -c 200000 "$T/x.iso" >"$T/seed-inspect/iso"
	genisoimage -quiet -udf -o "$T/u.iso" "$T/src" 2>/dev/null && head -c 600000 "$T/u.iso" >"$T/seed-inspect/udf"
fi
if command -v par2 >/dev/null; then
	(cd "$T/src" && par2 create -q -q -r20 -b8 s.par2 b.bin >/dev/null 2>&1)
	for f in "$T"/src/*.par2; do [ -e "$f" ] && cp "$f" "$T/seed-par2/"; done
fi
printf 'vendor=X\nmodel=Y\nspeed_kbps=100\ntray=open\n' >"$T/seed-sim/drive"
printf 'type=bd-r25\nstate=closed\ncapacity=4096\nwritten=2048\nid=3\nlabel=A\n' >"$T/seed-sim/medium"
printf 'unreadable 10 5\nflip 100 255\nwrite-fail 7\n' >"$T/seed-sim/damage"

for target in "$B"/fuzz_*; do
	[ -f "$target" ] && [ -x "$target" ] || continue
	name=${target##*/fuzz_}
	mkdir -p "$T/corpus-$name"
	seeds=$T/seed-$name
	[ -d "$seeds" ] || seeds=
	"$target" -max_total_time="$SECS" -timeout=10 -rss_limit_mb=2048 -max_len=1048576 \
		-print_final_stats=0 "$T/corpus-$name" $seeds >"$T/fuzz-$name.log" 2>&1
	rc=$?
	[ $rc -eq 0 ] || grep -E "ERROR|SUMMARY|==[0-9]+==" "$T/fuzz-$name.log" | head -n 20 | sed 's/^/# /'
	ok $rc "fuzz $name for ${SECS}s"
done
done_testing

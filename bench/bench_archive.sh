#!/bin/bash
# bench_archive.sh - verify and extract of an archive disc, against the
# standard tools doing the same work in the same run:
#   verify:  discvault verify sim:DISC    vs  sha512sum -c of the slices
#                                              (on a copy of the disc's files)
#   extract: discvault extract --from IMG vs  plain dar -x on the same slices
# The disc is one image of SIZE_MIB of incompressible data made by
# discvault create (one generation, PAR2 5%). Writes docs/benchmarks/archive.md.
#
# usage: bench/bench_archive.sh [BUILD_DIR] [WORK_DIR] [SIZE_MIB]
set -eu
TOP=$(cd "$(dirname "$0")/.." && pwd)
B=${1:-$TOP/build}
DV=$B/discvault
W=${2:-/dev/shm}/dvbench-archive.$$
MIB=${3:-2048}
OUT=$TOP/docs/benchmarks/archive.md
mkdir -p "$W" "$TOP/docs/benchmarks"
trap 'rm -rf "$W"' EXIT
run() {
	/usr/bin/time -f '%e %M %U %S' -o "$W/time" "$@" >/dev/null 2>"$W/stderr" || { cat "$W/stderr" >&2; exit 1; }
	read -r SECS RSS_KB USR SYS <"$W/time"
}
mbps() { awk -v b="$1" -v s="$2" 'BEGIN { printf "%.0f", b / 1e6 / (s > 0 ? s : 0.001) }'; }

mkdir -p "$W/src"
head -c $((MIB * 1048576)) /dev/urandom >"$W/src/footage.bin"
"$DV" create -s "$W/src" -n bench -o "$W/set" -b $(( (MIB + MIB / 5 + 64) * 1048576 )) -c none -y >/dev/null 2>&1
img=$(ls "$W/set"/*.iso | head -n 1)
bytes=$(stat -c %s "$img")
"$DV" sim new "$W/drv" >/dev/null
"$DV" sim insert "$W/drv" "$img"
cat "$img" >/dev/null

run "$DV" verify "sim:$W/drv"
v_s=$SECS v_rss=$RSS_KB
xorriso -osirrox on -indev "stdio:$img" -extract / "$W/files" >"$W/xorriso.log" 2>&1 || { tail -n 5 "$W/xorriso.log" >&2; exit 1; }
chmod -R u+w "$W/files"
cat "$W/files"/*/*.dar >/dev/null
run sh -c "cd '$W/files'/bench-gen1 && sha512sum -c --quiet *.sha512"
p_s=$SECS p_rss=$RSS_KB
slices=$(cat "$W/files"/bench-gen1/bench-gen1.0*.dar | wc -c)

run "$DV" extract -o "$W/r1" -w "$W/work1" --from "$img"
e_s=$SECS e_rss=$RSS_KB
rm -rf "$W/r1" "$W/work1"
mkdir -p "$W/r2"
run dar -x "$W/files/bench-gen1/bench-gen1" -R "$W/r2" -w -O -Q
d_s=$SECS d_rss=$RSS_KB

{
	echo "# Verify and extract of an archive disc"
	echo
	echo "Measured $(date -u +%Y-%m-%d) by \`bench/bench_archive.sh\` on $(nproc) cores"
	echo "($(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2 | sed 's/^ //')), work directory ${2:-/dev/shm},"
	echo "load average before the run: $(cut -d' ' -f1-3 /proc/loadavg)."
	echo "One disc image of $((bytes / 1048576)) MiB made by \`discvault create -c none\` from $MIB MiB of random data."
	echo
	echo "| task | discvault | MB/s | peak RSS | peer (same run) | MB/s | peak RSS |"
	echo "|---|---|---|---|---|---|---|"
	echo "| verify a disc (SHA-512 of every slice, PAR2 files read for the margin) | $v_s s | **$(mbps "$bytes" "$v_s")** (of the disc) | $((v_rss / 1024)) MiB | \`sha512sum -c\` of the slices: $p_s s | $(mbps "$slices" "$p_s") | $((p_rss / 1024)) MiB |"
	echo "| extract (stage + SHA-512 check + dar -x) | $e_s s | $(mbps "$slices" "$e_s") (of the slices) | $((e_rss / 1024)) MiB | plain \`dar -x\` of staged slices: $d_s s | $(mbps "$slices" "$d_s") | $((d_rss / 1024)) MiB |"
} >"$OUT"
cat "$OUT"

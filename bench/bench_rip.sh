#!/bin/bash
# bench_rip.sh - discvault rip of a 4 GiB simulated disc (an ISO of four
# 1 GiB random files, with libisofs MD5 tags) with four hashes, against
# what the seed's approach costs with standard tools in the same run:
#   dd if=DISC of=IMAGE bs=4M && md5sum IMAGE && sha256sum IMAGE
# Reports seconds, MB/s and peak RSS (/usr/bin/time -v). Writes
# docs/benchmarks/rip.md.
#
# usage: bench/bench_rip.sh [DISCVAULT_BINARY] [WORK_DIR]
# WORK_DIR defaults to /dev/shm (memory, 9 GiB needed), so the figures are
# CPU-bound; on a disk-backed WORK_DIR they measure the disk.
# BENCH_RUNS (default 3): runs of the full rip; the table gives the median
# and the notes every run.
set -eu
TOP=$(cd "$(dirname "$0")/.." && pwd)
DV=${1:-${DISCVAULT:-$TOP/build/discvault}}
W=${2:-/dev/shm}/dvbench-rip.$$
OUT=$TOP/docs/benchmarks/rip.md
GIB=${BENCH_GIB:-4}
RUNS=${BENCH_RUNS:-3}
command -v /usr/bin/time >/dev/null || { echo "needs /usr/bin/time (apt-get install time)" >&2; exit 1; }
command -v xorriso >/dev/null || { echo "needs xorriso" >&2; exit 1; }
"$DV" rip --help >/dev/null 2>&1 || { echo "$DV has no rip command" >&2; exit 1; }
mkdir -p "$W/src" "$TOP/docs/benchmarks"
trap 'rm -rf "$W"' EXIT

# run CMD...: sets SECS and RSS_KB
run() {
	/usr/bin/time -v -o "$W/time" "$@" >/dev/null 2>"$W/stderr"
	local rc=$?
	[ $rc -eq 0 ] || { echo "exit $rc: $*" >&2; tail -5 "$W/stderr" >&2; exit 1; }
	SECS=$(awk -F': ' '/Elapsed \(wall clock\)/ { n = split($2, p, ":"); s = 0; for (i = 1; i <= n; i++) s = s * 60 + p[i]; print s }' "$W/time")
	RSS_KB=$(awk -F': ' '/Maximum resident/ { print $2 }' "$W/time")
	CPU=$(awk -F': ' '/User time/ { u = $2 } /System time/ { s = $2 } END { printf "%.2f", u + s }' "$W/time")
	USR=$(awk -F': ' '/User time/ { printf "%.2f", $2 }' "$W/time")
	SYS=$(awk -F': ' '/System time/ { printf "%.2f", $2 }' "$W/time")
}
mbps() { awk -v b="$1" -v s="$2" 'BEGIN { printf "%.0f", b / 1e6 / (s > 0 ? s : 0.001) }'; }
mf() { python3 -c "import json,sys; m=json.load(open(sys.argv[1])); print($2)" "$1"; }

for i in $(seq 1 "$GIB"); do
	openssl enc -aes-128-ctr -nosalt -pass pass:discvault$i </dev/zero 2>/dev/null |
		head -c 1073741824 >"$W/src/part$i.bin"
done
xorriso -as mkisofs --md5 -r -V BENCH_4G -o "$W/disc.iso" "$W/src" >/dev/null 2>&1
rm -rf "$W/src"
bytes=$(stat -c %s "$W/disc.iso")
"$DV" sim new "$W/sim" >/dev/null
"$DV" sim insert "$W/sim" "$W/disc.iso" >/dev/null
cat "$W/disc.iso" >/dev/null
load_before=$(cut -d' ' -f1-3 /proc/loadavg)

# 1. discvault rip, four hashes, image read back, MD5 tags, inspect,
# per-file MD5s; RUNS times, the median run in the table
: >"$W/runs"
for k in $(seq 1 "$RUNS"); do
	run "$DV" rip -D "sim:$W/sim" --filename full --dir "$W/out" --operator bench --no-eject --sha512
	read_s=$(mf "$W/out/full/full_manifest.json" "m['timing_performance']['iso_creation']['duration_seconds']")
	src=$(mf "$W/out/full/full_manifest.json" "'%d/%d' % (m['operations_performed']['tree_listing']['per_file_md5']['from_disc_read'], m['operations_performed']['tree_listing']['per_file_md5']['from_image_file'])")
	cmp "$W/out/full/full.iso" "$W/disc.iso"
	echo "$SECS $RSS_KB $CPU $USR $SYS $read_s $(cut -d' ' -f1 /proc/loadavg) $src" >>"$W/runs"
	rm -rf "$W/out"
done
read -r full_s full_rss full_cpu full_usr full_sys full_read_s full_load full_src < \
	<(sort -n "$W/runs" | awk -v n="$RUNS" 'NR == int((n + 1) / 2)')
full_runs=$(awk -v b="$bytes" '{ printf "%s%s s (%.0f MB/s, CPU %s s = user %s + sys %s, load %s)", (NR > 1 ? "; " : ""), $1, b / 1e6 / $1, $3, $4, $5, $7 }' "$W/runs")

# 2. the same without reading the image back
run "$DV" rip -D "sim:$W/sim" --filename nv --dir "$W/out" --operator bench --no-eject --sha512 --no-verification
nv_s=$SECS nv_rss=$RSS_KB nv_cpu=$CPU
rm -rf "$W/out"

# 3. the read phase alone: the same bytes as a disc with no file system
# (no tags, no listing), no read-back: read + four hashes + write
"$DV" sim new "$W/simraw" >/dev/null
"$DV" sim insert "$W/simraw" "$W/disc.iso" >/dev/null
head -c 65536 /dev/zero | dd of="$W/disc.iso" bs=2048 seek=16 conv=notrunc 2>/dev/null
run "$DV" rip -D "sim:$W/simraw" --filename raw --dir "$W/out" --operator bench --no-eject --sha512 --no-verification
raw_s=$SECS raw_rss=$RSS_KB raw_cpu=$CPU
rm -rf "$W/out"

# 4. dd + md5sum + sha256sum (two hashes only, and no record at all)
mkdir -p "$W/out"
t0=$(date +%s.%N)
run dd if="$W/disc.iso" of="$W/out/dd.iso" bs=4M
dd_s=$SECS dd_rss=$RSS_KB dd_cpu=$CPU
run md5sum "$W/out/dd.iso"
md5_s=$SECS md5_rss=$RSS_KB md5_cpu=$CPU
run sha256sum "$W/out/dd.iso"
sha_s=$SECS sha_rss=$RSS_KB sha_cpu=$CPU
peer_s=$(awk -v a="$dd_s" -v b="$md5_s" -v c="$sha_s" 'BEGIN { printf "%.2f", a + b + c }')
peer_cpu=$(awk -v a="$dd_cpu" -v b="$md5_cpu" -v c="$sha_cpu" 'BEGIN { printf "%.2f", a + b + c }')
peer_rss=$(printf '%s\n' "$dd_rss" "$md5_rss" "$sha_rss" | sort -n | tail -1)
load_after=$(cut -d' ' -f1-3 /proc/loadavg)

# one OpenSSL stream of each digest on this CPU, GB/s
gbps() { openssl speed -bytes 4194304 -seconds 1 -evp "$1" 2>/dev/null | awk -v a="$1" '$1 == a { sub(/k$/, "", $2); printf "%.2f", $2 * 1000 / 1e9 }'; }
r_md5=$(gbps md5) r_sha1=$(gbps sha1) r_sha256=$(gbps sha256) r_sha512=$(gbps sha512)
floor=$(awk -v b="$bytes" -v m="$r_md5" -v s1="$r_sha1" -v s2="$r_sha256" -v s5="$r_sha512" \
	'BEGIN { printf "%.1f", b / 1e9 * (1 / m + 1 / s1 + 2 / s2 + 1 / s5) }')

cpu=$(awk -F': ' '/model name/ { print $2; exit }' /proc/cpuinfo)
{
	echo "# Benchmark: discvault rip"
	echo
	echo "Generated by \`bench/bench_rip.sh\` on $(date -u +%Y-%m-%d) — $(nproc) CPUs ($cpu),"
	echo "$(uname -sr). Work directory: $(dirname "$W") (tmpfs, so CPU-bound). Load average"
	echo "before: $load_before, after: $load_after (the machine is shared with other builds)."
	echo
	echo "The disc: a ${GIB} GiB ISO ($bytes bytes: $GIB files of 1 GiB of random data, made by"
	echo "\`xorriso -as mkisofs --md5 -r\`) in a simulated drive with no speed limit."
	echo
	echo "| run | what it does | wall s | MB/s (wall) | CPU s (user+sys) | peak RSS |"
	echo "|---|---|---|---|---|---|"
	echo "| discvault rip --sha512 (median of $RUNS) | read; MD5+SHA-1+SHA-256+SHA-512, the 3 libisofs MD5 tags and the MD5 of every file in one pass; write; the image read back (SHA-256) while the disc is read; inspect; listing | $full_s | $(mbps "$bytes" "$full_s") | $full_cpu | $((full_rss / 1024)) MiB |"
	echo "| — its read phase | the read, with all of the above that runs during it (from the manifest) | $(printf '%.2f' "$full_read_s") | $(mbps "$bytes" "$full_read_s") | | |"
	echo "| discvault rip --sha512 --no-verification | as the first row, without the read-back | $nv_s | $(mbps "$bytes" "$nv_s") | $nv_cpu | $((nv_rss / 1024)) MiB |"
	echo "| discvault rip --sha512 --no-verification, no file system | read, four hashes in one pass, write (the same bytes with the volume descriptors zeroed: no tags, no listing, no per-file MD5s) | $raw_s | $(mbps "$bytes" "$raw_s") | $raw_cpu | $((raw_rss / 1024)) MiB |"
	echo "| dd bs=4M + md5sum + sha256sum | copy, then two hashes, one after the other | $peer_s | $(mbps "$bytes" "$peer_s") | $peer_cpu | $((peer_rss / 1024)) MiB |"
	echo "| — dd alone | copy | $dd_s | $(mbps "$bytes" "$dd_s") | $dd_cpu | $((dd_rss / 1024)) MiB |"
	echo
	echo "MB/s is the disc size divided by the wall time of the whole run (10^6 bytes)."
	echo "The full rip, every run: $full_runs. Per-file MD5s"
	echo "computed while reading the disc / from the image file: $full_src."
	echo
	echo "One OpenSSL stream on this CPU hashes MD5 at $r_md5, SHA-1 at $r_sha1, SHA-256 at"
	echo "$r_sha256 and SHA-512 at $r_sha512 GB/s: the digests of the full rip (the four of the"
	echo "stream, and the SHA-256 of the image read back) take at least $floor CPU s on"
	echo "their own; the files' MD5s ride in the lanes of the image's."
	echo
	echo "On $(nproc) CPUs a run cannot take less than CPU / $(nproc) seconds. During the read"
	echo "four threads share them: the reader (the simulated drive's reads and the"
	echo "writes of the image), two hash workers (the image's MD5 and the current"
	echo "file's MD5 together in md5mb lanes, with SHA-1; SHA-256 with SHA-512) and the"
	echo "read-back (each 16 MiB range of the image file once written: flushed,"
	echo "dropped from the page cache, read and hashed with SHA-256), so nothing but"
	echo "inspect and the listing of the tree comes after the read. Most of the system"
	echo "time is tmpfs allocating pages for the ${GIB} GiB image; dd pays it too, and it"
	echo "varies from run to run on this VM by several seconds."
	echo "A real drive reads BD at 4.5-54 MB/s (1x-12x) and DVD at 1.4-22 MB/s, so the"
	echo "drive, not the CPU, is the limit. The peers do less: two digests, no tag"
	echo "check, no read-back, no record, no file listing."
} >"$OUT"
cat "$OUT"

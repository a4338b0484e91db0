#!/bin/bash
# bench_burn.sh - burn + verify to a simulated drive with no speed limit,
# against the same work done by standard tools in the same run:
#   cp IMAGE DISC && sha256sum IMAGE && sha256sum DISC
# (what a burn, a read-back and two checksums cost without discvault).
# Reports MB/s, ratio and peak memory for two image sizes, to show the peak
# does not grow with the image. Writes docs/benchmarks/burn.md.
#
# usage: bench/bench_burn.sh [BUILD_DIR] [WORK_DIR]
# WORK_DIR defaults to /dev/shm (memory), so the figures are CPU-bound;
# on a disk-backed WORK_DIR they measure the disk.
set -eu
TOP=$(cd "$(dirname "$0")/.." && pwd)
B=${1:-$TOP/build}
DV=$B/discvault
W=${2:-/dev/shm}/dvbench.$$
OUT=$TOP/docs/benchmarks/burn.md
command -v /usr/bin/time >/dev/null || { echo "needs /usr/bin/time (apt-get install time)" >&2; exit 1; }
mkdir -p "$W" "$TOP/docs/benchmarks"
trap 'rm -rf "$W"' EXIT

# run CMD...: sets SECS and RSS_KB
run() {
	/usr/bin/time -f '%e %M' -o "$W/time" "$@" >/dev/null 2>"$W/stderr" || { cat "$W/stderr" >&2; exit 1; }
	read -r SECS RSS_KB <"$W/time"
}
mbps() { awk -v b="$1" -v s="$2" 'BEGIN { printf "%.0f", b / 1e6 / (s > 0 ? s : 0.001) }'; }

rows=""
for mib in 1024 3072; do
	img=$W/img.iso
	head -c $((mib * 1048576)) /dev/urandom >"$img"
	bytes=$((mib * 1048576))
	cat "$img" >/dev/null

	rm -rf "$W/drv"
	"$DV" sim new "$W/drv" --queue bd-r25 >/dev/null
	run "$DV" burn --device "sim:$W/drv" --no-eject "$img"
	dv_s=$SECS dv_rss=$RSS_KB
	rm -rf "$W/drv"

	run sh -c "cp '$img' '$W/disc' && sha256sum '$img' && sha256sum '$W/disc'"
	peer_s=$SECS peer_rss=$RSS_KB
	rm -f "$W/disc" "$img"

	dv_mb=$(mbps $bytes "$dv_s")
	peer_mb=$(mbps $bytes "$peer_s")
	ratio=$(awk -v a="$peer_s" -v b="$dv_s" 'BEGIN { printf "%.2f", a / b }')
	rows="$rows| $mib MiB | $dv_s s | **$dv_mb MB/s** | $((dv_rss / 1024)) MiB | $peer_s s | $peer_mb MB/s | $((peer_rss / 1024)) MiB | ${ratio}x |
"
	echo "$mib MiB: discvault $dv_s s ($dv_mb MB/s, $((dv_rss / 1024)) MiB peak), cp+2xsha256sum $peer_s s ($peer_mb MB/s)"
done

{
	echo "# Burn + verify to a simulated drive"
	echo
	echo "Measured $(date -u +%Y-%m-%d) by \`bench/bench_burn.sh\` on $(nproc) cores"
	echo "($(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2 | sed 's/^ //')), work directory ${2:-/dev/shm}."
	echo "discvault: \`burn --device sim:DIR\` with no speed limit (read the image once, hash"
	echo "it while writing, read the disc back, hash, compare). Peer, same run: \`cp IMAGE DISC &&"
	echo "sha256sum IMAGE && sha256sum DISC\`. Ratio = peer time / discvault time."
	echo
	echo "| image | discvault | MB/s | peak RSS | peer | MB/s | peak RSS | ratio |"
	echo "|---|---|---|---|---|---|---|---|"
	printf '%s' "$rows"
	echo
	echo "Peak memory stays flat as the image grows: buffers are fixed-size (4 MiB)."
} >"$OUT"
echo "wrote $OUT"

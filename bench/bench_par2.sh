#!/bin/sh
# bench_par2.sh - discvault's PAR2 engine against par2cmdline in the same
# run: create (-r10 -b2000), verify of an intact file, verify and repair of
# 1 MiB of damage, on one file in the page cache. Prints a Markdown report
# (wall time, MB/s, CPU %, peak RSS from /usr/bin/time -v) to stdout.
#
# usage: bench/bench_par2.sh [SIZE_MIB [WORKDIR]]   (WORKDIR: where a scratch directory goes)
#   DISCVAULT=path/to/discvault (default build/discvault)
#   KERNELS="gfni avx2" also times create with each listed kernel
#   RUNS=N (default 2): each measurement is made N times and the fastest
#   kept, for both tools (the first run of a command can pay for memory
#   the VM has not handed to the guest yet)
set -eu
TOP=$(cd "$(dirname "$0")/.." && pwd)
DV=${DISCVAULT:-$TOP/build/discvault}
SIZE=${1:-1024}
# a directory of its own inside WORKDIR, removed at the end
W=${2:-/tmp}/dv-bench-par2.$$
KERNELS=${KERNELS:-}
RUNS=${RUNS:-2}
command -v par2 >/dev/null || { echo "par2 not installed" >&2; exit 1; }
[ -x /usr/bin/time ] || { echo "/usr/bin/time (GNU time) not installed" >&2; exit 1; }
rm -rf "$W"
mkdir -p "$W/ours" "$W/theirs"
head -c $((SIZE * 1048576)) /dev/urandom >"$W/ours/data.bin"
cp "$W/ours/data.bin" "$W/theirs/data.bin"
cat "$W/ours/data.bin" "$W/theirs/data.bin" >/dev/null   # into the page cache
BYTES=$((SIZE * 1048576))
DAMAGE_AT=$((BYTES / 2 + 12345))

# run LABEL DIR PREP CMD...: RUNS times, PREP (shell code, untimed) then CMD
# timed, both in DIR; appends the fastest as "label|wall|rss|cpu|rc|cpu s"
run() {
	label=$1 dir=$2 prep=$3
	shift 3
	best= bestwall= i=0
	while [ "$i" -lt "$RUNS" ]; do
		i=$((i + 1))
		(cd "$dir" && eval "$prep")
		sync
		(cd "$dir" && /usr/bin/time -v "$@" >"$W/cmd.out" 2>"$W/time.txt") || true
		wall=$(sed -n 's/.*Elapsed (wall clock) time (h:mm:ss or m:ss): //p' "$W/time.txt" |
			awk -F: '{ if (NF == 3) print $1 * 3600 + $2 * 60 + $3; else print $1 * 60 + $2 }')
		rss=$(sed -n 's/.*Maximum resident set size (kbytes): //p' "$W/time.txt")
		cpu=$(sed -n 's/.*Percent of CPU this job got: //p' "$W/time.txt")
		rc=$(sed -n 's/.*Exit status: //p' "$W/time.txt")
		usr=$(sed -n 's/.*User time (seconds): //p' "$W/time.txt")
		sys=$(sed -n 's/.*System time (seconds): //p' "$W/time.txt")
		line="$label|$wall|$rss|$cpu|$rc|$(echo "$usr $sys" | awk '{ print $1 + $2 }')"
		if [ -z "$best" ] || awk -v a="$wall" -v b="$bestwall" 'BEGIN { exit !(a < b) }'; then
			best=$line bestwall=$wall
		fi
	done
	echo "$best" >>"$W/results"
}
damage() { dd if=/dev/urandom of="$1" bs=1048576 count=1 seek=$DAMAGE_AT oflag=seek_bytes conv=notrunc status=none; }

: >"$W/results"
run "create -r10 -b2000|discvault" "$W/ours" "rm -f data*.par2" "$DV" par2 create -q -r10 -b2000 data.par2 data.bin
run "create -r10 -b2000|par2" "$W/theirs" "rm -f data*.par2" par2 create -q -q -r10 -b2000 data.par2 data.bin
for k in $KERNELS; do
	run "create -r10 -b2000, kernel $k|discvault" "$W/ours" "rm -f k*.par2" "$DV" par2 create -q -k "$k" -r10 -b2000 k.par2 data.bin
done
rm -f "$W"/ours/k*.par2
run "verify, intact|discvault" "$W/ours" : "$DV" par2 verify -q data.par2
run "verify, intact|par2" "$W/theirs" : par2 verify -q -q data.par2
damage "$W/ours/data.bin"
damage "$W/theirs/data.bin"
cp "$W/ours/data.bin" "$W/ours-damaged.bin"
cp "$W/theirs/data.bin" "$W/theirs-damaged.bin"
run "verify, 1 MiB damaged|discvault" "$W/ours" : "$DV" par2 verify -q data.par2
run "verify, 1 MiB damaged|par2" "$W/theirs" : par2 verify -q -q data.par2
run "repair, 1 MiB damaged|discvault" "$W/ours" "rm -f data.bin.1; cp ../ours-damaged.bin data.bin" "$DV" par2 repair -q data.par2
run "repair, 1 MiB damaged|par2" "$W/theirs" "rm -f data.bin.1; cp ../theirs-damaged.bin data.bin" par2 repair -q -q data.par2
cmp -s "$W/ours/data.bin" "$W/theirs/data.bin" && repaired=yes || repaired=NO
# cross-check: each tool verifies the other's recovery files
run "par2 verifies discvault's set|par2" "$W/ours" : par2 verify -q -q data.par2
run "discvault verifies par2's set|discvault" "$W/theirs" : "$DV" par2 verify -q data.par2

echo "## PAR2: discvault vs par2cmdline $(par2 -V 2>/dev/null | head -n1 | sed 's/.*version //')"
echo
echo "- date: $(date -u '+%Y-%m-%d %H:%M UTC'); input: $SIZE MiB of random data in the page cache; each row the fastest of $RUNS runs"
echo "- CPU: $(sed -n 's/^model name[[:space:]]*: //p' /proc/cpuinfo | head -n1), $(nproc) online CPUs; load before the run: $(cut -d' ' -f1-3 /proc/loadavg)"
echo "- flags used by the kernels: $(grep -m1 -o -w -E 'ssse3|avx2|avx512f|avx512bw|avx512vl|avx512vbmi|gfni|pclmulqdq|vpclmulqdq|sha_ni' /proc/cpuinfo | sort -u | tr '\n' ' ')"
echo "- discvault kernels: GF(2^16) ${DV_GF16_KERNEL:-default (see DV_GF16_KERNEL)}, MD5 ${DV_MD5_KERNEL:-default (see DV_MD5_KERNEL)}; both repaired files identical: $repaired"
echo
echo "| operation | tool | wall s | MB/s | CPU s (user+sys) | CPU | peak RSS MiB | exit | speed-up, wall | speed-up, CPU time |"
echo "|---|---|---:|---:|---:|---:|---:|---:|---:|---:|"
awk -F'|' -v bytes="$BYTES" '
{ op[NR] = $1; tool[NR] = $2; wall[NR] = $3; rss[NR] = $4; cpu[NR] = $5; rc[NR] = $6; cs[NR] = $7
  if ($2 == "par2") { ref[$1] = $3; refc[$1] = $7 } }
END {
  for (i = 1; i <= NR; i++) {
    mbs = wall[i] > 0 ? sprintf("%.0f", bytes / 1e6 / wall[i]) : "-"
    up = (tool[i] == "discvault" && (op[i] in ref) && wall[i] > 0) ? sprintf("%.1fx", ref[op[i]] / wall[i]) : ""
    upc = (tool[i] == "discvault" && (op[i] in refc) && cs[i] > 0) ? sprintf("%.1fx", refc[op[i]] / cs[i]) : ""
    printf "| %s | %s | %.2f | %s | %.2f | %s | %.0f | %s | %s | %s |\n", op[i], tool[i], wall[i], mbs, cs[i], cpu[i], rss[i] / 1024, rc[i], up, upc
  }
}' "$W/results"
rm -rf "$W"

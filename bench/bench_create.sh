#!/bin/bash
# bench_create.sh - `discvault create` against the pipeline of the seed tool
# (bd-archive): dar (zstd at dar's default level) with a blocking -E hook
# running `par2 create -r5 -n1` per slice, then `genisoimage -iso-level 3
# -udf` per disc. Same generated source, same disc size, 5 % redundancy.
#
#   bench/bench_create.sh [SIZE_MB] [DISC]      defaults: 4096 MB, 1000M discs
#   BENCH_DIR=/path   where to work (default /tmp/dv-bench-create)
#   DISCVAULT=...     binary (default build/discvault)
#
# The source: 60 % incompressible "media" files (64 MB each), 35 %
# compressible text, 5 % in 20,000 small files. Reports wall time per stage,
# peak staging space (sampled every 0.2 s) and peak RSS, as Markdown rows.
set -eu
TOP=$(cd "$(dirname "$0")/.." && pwd)
DV=${DISCVAULT:-$TOP/build/discvault}
SIZE_MB=${1:-4096}
DISC=${2:-1000M}
B=${BENCH_DIR:-/tmp/dv-bench-create}
RED=5

for t in dar par2 genisoimage /usr/bin/time; do
	command -v $t >/dev/null || { echo "missing $t" >&2; exit 1; }
done

mkdir -p "$B"
SRC=$B/src
if [ ! -f "$SRC/.complete-$SIZE_MB" ]; then
	rm -rf "$SRC"
	mkdir -p "$SRC/media" "$SRC/text" "$SRC/small"
	media=$((SIZE_MB * 60 / 100 / 64))
	for i in $(seq 1 $media); do
		head -c $((64 << 20)) /dev/urandom >"$SRC/media/clip$i.mp4"
	done
	text_mb=$((SIZE_MB * 35 / 100))
	python3 - "$SRC/text" "$text_mb" <<'PY'
import os, random, sys
d, mb = sys.argv[1], int(sys.argv[2])
random.seed(1)
words = [''.join(random.choice('abcdefghijklmnopqrstuvwxyz') for _ in range(random.randint(2, 9)))
         for _ in range(5000)]
n = 0
while n * 16 < mb:
    with open(os.path.join(d, 'log%03d.txt' % n), 'w') as f:
        out = []
        size = 0
        while size < 16 << 20:
            line = ' '.join(random.choice(words) for _ in range(12)) + ' %d\n' % random.randint(0, 10**9)
            out.append(line)
            size += len(line)
        f.write(''.join(out))
    n += 1
PY
	small_total=$((SIZE_MB * 5 / 100 * 1048576))
	python3 - "$SRC/small" "$small_total" <<'PY'
import os, sys
d, total = sys.argv[1], int(sys.argv[2])
per = max(1, total // 20000)
for i in range(20000):
    sub = os.path.join(d, 'dir%03d' % (i // 200))
    os.makedirs(sub, exist_ok=True)
    with open(os.path.join(sub, 'f%05d.dat' % i), 'wb') as f:
        f.write(os.urandom(per // 2) + bytes(per - per // 2))
PY
	touch "$SRC/.complete-$SIZE_MB"
fi
src_bytes=$(du -sb "$SRC" | cut -f1)

# peak of `du -sb` over some directories while a command runs
peak_du() { # outfile dirs...
	local f=$1; shift
	local peak=0 cur
	while [ ! -e "$f.stop" ]; do
		cur=$(du -sb "$@" 2>/dev/null | awk '{s+=$1} END {printf "%.0f\n", s}')
		[ "$cur" -gt "$peak" ] && peak=$cur
		echo "$peak" >"$f"
		sleep 0.2
	done
}

sync
echo 3 >/proc/sys/vm/drop_caches 2>/dev/null || true

# ---- discvault create ----
O=$B/dv-out
rm -rf "$O"
mkdir -p "$O"
rm -f "$B/dv.peak" "$B/dv.peak.stop"
peak_du "$B/dv.peak" "$O" &
mon=$!
t0=$(date +%s.%N)
/usr/bin/time -f '%M' -o "$B/dv.rss" "$DV" create -s "$SRC" -n bench -o "$O" -b "$DISC" \
	-r $RED -y >"$B/dv.log" 2>&1
t1=$(date +%s.%N)
touch "$B/dv.peak.stop"
wait $mon
dv_total=$(echo "$t1 - $t0" | bc)
dv_dar=$(sed -n 's/^Timing: *dar + PAR2 \([0-9.]*\) s, images \([0-9.]*\) s/\1/p' "$B/dv.log")
dv_img=$(sed -n 's/^Timing: *dar + PAR2 \([0-9.]*\) s, images \([0-9.]*\) s/\2/p' "$B/dv.log")
dv_peak=$(cat "$B/dv.peak")
dv_rss=$(cat "$B/dv.rss")
dv_discs=$(ls "$O"/*.iso | wc -l)
dv_arch=$(python3 -c "import json,sys; s=json.load(open(sys.argv[1])); print(sum(sum(x['size'] for x in d['slices']) for d in s['discs']))" "$O"/bench-gen1.set.json)
dv_img_bytes=$(du -cb "$O"/*.iso | tail -1 | cut -f1)

sync
echo 3 >/proc/sys/vm/drop_caches 2>/dev/null || true

# ---- the seed's pipeline ----
P=$B/seed
rm -rf "$P"
mkdir -p "$P/work" "$P/images"
cap=$(numfmt --from=iec "${DISC%B}")
# bd-archive's sizing: slice = floor_MiB((raw - 1 MiB - catalog_est - 4 MiB) * 100 / (100 + r))
nfiles=$(find "$SRC" | wc -l)
cat_est=$((65536 + nfiles * 300))
slice_mib=$(( (cap - 1048576 - cat_est - 4194304) * 100 / (100 + RED) / 1048576 ))
rm -f "$B/seed.peak" "$B/seed.peak.stop"
peak_du "$B/seed.peak" "$P" &
mon=$!
cat >"$P/hook.sh" <<HOOK
#!/bin/sh
cd "\$1" && par2 create -q -q -r$RED -n1 "\$2.\$3.dar.par2" "\$2.\$3.dar" >/dev/null
HOOK
chmod +x "$P/hook.sh"
t0=$(date +%s.%N)
/usr/bin/time -f '%M' -o "$P/dar.rss" dar -c "$P/work/bench-gen1" -R "$SRC" -s "${slice_mib}M" \
	--hash sha512 --min-digits 4 -Q -zzstd -E "$P/hook.sh %p %b %N" >/dev/null 2>"$P/dar.err"
t1=$(date +%s.%N)
dar -C "$P/work/bench-gen1-catalog" -A "$P/work/bench-gen1" --hash sha512 --min-digits 4 -Q >/dev/null
t2=$(date +%s.%N)
i=0
maxiso_rss=0
for s in "$P"/work/bench-gen1.[0-9]*.dar; do
	i=$((i + 1))
	n=$(printf %04d $i)
	grafts=()
	for f in "$s" "$s".sha512 "$s"*par2 "$P"/work/bench-gen1-catalog.*; do
		grafts+=("/bench-gen1/$(basename "$f")=$f")
	done
	/usr/bin/time -f '%M' -o "$P/iso.rss" genisoimage -quiet -iso-level 3 -udf -V "bench_G01_$n" \
		-input-charset utf-8 -graft-points -o "$P/images/disc_$n.iso" "${grafts[@]}"
	r=$(cat "$P/iso.rss"); [ "$r" -gt "$maxiso_rss" ] && maxiso_rss=$r
	sha256sum "$P/images/disc_$n.iso" >/dev/null
done
t3=$(date +%s.%N)
touch "$B/seed.peak.stop"
wait $mon
seed_dar=$(echo "$t1 - $t0" | bc)
seed_iso=$(echo "$t3 - $t1" | bc)
seed_total=$(echo "$t3 - $t0" | bc)
seed_peak=$(cat "$B/seed.peak")
seed_rss=$(cat "$P/dar.rss")
seed_discs=$i
seed_arch=$(du -cb "$P"/work/bench-gen1.[0-9]*.dar | tail -1 | cut -f1)

mb() { echo "scale=1; $1 / 1048576" | bc; }
echo "source: $(mb "$src_bytes") MiB, $(find "$SRC" -type f | wc -l) files; disc $DISC; PAR2 $RED %; $(nproc) CPUs"
echo
echo "| pipeline | dar + PAR2 (s) | images (s) | total (s) | archive (MiB) | discs | peak staging (MiB) | peak RSS (MiB) |"
echo "|---|---|---|---|---|---|---|---|"
echo "| discvault create (zstd:3, in-process PAR2, libisofs) | $dv_dar | $dv_img | $dv_total | $(mb "$dv_arch") | $dv_discs | $(mb "$dv_peak") | $(echo "scale=1; $dv_rss / 1024" | bc) |"
echo "| seed: dar -zzstd + par2 hook, genisoimage | $seed_dar | $seed_iso | $seed_total | $(mb "$seed_arch") | $seed_discs | $(mb "$seed_peak") | dar $(echo "scale=1; $seed_rss / 1024" | bc), genisoimage $(echo "scale=1; $maxiso_rss / 1024" | bc) |"
echo
echo "speed-up end to end: $(echo "scale=2; $seed_total / $dv_total" | bc)x"
echo "discvault peak staging / (slices + one disc): $(echo "scale=3; $dv_peak / ($dv_arch + $dv_img_bytes / $dv_discs)" | bc)"
echo "discvault peak staging / (slices + PAR2 + one disc): $(echo "scale=3; $dv_peak / ($dv_img_bytes + $dv_img_bytes / $dv_discs)" | bc)"

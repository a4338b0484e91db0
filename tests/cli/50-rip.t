#!/bin/sh
# discvault rip on a clean simulated disc: the output set, hashes, manifest
# sections, MD5 tags, file listing; dry run; overwrite refused; bad output
# directory; no terminal and no --filename.
. "$(dirname "$0")/lib.sh"

command -v xorriso >/dev/null || skip_all "xorriso not installed"
"$DV" rip --help >/dev/null 2>&1 || skip_all "this discvault has no rip command"

mkdir -p "$T/src/sub"
head -c 700000 /dev/urandom >"$T/src/big.bin"
echo hello >"$T/src/sub/a.txt"
xorriso -as mkisofs --md5 -r -J -V ARCHIVE_01 -o "$T/disc.iso" "$T/src" >/dev/null 2>&1
ok_run "sim drive with the disc" sh -c "'$DV' sim new '$T/sim' && '$DV' sim insert '$T/sim' '$T/disc.iso'"

ok_rc 0 "rip a clean disc" timeout 60 "$DV" rip -D "sim:$T/sim" --filename disc --dir "$T/o" --operator JD --no-eject
like "$("$DV" sim status "$T/sim" 2>&1)" "disc: +bd-rom" "--no-eject leaves the disc in"
D="$T/o/disc"
rip_out=$(cat "$T/out")
for f in disc.iso disc.iso.log.txt disc_manifest.json disc_tree.txt disc_isolyzer.xml disc_inspect.json disc.iso.mapfile; do
	[ -s "$D/$f" ]; ok $? "$f written"
done
ok_run "the image is identical to the disc" cmp "$D/disc.iso" "$T/disc.iso"
is "$(ls "$D" | grep -c '\.tmp\|\.part')" 0 "no temporary files left"
like "$rip_out" "$(md5sum <"$T/disc.iso" | cut -c1-32)" "MD5 printed"
like "$rip_out" "$(sha256sum <"$T/disc.iso" | cut -c1-64)" "SHA-256 printed"

check=$(python3 - "$D/disc_manifest.json" "$T/disc.iso" <<'PY'
import hashlib, json, sys
m = json.load(open(sys.argv[1]))
data = open(sys.argv[2], 'rb').read()
want = ['backup_metadata', 'backup_status', 'source_disc', 'volume_information',
        'output_files', 'operations_performed', 'timing_performance',
        'integrity_verification', 'structural_analysis', 'system_environment',
        'technical_details', 'quality_assurance', 'preservation_events', 'file_listing']
missing = [k for k in want if k not in m]
print('missing=' + ','.join(missing))
iv = m['integrity_verification']
print('md5ok=%s' % (iv['checksums']['md5'] == hashlib.md5(data).hexdigest()))
print('readback=%s' % (iv['iso_hash'] == iv['source_hash'] == hashlib.sha256(data).hexdigest()))
print('sha1ok=%s' % (iv['checksums']['sha1'] == hashlib.sha1(data).hexdigest()))
print('match=%s status=%s' % (iv['hashes_match'], iv['integrity_status']))
print('tags=%d' % sum(1 for t in iv['libisofs_md5_tags'] if t['match']))
print('volume=%s' % m['source_disc']['volume_name'])
print('fssize=%s' % (m['volume_information']['filesystem_size_bytes'] == len(data)))
print('operator=%s' % m['backup_metadata']['operator'])
ev = [e['event_type'] + ':' + e['event_outcome_information']['outcome'] for e in m['preservation_events']]
print('events=' + ','.join(sorted(set(ev))))
f = {e['path']: e for e in m['file_listing']}
print('filemd5=%s' % (f['/sub/a.txt']['md5'] == hashlib.md5(b'hello\n').hexdigest()))
print('isolyzer=%s' % m['structural_analysis']['size_validation']['size_as_expected'])
print('status=%s' % m['backup_status']['overall_status'])
PY
)
like "$check" "missing=$" "manifest has every section"
like "$check" "md5ok=True" "manifest MD5 is the image's"
like "$check" "sha1ok=True" "manifest SHA-1 is the image's"
like "$check" "readback=True" "read-back SHA-256 recorded"
like "$check" "match=True status=verified" "read-back verification passed"
like "$check" "tags=3" "three libisofs MD5 tags checked"
like "$check" "volume=ARCHIVE_01" "volume label recorded"
like "$check" "fssize=True" "file system size from the PVD"
like "$check" "operator=JD" "operator recorded"
like "$check" "events=capture:success,fixity check:success,message digest calculation:success,validation:success" "PREMIS events with outcomes"
like "$check" "filemd5=True" "per-file MD5 in the manifest"
like "$check" "isolyzer=True" "size check as expected"
like "$check" "status=success" "overall status"
like "$(cat "$D/disc_tree.txt")" "a\.txt" "tree lists files"
like "$(cat "$D/disc_tree.txt")" "dr-xr-xr-x" "tree shows permissions"
like "$(cat "$D/disc_isolyzer.xml")" "http://kb.nl/ns/isolyzer/v1/" "isolyzer XML namespace"
like "$(cat "$D/disc.iso.log.txt")" "OPTICAL DISC TO ISO BACKUP LOG" "log banner"
like "$(cat "$D/disc.iso.log.txt")" "Match: +YES" "log verification result"

# --sha512 and --second-read
ok_rc 0 "rip with --sha512 --second-read --no-verification" timeout 60 "$DV" rip -D "sim:$T/sim" --filename s512 --dir "$T/o" --operator JD --no-eject --sha512 --second-read --no-verification
like "$(cat "$T/out")" "$(sha512sum <"$T/disc.iso" | cut -c1-128)" "SHA-512 printed"
like "$(cat "$T/o/s512/s512.iso.log.txt")" "Second read: +the second read matches" "second read compared"

# --logfile keeps the diagnostics with timestamps; --help
ok_rc 0 "rip with --logfile" timeout 60 "$DV" rip -D "sim:$T/sim" --filename lf --dir "$T/o" --operator JD --no-eject --logfile "$T/rip.log"
like "$(cat "$T/rip.log")" "UTC .* SUCCESS .* Backup complete" "log file has timestamped lines"
ok_rc 0 "--help" "$DV" rip --help
like "$(cat "$T/out")" "--no-verification" "help lists the seed's flags"
ok_rc 1 "unknown option" "$DV" rip --bogus

# dry run: nothing written, disc not ejected
ok_rc 0 "dry run" "$DV" rip -D "sim:$T/sim" --filename dry --dir "$T/o" --operator JD --dry-run
like "$(cat "$T/out")" "would write in" "dry run describes the outputs"
[ ! -e "$T/o/dry" ]; ok $? "dry run wrote nothing"

# overwrite refused without a terminal, then --force
before=$(stat -c %Y "$D/disc_manifest.json")
ok_rc 1 "existing image not overwritten" "$DV" rip -D "sim:$T/sim" --filename disc --dir "$T/o" --operator JD --no-eject
like "$(cat "$T/err")" "already exists" "says the image exists"
is "$(stat -c %Y "$D/disc_manifest.json")" "$before" "old set untouched"
ok_rc 0 "--force replaces it" timeout 60 "$DV" rip -D "sim:$T/sim" --filename disc --dir "$T/o" --operator JD --no-eject --force

# bad output directory
: >"$T/afile"
ok_rc 1 "output directory is a file" "$DV" rip -D "sim:$T/sim" --filename x --dir "$T/afile" --operator JD --no-eject
like "$(cat "$T/err")" "not a directory" "names the problem"
ok_rc 1 "output directory under a file" "$DV" rip -D "sim:$T/sim" --filename x --dir "$T/afile/sub" --operator JD --no-eject
like "$(cat "$T/err")" "cannot create output directory" "cannot create it"
ok_rc 1 "file name with a slash" "$DV" rip -D "sim:$T/sim" --filename a/b --dir "$T/o" --operator JD --no-eject

# no terminal: missing answers are an error, never a prompt
ok_rc 1 "no terminal and no --filename" timeout 10 "$DV" rip -D "sim:$T/sim" --dir "$T/o" --operator JD
like "$(cat "$T/err")" "not a terminal.*--filename" "clear error naming --filename"

# a disc that is not ISO 9660 and ends in a partial sector: imaged whole
head -c 300000 /dev/urandom >"$T/raw.bin"
"$DV" sim new "$T/simraw" >/dev/null && "$DV" sim insert "$T/simraw" "$T/raw.bin" >/dev/null
ok_rc 0 "rip a disc without a file system" timeout 60 "$DV" rip -D "sim:$T/simraw" --filename raw --dir "$T/o" --operator JD --no-eject
ok_run "raw image identical, partial last sector included" cmp "$T/o/raw/raw.iso" "$T/raw.bin"
like "$(cat "$T/o/raw/raw_tree.txt")" "no ISO 9660 file tree" "listing says there is no tree"

# eject at the end
ok_rc 0 "rip and eject" timeout 60 "$DV" rip -D "sim:$T/sim" --filename ej --dir "$T/o" --operator JD
like "$("$DV" sim status "$T/sim" 2>&1)" "disc: +none" "disc ejected"
ok_rc 1 "no disc: clear error" "$DV" rip -D "sim:$T/sim" --filename nd --dir "$T/o" --operator JD
like "$(cat "$T/err")" "no disc" "says there is no disc"

done_testing

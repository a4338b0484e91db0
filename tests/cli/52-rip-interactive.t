#!/bin/sh
# discvault rip driven through a pseudo-terminal: the drive list with the
# media, the prompts (the file name defaults to the volume label), and the
# overwrite question answered no, then yes.
. "$(dirname "$0")/lib.sh"

command -v xorriso >/dev/null || skip_all "xorriso not installed"
command -v python3 >/dev/null || skip_all "python3 not installed"
"$DV" rip --help >/dev/null 2>&1 || skip_all "this discvault has no rip command"

mkdir -p "$T/src"
echo "interactive" >"$T/src/readme.txt"
xorriso -as mkisofs -r -V TTY_LABEL -o "$T/disc.iso" "$T/src" >/dev/null 2>&1
"$DV" sim new "$T/sim" >/dev/null && "$DV" sim insert "$T/sim" "$T/disc.iso" >/dev/null

# ttydrive.py ANSWERS... -- CMD...: runs CMD on a pseudo-terminal, answers each
# prompt (a line ending in ': ') with the next answer, prints the transcript.
cat >"$T/ttydrive.py" <<'PY'
import os, pty, select, sys, time
sep = sys.argv.index('--')
answers, cmd = sys.argv[1:sep], sys.argv[sep + 1:]
pid, fd = pty.fork()
if pid == 0:
    os.execvp(cmd[0], cmd)
out, pending, deadline = b'', b'', time.time() + 60
while time.time() < deadline:
    r, _, _ = select.select([fd], [], [], 0.2)
    if r:
        try:
            data = os.read(fd, 4096)
        except OSError:
            break
        if not data:
            break
        out += data
        pending += data
        if pending.rstrip(b' ').endswith(b':') and answers:
            os.write(fd, answers.pop(0).encode() + b'\n')
            pending = b''
_, status = os.waitpid(pid, 0)
sys.stdout.write(out.decode('utf-8', 'replace'))
sys.stdout.write('\nEXIT %d\n' % os.waitstatus_to_exitcode(status))
PY

export DISCVAULT_DEVICE="sim:$T/sim"
# drive: default (1), file name: default (the label), dir, operator
tr=$(cd "$T" && python3 ttydrive.py "" "" "$T/o" "AB" -- "$DV" rip --no-eject)
like "$tr" "1\) sim:$T/sim .*BD-ROM.*TTY_LABEL" "drives listed with their media and label"
like "$tr" "Enter output ISO filename \(no extension\) \[TTY_LABEL\]:" "file name defaults to the volume label"
like "$tr" "Enter output directory:" "asks for the directory"
like "$tr" "Enter operator name or initials:" "asks for the operator"
like "$tr" "EXIT 0" "interactive rip succeeded"
ok_run "image written under the label's name" cmp "$T/o/TTY_LABEL/TTY_LABEL.iso" "$T/disc.iso"
like "$(python3 -c "import json,sys; print(json.load(open(sys.argv[1]))['backup_metadata']['operator'])" "$T/o/TTY_LABEL/TTY_LABEL_manifest.json")" "^AB$" "operator from the prompt"

before=$(stat -c %Y "$T/o/TTY_LABEL/TTY_LABEL_manifest.json")
tr=$(cd "$T" && python3 ttydrive.py "n" -- "$DV" rip -D "sim:$T/sim" --filename TTY_LABEL --dir "$T/o" --operator AB --no-eject)
like "$tr" "exists\. Overwrite\? \(y/n\):" "asks before overwriting"
like "$tr" "EXIT 1" "declined: exit 1"
is "$(stat -c %Y "$T/o/TTY_LABEL/TTY_LABEL_manifest.json")" "$before" "declined: nothing touched"
sleep 1
tr=$(cd "$T" && python3 ttydrive.py "y" -- "$DV" rip -D "sim:$T/sim" --filename TTY_LABEL --dir "$T/o" --operator AB --no-eject)
like "$tr" "EXIT 0" "accepted: rip again"
[ "$(stat -c %Y "$T/o/TTY_LABEL/TTY_LABEL_manifest.json")" != "$before" ]; ok $? "accepted: manifest replaced"

# a drive typed by address, and a name typed over the default
tr=$(cd "$T" && python3 ttydrive.py "sim:$T/sim" "other" -- "$DV" rip --dir "$T/o" --operator AB --no-eject)
like "$tr" "EXIT 0" "drive and name typed in"
[ -s "$T/o/other/other.iso" ]; ok $? "image under the typed name"

done_testing

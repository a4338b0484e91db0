# lib.sh - helpers for end-to-end CLI tests that print TAP.
#
# Source it from a test:  . "$(dirname "$0")/lib.sh"
# It gives each test a fresh temporary directory $T (removed at exit), the
# binary under test as $DV (from $DISCVAULT, default build/discvault), and:
#   plan N | done_testing        TAP plan
#   ok COND-CMD... -- DESC       (use ok_run / ok_fail instead for commands)
#   ok_run DESC CMD...           passes when CMD exits 0
#   ok_rc RC DESC CMD...         passes when CMD exits with RC
#   is GOT WANT DESC             string equality
#   like GOT REGEX DESC          grep -E match
#   unlike GOT REGEX DESC
#   skip_all REASON
# Commands run by ok_run/ok_rc keep their output in $T/out and $T/err.
set -u
TOP=$(cd "$(dirname "$0")/../.." && pwd)
DV=${DISCVAULT:-$TOP/build/discvault}
T=$(mktemp -d "${TMPDIR:-/tmp}/dvtest.XXXXXX")
trap 'rm -rf "$T"' EXIT
export NO_COLOR=1
_tap_n=0
_tap_failed=0

plan() { echo "1..$1"; }
done_testing() { echo "1..$_tap_n"; [ "$_tap_failed" -eq 0 ]; exit $?; }
skip_all() { echo "1..0 # SKIP $*"; exit 0; }
diag() { printf '# %s\n' "$@"; }

_tap_result() { # status desc
	_tap_n=$((_tap_n + 1))
	if [ "$1" -eq 0 ]; then
		echo "ok $_tap_n - $2"
	else
		echo "not ok $_tap_n - $2"
		_tap_failed=$((_tap_failed + 1))
	fi
}

_show_output() {
	[ -s "$T/out" ] && sed 's/^/#   out: /' "$T/out" | head -n 40
	[ -s "$T/err" ] && sed 's/^/#   err: /' "$T/err" | head -n 40
	return 0
}

ok_run() {
	local desc=$1; shift
	"$@" >"$T/out" 2>"$T/err" </dev/null
	local rc=$?
	_tap_result $rc "$desc"
	[ $rc -eq 0 ] || { diag "exit code $rc: $*"; _show_output; }
	return $rc
}

ok_rc() {
	local want=$1 desc=$2; shift 2
	"$@" >"$T/out" 2>"$T/err" </dev/null
	local rc=$?
	[ $rc -eq "$want" ]
	_tap_result $? "$desc (exit $want)"
	[ $rc -eq "$want" ] || { diag "exit code $rc, wanted $want: $*"; _show_output; }
	[ $rc -eq "$want" ]
}

is() {
	[ "$1" = "$2" ]
	_tap_result $? "$3"
	[ "$1" = "$2" ] || diag "got:  '$1'" "want: '$2'"
}

like() {
	printf '%s' "$1" | grep -Eq -- "$2"
	local rc=$?
	_tap_result $rc "$3"
	[ $rc -eq 0 ] || diag "'$2' not found in:" "$(printf '%s' "$1" | head -n 20)"
	return $rc
}

unlike() {
	printf '%s' "$1" | grep -Eq -- "$2"
	local rc=$?
	[ $rc -ne 0 ]
	_tap_result $? "$3"
	[ $rc -ne 0 ] || diag "'$2' unexpectedly found"
}

ok() { # ok DESC -- status of the last command given as $?; usage: cmd; ok $? DESC
	_tap_result "$1" "$2"
}

# sim_disc VOLID: an ISO of $T/src made by xorriso with libisofs MD5 tags
# (in $T/disc.iso), inserted in a new simulated drive $T/sim.
sim_disc() {
	xorriso -as mkisofs --md5 -r -V "$1" -o "$T/disc.iso" "$T/src" >/dev/null 2>&1 &&
		"$DV" sim new "$T/sim" >/dev/null && "$DV" sim insert "$T/sim" "$T/disc.iso" >/dev/null
}

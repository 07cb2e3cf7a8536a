# Shell test helpers. Source from tests/cli/test_*.sh. Reports in cmocka's format so that
# tests/run.sh counts shell and C checks alike.
#   ok NAME / fail NAME MSG      report one check
#   expect_exit CODE NAME CMD... run CMD, compare its exit status
NS_BUILD=${NS_BUILD:-build}
NS=${NS:-$NS_BUILD/needlesim}
TMP=$(mktemp -d "${TMPDIR:-/tmp}/nstest.XXXXXX")
trap 'rm -rf "$TMP"' EXIT INT TERM
ok()   { echo "[       OK ] $1"; }
fail() { echo "[  FAILED  ] $1: $2"; }
check() { # check NAME CMD...: passes when CMD exits 0
  name=$1; shift
  if "$@" >"$TMP/out" 2>"$TMP/err"; then ok "$name"; else fail "$name" "command failed: $* ($(head -c 300 "$TMP/err"))"; fi
}
expect_exit() { # expect_exit CODE NAME CMD...
  want=$1; name=$2; shift 2
  "$@" >"$TMP/out" 2>"$TMP/err"; got=$?
  if [ "$got" -eq "$want" ]; then ok "$name"; else fail "$name" "exit $got, expected $want; stderr: $(head -c 300 "$TMP/err")"; fi
}
# A Python that can import Debian's python3-h5py (PATH's python3 may be a pyenv build without it).
find_python() {
  for p in /usr/bin/python3 python3; do
    if command -v "$p" >/dev/null 2>&1 && "$p" -c 'import h5py, numpy' >/dev/null 2>&1; then echo "$p"; return 0; fi
  done
  return 1
}

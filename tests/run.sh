#!/bin/sh
# Runs every test program: build/tests/test_* (cmocka) and tests/cli/*.sh (shell, same report
# format via tests/cli/lib.sh). Each check prints "[       OK ] name" or "[  FAILED  ] name".
# A program that crashes or exits non-zero without reporting a failure counts as one failure.
# The last line is "N passed, N failed"; the exit status is 0 only when nothing failed.
BUILD=${1:-build}
export NS_BUILD="$BUILD"
export CMOCKA_MESSAGE_OUTPUT=STDOUT
# Tests judge results, not speed: passive waiting keeps OpenMP barriers from spinning when the
# machine is shared (busy-waiting threads made 2-thread runs up to 500x slower under load).
export OMP_WAIT_POLICY=${OMP_WAIT_POLICY:-passive}
TOP=$(cd "$(dirname "$0")/.." && pwd)
cd "$TOP" || exit 1
pass=0; fail=0; skip=0
logdir="$BUILD/test-logs"; mkdir -p "$logdir"
for t in "$BUILD"/tests/test_* tests/cli/test_*.sh; do
  [ -e "$t" ] || continue
  name=$(basename "$t")
  log="$logdir/$name.log"
  case "$t" in
    *.sh) timeout 600 sh "$t" > "$log" 2>&1 ;;
    *)    timeout 600 "$t" > "$log" 2>&1 ;;
  esac
  rc=$?
  p=$(grep -c '^\[       OK \]' "$log")
  # cmocka repeats each failed/skipped test in its closing summary ("N test(s), listed below:"
  # and the names again): count distinct per-test lines only.
  f=$(grep '^\[  FAILED  \]' "$log" | grep -v 'test(s)' | sort -u | wc -l)
  k=$(grep '^\[  SKIPPED \]' "$log" | grep -v 'test(s)' | sort -u | wc -l)
  skip=$((skip + k))
  if [ "$rc" -ne 0 ] && [ "$f" -eq 0 ]; then f=1; echo "[  FAILED  ] $name exited with status $rc" >> "$log"; fi
  pass=$((pass + p)); fail=$((fail + f))
  if [ "$f" -ne 0 ]; then
    echo "FAIL  $name ($p passed, $f failed) — log: $log"
    grep -E '^\[  (FAILED|ERROR)' "$log" | sed 's/^/      /' | head -20
    grep -B2 -E 'FAILED|Failure|error:' "$log" | grep -v '^\[' | head -20 | sed 's/^/      /'
  else
    echo "ok    $name ($p passed)"
  fi
done
if [ "$skip" -gt 0 ]; then echo "$pass passed, $fail failed, $skip skipped"; else echo "$pass passed, $fail failed"; fi
[ "$fail" -eq 0 ]

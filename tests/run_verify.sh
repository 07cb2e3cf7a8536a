#!/bin/sh
# make verify: runs every build/verify/* program (convergence and verification studies that are
# too slow for make test). Each prints its table and "[       OK ]"/"[  FAILED  ]" lines.
BUILD=${1:-build}
TOP=$(cd "$(dirname "$0")/.." && pwd)
cd "$TOP" || exit 1
pass=0; fail=0
mkdir -p "$BUILD/verify-logs"
for t in "$BUILD"/verify/*; do
  [ -x "$t" ] || continue
  case "$t" in *.o|*.d) continue ;; esac
  name=$(basename "$t"); log="$BUILD/verify-logs/$name.log"
  echo "== $name"
  "$t" 2>&1 | tee "$log"
  p=$(grep -c '^\[       OK \]' "$log"); f=$(grep -c '^\[  FAILED  \]' "$log")
  pass=$((pass + p)); fail=$((fail + f))
done
echo "$pass passed, $fail failed"
[ "$fail" -eq 0 ]

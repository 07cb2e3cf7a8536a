#!/bin/sh
# Runs every benchmark program build/bench/* and script tests/bench/bench_*.sh (each prints its
# table and writes out/bench-<name>.json), then merges all out/bench-*.json fragments into out/bench.json
# (one top-level object; each fragment contributes its own top-level keys) and prints the
# merged key list. Usage: sh tests/bench/run.sh [BUILD]
BUILD=${1:-build}
TOP=$(cd "$(dirname "$0")/../.." && pwd)
cd "$TOP" || exit 1
mkdir -p out
status=0
for b in "$BUILD"/bench/*; do
  [ -f "$b" ] && [ -x "$b" ] || continue
  echo "== $(basename "$b")"
  "$b" || { echo "bench: $(basename "$b") failed" >&2; status=1; }
  echo
done
# Benchmark scripts (they time the CLI): every tests/bench/bench_*.sh, given the build directory.
for s in tests/bench/bench_*.sh; do
  [ -f "$s" ] || continue
  echo "== $(basename "$s")"
  sh "$s" "$BUILD" || { echo "bench: $(basename "$s") failed" >&2; status=1; }
  echo
done
/usr/bin/python3 - <<'PY' || status=1
import glob, json
merged = {}
for path in sorted(glob.glob("out/bench-*.json")):
    with open(path) as f:
        merged.update(json.load(f))
with open("out/bench.json", "w") as f:
    json.dump(merged, f, indent=2)
print("out/bench.json:", ", ".join(sorted(merged)) or "(empty)")
PY
exit $status

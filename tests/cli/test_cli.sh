#!/bin/sh
# Command-line behaviour: exit codes, error lines, atomic output, --set, sweeps, HDF5 layout.
. "$(dirname "$0")/lib.sh"
PY=$(find_python) || { fail python "no python3 with h5py+numpy found (make test installs python3-h5py)"; exit 1; }

# --- help, version, usage errors -------------------------------------------------------------
expect_exit 0 "help exits 0" "$NS" --help
grep -q "needlesim run SCENARIO" "$TMP/out" && ok "help shows usage" || fail "help shows usage" "no usage text"
expect_exit 0 "version exits 0" "$NS" --version
grep -q "GSL" "$TMP/out" && ok "version names libraries" || fail "version names libraries" "$(cat "$TMP/out")"
# Provenance must name the commit the binary was built from (a stale build stamp once hid this).
if head=$(git rev-parse --short=12 HEAD 2>/dev/null); then
  grep -q "commit $head" "$TMP/out" && ok "version names the current commit" \
    || fail "version names the current commit" "HEAD is $head; got: $(head -1 "$TMP/out")"
fi
expect_exit 2 "no arguments exits 2" "$NS"
expect_exit 2 "unknown command exits 2" "$NS" frobnicate
expect_exit 2 "unknown option exits 2" "$NS" run scenarios/default.ini --bogus
expect_exit 2 "bad --threads exits 2" "$NS" run scenarios/default.ini --threads zero
expect_exit 2 "--threads 0 exits 2" "$NS" run scenarios/default.ini --threads 0
expect_exit 2 "run without scenario exits 2" "$NS" run
expect_exit 2 "--set without value exits 2" "$NS" check scenarios/default.ini --set

# --- every shipped scenario validates ------------------------------------------------------------
for f in scenarios/*.ini; do
  expect_exit 0 "check $f" "$NS" check "$f"
done
"$NS" check scenarios/default.ini > "$TMP/check.txt" 2>&1
grep -q "stratum_corneum" "$TMP/check.txt" && ok "check prints the skin model" || fail "check prints the skin model" "no layer names"
grep -q "needle.length_mm" "$TMP/check.txt" && ok "check prints resolved parameters" || fail "check prints resolved parameters" "no needle.length_mm"

# --- broken scenarios: one-line error, exit 2, no output file ------------------------------------
mkdir -p "$TMP/bad" "$TMP/outdir"
printf '[needle\nlength_mm = 1\n' > "$TMP/bad/syntax.ini"
printf '[needle]\nlenght_mm = 1\n' > "$TMP/bad/unknown_key.ini"
printf '[nedle]\nlength_mm = 1\n' > "$TMP/bad/unknown_section.ini"
printf '[needle]\nlength_mm = one\n' > "$TMP/bad/wrong_type.ini"
printf '[needle]\nlength_mm = 1.0mm\n' > "$TMP/bad/trailing_junk.ini"
printf '[needle]\nlength_mm = nan\n' > "$TMP/bad/nan.ini"
printf '[needle]\nlength_mm = inf\n' > "$TMP/bad/inf.ini"
printf '[needle]\nlength_mm = -1\n' > "$TMP/bad/negative.ini"
printf '[skin]\nage_years = 400\n' > "$TMP/bad/absurd.ini"
printf '[needle]\nlength_mm = 1\nlength_mm = 2\n' > "$TMP/bad/duplicate.ini"
printf '[needle]\ntip_radius_um = 200\nshaft_diameter_um = 250\n' > "$TMP/bad/tip_gt_shaft.ini"
printf '[needle]\nlength_mm = 4\n[grid]\ndepth_mm = 5\n' > "$TMP/bad/needle_longer_than_domain.ini"
: > "$TMP/bad/empty.ini"
head -c 4096 /dev/urandom > "$TMP/bad/garbage.ini"
printf '[needle]\nlength_mm = 1\0\n' > "$TMP/bad/nul.ini"
mkdir -p "$TMP/bad/directory.ini"
for f in "$TMP"/bad/*.ini "$TMP/bad/missing.ini"; do
  name=$(basename "$f")
  for cmd in check run; do
    rm -rf "$TMP/outdir"/* "$TMP/outdir"/.[!.]* 2>/dev/null
    if [ "$cmd" = run ]; then
      timeout 60 "$NS" run "$f" -o "$TMP/outdir/r.h5" >"$TMP/out" 2>"$TMP/err"; rc=$?
    else
      timeout 60 "$NS" check "$f" >"$TMP/out" 2>"$TMP/err"; rc=$?
    fi
    lines=$(wc -l < "$TMP/err")
    if [ "$rc" -eq 2 ] && [ "$lines" -eq 1 ] && grep -q '^needlesim: ' "$TMP/err"; then
      ok "$cmd $name: one-line error, exit 2"
    else
      fail "$cmd $name: one-line error, exit 2" "exit $rc, $lines stderr lines: $(head -c 300 "$TMP/err")"
    fi
    if [ "$cmd" = run ]; then
      left=$(ls -A "$TMP/outdir" | wc -l)
      [ "$left" -eq 0 ] && ok "run $name leaves no file" || fail "run $name leaves no file" "$(ls -A "$TMP/outdir")"
    fi
  done
done
# The error names the file and line of the offending key.
"$NS" check "$TMP/bad/wrong_type.ini" 2>"$TMP/err"
grep -q "wrong_type.ini:2: needle.length_mm" "$TMP/err" && ok "error has FILE:LINE: section.key" \
  || fail "error has FILE:LINE: section.key" "$(cat "$TMP/err")"

# --- a real run ------------------------------------------------------------------------------------
expect_exit 0 "run default" "$NS" run scenarios/default.ini -o "$TMP/outdir/d.h5" --quiet
[ -f "$TMP/outdir/d.h5" ] && ok "run writes the file" || fail "run writes the file" "missing"
[ "$(ls -A "$TMP/outdir" | grep -c tmp)" -eq 0 ] && ok "no temporary left behind" || fail "no temporary left behind" "$(ls -A "$TMP/outdir")"
check "every dataset has units" "$PY" tests/cli/h5check.py "$TMP/outdir/d.h5" units
check "provenance complete" "$PY" tests/cli/h5check.py "$TMP/outdir/d.h5" provenance
if h5dump -H "$TMP/outdir/d.h5" > "$TMP/dump.txt" 2>&1; then ok "h5dump -H reads the file"; else fail "h5dump -H reads the file" "$(head -5 "$TMP/dump.txt")"; fi
grep -q 'ATTRIBUTE "units"' "$TMP/dump.txt" && ok "h5dump shows units" || fail "h5dump shows units" "no units attribute"
grep -q 'GROUP "provenance"' "$TMP/dump.txt" && ok "h5dump shows provenance" || fail "h5dump shows provenance" "no provenance group"

# --- --set overrides ---------------------------------------------------------------------------------
expect_exit 0 "run with --set" "$NS" run scenarios/default.ini -o "$TMP/outdir/s.h5" --quiet --set needle.length_mm=0.5 --set skin.age_years=70
v=$("$PY" tests/cli/h5check.py "$TMP/outdir/s.h5" summary needle_length_mm)
[ "$v" = "0.5" ] && ok "--set changes needle length" || fail "--set changes needle length" "got $v"
v=$("$PY" tests/cli/h5check.py "$TMP/outdir/s.h5" summary age_years)
[ "$v" = "70.0" ] && ok "--set changes age" || fail "--set changes age" "got $v"
expect_exit 2 "--set unknown key exits 2" "$NS" check scenarios/default.ini --set needle.lenght_mm=1
expect_exit 2 "--set bad value exits 2" "$NS" check scenarios/default.ini --set needle.length_mm=abc

# --- sweeps -------------------------------------------------------------------------------------------
expect_exit 0 "run sweep" "$NS" run scenarios/sweep_length_age.ini -o "$TMP/outdir/sw.h5" --quiet
n=$("$PY" tests/cli/h5check.py "$TMP/outdir/sw.h5" runs)
[ "$n" = "16" ] && ok "sweep writes 16 runs and 16 summary rows" || fail "sweep writes 16 runs and 16 summary rows" "got $n"
v=$("$PY" tests/cli/h5check.py "$TMP/outdir/sw.h5" summary age_years | tr '\n' ' ')
[ "$v" = "25.0 45.0 65.0 80.0 25.0 45.0 65.0 80.0 25.0 45.0 65.0 80.0 25.0 45.0 65.0 80.0 " ] \
  && ok "sweep order: last key fastest" || fail "sweep order: last key fastest" "got $v"

# --- atomic output: interruption and failure leave no (new) file ---------------------------------------
NEEDLESIM_TEST_INTERRUPT_AFTER=2 "$NS" run scenarios/sweep_length_age.ini -o "$TMP/outdir/int.h5" --quiet >"$TMP/out" 2>"$TMP/err"; rc=$?
[ "$rc" -eq 1 ] && ok "interrupted run exits 1" || fail "interrupted run exits 1" "exit $rc"
grep -q "interrupted" "$TMP/err" && ok "interruption is reported" || fail "interruption is reported" "$(cat "$TMP/err")"
[ ! -e "$TMP/outdir/int.h5" ] && ok "interrupted run leaves no file" || fail "interrupted run leaves no file" "file exists"
[ "$(ls -A "$TMP/outdir" | grep -c tmp)" -eq 0 ] && ok "interrupted run leaves no temporary" || fail "interrupted run leaves no temporary" "$(ls -A "$TMP/outdir")"
cp "$TMP/outdir/d.h5" "$TMP/outdir/keep.h5"
"$NS" run "$TMP/bad/negative.ini" -o "$TMP/outdir/keep.h5" --quiet 2>/dev/null
cmp -s "$TMP/outdir/d.h5" "$TMP/outdir/keep.h5" && ok "failed run leaves an existing file untouched" || fail "failed run leaves an existing file untouched" "file changed"
expect_exit 2 "output into a missing directory exits 2" "$NS" run scenarios/default.ini -o "$TMP/nope/x.h5" --quiet
expect_exit 2 "output path that is a directory exits 2" "$NS" run scenarios/default.ini -o "$TMP/outdir" --quiet

# --- threads do not change results ---------------------------------------------------------------------
"$NS" run scenarios/sweep_length_age.ini -o "$TMP/outdir/t1.h5" --quiet --threads 1
"$NS" run scenarios/sweep_length_age.ini -o "$TMP/outdir/t2.h5" --quiet --threads 2
if h5diff -c "$TMP/outdir/t1.h5" "$TMP/outdir/t2.h5" /runs /runs >/dev/null 2>&1; then ok "1 and 2 threads give identical runs"; else fail "1 and 2 threads give identical runs" "h5diff found differences"; fi

# --- memory errors: valgrind on check and run ------------------------------------------------------------
if command -v valgrind >/dev/null 2>&1; then
  for f in scenarios/default.ini "$TMP/bad/garbage.ini" "$TMP/bad/unknown_key.ini"; do
    valgrind -q --error-exitcode=99 --leak-check=full --errors-for-leak-kinds=definite "$NS" check "$f" >/dev/null 2>"$TMP/vg"; rc=$?
    [ "$rc" -ne 99 ] && ok "valgrind clean: check $(basename "$f")" || fail "valgrind clean: check $(basename "$f")" "$(head -20 "$TMP/vg")"
  done
else
  fail "valgrind" "valgrind not installed (make test installs it)"
fi

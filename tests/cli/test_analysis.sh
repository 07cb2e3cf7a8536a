#!/bin/sh
# analysis/ scripts run with Debian's python3-h5py/matplotlib on a small sweep and write figures.
. "$(dirname "$0")/lib.sh"
PY=$(find_python) || { fail python "no python3 with h5py+numpy found"; exit 1; }
"$NS" run scenarios/sweep_length_age.ini -o "$TMP/sw.h5" --quiet --set needle.length_mm=0.5 || fail "sweep run" "failed"
expect_exit 0 "plot_profile.py runs" "$PY" analysis/plot_profile.py "$TMP/sw.h5" "$TMP/fig"
for f in profile_thickness.png profile_thickness.pdf profile_modulus.png profile_modulus.pdf; do
  [ -s "$TMP/fig/$f" ] && ok "figure $f written" || fail "figure $f written" "missing or empty"
done

#!/bin/sh
# The penetration study end to end through the CLI: every penetration scenario validates; a small
# length x age sweep (2 x 2, 16 x 24 cells, 10 um of travel) runs and its file has the documented
# layout (units on every dataset, series, skin/ layer boundaries, device/ load) and summary
# columns that match their definitions; each device's load (pen: stroke peak speed and travel;
# stamp: force shared by needle_count, periodic cell pitch/sqrt(pi); roller: needles in the
# contact arc, entry speed, cell from the spacing; inertia from penetration.dynamics) against
# the formulas of docs/scenarios.md evaluated here; the input errors of the penetration variants
# (FILE:LINE, key, expectation, exit 2, no results file); analysis/plot_penetration.py.
# Travel is kept to 10-50 um so that each run takes about a second: every check is a layout, a
# definition or a formula, not a converged number.
. "$(dirname "$0")/lib.sh"
PY=$(find_python) || { fail python "no python3 with h5py+numpy found"; exit 1; }
PC="$PY tests/cli/pencheck.py"
SMALL="--set penetration.output_steps=2 --set grid.cells_lateral=16 --set grid.cells_depth=24 --threads 1"
isclose() { "$PY" -c "import sys; sys.exit(0 if abs($1 - ($2)) <= 1e-9 * abs($2) else 1)"; }

for f in scenarios/penetration_*.ini scenarios/pen_1p5mm.ini scenarios/roller_*.ini; do
  expect_exit 0 "check $f" "$NS" check "$f"
done

# ---- a small sweep: layout, summary definitions, plots -------------------------------------------
SW="$TMP/sweep.h5"
expect_exit 0 "penetration sweep 2 lengths x 2 ages runs" "$NS" run scenarios/penetration_single.ini -o "$SW" --quiet \
  $SMALL --set needle.length_mm=0.2,0.5 --set skin.age_years=20,80 --set loading.depth_mm=0.01
check "sweep: units on every dataset" "$PY" tests/cli/h5check.py "$SW" units
check "sweep: provenance complete" "$PY" tests/cli/h5check.py "$SW" provenance
n=$("$PY" tests/cli/h5check.py "$SW" runs)
[ "$n" = 4 ] && ok "sweep: 4 runs" || fail "sweep: 4 runs" "got $n"
check "sweep: series, skin/ and device/ layout" $PC "$SW" layout
check "sweep: summary columns match their definitions" $PC "$SW" summary
check "sweep: run 3 is 0.5 mm at 80 y, displacement control over 10 um at 1 mm/s" $PC "$SW" load 3 \
  needle_length_mm=0.5 age_years=80 control=displacement travel_mm=0.01 insertion_speed_mm_s=1 needles_in_contact=1 \
  force_per_needle_N=nan cell_radius_mm=1.5 inertia=0
# Older skin is thinner (Branchet 1990, docs/skin-model.md): the dermis bottom rises with age.
b20=$("$PY" -c "import h5py; print(h5py.File('$SW')['runs/0000/skin/bottom_depth'][3])")
b80=$("$PY" -c "import h5py; print(h5py.File('$SW')['runs/0001/skin/bottom_depth'][3])")
"$PY" -c "import sys; sys.exit(0 if $b80 < $b20 else 1)" && ok "sweep: the reticular dermis ends higher at 80 y ($b20 -> $b80 m)" \
  || fail "sweep: the reticular dermis ends higher at 80 y" "20 y: $b20, 80 y: $b80"

expect_exit 0 "plot_penetration.py on the sweep" "$PY" analysis/plot_penetration.py "$SW" "$TMP/fig"
for f in penetration_force_displacement penetration_cut_depth; do
  for x in png pdf; do
    [ -s "$TMP/fig/$f.$x" ] && ok "figure $f.$x written" || fail "figure $f.$x written" "missing or empty"
  done
done
"$NS" run scenarios/default.ini -o "$TMP/prof.h5" --quiet || fail "profile run" "failed"
expect_exit 1 "plot_penetration.py refuses a file without penetration runs" "$PY" analysis/plot_penetration.py \
  "$TMP/prof.h5" "$TMP/fig2"

# ---- device semantics ----------------------------------------------------------------------------
# Pen: 50 um needle, 2.5 mm stroke at 117 Hz: speed pi f s, travel min(stroke, length), inertia.
PEN="$TMP/pen.h5"
expect_exit 0 "pen runs" "$NS" run scenarios/penetration_pen_sweep.ini -o "$PEN" --quiet $SMALL \
  --set needle.length_mm=0.05 --set skin.age_years=35
check "pen: layout" $PC "$PEN" layout
check "pen: speed pi x 117 Hz x 2.5 mm, travel = needle length 0.05 mm, inertia on" $PC "$PEN" load 0 \
  control=displacement insertion_speed_mm_s=$("$PY" -c "import math; print(math.pi * 117 * 2.5)") travel_mm=0.05 \
  needles_in_contact=1 inertia=1
PEN2="$TMP/pen2.h5"
expect_exit 0 "pen with a given speed and dynamics off runs" "$NS" run scenarios/penetration_pen_sweep.ini -o "$PEN2" \
  --quiet $SMALL --set needle.length_mm=0.1 --set skin.age_years=35 --set device.stroke_depth_mm=0.05 \
  --set loading.speed_mm_s=200 --set penetration.dynamics=off
check "pen: given speed kept, travel = stroke 0.05 mm < needle 0.1 mm, inertia off" $PC "$PEN2" load 0 \
  insertion_speed_mm_s=200 travel_mm=0.05 inertia=0

# Stamp: 36 needles share 3.6 N (0.1 N each); periodic cell radius pitch / sqrt(pi).
ST="$TMP/stamp.h5"
printf '[study]\ntype = penetration\n[needle]\nlength_mm = 0.05\n[device]\ntype = stamp\npitch_um = 1000\nneedle_count = 36\n[loading]\nforce_N = 3.6\n[grid]\ndepth_mm = 1\nsurface_cell_um = 2\naxis_cell_um = 2\n' > "$TMP/stamp.ini"
expect_exit 0 "stamp runs" "$NS" run "$TMP/stamp.ini" -o "$ST" --quiet $SMALL
check "stamp: layout" $PC "$ST" layout
check "stamp: force control, 3.6 N / 36 needles, cell radius 1 mm / sqrt(pi)" $PC "$ST" load 0 \
  control=force force_per_needle_N=0.1 needles_in_contact=36 travel_mm=0.05 \
  cell_radius_mm=$("$PY" -c "import math; print(1 / math.sqrt(math.pi))")

# Roller: 1 mm drum (R = 0.5 mm), 50 um needles: theta0 = acos(R / (R + L)); 24 per ring x 2
# theta0 / (2 pi) = 3.28 -> 3 positions, x 8 rings = 24 needles; entry speed v sqrt((R+L)^2 -
# R^2) / R; cell (20 mm / 8) x (pi 1 mm / 24) as a disc.
RO="$TMP/roller.h5"
expect_exit 0 "roller runs" "$NS" run scenarios/penetration_roller_sweep.ini -o "$RO" --quiet $SMALL \
  --set needle.length_mm=0.05 --set skin.age_years=35 --set device.drum_diameter_mm=1 \
  --set needle.shaft_diameter_um=100
check "roller: layout" $PC "$RO" layout
want=$("$PY" -c "
import math
R, L, v, F = 0.5, 0.05, 20.0, 10.0
pos = max(1, math.floor(24 * 2 * math.acos(R / (R + L)) / (2 * math.pi) + 0.5))
n = 8 * pos
print(f'needles_in_contact={n} force_per_needle_N={F / n!r} '
      f'insertion_speed_mm_s={v * math.sqrt((R + L)**2 - R**2) / R!r} '
      f'cell_radius_mm={math.sqrt(20 / 8 * (math.pi * 1 / 24) / math.pi)!r} control=force inertia=0')")
case "$want" in needles_in_contact=24*) ok "roller: 24 needles in the arc (hand count: 3 positions x 8 rings)" ;;
  *) fail "roller: 24 needles in the arc" "$want" ;; esac
check "roller: needles in the arc, force per needle, entry speed, periodic cell" $PC "$RO" load 0 $want

# Inertia from penetration.dynamics = auto: off at 1 mm/s, on at 3 m/s (threshold 100 mm/s).
RA="$TMP/rate.h5"
expect_exit 0 "slow press and impact run" "$NS" run scenarios/penetration_rate.ini -o "$RA" --quiet $SMALL \
  --set loading.depth_mm=0.01
check "rate: 1 mm/s quasi-static" $PC "$RA" load 0 insertion_speed_mm_s=1 inertia=0
check "rate: 3000 mm/s with inertia" $PC "$RA" load 1 insertion_speed_mm_s=3000 inertia=1
check "rate: layout" $PC "$RA" layout

# ---- input errors: FILE:LINE, key, expectation; exit 2; no results file ----------------------
B="$TMP/bad"
mkdir -p "$B"
err_case() { # err_case NAME EXPECTED-MESSAGE-FRAGMENT INI-TEXT
  printf '[study]\ntype = penetration\n%b' "$3" > "$B/$1.ini"
  expect_exit 2 "error $1: exit 2" "$NS" run "$B/$1.ini" -o "$B/$1.h5" --quiet
  if grep -qF -- "$2" "$TMP/err"; then ok "error $1: message"; else fail "error $1: message" "$(head -c 300 "$TMP/err")"; fi
  [ ! -e "$B/$1.h5" ] && ok "error $1: no results file" || fail "error $1: no results file" "$1.h5 exists"
}
err_case needle_deeper_than_grid "$B/needle_deeper_than_grid.ini:6: grid.depth_mm: expected at least 1.5 x needle.length_mm = 3 mm" \
  '[needle]\nlength_mm = 2\n[grid]\ndepth_mm = 2.5\n'
err_case tip_wider_than_shaft "$B/tip_wider_than_shaft.ini:4: needle.tip_radius_um: expected at most the shaft radius" \
  '[needle]\ntip_radius_um = 130\nshaft_diameter_um = 250\n'
err_case zero_speed "$B/zero_speed.ini:4: loading.speed_mm_s: expected a value in (0, 20000] mm/s, got '0'" \
  '[loading]\nspeed_mm_s = 0\n'
err_case zero_speed_force "$B/zero_speed_force.ini:5: loading.speed_mm_s: expected a value in (0, 20000] mm/s, got '0'" \
  '[loading]\nforce_N = 1\nspeed_mm_s = 0\n'
err_case travel_beyond_needle "$B/travel_beyond_needle.ini:6: loading.depth_mm: expected at most needle.length_mm = 0.5 mm" \
  '[needle]\nlength_mm = 0.5\n[loading]\ndepth_mm = 0.6\n'
err_case pen_force "$B/pen_force.ini:6: loading.force_N: expected no value with device.type = pen" \
  '[device]\ntype = pen\n[loading]\nforce_N = 2\n'
err_case roller_width "$B/roller_width.ini:6: grid.width_mm: expected no value with device.type = roller" \
  '[device]\ntype = roller\n[grid]\nwidth_mm = 3\n'
err_case cut_radius "$B/cut_radius.ini:4: penetration.cut_radius_um: expected at most the shaft radius" \
  '[penetration]\ncut_radius_um = 300\n'
err_case geometry_3d "$B/geometry_3d.ini:4: grid.geometry: expected axisymmetric for study.type = penetration" \
  '[grid]\ngeometry = 3d\n'
err_case tensile_strength "$B/tensile_strength.ini:4: layer.papillary_dermis.tensile_strength_MPa: expected a value in [0.0001, 1000] MPa" \
  '[layer.papillary_dermis]\ntensile_strength_MPa = -1\n'
# At run time: the stratum corneum needs 2 cells (a 20 um surface cell cannot resolve its ~18 um);
# ns_pen_check refuses a surface cell above SC / 2 before any grid is built.
expect_exit 2 "coarse surface cell is an input error" "$NS" run scenarios/penetration_single.ini -o "$TMP/sc.h5" \
  --quiet $SMALL --set loading.depth_mm=0.01 --set grid.surface_cell_um=20
grep -q "grid.surface_cell_um: expected at most the stratum corneum thickness / 2" "$TMP/err" \
  && ok "coarse surface cell: message names the key" || fail "coarse surface cell: message" "$(head -c 300 "$TMP/err")"
[ ! -e "$TMP/sc.h5" ] && ok "coarse surface cell: no results file" || fail "coarse surface cell: no results file" "sc.h5 exists"

"""Checks on penetration-study results files, run by tests/cli/test_penetration.sh with Debian's
python3-h5py.

usage: pencheck.py FILE layout          per run: series/{time, tip_depth, force} of equal length
                                        starting at t = 0 with zero depth and force, tip depth
                                        rising to the travel of device/ (force control: at
                                        most to it), force positive once
                                        the tip is in (the skin resists), skin/ layer boundaries
                                        contiguous from the surface down, device/ attributes
       pencheck.py FILE summary         per run: the summary columns against their definitions:
                                        peak_force_N = max series/force, penetration_fraction =
                                        max_cut_depth / needle length, deepest_layer a layer
                                        name or 'none' (none iff nothing was cut), dermis_depth
                                        >= 0, the vessel flags = (cut deeper than the vessel),
                                        travel_mm = device/travel
       pencheck.py FILE load RUN K=V... the resolved load of run RUN: each summary column K
                                        equals V (relative 1e-9: V is computed by the test from
                                        the scenario's values with the documented formulas)
       pencheck.py FILE col COL RUN     print summary column COL of run RUN
Exit status 0 when the check holds, 1 otherwise (with a message).
"""
import sys

import h5py
import numpy as np

LAYERS = ["stratum_corneum", "epidermis", "papillary_dermis", "reticular_dermis", "hypodermis"]


def text(v):
    return v.decode() if isinstance(v, bytes) else str(v)


def fail(msg):
    print(msg, file=sys.stderr)
    return 1


def runs(f):
    s = f["summary"][()]
    for row in s:
        yield row, f["runs"][f"{int(row['run']):04d}"]


def check_layout(path):
    with h5py.File(path, "r") as f:
        n = 0
        for row, g in runs(f):
            n += 1
            t, d, F = (g["series"][k][()] for k in ("time", "tip_depth", "force"))
            if not (len(t) == len(d) == len(F) >= 2):
                return fail(f"run {row['run']}: series lengths {len(t)}, {len(d)}, {len(F)}")
            if t[0] != 0 or d[0] != 0 or F[0] != 0:
                return fail(f"run {row['run']}: first point not at rest: t {t[0]}, depth {d[0]}, force {F[0]}")
            if np.any(np.diff(t) <= 0) or np.any(np.diff(d) < 0):
                return fail(f"run {row['run']}: time or tip depth not increasing")
            travel = g["device"].attrs["travel"]
            # Displacement control: the tip reaches the travel (relative 1e-9: the same number
            # written twice); force control may stop earlier, never later.
            force_control = text(g["device"].attrs["control"]) == "force"
            if d[-1] > travel * (1 + 1e-9) or (not force_control and abs(d[-1] - travel) > 1e-9 * travel):
                return fail(f"run {row['run']}: last tip depth {d[-1]} vs travel {travel}")
            if np.any(F[1:] <= 0):
                return fail(f"run {row['run']}: force not positive with the tip in the skin: {F}")
            names = [text(x) for x in g["skin/layer_name"][()]]
            top, bot = g["skin/top_depth"][()], g["skin/bottom_depth"][()]
            if names != LAYERS:
                return fail(f"run {row['run']}: layer names {names}")
            if top[0] != 0 or np.any(bot <= top) or np.any(top[1:] != bot[:-1]):
                return fail(f"run {row['run']}: layers not contiguous from the surface: {top} {bot}")
            for k in ("control", "insertion_speed", "needles_in_contact", "force_per_needle", "cell_radius", "inertia"):
                if k not in g["device"].attrs:
                    return fail(f"run {row['run']}: device/ has no attribute {k}")
        if n == 0:
            return fail("no runs")
    return 0


def check_summary(path):
    with h5py.File(path, "r") as f:
        for row, g in runs(f):
            r = int(row["run"])
            F = g["series/force"][()]
            if row["peak_force_N"] != F.max():
                return fail(f"run {r}: peak_force_N {row['peak_force_N']} != max force {F.max()}")
            cut = row["max_cut_depth_um"] * 1e-6
            L = row["needle_length_mm"] * 1e-3
            frac = row["penetration_fraction"]
            # Relative 1e-9: the same quotient computed in C and here.
            if abs(frac - cut / L) > 1e-9 * max(abs(frac), 1e-30) and not (cut == 0 and frac == 0):
                return fail(f"run {r}: penetration_fraction {frac} != max_cut_depth / length {cut / L}")
            layer = text(row["deepest_layer"])
            if (cut > 0) != (layer != "none") or (layer != "none" and layer not in LAYERS):
                return fail(f"run {r}: deepest_layer '{layer}' with max_cut_depth {cut}")
            if not row["dermis_depth_um"] >= 0:
                return fail(f"run {r}: dermis_depth_um {row['dermis_depth_um']} < 0")
            cap = g["skin/capillary_loop_depth"][()]
            plex = g["skin/superficial_plexus_depth"][()]
            if row["reached_capillary_loops"] != int(cut > cap) or row["reached_superficial_plexus"] != int(cut > plex):
                return fail(f"run {r}: vessel flags {row['reached_capillary_loops']}, "
                            f"{row['reached_superficial_plexus']} for a cut to {cut} m (vessels {cap}, {plex} m)")
            if abs(row["travel_mm"] * 1e-3 - g["device"].attrs["travel"]) > 1e-12:
                return fail(f"run {r}: travel_mm {row['travel_mm']} != device/travel")
    return 0


def check_load(path, run, pairs):
    with h5py.File(path, "r") as f:
        s = f["summary"][()]
        row = s[s["run"] == run][0]
        for p in pairs:
            k, v = p.split("=", 1)
            got = row[k]
            if isinstance(got, bytes):
                if text(got) != v:
                    return fail(f"run {run}: {k} = '{text(got)}', expected '{v}'")
                continue
            want = float(v)
            if np.isnan(want) and np.isnan(got):
                continue
            # Relative 1e-9: the test evaluates the same closed-form expression.
            if not abs(float(got) - want) <= 1e-9 * max(abs(want), 1e-300):
                return fail(f"run {run}: {k} = {got}, expected {want}")
    return 0


def main(argv):
    if len(argv) < 3:
        print(__doc__)
        return 2
    path, what = argv[1], argv[2]
    if what == "layout":
        return check_layout(path)
    if what == "summary":
        return check_summary(path)
    if what == "load":
        return check_load(path, int(argv[3]), argv[4:])
    if what == "col":
        with h5py.File(path, "r") as f:
            s = f["summary"][()]
            v = s[argv[3]][int(argv[4])]
            print(text(v) if isinstance(v, bytes) else repr(float(v)))
        return 0
    print(__doc__)
    return 2


if __name__ == "__main__":
    sys.exit(main(sys.argv))

"""Checks on the characterisation studies' results files (indentation, suction), run by
tests/cli/test_characterisation.sh with Debian's python3-h5py.

usage: charcheck.py FILE xmf              FILE's .xmf sidecar exists, is XDMF 3 XML, and every
                                          DataItem names FILE's base name and a dataset of FILE
                                          whose shape equals the DataItem's Dimensions
       charcheck.py FILE no-snapshots     no /runs/*/snapshots group and no .xmf sidecar
       charcheck.py FILE indentation      per run: force 0 at t = 0, rising with depth while
                                          loading, relaxing during the hold (the skin model's
                                          layers have Prony terms), summary consistent with series
       charcheck.py FILE suction          per run (one cycle): U(0) = 0, U rises during suction
                                          and falls after release, the summary columns equal
                                          the Cutometer definitions applied to the series
       charcheck.py FILE col COL RUN      print summary column COL of run RUN
Exit status 0 when the check holds, 1 otherwise (with a message).
"""
import os
import sys
import xml.etree.ElementTree as ET

import h5py
import numpy as np


def fail(msg):
    print(msg)
    return 1


def check_xmf(path):
    xmf = os.path.splitext(path)[0] + ".xmf"
    if not os.path.isfile(xmf):
        return fail(f"{xmf} missing")
    root = ET.parse(xmf).getroot()
    if root.tag != "Xdmf" or root.get("Version") != "3.0":
        return fail(f"{xmf}: not an XDMF 3 document")
    items = root.findall(".//DataItem")
    if not items:
        return fail(f"{xmf}: no DataItem")
    grids = root.findall(".//Grid[@GridType='Uniform']")
    with h5py.File(path, "r") as f:
        for it in items:
            ref = it.text.strip()
            name, _, dset = ref.partition(":")
            if name != os.path.basename(path):
                return fail(f"{xmf}: DataItem refers to {name}, not {os.path.basename(path)}")
            if dset not in f or not isinstance(f[dset], h5py.Dataset):
                return fail(f"{xmf}: {dset} is not a dataset of {path}")
            dims = tuple(int(x) for x in it.get("Dimensions").split())
            if f[dset].shape != dims:
                return fail(f"{xmf}: {dset} has shape {f[dset].shape}, DataItem says {dims}")
        nsnap = sum(len(f[f"runs/{r}/snapshots"]) for r in f["runs"] if "snapshots" in f[f"runs/{r}"])
    if len(grids) != nsnap:
        return fail(f"{xmf}: {len(grids)} time levels for {nsnap} snapshot groups")
    print(f"{len(items)} DataItems, {len(grids)} time levels")
    return 0


def check_no_snapshots(path):
    xmf = os.path.splitext(path)[0] + ".xmf"
    if os.path.exists(xmf):
        return fail(f"{xmf} exists although snapshots = false")
    with h5py.File(path, "r") as f:
        for r in f["runs"]:
            if "snapshots" in f[f"runs/{r}"]:
                return fail(f"runs/{r}/snapshots exists although snapshots = false")
    return 0


def runs(f):
    s = f["summary"][()]
    for i, r in enumerate(sorted(f["runs"].keys())):
        yield r, f[f"runs/{r}/series"], {k: s[k][i] for k in s.dtype.names}


def check_indentation(path):
    with h5py.File(path, "r") as f:
        for r, g, row in runs(f):
            t, d, F = g["time"][()], g["depth"][()], g["force"][()]
            if t[0] != 0 or d[0] != 0 or F[0] != 0:
                return fail(f"run {r}: sample 0 is not the unloaded state")
            load = np.nonzero(d < d.max() * (1 - 1e-12))[0]
            iload = load[-1] + 1  # first sample at the largest depth: the end of loading
            # Deeper indentation -> larger force: strictly increasing along the loading ramp.
            if not np.all(np.diff(F[: iload + 1]) > 0):
                return fail(f"run {r}: force does not rise monotonically with depth: {F[: iload + 1]}")
            hold = F[iload:]
            if len(hold) > 1:
                # The dermis and hypodermis relax (Prony terms): the force falls during the hold.
                if not (hold[-1] < hold[0] and np.all(np.diff(hold) <= 1e-12 * hold[0])):
                    return fail(f"run {r}: force does not relax during the hold: {hold}")
                frac = (hold[0] - hold[-1]) / hold[0]
                if abs(frac - row["force_relaxation_fraction"]) > 1e-12:
                    return fail(f"run {r}: force_relaxation_fraction {row['force_relaxation_fraction']} != {frac}")
            if abs(row["max_force_N"] - F.max()) > 1e-15 or abs(row["max_depth_um"] - 1e6 * d.max()) > 1e-9:
                return fail(f"run {r}: summary max_force_N/max_depth_um disagree with the series")
            print(f"run {r}: F_max {F.max():.4e} N at {1e6 * d.max():.1f} um, hold {len(hold) - 1} samples")
    return 0


def check_suction(path):
    with h5py.File(path, "r") as f:
        for r, g, row in runs(f):
            t, U, p = g["time"][()], g["apex_displacement"][()], g["pressure"][()]
            # One cycle: the suction ends at the last sample at full pressure (T), the relaxation at
            # the last sample (P).
            T = t[np.nonzero(p > 0.999 * p.max())[0][-1]]
            P = t[-1]
            if U[0] != 0 or p[0] != 0:
                return fail(f"run {r}: sample 0 is not the unloaded state")
            i_on = np.nonzero(t <= T + 1e-12)[0]
            i_off = np.nonzero(t >= T - 1e-12)[0]
            if not np.all(np.diff(U[i_on]) > 0):
                return fail(f"run {r}: U does not rise during the suction: {U[i_on]}")
            if not np.all(np.diff(U[i_off]) < 0):
                return fail(f"run {r}: U does not fall after the release: {U[i_off]}")

            def at(tt):
                return U[np.argmin(abs(t - tt))]
            Ue, Uf = at(0.1), at(T)
            Ur, Ua = Uf - at(T + 0.1), Uf - at(P)
            want = {"Ue_mm": Ue * 1e3, "Uf_mm": Uf * 1e3, "Uv_mm": (Uf - Ue) * 1e3, "Ur_mm": Ur * 1e3,
                    "Ua_mm": Ua * 1e3, "R0_mm": Uf * 1e3, "R2": Ua / Uf, "R5": Ur / Ue, "R6": (Uf - Ue) / Ue,
                    "R7": Ur / Uf}
            for k, v in want.items():
                if not abs(row[k] - v) <= 1e-9 * max(1.0, abs(v)):
                    return fail(f"run {r}: {k} = {row[k]}, the series give {v}")
            print(f"run {r}: Uf {Uf * 1e3:.4f} mm, R2 {Ua / Uf:.4f}, R5 {Ur / Ue:.4f}, R7 {Ur / Uf:.4f}")
    return 0


def main():
    path, what = sys.argv[1], sys.argv[2]
    if what == "xmf":
        return check_xmf(path)
    if what == "no-snapshots":
        return check_no_snapshots(path)
    if what == "indentation":
        return check_indentation(path)
    if what == "suction":
        return check_suction(path)
    if what == "col":
        with h5py.File(path, "r") as f:
            print(repr(float(f["summary"][sys.argv[3]][int(sys.argv[4])])))
        return 0
    return fail(f"unknown check {what}")


if __name__ == "__main__":
    sys.exit(main())

#!/usr/bin/python3
"""Plot the characterisation studies of a needlesim results file.

usage: /usr/bin/python3 analysis/plot_indentation.py RESULTS.h5 [OUTDIR]

Indentation runs ([study] type = indentation) give
  OUTDIR/indentation_force_depth.{png,pdf}   force against indenter depth (loading and hold)
  OUTDIR/indentation_force_time.{png,pdf}    force against time (the hold shows the relaxation)
Suction runs ([study] type = suction) give
  OUTDIR/suction_displacement_time.{png,pdf} skin elevation at the centre of the opening against
                                             time, with the suction pressure, and the Cutometer
                                             readings Ue, Uf and the recovery marked
One line per run, labelled with the run's swept keys. OUTDIR defaults to the results file's
directory. Reads only the documented layout (README "Indentation study", "Suction study");
uses Debian's python3-h5py, numpy and matplotlib. Exit status 1 when the file holds neither study.
"""
import os
import sys

import h5py
import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt  # noqa: E402
import numpy as np  # noqa: E402


def text(v):
    return v.decode() if isinstance(v, bytes) else str(v)


def save(fig, outdir, name):
    for ext in ("png", "pdf"):
        fig.savefig(os.path.join(outdir, f"{name}.{ext}"), dpi=150)
    plt.close(fig)


def plot_indentation(runs, outdir):
    fig1, ax1 = plt.subplots(figsize=(6, 4.5))
    fig2, ax2 = plt.subplots(figsize=(6, 4.5))
    for label, s, row in runs:
        d_um = s["depth"] * 1e6
        f_mN = s["force"] * 1e3
        ax1.plot(d_um, f_mN, ".-", label=label)
        ax2.plot(s["time"], f_mN, ".-", label=label)
        # The initial stiffness as a line over the depth range it was fitted on.
        k = row["initial_stiffness_N_m"]
        dfit = np.linspace(0.0, 0.1 * d_um.max(), 10)
        ax1.plot(dfit, k * dfit * 1e-3, "k:", lw=1)
    ax1.set_xlabel("indenter depth [um]")
    ax1.set_ylabel("force [mN]")
    ax1.set_title("indentation: force against depth (dotted: initial stiffness)")
    ax2.set_xlabel("time [s]")
    ax2.set_ylabel("force [mN]")
    ax2.set_title("indentation: force against time")
    for ax in (ax1, ax2):
        ax.grid(alpha=0.3)
        ax.legend(fontsize=8)
    fig1.tight_layout()
    fig2.tight_layout()
    save(fig1, outdir, "indentation_force_depth")
    save(fig2, outdir, "indentation_force_time")


def plot_suction(runs, outdir):
    fig, ax = plt.subplots(figsize=(7, 4.5))
    axp = ax.twinx()
    for label, s, row in runs:
        line, = ax.plot(s["time"], s["apex_displacement"] * 1e3, ".-", label=label)
        axp.plot(s["time"], s["pressure"] * 1e-2, ":", color=line.get_color(), lw=1)
        ax.plot([0.1], [row["Ue_mm"]], "v", color=line.get_color())
        on = s["time"][np.argmax(s["apex_displacement"])]
        ax.plot([on], [row["Uf_mm"]], "^", color=line.get_color())
    ax.set_xlabel("time [s]")
    ax.set_ylabel("skin elevation U [mm]  (v: Ue at 0.1 s, ^: Uf)")
    axp.set_ylabel("suction [mbar] (dotted)")
    ax.set_title("suction: Cutometer curve")
    ax.grid(alpha=0.3)
    ax.legend(fontsize=8, loc="upper right")
    fig.tight_layout()
    save(fig, outdir, "suction_displacement_time")


def main(argv):
    if len(argv) < 2:
        print(__doc__.strip(), file=sys.stderr)
        return 2
    path = argv[1]
    outdir = argv[2] if len(argv) > 2 else (os.path.dirname(path) or ".")
    os.makedirs(outdir, exist_ok=True)
    found = {"indentation": [], "suction": []}
    with h5py.File(path, "r") as f:
        summary = f["summary"][()]
        for i, name in enumerate(sorted(f["runs"].keys())):
            g = f[f"runs/{name}"]
            study = text(g.attrs["study"])
            if study not in found:
                continue
            series = {k: g["series"][k][()] for k in g["series"].keys()}
            row = {k: summary[k][i] for k in summary.dtype.names}
            found[study].append((f"run {name}: {text(g.attrs['label'])}", series, row))
    if found["indentation"]:
        plot_indentation(found["indentation"], outdir)
    if found["suction"]:
        plot_suction(found["suction"], outdir)
    if not found["indentation"] and not found["suction"]:
        print(f"{path}: no indentation or suction runs", file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))

#!/usr/bin/python3
"""Plot the penetration study of a needlesim results file (usually a needle length x age sweep).

usage: /usr/bin/python3 analysis/plot_penetration.py RESULTS.h5 [OUTDIR]

Gives
  OUTDIR/penetration_force_displacement.{png,pdf}  force on the needle against tip depth below
                                                   the undeformed surface, one line per run
                                                   (colour: age), stratum-corneum puncture marked
  OUTDIR/penetration_cut_depth.{png,pdf}           deepest cut (max_cut_depth_um) against needle
                                                   length, one line per age, depth downwards, with
                                                   each age's layer boundaries (dashed, the run's
                                                   skin/bottom_depth) and the needle length itself
                                                   (dotted diagonal: a cut as deep as the needle)
OUTDIR defaults to the results file's directory. Reads the documented layout
(docs/scenarios.md, "The penetration study"): /summary, /runs/NNNN/series/{tip_depth, force},
/runs/NNNN/skin/{layer_name, bottom_depth}. Sweep cases that failed (listed in /failed_runs, with
no /summary row and no /runs/NNNN group; docs/scenarios.md, "Sweeps") are skipped with a note on
stderr naming each one. Uses Debian's python3-h5py, numpy and matplotlib
(Agg backend). Exit status 1 when the file holds no penetration run.
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


def age_colours(ages):
    cmap = plt.get_cmap("viridis")
    uniq = sorted(set(ages))
    return {a: cmap(0.85 * i / max(len(uniq) - 1, 1)) for i, a in enumerate(uniq)}


def plot_force(runs, colours, outdir):
    fig, ax = plt.subplots(figsize=(6.5, 4.5))
    for r in runs:
        d_um = r["tip_depth"] * 1e6
        f_mN = r["force"] * 1e3
        ax.plot(d_um, f_mN, "-", color=colours[r["age"]], lw=1.2,
                label=f"{r['length']:g} mm, {r['age']:g} y")
        pf = r["row"]["puncture_force_N"]
        if np.isfinite(pf) and pf > 0:
            # The puncture point: first output point whose force reaches the puncture force.
            k = int(np.argmax(r["force"] >= pf * (1 - 1e-12)))
            ax.plot(d_um[k], f_mN[k], "o", color=colours[r["age"]], ms=4)
    ax.set_xlabel("tip depth below the undeformed surface [um]")
    ax.set_ylabel("force on the needle [mN]")
    ax.set_title("penetration: force against displacement (dots: SC puncture)")
    ax.grid(alpha=0.3)
    if len(runs) <= 12:
        ax.legend(fontsize=7)
    fig.tight_layout()
    save(fig, outdir, "penetration_force_displacement")


def plot_cut_depth(runs, colours, outdir):
    fig, ax = plt.subplots(figsize=(6.5, 5))
    lengths = sorted({r["length"] for r in runs})
    for age in sorted(colours):
        sel = sorted((r for r in runs if r["age"] == age), key=lambda r: r["length"])
        L = [r["length"] for r in sel]
        cut_mm = [r["row"]["max_cut_depth_um"] * 1e-3 for r in sel]
        ax.plot(L, cut_mm, "o-", color=colours[age], label=f"age {age:g} y")
        # Layer boundaries of this age (the bottoms of all but the last layer).
        names, bottoms = sel[0]["layer_name"], sel[0]["bottom_depth"]
        for name, b in zip(names[:-1], bottoms[:-1]):
            ax.axhline(b * 1e3, color=colours[age], ls="--", lw=0.7, alpha=0.6)
        if age == min(colours):
            for name, b in zip(names[:-1], bottoms[:-1]):
                ax.annotate(f"{name} bottom", (lengths[-1], b * 1e3), fontsize=6, ha="right", va="bottom",
                            color="0.3")
    ax.plot([0, max(lengths)], [0, max(lengths)], ":", color="0.5", lw=1, label="needle length")
    ax.set_xlabel("needle length [mm]")
    ax.set_ylabel("deepest cut below the undeformed surface [mm]")
    ax.invert_yaxis()
    ax.set_title("penetration: deepest cut (dashed: layer boundaries per age)")
    ax.grid(alpha=0.3)
    ax.legend(fontsize=8)
    fig.tight_layout()
    save(fig, outdir, "penetration_cut_depth")


def main(argv):
    if len(argv) < 2:
        print(__doc__)
        return 2
    path = argv[1]
    outdir = argv[2] if len(argv) > 2 else (os.path.dirname(os.path.abspath(path)) or ".")
    os.makedirs(outdir, exist_ok=True)
    runs = []
    with h5py.File(path, "r") as f:
        summary = f["summary"][()]
        if "failed_runs" in f:
            failed = f["failed_runs"][()]
            print(f"{path}: note: {len(failed)} failed case(s) skipped (no results):", file=sys.stderr)
            for row in failed:
                print(f"  run {int(row['run'])} ({text(row['label'])}): {text(row['error'])}", file=sys.stderr)
        for row in summary:
            if text(row["study"]) != "penetration":
                continue
            g = f["runs"][f"{int(row['run']):04d}"]
            runs.append({
                "row": row,
                "age": float(row["age_years"]),
                "length": float(row["needle_length_mm"]),
                "tip_depth": g["series/tip_depth"][()],
                "force": g["series/force"][()],
                "layer_name": [text(n) for n in g["skin/layer_name"][()]],
                "bottom_depth": g["skin/bottom_depth"][()],
            })
    if not runs:
        print(f"{path}: no penetration runs ([study] type = penetration)", file=sys.stderr)
        return 1
    colours = age_colours([r["age"] for r in runs])
    plot_force(runs, colours, outdir)
    plot_cut_depth(runs, colours, outdir)
    print(f"figures written to {outdir}")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))

#!/usr/bin/python3
"""Plot the resolved skin profiles of a needlesim results file.

usage: /usr/bin/python3 analysis/plot_profile.py RESULTS.h5 [OUTDIR]

Writes OUTDIR/profile_thickness.{png,pdf} (layer thicknesses against age, one panel per site
found in the file) and OUTDIR/profile_modulus.{png,pdf} (Young's modulus against depth, one line
per run, log scale). OUTDIR defaults to the results file's directory. Reads only the documented
layout (README "Output layout"); uses Debian's python3-h5py, numpy and matplotlib.
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


def main(argv):
    if len(argv) < 2:
        print(__doc__.strip(), file=sys.stderr)
        return 2
    path = argv[1]
    outdir = argv[2] if len(argv) > 2 else (os.path.dirname(path) or ".")
    os.makedirs(outdir, exist_ok=True)
    with h5py.File(path, "r") as f:
        s = f["summary"][()]
        runs = sorted(f["runs"].keys())
        layers = [text(x) for x in f[f"runs/{runs[0]}/skin/layer_name"][()]]
        profiles = []
        for r in runs:
            g = f[f"runs/{r}/skin/profile"]
            profiles.append((text(f[f"runs/{r}"].attrs["label"]), g["depth"][()], g["youngs_modulus"][()]))

    # Thickness against age, per site.
    sites = sorted(set(text(x) for x in s["site"]))
    fig, axes = plt.subplots(1, len(sites), figsize=(5 * len(sites), 4), squeeze=False)
    for ax, site in zip(axes[0], sites):
        rows = s[np.array([text(x) == site for x in s["site"]])]
        order = np.argsort(rows["age_years"])
        for name in layers:
            col = f"{name}_um"
            if col in rows.dtype.names and name != "hypodermis":
                ax.plot(rows["age_years"][order], rows[col][order], "o-", label=name.replace("_", " "))
        ax.set_xlabel("age (years)")
        ax.set_ylabel("thickness (µm)")
        ax.set_yscale("log")
        ax.set_title(site)
        ax.legend(fontsize=8)
    fig.tight_layout()
    for ext in ("png", "pdf"):
        fig.savefig(os.path.join(outdir, f"profile_thickness.{ext}"))
    plt.close(fig)

    # Modulus against depth (step functions), one line per run.
    fig, ax = plt.subplots(figsize=(6, 5))
    for label, depth, E in profiles:
        ax.step(E / 1e3, depth * 1e6, where="post", label=label)
    ax.set_xscale("log")
    ax.invert_yaxis()
    ax.set_xlabel("Young's modulus (kPa)")
    ax.set_ylabel("depth below surface (µm)")
    if len(profiles) <= 8:
        ax.legend(fontsize=7)
    fig.tight_layout()
    for ext in ("png", "pdf"):
        fig.savefig(os.path.join(outdir, f"profile_modulus.{ext}"))
    plt.close(fig)
    print(f"wrote {outdir}/profile_thickness.png/.pdf and profile_modulus.png/.pdf")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))

"""Checks on a sweep results file in which some cases failed (tests/cli/test_sweep_failures.sh),
run with Debian's python3-h5py.

usage: sweepcheck.py FILE partial STANDALONE OK_RUN OK_LABEL FAILED_RUN FAILED_LABEL
           FILE is a valid HDF5 file with root attributes cases = 2 and failed_cases = 1;
           /summary has exactly one row, case OK_RUN with label OK_LABEL, no NaN in it, and every
           other column equal to the single row of STANDALONE (the same case run alone), and
           /runs holds only OK_RUN, whose datasets equal STANDALONE's /runs/0000 ones;
           /failed_runs has one row: FAILED_RUN, FAILED_LABEL, status "solver did not
           converge" and a non-empty error naming the linear solver
       sweepcheck.py FILE fake-failure RUN
           rewrite FILE as the runner writes a sweep whose case RUN failed: its /summary row
           and /runs/NNNN group removed, a /failed_runs row added (for the plot script's test)
Exit status 0 when the check holds, 1 otherwise (with a message).
"""
import sys

import h5py
import numpy as np


def fail(msg):
    print(msg)
    return 1


def text(v):
    return v.decode() if isinstance(v, bytes) else str(v)


def same_datasets(ga, gb, where):
    """Every dataset under ga equals the one at the same path under gb (bitwise: the solver is
    deterministic, colour-ordered assembly and fixed-order reductions, docs/architecture.md)."""
    names_a, names_b = [], []
    ga.visit(lambda n: names_a.append(n) if isinstance(ga[n], h5py.Dataset) else None)
    gb.visit(lambda n: names_b.append(n) if isinstance(gb[n], h5py.Dataset) else None)
    if sorted(names_a) != sorted(names_b):
        return f"{where}: datasets differ: {sorted(set(names_a) ^ set(names_b))}"
    for n in names_a:
        a, b = ga[n][()], gb[n][()]
        if a.dtype.kind in "fc":
            if a.shape != b.shape or not np.array_equal(a, b, equal_nan=True):
                return f"{where}/{n}: values differ from the standalone run"
        elif not np.array_equal(a, b):
            return f"{where}/{n}: values differ from the standalone run"
    return None


def partial(path, standalone, ok_run, ok_label, failed_run, failed_label):
    with h5py.File(path, "r") as f, h5py.File(standalone, "r") as g:
        if int(f.attrs["cases"]) != 2 or int(f.attrs["failed_cases"]) != 1:
            return fail(f"cases = {f.attrs['cases']}, failed_cases = {f.attrs['failed_cases']}; expected 2 and 1")
        s, t = f["summary"][()], g["summary"][()]
        if len(s) != 1:
            return fail(f"/summary has {len(s)} rows, expected 1 (the successful case)")
        row = s[0]
        if int(row["run"]) != ok_run or text(row["label"]) != ok_label:
            return fail(f"/summary row is run {row['run']} '{text(row['label'])}', expected {ok_run} '{ok_label}'")
        if s.dtype.names != t.dtype.names:
            return fail(f"/summary columns {s.dtype.names} differ from the standalone run's {t.dtype.names}")
        for name in s.dtype.names:
            if name in ("run", "label"):
                continue
            a, b = row[name], t[0][name]
            if s.dtype[name].kind == "f":
                if not np.isfinite(a):
                    return fail(f"/summary {name} = {a} is not finite")
                if a != b:  # bitwise: see same_datasets
                    return fail(f"/summary {name} = {a!r}, the standalone run gives {b!r}")
            elif text(a) != text(b):
                return fail(f"/summary {name} = {text(a)}, the standalone run gives {text(b)}")
        runs = sorted(f["runs"].keys())
        if runs != [f"{ok_run:04d}"]:
            return fail(f"/runs holds {runs}, expected only {ok_run:04d}")
        msg = same_datasets(f["runs"][f"{ok_run:04d}"], g["runs/0000"], f"/runs/{ok_run:04d}")
        if msg:
            return fail(msg)
        x = f["failed_runs"][()]
        if len(x) != 1:
            return fail(f"/failed_runs has {len(x)} rows, expected 1")
        r = x[0]
        if int(r["run"]) != failed_run or text(r["label"]) != failed_label:
            return fail(f"/failed_runs row is run {r['run']} '{text(r['label'])}', expected {failed_run} '{failed_label}'")
        if text(r["status"]) != "solver did not converge":
            return fail(f"/failed_runs status '{text(r['status'])}'")
        if "linear solver" not in text(r["error"]):
            return fail(f"/failed_runs error '{text(r['error'])}' does not name the linear solver")
        if "units" not in f["failed_runs"].attrs:
            return fail("/failed_runs has no units attribute")
    return 0


def fake_failure(path, run):
    with h5py.File(path, "r+") as f:
        s = f["summary"]
        keep = s[()][s["run"] != run]
        label = text(s[()][s["run"] == run][0]["label"])
        attrs = dict(s.attrs)
        del f["summary"]
        d = f.create_dataset("summary", data=keep)
        for k, v in attrs.items():
            d.attrs[k] = v
        del f[f"runs/{run:04d}"]
        vs = h5py.string_dtype("utf-8")
        dt = np.dtype([("run", "<i8"), ("label", vs), ("study", vs), ("status", vs), ("error", vs)])
        f.create_dataset("failed_runs", data=np.array([(run, label, "penetration", "solver did not converge",
                                                        "test: made to look failed")], dtype=dt))
    return 0


def main():
    path, what = sys.argv[1], sys.argv[2]
    if what == "partial":
        return partial(path, sys.argv[3], int(sys.argv[4]), sys.argv[5], int(sys.argv[6]), sys.argv[7])
    if what == "fake-failure":
        return fake_failure(path, int(sys.argv[3]))
    return fail(f"unknown check {what}")


if __name__ == "__main__":
    sys.exit(main())

"""Checks on a needlesim results file, run by the shell tests with Debian's python3-h5py.

usage: h5check.py FILE units          every dataset has a non-empty `units` attribute (str)
       h5check.py FILE summary COL    print column COL of /summary, one value per line
       h5check.py FILE provenance     the /provenance attributes needed for reproducibility
       h5check.py FILE runs           number of /runs groups == rows of /summary
Exit status 0 when the check holds, 1 otherwise (with a message).
"""
import sys

import h5py


def main():
    path, what = sys.argv[1], sys.argv[2]
    with h5py.File(path, "r") as f:
        if what == "units":
            bad = []

            def visit(name, obj):
                if isinstance(obj, h5py.Dataset):
                    u = obj.attrs.get("units")
                    if u is None or (isinstance(u, str) and not u):
                        bad.append(name)
            f.visititems(visit)
            if bad:
                print("datasets without units:", bad)
                return 1
            return 0
        if what == "summary":
            col = f["summary"][sys.argv[3]]
            for v in col:
                print(v.decode() if isinstance(v, bytes) else v)
            return 0
        if what == "provenance":
            need = ["version", "git_commit", "compiler", "cflags", "gsl_version", "hdf5_version",
                    "openmp_threads", "start_time", "end_time", "wall_time", "command_line", "schema_version"]
            a = f["provenance"].attrs
            missing = [k for k in need if k not in a]
            if missing:
                print("missing provenance attributes:", missing)
                return 1
            if not isinstance(a["git_commit"], str):
                print("git_commit is not read as str:", type(a["git_commit"]))
                return 1
            text = f["provenance/scenario_text"][0]
            text = text.decode() if isinstance(text, bytes) else text
            if "[" not in text:
                print("scenario_text looks empty")
                return 1
            if len(f["provenance/parameters"]) == 0:
                print("empty parameter table")
                return 1
            return 0
        if what == "runs":
            n = len(f["runs"])
            m = len(f["summary"])
            print(n)
            return 0 if n == m else 1
    print("unknown check", what)
    return 1


if __name__ == "__main__":
    sys.exit(main())

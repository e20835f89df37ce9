#!/usr/bin/env python3
"""Whether two airace output files hold the same results, bit for bit.

Usage: same_results.py A.h5 B.h5

Compares every group, dataset (type, shape and every byte of its values) and attribute, except
what legitimately differs between two runs of one scenario: /meta's creation time, command line,
git revision and the checksum over them; and the order in which HDF5 lists the datasets attached
to a dimension scale (REFERENCE_LIST), which follows the order the series were declared in.
Dimension scales are compared by the names they point to. Exit status 0: the same; 1: not.
"""
import sys

import h5py
import numpy as np

META_VARIES = {"created_utc", "command_line", "git_revision", "checksum_sha256"}


def names(f, refs):
    return sorted(f[r].name for r in refs)


def attrs_of(f, obj):
    out = {}
    for k, v in obj.attrs.items():
        if obj.name == "/meta" and k in META_VARIES:
            continue
        if k == "REFERENCE_LIST":
            out[k] = sorted((f[row[0]].name, int(row[1])) for row in v)
        elif k == "DIMENSION_LIST":
            out[k] = [names(f, refs) for refs in v]
        elif isinstance(v, np.ndarray):
            out[k] = (v.dtype.str, v.shape, v.tobytes() if v.dtype.kind != "O" else list(v))
        else:
            out[k] = v
    return out


def walk(f):
    items = {}
    f.visititems(lambda name, obj: items.__setitem__("/" + name, obj))
    items["/"] = f
    return items


def main():
    if len(sys.argv) != 3:
        print(__doc__.strip(), file=sys.stderr)
        return 2
    a, b = (h5py.File(p, "r") for p in sys.argv[1:])
    ia, ib = walk(a), walk(b)
    problems = []
    for p in sorted(set(ia) ^ set(ib)):
        problems.append(f"{p}: only in {'A' if p in ia else 'B'}")
    for p in sorted(set(ia) & set(ib)):
        x, y = ia[p], ib[p]
        if type(x) is not type(y):
            problems.append(f"{p}: a {type(x).__name__} in A, a {type(y).__name__} in B")
            continue
        if isinstance(x, h5py.Dataset):
            if x.dtype != y.dtype or x.shape != y.shape:
                problems.append(f"{p}: {x.dtype}{x.shape} in A, {y.dtype}{y.shape} in B")
            elif x.shape != () and x.size and x.dtype.kind != "O":
                if x[()].tobytes() != y[()].tobytes():
                    problems.append(f"{p}: values differ")
            elif x[()] != y[()] if x.dtype.kind != "O" or x.shape == () else list(x[()]) != list(y[()]):
                problems.append(f"{p}: values differ")
        if attrs_of(a, x) != attrs_of(b, y):
            problems.append(f"{p}: attributes differ")
    for line in problems:
        print(line)
    print(f"{len(ia)} objects compared: " + ("the same" if not problems else f"{len(problems)} differ"))
    return 1 if problems else 0


if __name__ == "__main__":
    sys.exit(main())

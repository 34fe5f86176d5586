#!/usr/bin/env python3
"""The Python peer of `driftwatch compare`: load two JSONL or CSV files and run the same
tests with numpy/scipy (PSI and JS on reference deciles, KS, Wasserstein normalised by the
reference std, Anderson-Darling, Cramér-von Mises; chi-square and PSI for categories).

Usage: compare_scipy.py REFERENCE CURRENT  (prints one JSON line with the drifted features)
"""
import json
import sys
import warnings

import numpy as np
from scipy import spatial, stats


def load(path):
    if path.endswith(".csv"):
        import csv
        with open(path, newline="") as f:
            rows = list(csv.DictReader(f))
    else:
        with open(path) as f:
            rows = [json.loads(line) for line in f if line.strip()]
        rows = [r.get("features", r) if isinstance(r.get("features"), dict) else r for r in rows]
    columns = {}
    for key in rows[0]:
        values = [r.get(key) for r in rows]
        try:
            columns[key] = np.array([np.nan if v in (None, "") else float(v) for v in values])
        except (TypeError, ValueError):
            columns[key] = np.array(["" if v is None else str(v) for v in values])
    return columns


def psi(rc, cc, floor=1e-4):
    r = np.maximum(rc / rc.sum(), floor)
    c = np.maximum(cc / cc.sum(), floor)
    return float(np.sum((c - r) * np.log(c / r)))


def main():
    ref, cur = load(sys.argv[1]), load(sys.argv[2])
    drifted = []
    warnings.simplefilter("ignore")
    for name, a in ref.items():
        b = cur[name]
        if a.dtype.kind == "f":
            a, b = a[~np.isnan(a)], b[~np.isnan(b)]
            edges = np.unique(np.quantile(a, np.arange(1, 10) / 10))
            full = np.concatenate([[-np.inf], edges, [np.inf]])
            rc, cc = np.histogram(a, full)[0], np.histogram(b, full)[0]
            score = psi(rc, cc)
            js = spatial.distance.jensenshannon(rc, cc, base=2)
            ks = stats.ks_2samp(a, b)
            w = stats.wasserstein_distance(a, b) / np.std(a)
            stats.anderson_ksamp([a, b], variant="midrank")
            stats.cramervonmises_2samp(a, b)
            if (score >= 0.25 or w >= 0.5 or js >= 0.2) and ks.pvalue < 0.05:
                drifted.append(name)
        else:
            cats = sorted(set(a.tolist()) | set(b.tolist()))
            rc = np.array([np.sum(a == c) for c in cats], dtype=float)
            cc = np.array([np.sum(b == c) for c in cats], dtype=float)
            seen = rc > 0
            chi = stats.chi2_contingency(np.array([rc[seen], cc[seen]]), correction=False)
            score = psi(rc, cc)
            js = spatial.distance.jensenshannon(rc, cc, base=2)
            if (score >= 0.25 or js >= 0.2) and chi.pvalue < 0.05:
                drifted.append(name)
    print(json.dumps({"drifted": drifted}))


if __name__ == "__main__":
    main()

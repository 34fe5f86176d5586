#!/usr/bin/env python3
"""numpy/scipy oracle for driftwatch's tests: prints the expected statistics as JSON.

Samples arrive as raw little-endian float64 files written by the Swift tests.
"""
import json
import sys

import numpy as np
from scipy import spatial, stats


def load(path):
    return np.fromfile(path, dtype="<f8")


def histogram(values, edges):
    # Interior edges, open outer bins: numpy.histogram with -inf/+inf outer edges.
    full = np.concatenate([[-np.inf], edges, [np.inf]])
    return np.histogram(values[~np.isnan(values)], bins=full)[0]


def psi(ref_counts, cur_counts, floor=1e-4):
    r = np.maximum(ref_counts / ref_counts.sum(), floor)
    c = np.maximum(cur_counts / cur_counts.sum(), floor)
    return float(np.sum((c - r) * np.log(c / r)))


def exact(value):
    """Floats as hex strings ("0x1.8p+1"), so the Swift side reads the very same double."""
    if isinstance(value, dict):
        return {k: exact(v) for k, v in value.items()}
    if isinstance(value, list):
        return [exact(v) for v in value]
    if isinstance(value, float):
        return value.hex()
    return value


def main():
    command, args = sys.argv[1], sys.argv[2:]
    if command == "kstwo-sf":
        # args: n x n x ...
        pairs = list(zip(args[0::2], args[1::2]))
        out = {"sf": [float(stats.kstwo.sf(float(x), int(n))) for n, x in pairs]}
    elif command == "two-sample":
        ref, cur = load(args[0]), load(args[1])
        bins = int(args[2])
        ref_clean, cur_clean = ref[~np.isnan(ref)], cur[~np.isnan(cur)]
        edges = np.unique(np.quantile(ref_clean, np.arange(1, bins) / bins))
        rc, cc = histogram(ref, edges), histogram(cur, edges)
        ks = stats.ks_2samp(ref_clean, cur_clean, method="asymp")
        out = {
            "edges": edges.tolist(),
            "psi": psi(rc, cc),
            "js": float(spatial.distance.jensenshannon(rc, cc, base=2)),
            "ks_statistic": float(ks.statistic),
            "ks_pvalue_asymp": float(ks.pvalue),
            "wasserstein": float(stats.wasserstein_distance(ref_clean, cur_clean)),
            "mean": float(np.mean(cur_clean)),
            "std": float(np.std(cur_clean)),
            "skew": float(stats.skew(cur_clean)),
            "kurtosis": float(stats.kurtosis(cur_clean)),
        }
    elif command == "chisquare":
        # args: reference counts, then "--", then current counts
        split = args.index("--")
        ref = np.array([float(a) for a in args[:split]])
        cur = np.array([float(a) for a in args[split + 1:]])
        expected = ref / ref.sum() * cur.sum()
        result = stats.chisquare(cur, expected)
        out = {"statistic": float(result.statistic), "pvalue": float(result.pvalue)}
    else:
        raise SystemExit(f"unknown command {command}")
    json.dump(exact(out), sys.stdout)


if __name__ == "__main__":
    main()

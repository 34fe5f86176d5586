#!/usr/bin/env python3
"""numpy/scipy oracle for driftwatch's tests: prints the expected statistics as JSON.

Samples arrive as raw little-endian float64 files written by the Swift tests.
"""
import json
import sys
import warnings

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
    elif command == "tests":
        # The p-value tests on two clean samples, scipy's default ('auto') methods.
        ref, cur = load(args[0]), load(args[1])
        ref, cur = ref[~np.isnan(ref)], cur[~np.isnan(cur)]
        ks = stats.ks_2samp(ref, cur)
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")  # anderson_ksamp warns when its p-value is clamped
            ad = stats.anderson_ksamp([ref, cur], variant="midrank")
        cvm = stats.cramervonmises_2samp(ref, cur)
        out = {
            "ks_statistic": float(ks.statistic), "ks_pvalue": float(ks.pvalue),
            "ad_statistic": float(ad.statistic), "ad_pvalue": float(ad.pvalue),
            "cvm_statistic": float(cvm.statistic), "cvm_pvalue": float(cvm.pvalue),
        }
    elif command == "histogram-distances":
        # args: reference counts, "--", current counts
        split = args.index("--")
        ref = np.array([float(a) for a in args[:split]])
        cur = np.array([float(a) for a in args[split + 1:]])
        p, q = ref / ref.sum(), cur / cur.sum()
        floor = 1e-4
        out = {
            "hellinger": float(np.sqrt(np.sum((np.sqrt(p) - np.sqrt(q)) ** 2) / 2)),
            # scipy.stats.entropy renormalises its inputs, so the floored terms are summed here.
            "kl": float(np.sum(np.maximum(q, floor) * np.log(np.maximum(q, floor) / np.maximum(p, floor)))),
            "kl_unfloored": float(stats.entropy(q, p)),
        }
    elif command == "two-proportion":
        # The pooled two-proportion z-test is the 2x2 chi-square test without continuity
        # correction: z^2 = chi2, same p-value.
        x1, n1, x2, n2 = (int(a) for a in args)
        table = np.array([[x1, n1 - x1], [x2, n2 - x2]])
        result = stats.chi2_contingency(table, correction=False)
        out = {"chi2": float(result.statistic), "pvalue": float(result.pvalue)}
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

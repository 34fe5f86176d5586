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
    elif command == "pca":
        # args: reference, current (column-major float64), columns, variance share, chunks
        columns = int(args[2])
        share, chunks = float(args[3]), int(args[4])
        ref = load(args[0]).reshape(columns, -1).T
        cur = load(args[1]).reshape(columns, -1).T
        means = np.nanmean(ref, axis=0)
        scales = np.nanstd(ref, axis=0)
        scales[~(scales > 0)] = 1.0

        def standardise(x):
            return np.nan_to_num((x - means) / scales, nan=0.0)

        def axes(cov):
            values, vectors = np.linalg.eigh(cov)
            values, vectors = np.maximum(values[::-1], 0), vectors[:, ::-1]
            ratio = np.cumsum(values) / values.sum()
            kept = min(int(np.searchsorted(ratio, share - 1e-15) + 1), columns - 1)
            return values, kept, vectors[:, :kept]

        def mean_error(x, basis):
            z = standardise(x)
            return float(np.mean(np.linalg.norm(z - z @ basis @ basis.T, axis=1)))

        xs = standardise(ref)
        values, kept, basis = axes(xs.T @ xs / (len(xs) - 1))
        # Calibration: each reference chunk scored with axes fitted on the other chunks.
        size = len(ref) // chunks
        chunk_means = []
        for i in range(chunks):
            held = np.ones(len(ref), dtype=bool)
            held[i * size:(i + 1) * size] = False
            others = xs[held]
            _, _, other_basis = axes(others.T @ others / (len(others) - 1))
            chunk_means.append(mean_error(ref[i * size:(i + 1) * size], other_basis))
        out = {
            "eigenvalues": values.tolist(), "kept": kept,
            "current_error": mean_error(cur, basis),
            "reference_mean": float(np.mean(chunk_means)), "reference_std": float(np.std(chunk_means)),
        }
    elif command == "compare-files":
        # args: reference.jsonl current.jsonl; records {"features": {...}}; what `compare` reports.
        def rows(path):
            with open(path) as f:
                return [json.loads(line)["features"] for line in f if line.strip()]
        ref_rows, cur_rows = rows(args[0]), rows(args[1])
        features = {}
        for name in ref_rows[0]:
            ref = [r.get(name) for r in ref_rows]
            cur = [r.get(name) for r in cur_rows]
            if any(isinstance(v, str) for v in ref if v is not None):
                counts = {}
                for v in ref:
                    if v is not None:
                        counts[v] = counts.get(v, 0) + 1
                cats = list(counts)
                rc = np.array([counts[c] for c in cats] + [0], dtype=float)
                cc = np.zeros(len(cats) + 1)
                for v in cur:
                    if v is not None:
                        cc[cats.index(v) if v in counts else len(cats)] += 1
                # Homogeneity of the two samples over every category either has (here at most one new one).
                table = np.array([rc, cc])
                chi = stats.chi2_contingency(table[:, table.sum(axis=0) > 0], correction=False)
                features[name] = {
                    "psi": psi(rc, cc), "js": float(spatial.distance.jensenshannon(rc, cc, base=2)),
                    "chi2": float(chi.statistic), "chi2_pvalue": float(chi.pvalue),
                }
            else:
                a = np.array([np.nan if v is None else v for v in ref], dtype=float)
                b = np.array([np.nan if v is None else v for v in cur], dtype=float)
                a, b = a[~np.isnan(a)], b[~np.isnan(b)]
                edges = np.unique(np.quantile(a, np.arange(1, 10) / 10))
                rc, cc = histogram(a, edges), histogram(b, edges)
                ks = stats.ks_2samp(a, b)
                with warnings.catch_warnings():
                    warnings.simplefilter("ignore")
                    ad = stats.anderson_ksamp([a, b], variant="midrank")
                features[name] = {
                    "psi": psi(rc, cc), "js": float(spatial.distance.jensenshannon(rc, cc, base=2)),
                    "ks": float(ks.statistic), "ks_pvalue": float(ks.pvalue),
                    "wasserstein": float(stats.wasserstein_distance(a, b) / max(np.std(a), 1e-3)),
                    "ad": float(ad.statistic), "cvm": float(stats.cramervonmises_2samp(a, b).statistic),
                }
        out = {"features": features}
    elif command == "chisquare":
        # args: reference counts, then "--", then current counts
        split = args.index("--")
        ref = np.array([float(a) for a in args[:split]])
        cur = np.array([float(a) for a in args[split + 1:]])
        expected = ref / ref.sum() * cur.sum()
        result = stats.chisquare(cur, expected)
        out = {"statistic": float(result.statistic), "pvalue": float(result.pvalue)}
    elif command == "moments-long":
        # Moments of values too large for float64 squares: numpy in x87 long double
        # (max ~1e4932), where (x - mean)**2 does not overflow.
        x = load(args[0]).astype(np.longdouble)
        d = x - x.mean()
        m2, m3, m4 = (d ** 2).mean(), (d ** 3).mean(), (d ** 4).mean()
        out = {
            "mean": float(x.mean()), "std": float(np.sqrt(m2)),
            "skew": float(m3 / m2 ** 1.5), "kurtosis": float(m4 / m2 ** 2 - 3),
        }
    elif command == "chi2-contingency":
        # args: reference counts, then "--", then current counts: the 2 x K homogeneity test
        split = args.index("--")
        table = np.array([[float(a) for a in args[:split]], [float(a) for a in args[split + 1:]]])
        result = stats.chi2_contingency(table, correction=False)
        out = {"statistic": float(result.statistic), "pvalue": float(result.pvalue), "dof": int(result.dof)}
    elif command == "bins":
        # samples: values, interior edges; each value's bin (bin i is [e(i-1), e(i)), outer bins open)
        values, edges = load(args[0]), load(args[1])
        out = {"bins": [int(b) for b in np.searchsorted(edges, values, side="right")]}
    elif command == "fdr":
        # args: p-values; Benjamini-Hochberg adjusted p-values
        ps = np.array([float(a) for a in args])
        out = {"adjusted": [float(p) for p in stats.false_discovery_control(ps, method="bh")]}
    elif command == "holm":
        # args: p-values; Holm step-down adjusted p-values (statsmodels: scipy has none)
        from statsmodels.stats.multitest import multipletests
        ps = np.array([float(a) for a in args])
        out = {"adjusted": [float(p) for p in multipletests(ps, method="holm")[1]]}
    else:
        raise SystemExit(f"unknown command {command}")
    json.dump(exact(out), sys.stdout)


if __name__ == "__main__":
    main()

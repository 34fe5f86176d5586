#!/usr/bin/env python3
"""Maximum mean discrepancy with a Gaussian kernel, by numpy, for the vector drift tests.

    mmd_oracle.py mmd X.f64 Y.f64 OMEGA.f64 PHASES.f64 D_IN D_FEATURES SIGMA

X and Y are row-major float64 rows of D_IN values; OMEGA (D_IN x D_FEATURES, row-major) and
PHASES are driftwatch's random Fourier features. Prints, as hex floats:
- rff_u, rff_v: MMD^2 under those features (U- and V-statistic), computed independently;
- exact_u, exact_v: MMD^2 under the exact kernel exp(-|x - y|^2 / (2 sigma^2)), O(n^2);
- rff_bound: 4 standard errors of the random-feature average (each feature's term is an
  unbiased estimate of exact_u over the draw of its frequency and phase);
- median_sigma: sqrt(m / 2), m the median squared distance between distinct rows among the
  first 1,000 of X (the lower middle one), as alibi-detect's sigma_median;
- euclidean, cosine: the distances between the means of X and Y.
"""
import json
import sys

import numpy as np


def hexed(value):
    return float(value).hex()


def main():
    command, x_path, y_path, omega_path, phase_path, d, features, sigma = sys.argv[1:9]
    assert command == "mmd"
    d, features, sigma = int(d), int(features), float(sigma)
    x = np.fromfile(x_path, dtype="<f8").reshape(-1, d)
    y = np.fromfile(y_path, dtype="<f8").reshape(-1, d)
    omega = np.fromfile(omega_path, dtype="<f8").reshape(d, features)
    phases = np.fromfile(phase_path, dtype="<f8")
    m, n = len(x), len(y)

    cx = np.sqrt(2 / features) * np.cos(x @ omega + phases)
    cy = np.sqrt(2 / features) * np.cos(y @ omega + phases)
    sx, sy = cx.sum(axis=0), cy.sum(axis=0)
    qx, qy = (cx**2).sum(axis=0), (cy**2).sum(axis=0)
    # Per feature: D times its share of the U-statistic, an unbiased estimate of exact_u.
    terms = features * ((sx**2 - qx) / (m * (m - 1)) + (sy**2 - qy) / (n * (n - 1)) - 2 * sx * sy / (m * n))
    rff_u = terms.mean()
    rff_v = sx @ sx / m**2 + sy @ sy / n**2 - 2 * sx @ sy / (m * n)

    def squared_distances(a, b):
        return np.maximum((a**2).sum(1)[:, None] + (b**2).sum(1)[None, :] - 2 * a @ b.T, 0)

    kxx = np.exp(-squared_distances(x, x) / (2 * sigma**2))
    kyy = np.exp(-squared_distances(y, y) / (2 * sigma**2))
    kxy = np.exp(-squared_distances(x, y) / (2 * sigma**2))
    exact_u = (kxx.sum() - np.trace(kxx)) / (m * (m - 1)) + (kyy.sum() - np.trace(kyy)) / (n * (n - 1)) - 2 * kxy.mean()
    exact_v = kxx.mean() + kyy.mean() - 2 * kxy.mean()

    sample = x[:1000]
    pairs = squared_distances(sample, sample)[np.triu_indices(len(sample), k=1)]
    pairs.sort()
    median_sigma = np.sqrt(pairs[(len(pairs) + 1) // 2 - 1] / 2)

    mx, my = x.mean(axis=0), y.mean(axis=0)
    print(json.dumps({
        "rff_u": hexed(rff_u), "rff_v": hexed(rff_v), "exact_u": hexed(exact_u), "exact_v": hexed(exact_v),
        "rff_bound": hexed(4 * terms.std(ddof=1) / np.sqrt(features)), "median_sigma": hexed(median_sigma),
        "euclidean": hexed(np.linalg.norm(mx - my)),
        "cosine": hexed(1 - mx @ my / (np.linalg.norm(mx) * np.linalg.norm(my))),
    }))


if __name__ == "__main__":
    main()

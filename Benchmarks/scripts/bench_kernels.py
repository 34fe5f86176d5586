#!/usr/bin/env python3
"""`make bench-kernels`: driftwatch's kernels and numpy/scipy on the same generated window
(100k rows x 20 numeric features against a 100k-row reference), timed in one run.

Prints a table of median seconds and ratios.
Usage: bench_kernels.py KERNEL_TIMER [ROWS] [COLUMNS] [--evidently PYTHON]
With --evidently, PYTHON (an environment with evidently 0.7) also runs DataDriftPreset on
the same window.
"""
import json
import os
import subprocess
import sys
import tempfile
import time
import warnings

import numpy as np
from scipy import spatial, stats


def median_seconds(function, repeats=5):
    samples = []
    for _ in range(repeats):
        start = time.perf_counter()
        function()
        samples.append(time.perf_counter() - start)
    return float(np.median(samples))


EVIDENTLY = """
import sys, time, warnings
import numpy as np, pandas as pd
warnings.simplefilter("ignore")
from evidently import Report
from evidently.presets import DataDriftPreset
columns = int(sys.argv[3])
frames = [pd.DataFrame(np.fromfile(p, dtype="<f8").reshape(columns, -1).T, columns=[f"f{j}" for j in range(columns)])
          for p in sys.argv[1:3]]
samples = []
for _ in range(3):
    start = time.perf_counter()
    Report([DataDriftPreset()]).run(reference_data=frames[0], current_data=frames[1])
    samples.append(time.perf_counter() - start)
print(sorted(samples)[1])
"""


def main():
    arguments = sys.argv[1:]
    evidently = None
    if "--evidently" in arguments:
        index = arguments.index("--evidently")
        evidently = arguments[index + 1]
        del arguments[index:index + 2]
    timer = arguments[0]
    rows = int(arguments[1]) if len(arguments) > 1 else 100_000
    columns = int(arguments[2]) if len(arguments) > 2 else 20
    rng = np.random.default_rng(2026)
    # Mixed shapes, a few features shifted, so the tests do real work.
    shapes = [lambda n: rng.normal(0, 1, n), lambda n: rng.lognormal(0, 0.7, n), lambda n: np.round(rng.normal(0, 3, n))]
    reference = np.stack([shapes[j % 3](rows) for j in range(columns)])
    current = np.stack([shapes[j % 3](rows) + (0.3 if j % 7 == 0 else 0) for j in range(columns)])

    with tempfile.TemporaryDirectory() as directory:
        ref_path, cur_path = os.path.join(directory, "ref.f64"), os.path.join(directory, "cur.f64")
        reference.astype("<f8").tofile(ref_path)
        current.astype("<f8").tofile(cur_path)
        swift = json.loads(subprocess.run([timer, ref_path, cur_path, str(columns)], check=True,
                                          capture_output=True, text=True).stdout)
        evidently_seconds = None
        if evidently:
            evidently_seconds = float(subprocess.run([evidently, "-c", EVIDENTLY, ref_path, cur_path, str(columns)],
                                                     check=True, capture_output=True, text=True).stdout)

    warnings.simplefilter("ignore")
    py = {}
    py["one_pass"] = median_seconds(lambda: current.sum(), 31)

    def psi_all():
        for a, b in zip(reference, current):
            edges = np.quantile(a, np.arange(1, 10) / 10)
            full = np.concatenate([[-np.inf], edges, [np.inf]])
            r = np.maximum(np.histogram(a, full)[0] / len(a), 1e-4)
            c = np.maximum(np.histogram(b, full)[0] / len(b), 1e-4)
            np.sum((c - r) * np.log(c / r))
    py["psi"] = median_seconds(psi_all)
    py["ks"] = median_seconds(lambda: [stats.ks_2samp(a, b) for a, b in zip(reference, current)])
    py["wasserstein"] = median_seconds(lambda: [stats.wasserstein_distance(a, b) for a, b in zip(reference, current)])
    py["anderson_darling"] = median_seconds(
        lambda: [stats.anderson_ksamp([a, b], variant="midrank") for a, b in zip(reference, current)], 3)
    py["cramer_von_mises"] = median_seconds(
        lambda: [stats.cramervonmises_2samp(a, b) for a, b in zip(reference, current)], 3)

    def js_all():
        for a, b in zip(reference, current):
            edges = np.quantile(a, np.arange(1, 10) / 10)
            full = np.concatenate([[-np.inf], edges, [np.inf]])
            spatial.distance.jensenshannon(np.histogram(a, full)[0], np.histogram(b, full)[0], base=2)
    py["all_tests"] = py["psi"] + py["ks"] + py["wasserstein"] + median_seconds(js_all)

    print(f"window: {rows} rows x {columns} numeric features, reference {rows} rows; median seconds")
    print(f"numpy one pass over the window (sum): {py['one_pass'] * 1e3:.2f} ms; "
          f"Swift one pass: {swift['one_pass'] * 1e3:.2f} ms; the window's pass (fine histogram, moments, "
          f"range, repeats): {swift['window_pass'] * 1e3:.2f} ms, {swift['window_pass'] / py['one_pass']:.1f}x numpy's sum; "
          f"in the agent's batches of 128 rows: {swift['window_pass_batches'] * 1e3:.2f} ms")
    print(f"the floor of any pass that keeps per-bin counts and sums (each value added to its bin, the bins "
          f"found beforehand): {swift['bin_scatter_floor'] * 1e3:.2f} ms, "
          f"{swift['bin_scatter_floor'] / py['one_pass']:.1f}x numpy's sum")
    print()
    lines = [
        ("univariate tests, streaming window (one pass + PSI, KS, Wasserstein, JS)", swift["window_univariate_tests"],
         "numpy PSI + JS, scipy KS + Wasserstein", py["all_tests"]),
        ("... and PCA reconstruction error", swift["window_all_tests"], "numpy PSI + JS, scipy KS + Wasserstein",
         py["all_tests"]),
        ("PSI (bin the window on reference deciles)", swift["psi"], "numpy quantile + histogram", py["psi"]),
        ("raw-sample tests as `compare` runs them: one radix sort, then KS, Wasserstein, AD, CvM in one walk",
         swift["sort"] + swift["exact_tests"], "the four scipy functions", py["ks"] + py["wasserstein"]
         + py["anderson_darling"] + py["cramer_von_mises"]),
        ("  the four tests, given sorted samples (each on its own: "
         f"{(swift['ks_exact'] + swift['wasserstein_exact'] + swift['anderson_darling'] + swift['cramer_von_mises']) * 1e3:.1f} ms)",
         swift["exact_tests"], "the four scipy functions", py["ks"] + py["wasserstein"]
         + py["anderson_darling"] + py["cramer_von_mises"]),
        ("  KS statistic + p-value, given sorted samples", swift["ks_exact"], "scipy ks_2samp", py["ks"]),
        ("  Wasserstein, given sorted samples", swift["wasserstein_exact"], "scipy wasserstein_distance", py["wasserstein"]),
        ("  Anderson-Darling, given sorted samples", swift["anderson_darling"], "scipy anderson_ksamp", py["anderson_darling"]),
        ("  Cramer-von Mises, given sorted samples", swift["cramer_von_mises"], "scipy cramervonmises_2samp",
         py["cramer_von_mises"]),
    ]
    if evidently_seconds is not None:
        lines.insert(2, ("univariate tests, streaming window", swift["window_univariate_tests"],
                         "Evidently 0.7 DataDriftPreset", evidently_seconds))
    print(f"{'driftwatch':<88} {'seconds':>9}   {'numpy/scipy':<40} {'seconds':>8} {'ratio':>7}")
    for name, ours, peer_name, peer in lines:
        print(f"{name:<88} {ours:>9.5f}   {peer_name:<40} {peer:>8.4f} {peer / ours:>6.0f}x")
    print()
    for key, name in (("window_univariate_tests", "univariate tests"), ("window_all_tests", "univariate tests and PCA")):
        print(f"{name} on the window: {swift[key] / py['one_pass']:.1f}x numpy's one pass "
              f"({swift[key] / swift['one_pass']:.1f}x Swift's)")
    extra = {k: swift[k] for k in ("reference_profile", "sort", "kll_sketch", "pca_reconstruction") if k in swift}
    print("other driftwatch steps (s): " + ", ".join(f"{k} {v:.5f}" for k, v in extra.items()))


if __name__ == "__main__":
    main()

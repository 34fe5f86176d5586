#!/usr/bin/env python3
"""`make bench-vectors`: driftwatch's vector tests (MMD from random Fourier features, mean
distances) on sentence-embedding-sized vectors, beside numpy doing the same arithmetic, in
one run.

A 20,000-row reference and a 10,000-row window of d = 768 (a topic mix: the window draws
more of some topics), D = 1,024 random features. driftwatch's figures come from
VectorTimer; numpy's are the same random-feature mean embedding (one matmul, cos, sum), and
the exact MMD^2 (O(n^2) kernel sums) on 2,000 rows of each, what an offline tool computes.
Then the agent's own path on the same rows (a reference profile, a monitor's window fed in
1,024-row batches with its PCA, the window's close), and the share of clean windows (40,000
rows drawn like the reference, cut into windows of 200 and of 1,000) at warning and at drift
level.

Usage: bench_vectors.py VECTOR_TIMER [DIMENSION] [FEATURES]
"""
import json
import os
import shutil
import subprocess
import sys
import tempfile

# One core for numpy's BLAS too, set before numpy loads it.
os.environ.setdefault("OPENBLAS_NUM_THREADS", "1")
import numpy as np  # noqa: E402

from bench_kernels import median_seconds  # noqa: E402


def topics(rng, rows, d, weights, centres):
    """Rows near one of several topic centres (unit vectors), like sentence embeddings."""
    chosen = rng.choice(len(centres), size=rows, p=weights)
    vectors = centres[chosen] + 0.6 * rng.standard_normal((rows, d)) / np.sqrt(d)
    return vectors / np.linalg.norm(vectors, axis=1, keepdims=True)


def main():
    timer = sys.argv[1]
    d = int(sys.argv[2]) if len(sys.argv) > 2 else 768
    features = int(sys.argv[3]) if len(sys.argv) > 3 else 1024
    rng = np.random.default_rng(7)
    centres = rng.standard_normal((8, d))
    centres /= np.linalg.norm(centres, axis=1, keepdims=True)
    reference = topics(rng, 20_000, d, np.full(8, 1 / 8), centres)
    window = topics(rng, 10_000, d, np.array([0.2, 0.2, 0.1, 0.1, 0.1, 0.1, 0.1, 0.1]), centres)
    clean = topics(rng, 40_000, d, np.full(8, 1 / 8), centres)
    sizes = (200, 1_000)
    with tempfile.TemporaryDirectory() as directory:
        paths = [os.path.join(directory, name) for name in ("reference.f64", "window.f64", "clean.f64")]
        reference.astype("<f8").tofile(paths[0])
        window.astype("<f8").tofile(paths[1])
        clean.astype("<f8").tofile(paths[2])
        ours = json.loads(subprocess.run(
            (["taskset", "-c", "0"] if shutil.which("taskset") else [])
            + [timer, *paths[:2], str(d), str(features), paths[2], *map(str, sizes)],
            check=True, capture_output=True, text=True).stdout)

    sigma = ours["sigma"]
    omega = rng.standard_normal((d, features)) / sigma
    phases = rng.uniform(0, 2 * np.pi, features)

    def embed():
        return (np.sqrt(2 / features) * np.cos(window @ omega + phases)).sum(axis=0)

    def exact(n=2_000):
        x, y = reference[:n], window[:n]
        def kernel(a, b):
            return np.exp(-np.maximum((a**2).sum(1)[:, None] + (b**2).sum(1)[None, :] - 2 * a @ b.T, 0) / (2 * sigma**2))
        return kernel(x, x).mean() + kernel(y, y).mean() - 2 * kernel(x, y).mean()

    numpy_summaries = median_seconds(embed)
    numpy_exact = median_seconds(exact)
    print(f"d = {d}, D = {features}: reference 20,000 rows, window 10,000 rows, one core")
    print(f"{'step':44} {'driftwatch':>12} {'numpy':>12}")
    print(f"{'window summaries (dgemm + cos), per window':44} {ours['window_summaries'] * 1e3:10.1f} ms {numpy_summaries * 1e3:10.1f} ms"
          f"   {numpy_summaries / ours['window_summaries']:.2f}x")
    print(f"{'window tests (MMD^2, Euclidean, cosine)':44} {ours['window_tests'] * 1e3:10.3f} ms {numpy_exact * 1e3:10.1f} ms"
          f"   (numpy: exact MMD^2 on 2,000 + 2,000 rows)")
    print(f"{'reference: bandwidth (median of 1,000 rows)':44} {ours['bandwidth'] * 1e3:10.1f} ms")
    print(f"{'reference: 256 block embeddings':44} {ours['reference_blocks'] * 1e3:10.1f} ms")
    print(f"{'reference: threshold (500 chunks)':44} {ours['calibration'] * 1e3:10.1f} ms")
    print(f"window MMD^2 {ours['mmd2']:.5f} against threshold {ours['threshold']:.5f}; mean distance "
          f"{ours['euclidean']:.4f} (cosine {ours['cosine']:.5f}); sigma {sigma:.4f}")
    print(f"{'agent: reference profile (20,000 rows)':44} {ours['monitor_profile'] * 1e3:10.1f} ms")
    print(f"{'agent: window summaries incl. PCA, per window':44} {ours['monitor_summaries'] * 1e3:10.1f} ms")
    print(f"{'agent: window close (every test)':44} {ours['monitor_close'] * 1e3:10.3f} ms")
    print(f"agent: MMD^2 {ours['monitor_mmd2']:.5f} against its calibrated threshold {ours['monitor_threshold']:.5f}")
    for size in sizes:
        print(f"clean windows of {size}: {int(ours[f'clean_windows_{size}'])}, at warning or drift {ours[f'clean_warning_{size}']:.1%}, "
              f"at drift {ours[f'clean_drift_{size}']:.1%} (rates aimed at: 5%, 0.5%)")
    print(f"memory per vector feature: map {d * features * 8 / 2**20:.1f} MiB (d x D doubles), "
          f"summaries {(features + d) * 8 / 1024:.1f} KiB per window")


if __name__ == "__main__":
    main()

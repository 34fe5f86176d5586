#!/usr/bin/env python3
"""`make bench-compare`: `driftwatch compare` end to end against compare_scipy.py (json +
numpy/scipy) on the same two generated files, timed in one run.

Usage: bench_compare.py DRIFTWATCH [ROWS]
"""
import json
import os
import re
import subprocess
import sys
import tempfile
import time

import numpy as np

HERE = os.path.dirname(os.path.abspath(__file__))


def generate(path, rows, drifted, rng):
    numeric = {f"f{j}": rng.normal(0.3 if drifted and j < 3 else 0, 1, rows) for j in range(16)}
    shares = [0.4, 0.3, 0.15, 0.1, 0.05]
    categorical = {f"c{j}": rng.choice(list("abcde"), rows, p=[0.2, 0.3, 0.25, 0.15, 0.1] if drifted and j == 19 else shares)
                   for j in range(16, 20)}
    with open(path, "w") as f:
        for i in range(rows):
            record = {k: float(v[i]) for k, v in numeric.items()}
            record.update({k: str(v[i]) for k, v in categorical.items()})
            f.write(json.dumps({"features": record}) + "\n")


def timed(command, repeats):
    samples, output, errors = [], None, []
    for _ in range(repeats):
        start = time.perf_counter()
        done = subprocess.run(command, check=True, capture_output=True, text=True)
        samples.append(time.perf_counter() - start)
        output = done.stdout
        errors.append(done.stderr)
    return float(np.median(samples)), output, errors


def steps(line):
    """`compare --timings`' line as {step: milliseconds}."""
    match = re.search(r"timings: read (\d+) ms, reference (\d+) ms, window and tests (\d+) ms, total (\d+) ms", line)
    if not match:
        sys.exit(f"no timings line in: {line!r}")
    return dict(zip(("read", "reference", "window", "total"), map(int, match.groups())))


def main():
    driftwatch = sys.argv[1]
    rows = int(sys.argv[2]) if len(sys.argv) > 2 else 100_000
    rng = np.random.default_rng(7)
    with tempfile.TemporaryDirectory() as directory:
        reference, current = os.path.join(directory, "reference.jsonl"), os.path.join(directory, "current.jsonl")
        generate(reference, rows, False, rng)
        generate(current, rows, True, rng)
        size = (os.path.getsize(reference) + os.path.getsize(current)) / 1e6
        ours, report, errors = timed(
            [driftwatch, "compare", "--reference", reference, "--current", current, "--format", "json", "--timings"], 9)
        theirs, peer, _ = timed([sys.executable, os.path.join(HERE, "compare_scipy.py"), reference, current], 3)
    drifted = sorted(f["name"] for f in json.loads(report)["features"] if f["drifted"])
    peer_drifted = sorted(json.loads(peer)["drifted"])
    print(f"two JSONL files of {rows} rows x 20 features ({size:.0f} MB together); median wall seconds")
    print(f"driftwatch compare (release)          {ours:8.3f} s   drifted: {drifted}")
    print(f"json + numpy/scipy (compare_scipy.py) {theirs:8.3f} s   drifted: {peer_drifted}")
    print(f"ratio: {theirs / ours:.1f}x")
    runs = [steps(e) for e in errors]
    median = {k: float(np.median([r[k] for r in runs])) for k in runs[0]}
    ratios = sorted(r["total"] / r["read"] for r in runs)
    print(f"inside driftwatch (compare --timings, median of {len(runs)} runs, ms): read both files {median['read']:.0f}, "
          f"reference profile and PCA fit {median['reference']:.0f}, window and sample tests {median['window']:.0f}, "
          f"total {median['total']:.0f}")
    print(f"total / read: median {float(np.median(ratios)):.2f}x (runs {ratios[0]:.2f}-{ratios[-1]:.2f}x)")
    if drifted != peer_drifted:
        sys.exit("the two disagree on the drifted features")


if __name__ == "__main__":
    main()

#!/usr/bin/env python3
"""driftwatch's vector drift verdicts against alibi-detect's MMDDrift on the same data.

    make alibi                      # once: alibi-detect 0.13 with TensorFlow in Benchmarks/.venv-alibi
    Benchmarks/.venv-alibi/bin/python bench/alibi_mmd.py .build/release/driftwatch [--windows 20]

Sentence-embedding-like vectors (384 dimensions, 12 topics: Tests/Scripts/embedding_traffic.py),
a reference of 2,000 rows and windows of 500 rows whose topic mix moves from the clean one
towards the shifted one (three topics take half the traffic) by a fraction `alpha`. For each
window: `driftwatch compare` with the embedding declared a vector (the MMD² of random Fourier
features against thresholds calibrated on reference chunks, drift at a 0.5% false-flag rate)
and alibi-detect's MMDDrift (exact Gaussian-kernel MMD², bandwidth by the median heuristic,
p-value by 100 permutations, drift when p < 0.05 and, to compare like with like, p < 0.005).
Prints how often each flags drift at each alpha, how often they agree, and seconds per window.
"""
import argparse
import json
import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parent.parent / "Tests" / "Scripts"))
import embedding_traffic as traffic  # noqa: E402

os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "3")


def write(path, x):
    traffic.write(path, x, np.ones(len(x), dtype=int))


def driftwatch_verdict(binary, reference, current):
    result = subprocess.run(
        [binary, "compare", "--reference", str(reference), "--current", str(current), "--format", "json",
         "--feature", "embedding=vector", "--feature", "tokens=ignored"],
        capture_output=True, text=True, check=True)
    report = json.loads(result.stdout)
    feature = next(f for f in report["features"] if f["name"] == "embedding")
    return feature


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("driftwatch")
    parser.add_argument("--windows", type=int, default=20)
    parser.add_argument("--reference-rows", type=int, default=2_000)
    parser.add_argument("--window-rows", type=int, default=500)
    args = parser.parse_args()
    from alibi_detect.cd import MMDDrift

    work = Path(tempfile.mkdtemp(prefix="driftwatch-alibi-"))
    rng = np.random.default_rng(2026)
    x_ref = traffic.embeddings(rng, args.reference_rows, traffic.CLEAN)
    write(work / "reference.jsonl", x_ref)
    detector = MMDDrift(x_ref.astype(np.float32), backend="tensorflow", p_val=0.05, n_permutations=100)
    rows = []
    for alpha in (0.0, 0.25, 0.5, 1.0):
        mix = (1 - alpha) * traffic.CLEAN + alpha * traffic.SHIFTED
        for index in range(args.windows):
            x = traffic.embeddings(rng, args.window_rows, mix / mix.sum())
            write(work / "window.jsonl", x)
            start = time.perf_counter()
            feature = driftwatch_verdict(args.driftwatch, work / "reference.jsonl", work / "window.jsonl")
            ours = time.perf_counter() - start
            start = time.perf_counter()
            theirs = detector.predict(x.astype(np.float32))["data"]
            alibi = time.perf_counter() - start
            rows.append({"alpha": alpha, "driftwatch": bool(feature["drifted"]), "p": float(theirs["p_val"]),
                         "seconds": [ours, alibi]})
    print(json.dumps({"example_feature": feature}, default=str)[:2000], file=sys.stderr)
    print(f"{args.windows} windows of {args.window_rows} rows per alpha, reference {args.reference_rows} rows, d = {traffic.DIMENSION}")
    print("| alpha | driftwatch drift | alibi p < 0.05 | alibi p < 0.005 | agree with p < 0.05 | agree with p < 0.005 |")
    print("|---|---|---|---|---|---|")
    for alpha in sorted({r["alpha"] for r in rows}):
        group = [r for r in rows if r["alpha"] == alpha]
        ours = sum(r["driftwatch"] for r in group)
        loose = sum(r["p"] < 0.05 for r in group)
        strict = sum(r["p"] < 0.005 for r in group)
        agree_loose = sum(r["driftwatch"] == (r["p"] < 0.05) for r in group)
        agree_strict = sum(r["driftwatch"] == (r["p"] < 0.005) for r in group)
        print(f"| {alpha} | {ours}/{len(group)} | {loose}/{len(group)} | {strict}/{len(group)} | {agree_loose}/{len(group)} | {agree_strict}/{len(group)} |")
    ours = np.median([r["seconds"][0] for r in rows])
    theirs = np.median([r["seconds"][1] for r in rows])
    print(f"median seconds per window: driftwatch compare {ours:.3f} (a process, the reference's profile included), alibi-detect predict {theirs:.3f}")


if __name__ == "__main__":
    main()

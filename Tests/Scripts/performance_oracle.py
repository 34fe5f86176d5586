#!/usr/bin/env python3
"""scikit-learn / nannyml oracle for driftwatch's performance metrics: prints JSON.

Samples arrive as raw little-endian float64 files written by the Swift tests; floats go back
as hex strings so the Swift side reads the very same doubles.

    performance_oracle.py binary LABELS SCORES THRESHOLD
    performance_oracle.py multiclass LABELS PREDICTIONS
    performance_oracle.py regression LABELS PREDICTIONS
    performance_oracle.py cbpe REF_LABELS REF_SCORES ANALYSIS_SCORES CHUNK THRESHOLD
    performance_oracle.py thresholds REF_LABELS REF_SCORES CHUNK THRESHOLD
    performance_oracle.py files TASK REFERENCE.jsonl CURRENT.jsonl THRESHOLD
"""
import json
import sys
import warnings

import numpy as np
from sklearn import calibration, metrics

warnings.filterwarnings("ignore")

BINARY = ["accuracy", "precision", "recall", "f1", "roc_auc"]


def load(path):
    return np.fromfile(path, dtype="<f8")


def exact(value):
    if isinstance(value, dict):
        return {k: exact(v) for k, v in value.items()}
    if isinstance(value, list):
        return [exact(v) for v in value]
    if isinstance(value, (float, np.floating)):
        return float(value).hex()
    return value


def expected_calibration_error(y, p, bins=10):
    """Σ share × |mean label − mean score| over calibration_curve's uniform bins."""
    prob_true, prob_pred = calibration.calibration_curve(y, p, n_bins=bins, strategy="uniform")
    edges = np.linspace(0.0, 1.0 + 1e-8, bins + 1)
    ids = np.searchsorted(edges[1:-1], p, side="right")
    counts = np.bincount(ids, minlength=bins)
    counts = counts[counts > 0]
    return float(np.sum(counts / len(p) * np.abs(prob_true - prob_pred)))


def binary_metrics(y, p, threshold):
    yhat = (p >= threshold).astype(int)
    return {
        "accuracy": metrics.accuracy_score(y, yhat),
        "precision": metrics.precision_score(y, yhat, zero_division=0),
        "recall": metrics.recall_score(y, yhat, zero_division=0),
        "f1": metrics.f1_score(y, yhat, zero_division=0),
        "roc_auc": metrics.roc_auc_score(y, p),
        "log_loss": metrics.log_loss(y, p),
        "ece": expected_calibration_error(y, p),
    }


def multiclass_metrics(y, yhat):
    return {
        "accuracy": metrics.accuracy_score(y, yhat),
        "precision": metrics.precision_score(y, yhat, average="macro", zero_division=0),
        "recall": metrics.recall_score(y, yhat, average="macro", zero_division=0),
        "f1": metrics.f1_score(y, yhat, average="macro", zero_division=0),
    }


def regression_metrics(y, yhat):
    return {
        "mae": metrics.mean_absolute_error(y, yhat),
        "rmse": metrics.root_mean_squared_error(y, yhat),
        "mape": metrics.mean_absolute_percentage_error(y, yhat),
        "r2": metrics.r2_score(y, yhat),
    }


def frame(labels, scores, threshold):
    import pandas as pd

    frame = pd.DataFrame({"p": scores, "yhat": (scores >= threshold).astype(int)})
    if labels is not None:
        frame["y"] = labels.astype(int)
    return frame


def files(task, reference_path, current_path, threshold):
    """What `compare --task` should print, from the JSON lines files themselves."""
    import nannyml
    import pandas as pd
    from nannyml.calibration import NoopCalibrator

    def read(path):
        with open(path) as lines:
            return [json.loads(line) for line in lines if line.strip()]

    reference, current = read(reference_path), read(current_path)
    labelled = [r for r in current if "label" in r]
    out = {"current": {}, "estimated": {}, "thresholds": {}}
    if task == "binary":
        def scores(records):
            return np.array([r["prediction"] for r in records], dtype=float)

        def labels(records):
            return np.array([r["label"] for r in records], dtype=int)

        if labelled:
            out["current"] = binary_metrics(labels(labelled), scores(labelled), threshold)
        ref = frame(labels(reference), scores(reference), threshold)
        cur = frame(None, scores(current), threshold)
        estimator = nannyml.CBPE(
            y_pred_proba="p", y_pred="yhat", y_true="y", problem_type="classification_binary",
            metrics=BINARY, chunk_size=len(current), calibrator=NoopCalibrator())
        estimator.fit(ref)
        estimate = estimator.estimate(cur).filter(period="analysis").to_df()
        out["estimated"] = {m: float(estimate[(m, "value")].iloc[0]) for m in BINARY}
        calculator = nannyml.PerformanceCalculator(
            y_pred_proba="p", y_pred="yhat", y_true="y", problem_type="classification_binary",
            metrics=["accuracy", "precision", "recall", "f1"], chunk_size=len(current))
        calculator.fit(ref)
        thresholds = calculator.calculate(ref).filter(period="reference").to_df()
        out["thresholds"] = {m: float(thresholds[(m, "lower_threshold")].iloc[0]) for m in ["accuracy", "precision", "recall", "f1"]}
    elif task == "multiclass":
        out["current"] = multiclass_metrics([str(r["label"]) for r in labelled], [str(r["prediction"]) for r in labelled])
    else:
        out["current"] = regression_metrics(
            np.array([r["label"] for r in labelled], dtype=float), np.array([r["prediction"] for r in labelled], dtype=float))
    return out


def main():
    command, args = sys.argv[1], sys.argv[2:]
    if command == "binary":
        out = binary_metrics(load(args[0]).astype(int), load(args[1]), float(args[2]))
    elif command == "multiclass":
        out = multiclass_metrics(load(args[0]).astype(int), load(args[1]).astype(int))
    elif command == "regression":
        out = regression_metrics(load(args[0]), load(args[1]))
    elif command == "cbpe":
        import nannyml
        from nannyml.calibration import NoopCalibrator

        reference = frame(load(args[0]), load(args[1]), float(args[4]))
        analysis = frame(None, load(args[2]), float(args[4]))
        # driftwatch takes the logged scores as calibrated probabilities: nannyml's own
        # NoopCalibrator says the same (its default would fit an isotonic calibration when
        # that lowers the reference's ECE in each of ten folds, which is up to chance).
        estimator = nannyml.CBPE(
            y_pred_proba="p", y_pred="yhat", y_true="y", problem_type="classification_binary",
            metrics=BINARY, chunk_size=int(args[3]), calibrator=NoopCalibrator())
        estimator.fit(reference)
        result = estimator.estimate(analysis).filter(period="analysis").to_df()
        out = {metric: [float(v) for v in result[(metric, "value")]] for metric in BINARY}
    elif command == "thresholds":
        import nannyml

        reference = frame(load(args[0]), load(args[1]), float(args[3]))
        calculator = nannyml.PerformanceCalculator(
            y_pred_proba="p", y_pred="yhat", y_true="y", problem_type="classification_binary",
            metrics=BINARY, chunk_size=int(args[2]))
        calculator.fit(reference)
        result = calculator.calculate(reference).filter(period="reference").to_df()
        out = {
            metric: {
                "lower": float(result[(metric, "lower_threshold")].iloc[0]),
                "chunks": [float(v) for v in result[(metric, "value")]],
            }
            for metric in BINARY
        }
    elif command == "files":
        out = files(args[0], args[1], args[2], float(args[3]))
    else:
        sys.exit(f"unknown command {command}")
    print(json.dumps(exact(out)))


if __name__ == "__main__":
    main()

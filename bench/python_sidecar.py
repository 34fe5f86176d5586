#!/usr/bin/env python3
"""The drift sidecar a team writes today in Python, the peer `make bench` times driftwatch against.

confluent-kafka consumer in a group, `json.loads` per record, each window's features gathered
into numpy arrays, then per window: PSI of every numeric feature on the reference's deciles and
PSI of every categorical feature on the reference's categories. Reads the topic to its end and
prints one JSON line: records, seconds from the first record to the last, windows, drifted windows.

Usage: python_sidecar.py --bootstrap B --topic T --group G --reference ref.jsonl [--window-records N]
"""
import argparse
import json
import sys
import time

import numpy as np
from confluent_kafka import Consumer, KafkaError

EPSILON = 1e-4


def psi(expected, actual):
    expected = np.maximum(expected, EPSILON)
    actual = np.maximum(actual, EPSILON)
    return float(np.sum((actual - expected) * np.log(actual / expected)))


class Reference:
    def __init__(self, path, bins=10):
        rows = [json.loads(line) for line in open(path) if line.strip()]
        features = [row.get("features", row) for row in rows]
        names = list(features[0])
        self.numeric = [n for n in names if isinstance(features[0][n], (int, float)) and not isinstance(features[0][n], bool)]
        self.categorical = [n for n in names if n not in self.numeric]
        self.edges, self.expected = {}, {}
        for name in self.numeric:
            values = np.array([f.get(name, np.nan) for f in features], dtype=np.float64)
            edges = np.unique(np.nanquantile(values, np.linspace(0, 1, bins + 1))[1:-1])
            self.edges[name] = edges
            counts = np.bincount(np.searchsorted(edges, values[~np.isnan(values)], side="right"), minlength=len(edges) + 1)
            self.expected[name] = counts / counts.sum()
        self.categories = {}
        for name in self.categorical:
            values = [f.get(name) for f in features]
            levels = sorted({v for v in values if v is not None}, key=str)
            self.categories[name] = {v: i for i, v in enumerate(levels)}
            counts = np.bincount([self.categories[name][v] for v in values if v is not None], minlength=len(levels) + 1)
            self.expected[name] = counts / counts.sum()


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--bootstrap", required=True)
    parser.add_argument("--topic", required=True)
    parser.add_argument("--group", required=True)
    parser.add_argument("--reference", required=True)
    parser.add_argument("--window-records", type=int, default=10_000)
    parser.add_argument("--threshold", type=float, default=0.25)
    args = parser.parse_args()

    reference = Reference(args.reference)
    size = args.window_records
    numeric = np.full((len(reference.numeric), size), np.nan)
    categorical = np.zeros((len(reference.categorical), size), dtype=np.int64)
    filled = 0
    windows = drifted_windows = records = bad = 0

    def close_window(rows):
        nonlocal windows, drifted_windows
        drifted = []
        for i, name in enumerate(reference.numeric):
            values = numeric[i, :rows]
            values = values[~np.isnan(values)]
            edges = reference.edges[name]
            counts = np.bincount(np.searchsorted(edges, values, side="right"), minlength=len(edges) + 1)
            if counts.sum() and psi(reference.expected[name], counts / counts.sum()) >= args.threshold:
                drifted.append(name)
        for i, name in enumerate(reference.categorical):
            levels = len(reference.categories[name])
            counts = np.bincount(categorical[i, :rows], minlength=levels + 1)[: levels + 1]
            if counts.sum() and psi(reference.expected[name], counts / counts.sum()) >= args.threshold:
                drifted.append(name)
        windows += 1
        drifted_windows += bool(drifted)

    consumer = Consumer({
        "bootstrap.servers": args.bootstrap,
        "group.id": args.group,
        "auto.offset.reset": "earliest",
        "enable.partition.eof": True,
        "enable.auto.commit": False,
    })
    consumer.subscribe([args.topic])
    at_end, assigned = set(), None
    first = last = None
    while True:
        messages = consumer.consume(num_messages=1000, timeout=1.0)
        before = records
        if assigned is None and consumer.assignment():
            assigned = {(p.topic, p.partition) for p in consumer.assignment()}
        for message in messages:
            error = message.error()
            if error is not None:
                if error.code() == KafkaError._PARTITION_EOF:
                    at_end.add((message.topic(), message.partition()))
                    continue
                raise SystemExit(f"kafka: {error}")
            if first is None:
                first = time.perf_counter()
            at_end.discard((message.topic(), message.partition()))
            records += 1
            try:
                row = json.loads(message.value())
                features = row.get("features", row)
                for i, name in enumerate(reference.numeric):
                    value = features.get(name)
                    numeric[i, filled] = value if isinstance(value, (int, float)) else np.nan
                for i, name in enumerate(reference.categorical):
                    categorical[i, filled] = reference.categories[name].get(features.get(name), len(reference.categories[name]))
            except (ValueError, AttributeError, TypeError):
                bad += 1
                continue
            filled += 1
            if filled == size:
                close_window(filled)
                filled = 0
        if records > before:
            last = time.perf_counter()
        if assigned and at_end >= assigned and not messages:
            break
    seconds = last - first if first is not None else 0.0
    consumer.close()
    print(json.dumps({"records": records, "bad": bad, "seconds_first_to_last_record": seconds,
                      "records_per_second": records / seconds if seconds else 0.0,
                      "windows": windows, "drifted_windows": drifted_windows}))
    return 0


if __name__ == "__main__":
    sys.exit(main())

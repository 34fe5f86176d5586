#!/usr/bin/env python3
"""`make bench-labels`: what joining labels costs the agent, in one run.

The same N labelled demo records (JSON with request ids and calibrated scores) on a topic
of many partitions, their labels on a topic of their own, read to their end by
`driftwatch run --until-end` configured
  (a) without labels (drift only, the labels topic unread),
  (b) with labels: every prediction joined with its label, performance windows judged,
  (c) with labels that never come (an empty labels topic): N predictions waiting at the end;
repeated, interleaved, medians. Rates are records (logs and labels) over the seconds from
the first record to the last; peak RSS as the agent reports it (see end_to_end.py: the
ru_maxrss of wait4 starts at this Python's size). The difference of (c)'s and (a)'s
peak RSS over N is the resident memory per waiting prediction, allocator and all.

Usage: label_join.py DRIFTWATCH [--records N] [--partitions P] [--repeats R]
"""
import argparse
import json
import shutil
import sys
import tempfile
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
from end_to_end import MODEL, agent_figures, median, run, start_broker  # noqa: E402


def config(path, bootstrap, reference, window_records, labels_topic=None):
    lines = [
        "kafka:",
        f'  bootstrap: "{bootstrap}"',
        "  topics: [logs]",
        f"  group: bench-{path.stem}",
        "  events_topic: driftwatch.events",
        "  dlq_topic: driftwatch.dlq",
        "http_port: 0",
        f"window_records: {window_records}",
        "until_end: true",
        "log_format: json",
        "models:",
        f"  - name: {MODEL}",
        f"    reference: {reference}",
    ]
    if labels_topic:
        lines += ["    task: binary", f"    labels: {{topic: {labels_topic}, window: 10s, max_delay: 1h}}"]
    path.write_text("\n".join(lines) + "\n")
    return path


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("driftwatch")
    parser.add_argument("--records", type=int, default=200_000)
    parser.add_argument("--partitions", type=int, default=64)
    parser.add_argument("--repeats", type=int, default=3)
    parser.add_argument("--window-records", type=int, default=10_000)
    args = parser.parse_args()
    driftwatch = str(Path(args.driftwatch).resolve())
    work = Path(tempfile.mkdtemp(prefix="driftwatch-bench-labels-"))
    broker, bootstrap = start_broker(driftwatch, [f"logs:{args.partitions}", f"labels:{args.partitions}", f"none:{args.partitions}",
                                                  "reference:8", "reference-labels:8", "driftwatch.events:1", "driftwatch.dlq:1"])
    try:
        run([driftwatch, "produce", "--bootstrap", bootstrap, "--topic", "logs", "--count", str(args.records),
             "--drift-after", str(args.records // 2), "--labels-topic", "labels"])
        # The labelled reference: 20,000 clean records, each with its label.
        run([driftwatch, "produce", "--bootstrap", bootstrap, "--topic", "reference", "--count", "20000",
             "--labels-topic", "reference-labels"])
        records = run(["kcat", "-C", "-b", bootstrap, "-t", "reference", "-o", "beginning", "-e", "-q"]).stdout.splitlines()
        labels = run(["kcat", "-C", "-b", bootstrap, "-t", "reference-labels", "-o", "beginning", "-e", "-q"]).stdout.splitlines()
        label_of = {entry["request_id"]: entry["label"] for entry in map(json.loads, labels)}
        with open(work / "reference.jsonl", "w") as reference:
            for line in records:
                record = json.loads(line)
                record["label"] = label_of[record["request_id"]]
                reference.write(json.dumps(record) + "\n")

        variants = {
            "without labels": config(work / "plain.yaml", bootstrap, work / "reference.jsonl", args.window_records),
            "with labels": config(work / "labels.yaml", bootstrap, work / "reference.jsonl", args.window_records, "labels"),
            "labels never come": config(work / "waiting.yaml", bootstrap, work / "reference.jsonl", args.window_records, "none"),
        }
        figures = {name: [] for name in variants}
        for repeat in range(args.repeats):
            for name, path in variants.items():
                text = path.read_text().replace(f"group: bench-{path.stem}", f"group: bench-{path.stem}-{repeat}")
                path.write_text(text)
                wall, out, err, cpu = run([driftwatch, "run", "--config", str(path)])
                found = agent_figures(out, err)
                expected = args.records * (2 if name == "with labels" else 1)
                if found["records"] != expected:
                    raise SystemExit(f"{name}: driftwatch read {found['records']} of {expected} messages")
                waiting = [entry for entry in map(json.loads, filter(lambda l: l.startswith("{"), (out + err).splitlines()))
                           if entry.get("message") == "performance window judged"]
                figures[name].append({"rate": args.records / found["seconds"], "messages_rate": found["records"] / found["seconds"],
                                      "peak_mib": found["peak_mib"], "cpu": cpu, "judged": len(waiting)})
    finally:
        broker.terminate()
        broker.wait()
        shutil.rmtree(work, ignore_errors=True)

    summary = {name: {key: median([f[key] for f in runs]) for key in runs[0]} for name, runs in figures.items()}
    plain, joined, waiting = summary["without labels"], summary["with labels"], summary["labels never come"]
    print(f"\n{args.records:,} labelled demo records on {args.partitions} partitions, medians of {args.repeats}")
    print(f"{'driftwatch run --until-end':<26}{'predictions/s':>14}{'messages/s':>12}{'peak MiB':>10}{'CPU s':>8}{'windows judged':>16}")
    for name, f in summary.items():
        print(f"{name:<26}{f['rate']:>14,.0f}{f['messages_rate']:>12,.0f}{f['peak_mib']:>10.1f}{f['cpu']:>8.2f}{f['judged']:>16.0f}")
    print(f"joining costs {100 * (1 - joined['rate'] / plain['rate']):.1f}% of the predictions' rate"
          f" (the labels topic doubles the messages read: {joined['messages_rate'] / plain['messages_rate']:.2f}x messages/s)")
    print(f"{args.records:,} predictions waiting: {(waiting['peak_mib'] - plain['peak_mib']) * 1024 * 1024 / args.records:.0f} bytes"
          f" of resident memory each ({waiting['peak_mib'] - plain['peak_mib']:.1f} MiB)")
    return 0


if __name__ == "__main__":
    sys.exit(main())

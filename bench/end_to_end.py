#!/usr/bin/env python3
"""`make bench`: driftwatch end to end on the dev broker, beside kcat and a Python sidecar, in one run.

1. The same N demo records (JSON, ~620 bytes, the last half drifted) on a topic of many
   partitions (the mock broker keeps only a few MB per partition), read to their end by
   (a) kcat (assigned partitions, and in a group), (b) `driftwatch run --until-end`, (c) bench/python_sidecar.py;
   repeated, interleaved, medians. Rates are records over the seconds from the first record
   to the last (kcat's counted from its output pipe), and the whole command's time (which
   holds the group join, ~3 s on the mock broker, and the wait for the end of the input).
2. Window-close-to-event-acknowledged latency: each closed window's `close_ms` from the
   agent's log (evaluation, metrics, events sent and acknowledged), p50/p99/max.
3. Peak RSS of the agent on the demo, with 10 models x 50 features at window sizes from
   1,000 to 1,000,000 rows, and with 1 model x 25 features, against the goals of issue 27
   (48 and 24 MiB). --memory-only measures these alone. The figure is the agent's own
   (VmHWM, in its "pipeline stopped" line), not the ru_maxrss this script gets from wait4:
   Linux starts a child's ru_maxrss at the RSS of the process that forked it, this Python
   with numpy (45 MiB), which floored every smaller figure before 2026-12-06.
4. Two agents in one group against one.
5. With --decode-timer: file-input records/s on one core for JSON and protobuf.

Prints a table and writes every figure as JSON (--out).
"""
import argparse
import json
import os
import re
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from collections import namedtuple
from pathlib import Path

import numpy as np

MODEL = "fraud-detector"


Finished = namedtuple("Finished", "wall stdout stderr cpu")


def run(cmd, **kwargs):
    """Runs a command to its end: wall seconds, stdout, stderr, CPU seconds. Not its peak RSS:
    wait4's ru_maxrss starts at this Python's size (see 3. above); the agent reports its own."""
    start = time.perf_counter()
    with tempfile.TemporaryFile() as out, tempfile.TemporaryFile() as err:
        process = subprocess.Popen(cmd, stdout=kwargs.pop("stdout", out), stderr=err, **kwargs)
        _, status, usage = os.wait4(process.pid, 0)
        wall = time.perf_counter() - start
        out.seek(0)
        err.seek(0)
        stdout, stderr = out.read().decode(errors="replace"), err.read().decode(errors="replace")
    code = os.waitstatus_to_exitcode(status)
    if code != 0:
        raise SystemExit(f"{cmd[0]} exited {code}:\n{stderr[-3000:]}\n{stdout[-2000:]}")
    return Finished(wall, stdout, stderr, usage.ru_utime + usage.ru_stime)


def cpu_seconds(pid):
    """User + system CPU seconds of a running process."""
    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def read_with_kcat(cmd, records):
    """kcat's records to a pipe read here in 1 MiB chunks (the counting is all this side does):
    records over the seconds from its first bytes to its last, and the whole command's time."""
    start = time.perf_counter()
    process = subprocess.Popen(cmd, stdout=subprocess.PIPE)
    first = last = None
    lines = 0
    while chunk := process.stdout.read1(1 << 20):
        now = time.perf_counter()
        first = first or now
        last = now
        lines += chunk.count(b"\n")
    if process.wait() != 0 or lines != records:
        raise SystemExit(f"{' '.join(cmd)}: exit {process.returncode}, {lines} of {records} records")
    return {"rate": records / (last - first), "wall": time.perf_counter() - start}


def start_broker(driftwatch, topics):
    broker = subprocess.Popen([driftwatch, "dev-broker", *sum((["--topic", t] for t in topics), [])],
                              stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
    line = broker.stdout.readline()
    match = re.search(r"bootstrap.servers=(\S+)", line)
    if not match:
        broker.kill()
        raise SystemExit(f"dev-broker said: {line}")
    return broker, match.group(1)


def log_lines(text):
    for line in text.splitlines():
        if line.startswith("{"):
            try:
                yield json.loads(line)
            except ValueError:
                pass


def agent_figures(stdout, stderr):
    stopped, closes, event_closes = None, [], []
    for entry in log_lines(stdout + "\n" + stderr):
        if entry.get("message") == "pipeline stopped":
            stopped = entry
        elif entry.get("message") == "window closed":
            closes.append(float(entry["close_ms"]))
            if entry.get("events"):
                event_closes.append(float(entry["close_ms"]))
    if stopped is None or "seconds_first_to_last_record" not in stopped:
        raise SystemExit(f"driftwatch did not report its run:\n{stderr[-3000:]}")
    if "peak_resident_bytes" not in stopped:
        raise SystemExit("driftwatch did not report its peak resident memory (no /proc?)")
    return {"records": int(stopped["records"]), "seconds": float(stopped["seconds_first_to_last_record"]),
            "close_ms": closes, "event_close_ms": event_closes, "peak_mib": int(stopped["peak_resident_bytes"]) / 2**20}


def median(values):
    return statistics.median(values) if values else float("nan")


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("driftwatch", help="the driftwatch binary (release)")
    parser.add_argument("--records", type=int, default=200_000)
    parser.add_argument("--partitions", type=int, default=64)
    parser.add_argument("--repeats", type=int, default=3)
    parser.add_argument("--window-records", type=int, default=10_000)
    parser.add_argument("--decode-timer", help="Benchmarks' DecodeTimer binary (file-input rates)")
    parser.add_argument("--out", default="bench/results.json")
    parser.add_argument("--memory-only", action="store_true", help="only the wide and narrow peak RSS runs")
    parser.add_argument("--memory-binary", help="the binary whose peak RSS the wide and narrow runs measure (default: the"
                        " one above); `make bench` passes the build the image ships, stdlib linked in")
    args = parser.parse_args()
    driftwatch = str(Path(args.driftwatch).resolve())
    work = Path(tempfile.mkdtemp(prefix="driftwatch-bench-"))
    results = {"records": args.records, "partitions": args.partitions, "repeats": args.repeats,
               "window_records": args.window_records, "cpus": os.cpu_count()}

    broker, bootstrap = start_broker(driftwatch, [f"logs:{args.partitions}", f"wide:{args.partitions}",
                                                  f"narrow:{args.partitions}", "reference:8",
                                                  "driftwatch.events:1", "driftwatch.dlq:1"])
    try:
        if not args.memory_only:
            end_to_end(args, driftwatch, broker, bootstrap, work, results)
        agent = str(Path(args.memory_binary).resolve()) if args.memory_binary else driftwatch
        results["memory_binary"] = agent
        results["wide_rss_mib"] = wide_memory(driftwatch, agent, bootstrap, work)
        results["narrow_rss_mib"] = wide_memory(driftwatch, agent, bootstrap, work, models=1, features=25, topic="narrow")
    finally:
        broker.terminate()
        broker.wait()
        shutil.rmtree(work, ignore_errors=True)
    if args.memory_only:
        report_memory(results)
        return 0

    if args.decode_timer:
        out = run([args.decode_timer, "200000"]).stdout
        results["file_input"] = json.loads(out.strip().splitlines()[-1])

    Path(args.out).parent.mkdir(parents=True, exist_ok=True)
    Path(args.out).write_text(json.dumps(results, indent=2) + "\n")
    report(results)
    return 0


def end_to_end(args, driftwatch, broker, bootstrap, work, results):
    """Parts 1, 2 and 4: throughput, latency and two agents, into `results`."""
    # The demo's records, the last half drifted; 20,000 clean ones on their own topic are the reference.
    run([driftwatch, "produce", "--bootstrap", bootstrap, "--topic", "logs", "--count", str(args.records),
         "--drift-after", str(args.records // 2)])
    run([driftwatch, "produce", "--bootstrap", bootstrap, "--topic", "reference", "--count", "20000"])
    with open(work / "ref.jsonl", "wb") as reference:
        run(["kcat", "-C", "-b", bootstrap, "-t", "reference", "-o", "beginning", "-e", "-q"], stdout=reference)
    run([driftwatch, "profile", "--input", str(work / "ref.jsonl"), "--out", str(work / "ref.json"), "--model", MODEL])
    counted = run(["kcat", "-C", "-b", bootstrap, "-t", "logs", "-o", "beginning", "-e", "-q", "-f", "%o\n"]).stdout
    on_topic = len(counted.splitlines())
    if on_topic != args.records:
        raise SystemExit(f"the broker holds {on_topic} of {args.records} records: use more partitions")

    def agent(group):
        return [driftwatch, "run", "--bootstrap", bootstrap, "--topic", "logs", "--group", group, "--model", MODEL,
                "--reference", str(work / "ref.json"), "--window-records", str(args.window_records), "--until-end",
                "--http-port", "0", "--log-format", "json", "--events-topic", "driftwatch.events",
                "--dlq-topic", "driftwatch.dlq"]

    kcat, dw, py = [], [], []
    closes, event_closes, rss = [], [], []
    kcat_group, agent_cpu, broker_cpu = [], [], []
    for repeat in range(args.repeats):
        kcat.append(read_with_kcat(["kcat", "-C", "-b", bootstrap, "-t", "logs", "-o", "beginning", "-e", "-q"], args.records))
        kcat_group.append(read_with_kcat(["kcat", "-b", bootstrap, "-G", f"bench-kcat-{repeat}", "-o", "beginning", "-e",
                                          "-q", "logs"], args.records))

        broker_before = cpu_seconds(broker.pid)
        wall, out, err, cpu = run(agent(f"bench-dw-{repeat}"))
        broker_cpu.append(cpu_seconds(broker.pid) - broker_before)
        agent_cpu.append(cpu)
        figures = agent_figures(out, err)
        if figures["records"] != args.records:
            raise SystemExit(f"driftwatch read {figures['records']} of {args.records} records")
        dw.append({"wall": wall, "rate": args.records / figures["seconds"], "seconds": figures["seconds"]})
        closes += figures["close_ms"]
        event_closes += figures["event_close_ms"]
        rss.append(figures["peak_mib"])

        wall, out, _, _ = run([sys.executable, str(Path(__file__).with_name("python_sidecar.py")), "--bootstrap",
                               bootstrap, "--topic", "logs", "--group", f"bench-py-{repeat}", "--reference",
                               str(work / "ref.jsonl"), "--window-records", str(args.window_records)])
        sidecar = json.loads(out.strip().splitlines()[-1])
        if sidecar["records"] != args.records:
            raise SystemExit(f"the Python sidecar read {sidecar['records']} of {args.records} records")
        py.append({"wall": wall, "rate": sidecar["records_per_second"], "seconds": sidecar["seconds_first_to_last_record"]})

    results["kcat"] = {"rate": median([r["rate"] for r in kcat]), "wall": median([r["wall"] for r in kcat])}
    results["kcat_group"] = {"rate": median([r["rate"] for r in kcat_group]), "wall": median([r["wall"] for r in kcat_group])}
    results["driftwatch"] = {"rate": median([r["rate"] for r in dw]), "wall": median([r["wall"] for r in dw]),
                             "seconds": median([r["seconds"] for r in dw]), "peak_rss_mib": max(rss),
                             "cpu_seconds": median(agent_cpu), "broker_cpu_seconds": median(broker_cpu)}
    results["python_sidecar"] = {"rate": median([r["rate"] for r in py]), "wall": median([r["wall"] for r in py]),
                                 "seconds": median([r["seconds"] for r in py])}
    results["latency_ms"] = {
        "windows": len(closes), "p50": float(np.percentile(closes, 50)), "p99": float(np.percentile(closes, 99)),
        "max": max(closes), "windows_with_events": len(event_closes),
        "with_events_p50": median(event_closes), "with_events_max": max(event_closes, default=float("nan"))}

    # Two agents in one group: the group's rate is every record over the slower member's time.
    # When one member is given every partition before the other joins, it reads much of the
    # topic alone and the other reads what was in its open windows again (offsets move only
    # with closed windows): such a try does not measure two members, so up to three are made.
    for attempt in range(1, 4):
        processes = []
        for _ in range(2):
            out, err = tempfile.TemporaryFile(), tempfile.TemporaryFile()
            processes.append((subprocess.Popen(agent(f"bench-pair-{attempt}"), stdout=out, stderr=err), out, err))
        pair = []
        for process, out, err in processes:
            if process.wait() != 0:
                err.seek(0)
                raise SystemExit(f"a member of the pair failed:\n{err.read().decode()[-3000:]}")
            out.seek(0)
            err.seek(0)
            pair.append(agent_figures(out.read().decode(), err.read().decode()))
        if sum(p["records"] for p in pair) < args.records:
            raise SystemExit(f"the pair read {[p['records'] for p in pair]} records of {args.records}")
        results["two_agents"] = {"records": [p["records"] for p in pair], "attempts": attempt,
                                 "read_again": sum(p["records"] for p in pair) - args.records,
                                 "rate": args.records / max(p["seconds"] for p in pair)}
        if results["two_agents"]["read_again"] == 0:
            break


def numeric_references(driftwatch, work, topic, models, features, rng):
    """References of 5,000 standard normal rows for models m0... of `features` numeric features
    f0...: WORK/TOPIC-mN.jsonl and their profiles WORK/TOPIC-mN.json. The feature names."""
    names = [f"f{i}" for i in range(features)]
    for model in range(models):
        with open(work / f"{topic}-m{model}.jsonl", "w") as reference:
            for row in rng.normal(size=(5_000, features)):
                reference.write(json.dumps(dict(zip(names, np.round(row, 4).tolist()))) + "\n")
        run([driftwatch, "profile", "--input", str(work / f"{topic}-m{model}.jsonl"),
             "--out", str(work / f"{topic}-m{model}.json"), "--model", f"m{model}"])
    return names


def numeric_config(bootstrap, work, topic, models, group, window, http_port=0):
    """The agent's configuration for `topic`, watching the models `numeric_references` made."""
    return ("kafka:\n"
            f"  bootstrap: {bootstrap}\n  topics: [{topic}]\n  group: {group}\n"
            "  events_topic: driftwatch.events\n  dlq_topic: driftwatch.dlq\n"
            f"http_port: {http_port}\nwindow_records: {window}\nlog_format: json\nmodels:\n"
            + "".join(f"  - name: m{m}\n    reference: {work / f'{topic}-m{m}.json'}\n" for m in range(models)))


def wide_memory(driftwatch, agent, bootstrap, work, models=10, features=50, per_model=10_000, topic="wide"):
    """Peak RSS of one agent (the binary `agent`; `driftwatch` makes the profiles) watching
    `models` models of `features` numeric features each, at several window sizes over the
    same records (the topic's `models * per_model` records)."""
    rng = np.random.default_rng(9)
    names = numeric_references(driftwatch, work, topic, models, features, rng)
    with open(work / f"{topic}.jsonl", "w") as records:
        for index in range(models * per_model):
            row = np.round(rng.normal(size=features), 4).tolist()
            records.write(json.dumps({"model": f"m{index % models}", "features": dict(zip(names, row))}) + "\n")
    run(["kcat", "-P", "-b", bootstrap, "-t", topic, "-X", "sticky.partitioning.linger.ms=0", "-l", str(work / f"{topic}.jsonl")])
    memory = {}
    for window in (1_000, 100_000, 1_000_000):
        config = work / f"{topic}-{window}.yaml"
        config.write_text(numeric_config(bootstrap, work, topic, models, group=f"bench-{topic}-{window}", window=window))
        _, out, err, _ = run([agent, "run", "--config", str(config), "--until-end"])
        figures = agent_figures(out, err)
        if figures["records"] != models * per_model:
            raise SystemExit(f"the {topic} run read {figures['records']} of {models * per_model} records")
        memory[str(window)] = figures["peak_mib"]
    return memory


def report(r):
    k, g, d, p = r["kcat"], r["kcat_group"], r["driftwatch"], r["python_sidecar"]
    print(f"\n{r['records']:,} demo records on {r['partitions']} partitions, {r['cpus']} cores, medians of {r['repeats']}")
    print(f"{'reader':<34}{'records/s':>12}{'command s':>11}{'vs kcat':>9}")
    print(f"{'kcat -C (assigned partitions)':<34}{k['rate']:>12,.0f}{k['wall']:>11.2f}{1:>9.2f}")
    print(f"{'kcat -G (consumer group)':<34}{g['rate']:>12,.0f}{g['wall']:>11.2f}{g['rate'] / k['rate']:>9.2f}")
    print(f"{'driftwatch run --until-end':<34}{d['rate']:>12,.0f}{d['wall']:>11.2f}{d['rate'] / k['rate']:>9.2f}")
    print(f"{'Python sidecar (bench/)':<34}{p['rate']:>12,.0f}{p['wall']:>11.2f}{p['rate'] / k['rate']:>9.2f}")
    print(f"driftwatch / Python sidecar: {d['rate'] / p['rate']:.1f}x; driftwatch / kcat -G: {d['rate'] / g['rate']:.2f}x")
    print(f"CPU during a driftwatch run: the agent {d['cpu_seconds']:.2f} s ({r['records'] / d['cpu_seconds']:,.0f} records per"
          f" CPU second, startup and group join included), the mock broker {d['broker_cpu_seconds']:.2f} s")
    lat = r["latency_ms"]
    print(f"window close to events acknowledged: p50 {lat['p50']:.2f} ms, p99 {lat['p99']:.2f} ms, max {lat['max']:.2f} ms"
          f" over {lat['windows']} windows; with events ({lat['windows_with_events']}): p50 {lat['with_events_p50']:.2f},"
          f" max {lat['with_events_max']:.2f} ms")
    print(f"peak RSS, demo: {d['peak_rss_mib']:.1f} MiB")
    report_memory(r)
    two = r["two_agents"]
    print(f"two agents in one group: {two['rate']:,.0f} records/s ({two['rate'] / d['rate']:.2f}x one), split {two['records']},"
          f" {two['read_again']} read again after a rebalance (try {two['attempts']})")
    if "file_input" in r:
        f = r["file_input"]
        print(f"file input, one core: JSON {f['json_records_per_second']:,.0f}/s (payload path "
              f"{f['json_payload_records_per_second']:,.0f}/s), protobuf {f['protobuf_records_per_second']:,.0f}/s")


def report_memory(r):
    print(f"peak RSS of {r['memory_binary']}:")
    for key, shape, goal in (("wide_rss_mib", "10 models x 50 features", 48), ("narrow_rss_mib", "1 model x 25 features", 24)):
        figures = r[key]
        print(f"peak RSS, {shape} by window size: " + ", ".join(f"{w} rows {m:.1f} MiB" for w, m in figures.items())
              + f"; goal {goal} MiB: {'met' if max(figures.values()) <= goal else 'not met'}")


if __name__ == "__main__":
    sys.exit(main())

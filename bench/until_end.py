#!/usr/bin/env python3
"""`make bench-until-end`: how long `driftwatch run --until-end` takes to exit after its last
window, once every partition is read to its end (issue 27: within 50 ms).

Starts `driftwatch dev-broker`, produces RECORDS demo records on 3 partitions, then runs the
agent --until-end RUNS times, each in a group of its own, timestamping its log lines as they
come. Prints each run's milliseconds from the last "window closed" line to the process's
exit, and their median.

Usage: until_end.py DRIFTWATCH [RECORDS] [RUNS]
"""
import os
import statistics
import subprocess
import sys
import tempfile
import time
import uuid


def main():
    driftwatch = sys.argv[1]
    records = int(sys.argv[2]) if len(sys.argv) > 2 else 20_000
    runs = int(sys.argv[3]) if len(sys.argv) > 3 else 5
    root = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
    broker = subprocess.Popen([driftwatch, "dev-broker"], stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
    try:
        bootstrap = broker.stdout.readline().strip().split("=", 1)[1]
        subprocess.run([driftwatch, "produce", "--bootstrap", bootstrap, "--count", str(records), "--rate", "1000000"],
                       check=True, capture_output=True)
        gaps = []
        with tempfile.TemporaryDirectory() as directory:
            for _ in range(runs):
                config = os.path.join(directory, "agent.yaml")
                with open(config, "w") as file:
                    file.write(f"""kafka:
  bootstrap: "{bootstrap}"
  group: bench-{uuid.uuid4().hex[:8]}
  topics: [inference-logs]
  events_topic: driftwatch.events
  dlq_topic: driftwatch.dlq
http_port: 0
window_records: 1000
models:
  - name: fraud-detector
    reference: {root}/config/kubernetes/base/reference.json
""")
                start = time.perf_counter()
                agent = subprocess.Popen([driftwatch, "run", "--config", config, "--until-end"],
                                         stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True)
                last_window = None
                for line in agent.stderr:
                    if "window closed" in line:
                        last_window = time.perf_counter() - start
                agent.wait()
                end = time.perf_counter() - start
                if agent.returncode != 0 or last_window is None:
                    raise SystemExit(f"driftwatch exited {agent.returncode} without closing a window")
                gaps.append((end - last_window) * 1000)
        print(f"{records:,} records, {runs} runs: exit {', '.join(f'{gap:.1f}' for gap in gaps)} ms after the last window; "
              f"median {statistics.median(gaps):.1f} ms")
    finally:
        broker.terminate()
        broker.wait()


if __name__ == "__main__":
    main()

#!/usr/bin/env python3
"""Writes scripts/link/driftwatch.order: the functions the agent runs, for the linker to put together.

The kernel maps a binary's code 64 KiB at a time around each page it faults in, so a function
here and there across the 17 MB of code keeps most of it resident: 15 of the 34 MiB at 1 model x
25 features were the binary's code pages. Laid out together (lld's --symbol-ordering-file, every
function in a section of its own), 4.9-5.1 MiB of code are resident.

Which functions run comes from Valgrind's callgrind on the agent itself: the dev broker, one model
of 25 features and ten of 50 (the shapes `make bench` measures), windows that close, drift
events, the dead-letter topic, and /metrics, /healthz, /readyz and the status page scraped during
the run. Every function callgrind saw in the binary is listed, in the binary's own order (modules
stay together). A function missing from the list only lands further on; the list is regenerated
with `make code-order` when the code moves on, and `make release-static` links with it.

    scripts/generate-code-order.py BINARY [--out scripts/link/driftwatch.order]

BINARY is a `make release-static` build (its symbol table names the functions).
"""
import argparse
import json
import os
import shutil
import socket
import subprocess
import sys
import tempfile
import threading
import urllib.request
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent / "bench"))
import numpy as np  # noqa: E402
import end_to_end  # noqa: E402


def free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def scrape(port, stop):
    """GETs every path the agent serves until `stop`, as Prometheus and the kubelet would."""
    while not stop.is_set():
        for path in ("/metrics", "/healthz", "/readyz", "/"):
            try:
                urllib.request.urlopen(f"http://127.0.0.1:{port}{path}", timeout=5).read()
            except OSError:
                pass
        stop.wait(1.0)


def traffic(binary, bootstrap, work, topic, models, features, per_model, drifted):
    """References and records of `models` models with `features` numeric features each; the
    second half of each model's records shifted by `drifted`, and a few malformed ones."""
    rng = np.random.default_rng(5)
    names = end_to_end.numeric_references(binary, work, topic, models, features, rng)
    with open(work / f"{topic}.jsonl", "w") as records:
        for index in range(models * per_model):
            shift = drifted if index >= models * per_model // 2 else 0.0
            row = np.round(rng.normal(size=features) + shift, 4).tolist()
            records.write(json.dumps({"model": f"m{index % models}", "features": dict(zip(names, row))}) + "\n")
            if index % 997 == 0:
                records.write('{"model": "m0", "features": {"f0": \n')
    end_to_end.run(["kcat", "-P", "-b", bootstrap, "-t", topic, "-X", "sticky.partitioning.linger.ms=0",
                    "-l", str(work / f"{topic}.jsonl")])


def functions_run(binary, bootstrap, work, topic, models, window):
    """The agent under callgrind on `topic`: the names of the functions it ran in `binary`."""
    port = free_port()
    config = work / f"{topic}.yaml"
    config.write_text(end_to_end.numeric_config(bootstrap, work, topic, models, group=f"order-{topic}", window=window,
                                                http_port=port))
    profile = work / f"{topic}.callgrind"
    stop = threading.Event()
    scraper = threading.Thread(target=scrape, args=(port, stop))
    scraper.start()
    try:
        end_to_end.run(["valgrind", "--tool=callgrind", "--demangle=no", "--compress-strings=no", "--compress-pos=no",
                        f"--callgrind-out-file={profile}", binary, "run", "--config", str(config), "--until-end"])
    finally:
        stop.set()
        scraper.join()
    real = os.path.realpath(binary)
    names, in_binary = set(), False
    with open(profile, errors="replace") as lines:
        for line in lines:
            if line.startswith("ob="):
                in_binary = os.path.realpath(line[3:].strip()) == real
            elif line.startswith("fn=") and in_binary:
                # callgrind marks a recursion's deeper levels: name'2
                names.add(line[3:].strip().split("'")[0])
    return names


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("binary")
    parser.add_argument("--out", default=str(Path(__file__).with_name("link") / "driftwatch.order"))
    args = parser.parse_args()
    binary = str(Path(args.binary).resolve())
    work = Path(tempfile.mkdtemp(prefix="driftwatch-order-"))
    # Valgrind 3.19 (bookworm) cannot read DWARF 5: it runs a copy with the symbol table only.
    traced = str(work / "driftwatch")
    subprocess.run(["objcopy", "--strip-debug", binary, traced], check=True)
    broker, bootstrap = end_to_end.start_broker(binary, ["narrow:16", "wide:16", "driftwatch.events:1",
                                                          "driftwatch.dlq:1"])
    try:
        traffic(binary, bootstrap, work, "narrow", models=1, features=25, per_model=20_000, drifted=1.0)
        traffic(binary, bootstrap, work, "wide", models=10, features=50, per_model=2_000, drifted=1.0)
        ran = functions_run(traced, bootstrap, work, "narrow", models=1, window=2_000)
        ran |= functions_run(traced, bootstrap, work, "wide", models=10, window=1_000)
    finally:
        broker.terminate()
        broker.wait()
        shutil.rmtree(work, ignore_errors=True)
    # In the binary's own order, so that each module's functions stay together.
    symbols = subprocess.run(["nm", "--defined-only", "--numeric-sort", binary], check=True, capture_output=True,
                             text=True).stdout.splitlines()
    ordered, seen = [], set()
    for line in symbols:
        parts = line.split(maxsplit=2)
        if len(parts) == 3 and parts[1] in "tTwW" and parts[2] in ran and parts[2] not in seen:
            seen.add(parts[2])
            ordered.append(parts[2])
    Path(args.out).parent.mkdir(parents=True, exist_ok=True)
    Path(args.out).write_text("".join(name + "\n" for name in ordered))
    print(f"{len(ordered)} functions of {binary} ran -> {args.out}")


if __name__ == "__main__":
    main()

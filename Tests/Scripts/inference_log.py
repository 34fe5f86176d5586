#!/usr/bin/env python3
"""InferenceLog messages made by Python's protobuf runtime from proto/driftwatch/v1/inference_log.proto,
compiled here with grpc_tools' protoc: the real client's encoding of each Value kind, vectors included.

Usage: inference_log.py   (prints {"messages": [{"hex": ..., "embedding": [...] or null}, ...]})
"""
import json
import pathlib
import sys
import tempfile

from grpc_tools import protoc

PROTO = pathlib.Path(__file__).resolve().parents[2] / "proto"


def compiled():
    out = tempfile.mkdtemp(prefix="inference-log-proto-")
    status = protoc.main(["protoc", f"-I{PROTO}", f"--python_out={out}", "driftwatch/v1/inference_log.proto"])
    if status != 0:
        sys.exit(f"protoc failed: {status}")
    sys.path.insert(0, out)
    from driftwatch.v1 import inference_log_pb2
    return inference_log_pb2


def main():
    pb = compiled()
    messages = []
    for values in ([0.25, -2.0, 1e300], [1.0, 2.0]):
        log = pb.InferenceLog(model="m", request_id="r1", event_time_ms=1_700_000_000_000)
        log.features["embedding"].vector.values.extend(values)
        log.features["tokens"].number = 3
        messages.append({"hex": log.SerializeToString().hex(), "embedding": values})
    print(json.dumps({"messages": messages}))


if __name__ == "__main__":
    main()

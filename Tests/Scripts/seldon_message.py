#!/usr/bin/env python3
"""One Seldon `ModelInferRequest` for the tests that decode a single message, built with the
classes protoc compiles from Seldon's own .proto files (Tests/Scripts/seldon, compiled as
seldon_traffic.py does).

    seldon_message.py request MODEL ID RAW TENSORS_JSON

TENSORS_JSON: [{"name", "datatype": "FP32" | "INT64" | "BYTES", "shape": [...], "values": [...]}].
RAW "1" puts the values in `raw_input_contents` instead of `contents`: little-endian, each
BYTES element after its 4-byte little-endian length (the KServe v2 binary tensor format that
Triton and MLServer read). Prints {"value": base64 of the serialized message}.
"""
import base64
import json
import struct
import sys

from seldon_traffic import compiled


def raw(datatype, values):
    if datatype == "FP32":
        return struct.pack(f"<{len(values)}f", *values)
    if datatype == "INT64":
        return struct.pack(f"<{len(values)}q", *values)
    if datatype == "BYTES":
        return b"".join(struct.pack("<I", len(v.encode())) + v.encode() for v in values)
    sys.exit(f"no raw form for {datatype}")


def main():
    command, model, request_id, as_raw, tensors = sys.argv[1:6]
    if command != "request":
        sys.exit(f"unknown command {command}")
    requests, _ = compiled()
    request = requests.ModelInferRequest(model_name=model, id=request_id)
    for spec in json.loads(tensors):
        tensor = request.inputs.add(name=spec["name"], datatype=spec["datatype"], shape=spec["shape"])
        values = spec["values"]
        if as_raw == "1":
            request.raw_input_contents.append(raw(spec["datatype"], values))
        elif spec["datatype"] == "FP32":
            tensor.contents.fp32_contents.extend(values)
        elif spec["datatype"] == "INT64":
            tensor.contents.int64_contents.extend(values)
        else:
            tensor.contents.bytes_contents.extend(v.encode() for v in values)
    print(json.dumps({"value": base64.b64encode(request.SerializeToString()).decode()}))


if __name__ == "__main__":
    main()

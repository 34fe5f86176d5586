#!/usr/bin/env python3
"""Writes Seldon Core v2 inference traffic to Kafka the way Seldon's gateways write it, with
Seldon's own message definitions and Confluent's own clients:

- messages: `inferenceSchema.ModelInferRequest` / `ModelInferResponse` from the .proto files
  Seldon registers (Tests/Scripts/seldon, from seldon-core scheduler/v2.10.2), compiled here with
  grpcio-tools; every other message in the schema-registry frame that confluent-kafka's
  ProtobufSerializer writes (Seldon 2.10 with a schema registry; a mock registry here), the
  others bare, as without one;
- topics: `<prefix>.<namespace>.model.<model>.inputs|outputs` and the pipeline's
  `<prefix>.<namespace>.pipeline.<model>.inputs|outputs` (seldon-core scheduler/pkg/kafka/
  topics.go), the prefix holding a dot;
- keys: `<partition>.<resource>.<request id>` (pipeline gateway since mid-2025,
  scheduler/pkg/kafka/pipeline/kafkamanager.go) and `<resource>.<request id>` (before), the
  output keyed as its input (gateway/worker.go copies `job.msg.Key`);
- headers: `x-request-id` and `pipeline` on inputs, sometimes `seldon-infer-type:
  proto/InferModelRequest`; outputs carry the input's headers (worker.go `produce` copies
  `job.msg.Headers`) plus the server's;
- errors: every 50th inference gets no output but a message on `<prefix>.<namespace>.errors.errors`
  with the error's text and `seldon-pipeline-errors: <model>` (worker.go).

    seldon_traffic.py BOOTSTRAP PREFIX NAMESPACE MODEL INFERENCES FEATURES_JSON

FEATURES_JSON: {"numeric": [names], "categorical": {name: [values]}}. Inference i has 1 + i % 3
rows. Prints {"inferences", "rows", "errors", "framed"} as JSON.
"""
import json
import pathlib
import random
import sys
import tempfile
import uuid

from confluent_kafka import Producer
from confluent_kafka.schema_registry import SchemaRegistryClient
from confluent_kafka.schema_registry.protobuf import ProtobufSerializer
from confluent_kafka.serialization import MessageField, SerializationContext
from grpc_tools import protoc

PROTOS = pathlib.Path(__file__).resolve().parent / "seldon"


def compiled():
    out = tempfile.mkdtemp(prefix="seldon-proto-")
    status = protoc.main(["protoc", f"-I{PROTOS}", f"--python_out={out}", "infer_request.proto", "infer_response.proto"])
    if status != 0:
        sys.exit(f"protoc failed: {status}")
    sys.path.insert(0, out)
    import infer_request_pb2
    import infer_response_pb2
    return infer_request_pb2, infer_response_pb2


def main():
    bootstrap, prefix, namespace, model, count = sys.argv[1:6]
    features = json.loads(sys.argv[6])
    requests, responses = compiled()
    registry = SchemaRegistryClient.new_client({"url": "mock://"})
    framed_request = ProtobufSerializer(requests.ModelInferRequest, registry, {"use.deprecated.format": False})
    framed_response = ProtobufSerializer(responses.ModelInferResponse, registry, {"use.deprecated.format": False})
    producer = Producer({"bootstrap.servers": bootstrap, "linger.ms": 5})
    generator = random.Random(29)
    numeric, categorical = features["numeric"], features["categorical"]
    rows = errors = framed = 0
    for i in range(int(count)):
        kind = "model" if i % 2 == 0 else "pipeline"
        inputs, outputs = (f"{prefix}.{namespace}.{kind}.{model}.{suffix}" for suffix in ("inputs", "outputs"))
        request_id = str(uuid.UUID(int=generator.getrandbits(128)))
        key = f"{model}.{request_id}" if i % 3 == 0 else f"{i % 2}.{model}.{request_id}"
        batch = 1 + i % 3
        request = requests.ModelInferRequest(model_name=model, id=request_id)
        dense = request.inputs.add(name="input-0", datatype="FP64", shape=[batch, len(numeric)])
        dense.contents.fp64_contents.extend(generator.gauss(50, 10) for _ in range(batch * len(numeric)))
        for name, values in categorical.items():
            tensor = request.inputs.add(name=name, datatype="BYTES", shape=[batch])
            tensor.contents.bytes_contents.extend(generator.choice(values).encode() for _ in range(batch))
        headers = [("x-request-id", request_id.encode()), ("pipeline", model.encode())]
        if i % 4 < 2:
            headers.append(("seldon-infer-type", b"proto/InferModelRequest"))
        frame = i % 2 == 1
        framed += frame
        value = framed_request(request, SerializationContext(inputs, MessageField.VALUE)) if frame else request.SerializeToString()
        producer.produce(inputs, key=key.encode(), value=value, headers=headers)
        rows += batch
        if i % 50 == 49:
            error = b"rpc error: code = Unavailable desc = connection error"
            producer.produce(f"{prefix}.{namespace}.errors.errors", key=key.encode(), value=error,
                             headers=headers + [("seldon-pipeline-errors", model.encode())])
            errors += 1
        else:
            response = responses.ModelInferResponse(model_name=model, model_version="1", id=request_id)
            predict = response.outputs.add(name="predict", datatype="FP64", shape=[batch])
            predict.contents.fp64_contents.extend(generator.random() for _ in range(batch))
            value = framed_response(response, SerializationContext(outputs, MessageField.VALUE)) if frame else response.SerializeToString()
            producer.produce(outputs, key=key.encode(), value=value, headers=headers + [("content-type", b"application/grpc")])
        producer.poll(0)
    if producer.flush(60) != 0:
        sys.exit("messages were not delivered")
    print(json.dumps({"inferences": int(count), "rows": rows, "errors": errors, "framed": framed}))


if __name__ == "__main__":
    main()

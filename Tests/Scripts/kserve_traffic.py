#!/usr/bin/env python3
"""Writes KServe inference-logger traffic to Kafka as a Knative KafkaSink delivers it, made with
the real clients:

- bodies: kserve's own `InferRequest` / `InferResponse` (kserve/protocol/infer_type.py):
  `to_rest()` as JSON, `to_rest()` with binary tensor data (the binary data extension: a JSON
  header followed by raw tensor bytes), and `to_grpc()` serialised in a gRPC frame; each
  logged with the request's content type, as kserve pkg/logger/handler.go does for both halves;
- events: the attributes kserve pkg/logger/worker.go sets (id, type, source, time,
  recordedtime, inferenceservicename, namespace, component, endpoint, metadata), encoded by the
  CloudEvents SDK's Kafka binding, alternately binary mode (`ce_` headers) and structured mode
  (JSON `data`, base64 `data_base64` for the other media types);
- components: every fourth inference also has a transformer exchange under the same event id
  (a transformer passes `Ce-Id` on), with KServe v1 bodies.

    kserve_traffic.py BOOTSTRAP TOPIC MODEL INFERENCES [LABELS_TOPIC] FEATURES_JSON

FEATURES_JSON: {"numeric": [names], "categorical": {name: [values]}}. Inference i has 1 + i % 3
rows. Prints {"inferences", "rows", "transformer", "encodings"} as JSON.

With LABELS_TOPIC, each predictor row's true label (1 with the probability its `predict`
score says) goes there as {"request_id": ..., "label": ...}, the request id of a batch's row r
being "<id>/<r>"; one more inference an hour later on each partition of TOPIC moves prediction
time past the traffic's; and the output adds scikit-learn's metrics of the rows under "sklearn".
"""
import datetime
import json
import random
import sys
import uuid

import numpy as np
from cloudevents.http import CloudEvent
from cloudevents.kafka import to_binary, to_structured
from confluent_kafka import Producer
from kserve.protocol.infer_type import InferInput, InferOutput, InferRequest, InferResponse
from sklearn import metrics

MEDIA = {"json": "application/json", "binary": "application/octet-stream", "grpc": "application/grpc"}


def grpc_frame(message):
    payload = message.SerializeToString()
    return b"\x00" + len(payload).to_bytes(4, "big") + payload


def scores(request_id, batch):
    """The `predict` tensor of an inference."""
    return np.random.default_rng(len(request_id)).random(batch)


def bodies(encoding, request_id, model, numbers, categories):
    """The request and response bodies of one inference, as the logger captures them."""
    binary = encoding == "binary"
    inputs = [InferInput(name="input-0", shape=list(numbers.shape), datatype="FP64")]
    inputs[0].set_data_from_numpy(numbers, binary_data=binary)
    for name, values in categories.items():
        tensor = InferInput(name=name, shape=[len(values)], datatype="BYTES")
        tensor.set_data_from_numpy(np.array([v.encode() for v in values], dtype=np.object_), binary_data=binary)
        inputs.append(tensor)
    predict = InferOutput(name="predict", shape=[numbers.shape[0]], datatype="FP64")
    predict.set_data_from_numpy(scores(request_id, numbers.shape[0]), binary_data=binary)
    request = InferRequest(model_name=model, infer_inputs=inputs, request_id=request_id)
    response = InferResponse(response_id=request_id, model_name=model, infer_outputs=[predict], use_binary_outputs=binary)
    if encoding == "grpc":
        return grpc_frame(request.to_grpc()), grpc_frame(response.to_grpc())
    rest = [message.to_rest() for message in (request, response)]
    # to_rest gives (bytes, json length) with binary data, else (dict, None) or a dict.
    return tuple(body[0] if isinstance(body, tuple) else body for body in rest)


def event(request_id, kind, model, component, media, data, time):
    attributes = {
        "id": request_id, "type": f"org.kubeflow.serving.inference.{kind}", "source": "http://localhost:9081/",
        "time": time, "recordedtime": time, "inferenceservicename": model, "namespace": "default",
        "component": component, "endpoint": "default", "metadata": json.dumps({}), "datacontenttype": media,
    }
    return CloudEvent(attributes, data)


def message(cloud_event, structured):
    if structured:
        return to_structured(cloud_event)
    data = cloud_event.get_data()
    return to_binary(cloud_event, data_marshaller=(lambda d: d) if isinstance(data, bytes) else None)


def main():
    bootstrap, topic, model, count = sys.argv[1:5]
    labels_topic = sys.argv[5] if len(sys.argv) > 6 else None
    features = json.loads(sys.argv[-1])
    numeric, categorical = features["numeric"], features["categorical"]
    producer = Producer({"bootstrap.servers": bootstrap, "linger.ms": 5})
    generator = random.Random(31)
    start = datetime.datetime(2026, 1, 1, tzinfo=datetime.timezone.utc)
    rows = transformer = 0
    encodings = {"json": 0, "binary": 0, "grpc": 0}
    truth, predicted = [], []
    labels = random.Random(5)
    for i in range(int(count)):
        request_id = str(uuid.UUID(int=generator.getrandbits(128)))
        time = (start + datetime.timedelta(milliseconds=i)).isoformat()
        batch = 1 + i % 3
        numbers = np.array([[generator.gauss(50, 10) for _ in numeric] for _ in range(batch)], dtype=np.float64)
        categories = {name: [generator.choice(values) for _ in range(batch)] for name, values in categorical.items()}
        encoding = ("json", "binary", "grpc")[i % 3]
        encodings[encoding] += 1
        request, response = bodies(encoding, request_id, model, numbers, categories)
        structured = i % 2 == 1
        for kind, body in (("request", request), ("response", response)):
            sent = message(event(request_id, kind, model, "predictor", MEDIA[encoding], body, time), structured)
            producer.produce(topic, key=sent.key, value=sent.value, headers=list(sent.headers.items()))
        rows += batch
        if labels_topic:
            for r, score in enumerate(scores(request_id, batch)):
                label = int(labels.random() < score)
                truth.append(label)
                predicted.append(float(score))
                label_id = request_id if batch == 1 else f"{request_id}/{r}"
                producer.produce(labels_topic, value=json.dumps({"request_id": label_id, "label": label}).encode())
        if i % 4 == 3:
            instances = {"instances": [[*row, *(categories[name][r] for name in categorical)] for r, row in enumerate(numbers.tolist())]}
            predictions = {"predictions": [generator.random() for _ in range(batch)]}
            for kind, body in (("request", instances), ("response", predictions)):
                sent = message(event(request_id, kind, model, "transformer", "application/json", body, time), structured)
                producer.produce(topic, key=sent.key, value=sent.value, headers=list(sent.headers.items()))
            transformer += 1
        producer.poll(0)
    summary = {"inferences": int(count), "rows": rows, "transformer": transformer, "encodings": encodings}
    if labels_topic:
        late = (start + datetime.timedelta(hours=1)).isoformat()
        for partition in producer.list_topics(topic, timeout=10).topics[topic].partitions:
            tick_id = f"tick-{partition}"
            request, response = bodies("json", tick_id, model, np.zeros((1, len(numeric))), {name: [values[0]] for name, values in categorical.items()})
            for kind, body in (("request", request), ("response", response)):
                sent = message(event(tick_id, kind, model, "predictor", MEDIA["json"], body, late), False)
                producer.produce(topic, value=sent.value, headers=list(sent.headers.items()), partition=partition)
        y, p = np.array(truth), np.array(predicted)
        summary["sklearn"] = {
            "accuracy": metrics.accuracy_score(y, p >= 0.5), "f1": metrics.f1_score(y, p >= 0.5),
            "roc_auc": metrics.roc_auc_score(y, p), "log_loss": metrics.log_loss(y, p),
        }
    if producer.flush(60) != 0:
        sys.exit("messages were not delivered")
    print(json.dumps(summary))


if __name__ == "__main__":
    main()

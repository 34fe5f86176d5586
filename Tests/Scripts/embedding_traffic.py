#!/usr/bin/env python3
"""Sentence-embedding-like traffic: 384-dimensional unit vectors around 12 topic centres, whose
topic mix shifts (a shift in the 12-dimensional subspace the centres span), as a language
model's encoder logs them.

    embedding_traffic.py reference PATH ROWS [shifted]
        JSON lines {"embedding": [...], "tokens": n}; prints per-coordinate PSI of a shifted
        sample against these rows, so a test can show no coordinate crosses 0.1.
    embedding_traffic.py kserve BOOTSTRAP TOPIC MODEL ROWS SHIFT_FROM SEED
        KServe inference-logger CloudEvents (kserve's InferRequest / InferResponse, the
        CloudEvents SDK's Kafka binding, as kserve_traffic.py), the tensor `embedding` of shape
        [batch, 384] FP32 and `tokens` [batch] INT64, 4 rows per inference, bodies in binary
        tensor data, gRPC, and one in ten JSON; rows from SHIFT_FROM on have the shifted mix.
        SEED draws the rows and request ids. Prints {"rows", "inferences", "encodings"}.
    embedding_traffic.py sample PATH ROWS SEED clean|shifted
        JSON lines as `reference` writes them, from another draw. Prints {"rows", "mix"}.
    embedding_traffic.py oracle REFERENCE CURRENT SIGMA
        numpy on two such files: the Euclidean and cosine distance between the means of their
        embeddings, and the exact unbiased MMD² under exp(-|x - y|² / (2 SIGMA²)), as hex floats.
"""
import datetime
import json
import sys
import uuid

import numpy as np

DIMENSION = 384
TOPICS = 12
CENTRES = np.random.default_rng(7).standard_normal((TOPICS, DIMENSION))
CENTRES /= np.linalg.norm(CENTRES, axis=1, keepdims=True)
CLEAN = np.full(TOPICS, 1 / TOPICS)
# Three topics take half the traffic.
SHIFTED = np.array([1 / 6] * 3 + [0.5 / 9] * 9)


def embeddings(rng, rows, mix):
    topics = rng.choice(TOPICS, size=rows, p=mix)
    x = CENTRES[topics] + rng.standard_normal((rows, DIMENSION)) / np.sqrt(DIMENSION)
    x /= np.linalg.norm(x, axis=1, keepdims=True)
    # As an FP32 tensor carries them.
    return x.astype(np.float32).astype(np.float64)


def tokens(rng, rows):
    return rng.poisson(18, size=rows) + 1


def psi(reference, current, bins=10):
    """PSI on the reference's deciles, empty bins smoothed as driftwatch's profile does (1e-4)."""
    edges = np.quantile(reference, np.linspace(0, 1, bins + 1)[1:-1])
    r = np.bincount(np.searchsorted(edges, reference, side="right"), minlength=bins) / len(reference)
    c = np.bincount(np.searchsorted(edges, current, side="right"), minlength=bins) / len(current)
    r, c = np.maximum(r, 1e-4), np.maximum(c, 1e-4)
    return float(np.sum((c - r) * np.log(c / r)))


def reference(path, rows, shifted):
    rng = np.random.default_rng(11)
    x = embeddings(rng, rows, CLEAN)
    n = tokens(rng, rows)
    write(path, x, n)
    sample = embeddings(np.random.default_rng(12), rows, SHIFTED if shifted else CLEAN)
    scores = [psi(x[:, k], sample[:, k]) for k in range(DIMENSION)]
    print(json.dumps({"rows": rows, "max_coordinate_psi": max(scores), "mean_coordinate_psi": float(np.mean(scores))}))


def write(path, x, n):
    with open(path, "w") as out:
        for row, count in zip(x, n):
            out.write(json.dumps({"embedding": row.tolist(), "tokens": int(count)}) + "\n")


def sample(path, rows, seed, mix):
    rng = np.random.default_rng(seed)
    x = embeddings(rng, rows, SHIFTED if mix == "shifted" else CLEAN)
    write(path, x, tokens(rng, rows))
    print(json.dumps({"rows": rows, "mix": mix}))


def oracle(reference_path, current_path, sigma):
    def read(path):
        with open(path) as lines:
            return np.array([json.loads(line)["embedding"] for line in lines if line.strip()], dtype=np.float64)

    x, y = read(reference_path), read(current_path)
    a, b = x.mean(axis=0), y.mean(axis=0)

    def kernel(p, q):
        squared = (p * p).sum(1)[:, None] + (q * q).sum(1)[None, :] - 2 * p @ q.T
        return np.exp(-np.maximum(squared, 0) / (2 * sigma * sigma))

    m, n = len(x), len(y)
    kxx, kyy, kxy = kernel(x, x), kernel(y, y), kernel(x, y)
    exact = (kxx.sum() - np.trace(kxx)) / (m * (m - 1)) + (kyy.sum() - np.trace(kyy)) / (n * (n - 1)) - 2 * kxy.mean()
    print(json.dumps({
        "euclidean": float(np.linalg.norm(a - b)).hex(),
        "cosine": float(1 - a @ b / (np.linalg.norm(a) * np.linalg.norm(b))).hex(),
        "exact_mmd2": float(exact).hex(),
    }))


def kserve(bootstrap, topic, model, rows, shift_from, seed):
    from cloudevents.http import CloudEvent
    from cloudevents.kafka import to_binary, to_structured
    from confluent_kafka import Producer
    from kserve.protocol.infer_type import InferInput, InferOutput, InferRequest, InferResponse

    rng = np.random.default_rng(seed)
    producer = Producer({"bootstrap.servers": bootstrap, "linger.ms": 5})
    start = datetime.datetime(2026, 1, 1, tzinfo=datetime.timezone.utc) + datetime.timedelta(hours=seed)
    media = {"json": "application/json", "binary": "application/octet-stream", "grpc": "application/grpc"}
    encodings = {name: 0 for name in media}
    batch, written, inferences = 4, 0, 0
    failures = []

    def delivered(error, message):
        if error is not None:
            failures.append(str(error))
    while written < rows:
        size = min(batch, rows - written)
        mix = SHIFTED if written >= shift_from else CLEAN
        x = embeddings(rng, size, mix).astype(np.float32)
        n = tokens(rng, size).astype(np.int64)
        request_id = str(uuid.UUID(int=int(rng.integers(0, 2**63)) << 64 | inferences))
        # JSON text is four times the bytes: one in ten, so that the mock broker's 5 MB partitions hold the traffic.
        encoding = "json" if inferences % 10 == 0 else ("binary", "grpc")[inferences % 2]
        binary = encoding == "binary"
        inputs = [InferInput(name="embedding", shape=[size, DIMENSION], datatype="FP32"), InferInput(name="tokens", shape=[size], datatype="INT64")]
        inputs[0].set_data_from_numpy(x, binary_data=binary)
        inputs[1].set_data_from_numpy(n, binary_data=binary)
        predict = InferOutput(name="predict", shape=[size], datatype="FP64")
        predict.set_data_from_numpy(rng.random(size), binary_data=binary)
        request = InferRequest(model_name=model, infer_inputs=inputs, request_id=request_id)
        response = InferResponse(response_id=request_id, model_name=model, infer_outputs=[predict], use_binary_outputs=binary)
        if encoding == "grpc":
            frames = []
            for message in (request.to_grpc(), response.to_grpc()):
                payload = message.SerializeToString()
                frames.append(b"\x00" + len(payload).to_bytes(4, "big") + payload)
            bodies = frames
        else:
            bodies = [body[0] if isinstance(body, tuple) else body for body in (request.to_rest(), response.to_rest())]
        time = (start + datetime.timedelta(milliseconds=written)).isoformat()
        for kind, body in zip(("request", "response"), bodies):
            attributes = {
                "id": request_id, "type": f"org.kubeflow.serving.inference.{kind}", "source": "http://localhost:9081/",
                "time": time, "recordedtime": time, "inferenceservicename": model, "namespace": "default",
                "component": "predictor", "endpoint": "default", "metadata": json.dumps({}), "datacontenttype": media[encoding],
            }
            event = CloudEvent(attributes, body)
            if inferences % 2 == 1:
                sent = to_structured(event)
            else:
                sent = to_binary(event, data_marshaller=(lambda d: d) if isinstance(body, bytes) else None)
            # Keyed by the request id: spread evenly over the partitions by hash. Unkeyed, the sticky
            # partitioner could put more than the mock broker's 5 MB per partition in one, whose
            # oldest records the broker then drops before the agent reads them.
            producer.produce(topic, key=request_id.encode(), value=sent.value, headers=list(sent.headers.items()), on_delivery=delivered)
        encodings[encoding] += 1
        written += size
        inferences += 1
        producer.poll(0)
    if producer.flush(120) != 0 or failures:
        sys.exit(f"messages were not delivered: {len(failures)} failed, {failures[:3]}")
    print(json.dumps({"rows": written, "inferences": inferences, "encodings": encodings}))


def main():
    if sys.argv[1] == "reference":
        reference(sys.argv[2], int(sys.argv[3]), len(sys.argv) > 4 and sys.argv[4] == "shifted")
    elif sys.argv[1] == "sample":
        sample(sys.argv[2], int(sys.argv[3]), int(sys.argv[4]), sys.argv[5])
    elif sys.argv[1] == "oracle":
        oracle(sys.argv[2], sys.argv[3], float(sys.argv[4]))
    elif sys.argv[1] == "kserve":
        kserve(sys.argv[2], sys.argv[3], sys.argv[4], int(sys.argv[5]), int(sys.argv[6]), int(sys.argv[7]))
    else:
        sys.exit(__doc__)


if __name__ == "__main__":
    main()

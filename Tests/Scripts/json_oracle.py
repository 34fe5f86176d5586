#!/usr/bin/env python3
"""Python's json module as the oracle for driftwatch's JSONValue (Sources/HTTP/JSON).

    json_oracle.py generate SEED COUNT
        {"documents": [text...]}: random JSON documents (nested objects and arrays, strings with
        escapes, control characters and characters outside the BMP, integers and floats), each
        written by json.dumps with ASCII escaping or without, compact or indented.
    json_oracle.py check < [[original, written]...]
        {"mismatches": [index...]}: the pairs whose `written` does not load to the same value
        as `original`, or whose objects' keys are not in sorted order.
    json_oracle.py rejects < [text...]
        {"rejected": [bool...]}: whether json.loads refuses each text.
"""
import json
import random
import sys


def string(rng):
    alphabet = ["a", "b", "z", " ", "/", "\\", '"', "\n", "\t", "\x01", "\x1f", "é", "ß", "中", "😀", "\u2028", "'"]
    return "".join(rng.choice(alphabet) for _ in range(rng.randint(0, 12)))


def number(rng):
    kind = rng.randint(0, 4)
    if kind == 0:
        return rng.randint(-1000, 1000)
    if kind == 1:
        return rng.randint(-(2**53), 2**53)
    if kind == 2:
        return rng.uniform(-1e6, 1e6)
    if kind == 3:
        return rng.choice([0.1, 1e-7, 1e300, -2.5e-300, 123456.789, 0.0, -0.5])
    return float(rng.randint(-100, 100))


def value(rng, depth):
    kind = rng.randint(0, 6 if depth < 5 else 4)
    if kind == 0:
        return None
    if kind == 1:
        return rng.random() < 0.5
    if kind == 2:
        return number(rng)
    if kind in (3, 4):
        return string(rng)
    if kind == 5:
        return [value(rng, depth + 1) for _ in range(rng.randint(0, 5))]
    return {string(rng): value(rng, depth + 1) for _ in range(rng.randint(0, 5))}


def sorted_keys(pairs):
    keys = [key for key, _ in pairs]
    # Sorted by Unicode scalar, as Swift's String comparison orders them.
    if keys != sorted(keys):
        raise ValueError(f"keys not sorted: {keys}")
    return dict(pairs)


def main():
    command = sys.argv[1]
    if command == "generate":
        rng = random.Random(int(sys.argv[2]))
        documents = []
        for _ in range(int(sys.argv[3])):
            document = {string(rng): value(rng, 1) for _ in range(rng.randint(1, 6))}
            documents.append(json.dumps(document, ensure_ascii=rng.random() < 0.5, indent=rng.choice([None, 2])))
        print(json.dumps({"documents": documents}))
    elif command == "check":
        mismatches = []
        for index, (original, written) in enumerate(json.load(sys.stdin)):
            try:
                if json.loads(written, object_pairs_hook=sorted_keys) != json.loads(original):
                    mismatches.append(index)
            except ValueError:
                mismatches.append(index)
        print(json.dumps({"mismatches": mismatches}))
    elif command == "rejects":
        rejected = []
        for text in json.load(sys.stdin):
            try:
                json.loads(text)
                rejected.append(False)
            except ValueError:
                rejected.append(True)
        print(json.dumps({"rejected": rejected}))
    else:
        sys.exit(f"unknown command {command}")


if __name__ == "__main__":
    main()

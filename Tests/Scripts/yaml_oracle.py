#!/usr/bin/env python3
"""PyYAML's pure-Python composer (yaml.SafeLoader, an implementation independent of libyaml)
as the oracle for driftwatch's YAML reader.

    yaml_oracle.py compose < document.yaml
        {"tree": T} with T: a scalar as ["scalar", text, line, column], a sequence as
        ["sequence", [T...], line, column], a mapping as ["mapping", [[K, V]...], line, column];
        marks 1-based; aliases expanded; T is null for an empty document. {"error": message}
        when PyYAML refuses the document.
    yaml_oracle.py resolve < scalars.json
        For each plain scalar of the JSON list, what yaml.safe_load makes of it:
        ["int", decimal digits], ["float", value or "inf"/"-inf"/"nan"], ["bool", value], ["null"] or ["str"].
"""
import json
import math
import sys

import yaml


def tree(node):
    line, column = node.start_mark.line + 1, node.start_mark.column + 1
    if isinstance(node, yaml.ScalarNode):
        return ["scalar", node.value, line, column]
    if isinstance(node, yaml.SequenceNode):
        return ["sequence", [tree(child) for child in node.value], line, column]
    return ["mapping", [[tree(key), tree(value)] for key, value in node.value], line, column]


def resolve(text):
    value = yaml.load(text, Loader=yaml.SafeLoader)
    if value is None:
        return ["null"]
    if isinstance(value, bool):
        return ["bool", value]
    if isinstance(value, int):
        return ["int", str(value)]
    if isinstance(value, float):
        if math.isnan(value):
            return ["float", "nan"]
        if math.isinf(value):
            return ["float", "inf" if value > 0 else "-inf"]
        return ["float", value]
    return ["str"]


def main():
    command = sys.argv[1]
    if command == "compose":
        try:
            node = yaml.compose(sys.stdin.read(), Loader=yaml.SafeLoader)
        except yaml.YAMLError as error:
            print(json.dumps({"error": str(error)}))
            return
        print(json.dumps({"tree": None if node is None else tree(node)}))
    elif command == "resolve":
        print(json.dumps({"resolved": [resolve(text) for text in json.load(sys.stdin)]}))
    else:
        sys.exit(f"unknown command {command}")


if __name__ == "__main__":
    main()

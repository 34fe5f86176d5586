#!/usr/bin/env python3
"""The largest types of Sources/: stored properties and lines, summed over a type's
declaration and its extensions (issue 25's measure). Usage: bench/type_sizes.py [root] [count]"""
import os
import re
import sys
from collections import defaultdict

root = sys.argv[1] if len(sys.argv) > 1 else "."
count = int(sys.argv[2]) if len(sys.argv) > 2 else 10
declaration = re.compile(r"^(\s*)(?:(?:public|package|internal|private|fileprivate|final|open|indirect)\s+)*(class|struct|enum|actor|extension)\s+([A-Za-z_][\w.]*)")
stored = re.compile(r"^\s*(?:(?:public|package|internal|private|fileprivate|static|lazy|weak|unowned|nonisolated|let|var)(?:\(set\))?\s+)*(let|var)\s+\w+")
lines = defaultdict(int)
properties = defaultdict(int)
for directory, _, files in os.walk(os.path.join(root, "Sources")):
    for name in files:
        if not name.endswith(".swift"):
            continue
        text = open(os.path.join(directory, name), encoding="utf-8").read().split("\n")
        stack = []  # (indent, type name)
        for number, line in enumerate(text):
            match = declaration.match(line)
            if match and line.rstrip().endswith("{"):
                indent, kind, type_name = len(match.group(1)), match.group(2), match.group(3)
                outer = [t for i, t in stack if i < indent]
                full = type_name if kind == "extension" or not outer else outer[-1] + "." + type_name
                # Find the closing brace at the same indent.
                end = next((k for k in range(number + 1, len(text)) if text[k].startswith(" " * indent + "}") and not text[k].startswith(" " * (indent + 1))), len(text) - 1)
                lines[full] += end - number + 1
                stack = [(i, t) for i, t in stack if i < indent] + [(indent, full)]
                for body in text[number + 1:end]:
                    if len(body) - len(body.lstrip()) != indent + 4 or "static" in body.split("let")[0].split("var")[0]:
                        continue
                    before_value = re.sub(r"\((set)\)", "", body.split("=")[0])
                    if stored.match(body) and kind != "extension" and "{" not in before_value and "(" not in before_value:
                        properties[full] += 1
names = [n for n in lines if properties[n] > 0]
names.sort(key=lambda n: (-properties[n], -lines[n]))
print(f"{'type':40} {'stored':>6} {'lines':>6}")
for name in names[:count]:
    print(f"{name:40} {properties[name]:6} {lines[name]:6}")

#!/usr/bin/env python3
"""Compares docs/architecture.md's module table with the package: each module's
in-package dependencies in `swift package describe --type json` must be the table's
"may import" list, and no source file may import an in-package module its target
does not list. Usage: scripts/check-architecture.py [swift]"""
import json
import os
import re
import subprocess
import sys

root = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
swift = sys.argv[1] if len(sys.argv) > 1 else "swift"
described = json.loads(subprocess.run([swift, "package", "describe", "--type", "json"], cwd=root, check=True, capture_output=True, text=True).stdout)
targets = {t["name"]: t for t in described["targets"] if t["type"] != "test" and not t["path"].startswith("Tests")}

documented = {}
for line in open(os.path.join(root, "docs/architecture.md"), encoding="utf-8"):
    row = re.match(r"^\| `(\w+)` \|.*\| (.+) \|$", line.strip())
    if row:
        documented[row.group(1)] = set(re.findall(r"`(\w+)`", row.group(2)))

problems = []
for name in sorted(set(targets) | set(documented)):
    if name not in targets:
        problems.append(f"{name}: in docs/architecture.md, not in Package.swift")
        continue
    if name not in documented:
        problems.append(f"{name}: in Package.swift, not in docs/architecture.md")
        continue
    declared = set(targets[name].get("target_dependencies") or [])
    if declared != documented[name]:
        problems.append(f"{name}: Package.swift has {sorted(declared)}, docs/architecture.md says {sorted(documented[name])}")
    directory = os.path.join(root, targets[name]["path"])
    for folder, _, files in os.walk(directory):
        for file in files:
            if not file.endswith(".swift"):
                continue
            path = os.path.join(folder, file)
            for imported in re.findall(r"^(?:@testable )?import (\w+)$", open(path, encoding="utf-8").read(), re.M):
                if imported in targets and imported not in declared:
                    problems.append(f"{os.path.relpath(path, root)}: imports {imported}, which {name} may not")

for problem in problems:
    print(problem, file=sys.stderr)
if problems:
    sys.exit(1)
print(f"architecture: {len(targets)} modules as docs/architecture.md draws them")

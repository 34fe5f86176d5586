#!/usr/bin/env python3
"""Vendors the schemas of the custom resources our manifests use into Tests/Schemas, from
snapshots of their projects at pinned tags (run once per version bump, then commit):

    scripts/vendor-schemas.py MIRRORS   # MIRRORS/<owner>+<name>/repo: bare git clones

Each output file holds the `openAPIV3Schema` of one served CRD version exactly as the project
ships it, minus its `description` texts (documentation only; they made the files 4× larger).
Argo Events' CRDs carry no schema (`x-kubernetes-preserve-unknown-fields` on spec), so for
Sensor and EventSource the schema is the closure of definitions in argo-events' own
api/jsonschema/schema.json, which its controller's Go types generate. Tests/Schemas/SOURCES.md
names the repository, tag, commit, path and SHA-256 of each source file; all four projects are
Apache-2.0 (Tests/Schemas/LICENSE-Apache-2.0).
"""
import hashlib
import json
import pathlib
import subprocess
import sys

import yaml

ROOT = pathlib.Path(__file__).resolve().parent.parent
OUT = ROOT / "Tests" / "Schemas"
CRDS = [
    ("prometheus-operator/prometheus-operator", "v0.93.0", "example/prometheus-operator-crd/monitoring.coreos.com_servicemonitors.yaml"),
    ("prometheus-operator/prometheus-operator", "v0.93.0", "example/prometheus-operator-crd/monitoring.coreos.com_prometheusrules.yaml"),
    ("cert-manager/cert-manager", "v1.21.1", "deploy/crds/cert-manager.io_certificates.yaml"),
    ("cert-manager/cert-manager", "v1.21.1", "deploy/crds/cert-manager.io_issuers.yaml"),
    ("argoproj/argo-workflows", "v4.1.2", "manifests/base/crds/full/argoproj.io_workflowtemplates.yaml"),
]
JSON_SCHEMAS = [
    ("argoproj/argo-events", "v1.9.11", "api/jsonschema/schema.json", "argoproj.io/v1alpha1",
     {"Sensor": "io.argoproj.events.v1alpha1.Sensor", "EventSource": "io.argoproj.events.v1alpha1.EventSource"}),
]


def without_descriptions(node):
    if isinstance(node, dict):
        return {k: without_descriptions(v) for k, v in node.items() if not (k == "description" and isinstance(v, str))}
    if isinstance(node, list):
        return [without_descriptions(v) for v in node]
    return node


def references(node, found):
    if isinstance(node, dict):
        ref = node.get("$ref")
        if isinstance(ref, str) and ref.startswith("#/definitions/"):
            found.add(ref[len("#/definitions/"):])
        for value in node.values():
            references(value, found)
    elif isinstance(node, list):
        for value in node:
            references(value, found)


def show(mirrors, repo, tag, path):
    git = mirrors / repo.replace("/", "+") / "repo"
    commit = subprocess.run(["git", "-C", str(git), "rev-parse", f"{tag}^{{commit}}"], capture_output=True, text=True, check=True).stdout.strip()
    data = subprocess.run(["git", "-C", str(git), "show", f"{commit}:{path}"], capture_output=True, check=True).stdout
    return commit, data


def main():
    mirrors = pathlib.Path(sys.argv[1])
    OUT.mkdir(parents=True, exist_ok=True)
    rows = []
    for repo, tag, path in CRDS:
        commit, data = show(mirrors, repo, tag, path)
        crd = yaml.safe_load(data)
        group, kind = crd["spec"]["group"], crd["spec"]["names"]["kind"]
        for version in crd["spec"]["versions"]:
            if not version.get("served"):
                continue
            api_version = f"{group}/{version['name']}"
            name = f"{group}_{version['name']}_{kind}.json"
            schema = without_descriptions(version["schema"]["openAPIV3Schema"])
            document = {"apiVersion": api_version, "kind": kind, "source": f"{repo}@{tag}:{path}", "schema": schema}
            (OUT / name).write_text(json.dumps(document, separators=(",", ":"), sort_keys=True) + "\n")
            rows.append((name, repo, tag, commit, path, hashlib.sha256(data).hexdigest()))
    for repo, tag, path, api_version, kinds in JSON_SCHEMAS:
        commit, data = show(mirrors, repo, tag, path)
        definitions = json.loads(data)["definitions"]
        for kind, root in kinds.items():
            needed, queue = set(), [root]
            while queue:
                name = queue.pop()
                if name in needed:
                    continue
                needed.add(name)
                found = set()
                references(definitions[name], found)
                queue.extend(found - needed)
            schema = {"$ref": f"#/definitions/{root}", "definitions": {n: without_descriptions(definitions[n]) for n in sorted(needed)}}
            group, version = api_version.split("/")
            name = f"{group}_{version}_{kind}.json"
            document = {"apiVersion": api_version, "kind": kind, "source": f"{repo}@{tag}:{path}#{root}", "schema": schema}
            (OUT / name).write_text(json.dumps(document, separators=(",", ":"), sort_keys=True) + "\n")
            rows.append((name, repo, tag, commit, path, hashlib.sha256(data).hexdigest()))
    lines = [
        "# Vendored schemas of the custom resources in config/",
        "",
        "Written by `scripts/vendor-schemas.py` (see its header); read by `scripts/check-kubernetes.py`.",
        "Each file is one served version's schema as its project ships it, without `description` texts.",
        "All sources are Apache-2.0 (LICENSE-Apache-2.0 here).",
        "",
        "| file | repository | tag | commit | path | SHA-256 of the source file |",
        "|---|---|---|---|---|---|",
    ] + [f"| {n} | https://github.com/{r} | {t} | {c} | {p} | {h} |" for n, r, t, c, p, h in rows]
    (OUT / "SOURCES.md").write_text("\n".join(lines) + "\n")
    _, license_text = show(mirrors, "cert-manager/cert-manager", "v1.21.1", "LICENSE")
    (OUT / "LICENSE-Apache-2.0").write_bytes(license_text)
    print(f"{len(rows)} schemas in {OUT.relative_to(ROOT)}")


if __name__ == "__main__":
    main()

#!/usr/bin/env python3
"""Renders every kustomization (config/kubernetes/overlays/*, config/argo) with `kubectl
kustomize`, offline, and checks each object:

- Kubernetes API kinds against the models of the official `kubernetes` Python client:
  every field must exist (a misspelt one fails), have the right type, and required fields
  must be there. Custom resources: metadata the same way; PrometheusRule's rules with
  `promtool check rules`; the containers of Argo WorkflowTemplates as core Containers.
- driftwatch's own pods: non-root, read-only root filesystem, no privilege escalation,
  memory request and limit, /healthz liveness and /readyz readiness on a named port, a
  termination grace period above the agent's drain.
- The agent's ConfigMaps: `driftwatch check-config` on the configuration with the reference
  profile they carry. The hook's Job template: rendered by its create-job.sh (DRY_RUN) and
  checked as a batch/v1 Job.

Before all that it shows the checker failing on a misspelt field and on a wrong type.

    scripts/check-kubernetes.py [--driftwatch .build/debug/driftwatch]
    scripts/check-kubernetes.py --validate OBJECT.json   # one object (the injector's tests)
"""
import json
import os
import pathlib
import re
import subprocess
import sys
import tempfile

import yaml
from kubernetes.client import ApiClient
from kubernetes.client import models

ROOT = pathlib.Path(__file__).resolve().parent.parent
KUSTOMIZATIONS = sorted((ROOT / "config" / "kubernetes" / "overlays").iterdir()) + [ROOT / "config" / "argo"]
CUSTOM = {
    ("monitoring.coreos.com/v1", "ServiceMonitor"),
    ("monitoring.coreos.com/v1", "PrometheusRule"),
    ("argoproj.io/v1alpha1", "EventSource"),
    ("argoproj.io/v1alpha1", "Sensor"),
    ("argoproj.io/v1alpha1", "WorkflowTemplate"),
    ("cert-manager.io/v1", "Certificate"),
    ("cert-manager.io/v1", "Issuer"),
}
# Quantities may be written as numbers.
QUANTITY_FIELDS = {"limits", "requests", "size_limit"}
# Stop fetching, publish complete windows, commit, flush the producer (10 s at most), leave the group.
AGENT_DRAIN_SECONDS = 30


def model_class(api_version, kind):
    version = api_version.split("/")[-1]
    name = version[0].upper() + version[1:] + kind
    return getattr(models, name, None)


def check_value(value, type_name, path, errors, field=""):
    """Checks `value` against a type string of the client's models; appends to `errors`."""
    generic = re.fullmatch(r"(?i)list\[(.+)\]", type_name)
    if generic:
        if not isinstance(value, list):
            errors.append(f"{path}: expected a list, found {type(value).__name__}")
            return
        for i, item in enumerate(value):
            check_value(item, generic.group(1), f"{path}[{i}]", errors, field)
        return
    mapping = re.fullmatch(r"(?i)dict\(str, (.+)\)|dict\[str, (.+)\]", type_name)
    if mapping:
        if not isinstance(value, dict):
            errors.append(f"{path}: expected a map, found {type(value).__name__}")
            return
        for key, item in value.items():
            check_value(item, mapping.group(1) or mapping.group(2), f"{path}.{key}", errors, field)
        return
    if type_name == "str":
        allowed = (str, int, float) if field in QUANTITY_FIELDS else (str,)
        if isinstance(value, bool) or not isinstance(value, allowed):
            errors.append(f"{path}: expected a string, found {type(value).__name__} {value!r}")
    elif type_name == "int":
        if isinstance(value, bool) or not isinstance(value, int):
            errors.append(f"{path}: expected an integer, found {type(value).__name__} {value!r}")
    elif type_name == "float":
        if isinstance(value, bool) or not isinstance(value, (int, float)):
            errors.append(f"{path}: expected a number, found {type(value).__name__} {value!r}")
    elif type_name == "bool":
        if not isinstance(value, bool):
            errors.append(f"{path}: expected true or false, found {type(value).__name__} {value!r}")
    elif type_name in ("object", "datetime", "date"):
        pass  # IntOrString, RawExtension, timestamps: the client does not narrow them
    else:
        cls = getattr(models, type_name, None)
        if cls is None:
            errors.append(f"{path}: no model {type_name} in the kubernetes client")
            return
        check_object(value, cls, path, errors)


def check_object(value, cls, path, errors):
    if not isinstance(value, dict):
        errors.append(f"{path}: expected an object ({cls.__name__}), found {type(value).__name__}")
        return
    by_json = {json_name: attribute for attribute, json_name in cls.attribute_map.items()}
    for key, item in value.items():
        attribute = by_json.get(key)
        if attribute is None:
            errors.append(f"{path}.{key}: unknown field of {cls.__name__}")
            continue
        check_value(item, cls.openapi_types[attribute], f"{path}.{key}", errors, attribute)


def required_fields(value, cls, path, errors):
    """The client's constructors reject a missing required field."""
    try:
        ApiClient()._ApiClient__deserialize(value, cls.__name__)
    except Exception as error:  # ValueError in older clients, pydantic's ValidationError in newer
        errors.append(f"{path}: {error}")


def check_api_object(obj, where):
    errors = []
    api_version, kind = obj.get("apiVersion", ""), obj.get("kind", "")
    path = f"{where}: {kind}/{obj.get('metadata', {}).get('name', '?')}"
    if (api_version, kind) in CUSTOM:
        for key in obj:
            if key not in ("apiVersion", "kind", "metadata", "spec"):
                errors.append(f"{path}.{key}: unknown top-level field")
        check_object(obj.get("metadata", {}), models.V1ObjectMeta, f"{path}.metadata", errors)
        if kind == "WorkflowTemplate":
            for i, template in enumerate(obj["spec"].get("templates", [])):
                if "container" in template:
                    container = dict(template["container"], name=template.get("name", "main"))
                    check_object(container, models.V1Container, f"{path}.spec.templates[{i}].container", errors)
        return errors
    cls = model_class(api_version, kind)
    if cls is None:
        return [f"{path}: {api_version} {kind} is neither a Kubernetes API kind nor a known custom resource"]
    check_object(obj, cls, path, errors)
    if not errors:
        required_fields(obj, cls, path, errors)
    return errors


def pod_spec(obj):
    spec = obj.get("spec", {})
    return spec.get("template", {}).get("spec") if obj.get("kind") in ("Deployment", "DaemonSet", "StatefulSet") else None


def check_driftwatch_pods(obj, where):
    """Production settings of the containers that run the driftwatch image."""
    errors = []
    pod = pod_spec(obj)
    if pod is None:
        return errors
    path = f"{where}: {obj['kind']}/{obj['metadata']['name']}"
    for container in pod.get("containers", []):
        if "driftwatch/driftwatch" not in container.get("image", ""):
            continue
        here = f"{path} container {container['name']}"
        context = container.get("securityContext", {})
        pod_context = pod.get("securityContext", {})
        if not (context.get("runAsNonRoot") or pod_context.get("runAsNonRoot")):
            errors.append(f"{here}: not runAsNonRoot")
        if context.get("readOnlyRootFilesystem") is not True:
            errors.append(f"{here}: root filesystem not read-only")
        if context.get("allowPrivilegeEscalation") is not False:
            errors.append(f"{here}: privilege escalation not disabled")
        resources = container.get("resources", {})
        if "memory" not in resources.get("requests", {}) or "memory" not in resources.get("limits", {}):
            errors.append(f"{here}: no memory request and limit")
        ports = {port.get("name") for port in container.get("ports", [])}
        for probe, endpoint in (("livenessProbe", "/healthz"), ("readinessProbe", "/readyz")):
            get = container.get(probe, {}).get("httpGet", {})
            if get.get("path") != endpoint or get.get("port") not in ports:
                errors.append(f"{here}: {probe} is not GET {endpoint} on a named container port")
        if container.get("args", [""])[0] == "run" and pod.get("terminationGracePeriodSeconds", 30) <= AGENT_DRAIN_SECONDS:
            errors.append(f"{here}: terminationGracePeriodSeconds must exceed the agent's drain ({AGENT_DRAIN_SECONDS} s)")
    return errors


def check_prometheus_rule(obj, where):
    with tempfile.NamedTemporaryFile("w", suffix=".yml") as rules:
        yaml.safe_dump(obj["spec"], rules)
        rules.flush()
        result = subprocess.run(["promtool", "check", "rules", rules.name], capture_output=True, text=True)
    return [] if result.returncode == 0 else [f"{where}: PrometheusRule/{obj['metadata']['name']}: promtool: {result.stdout}{result.stderr}"]


def check_agent_config(objects, where, driftwatch):
    """`driftwatch check-config` on the agent's ConfigMaps as mounted."""
    config = next((o for o in objects if o["kind"] == "ConfigMap" and o["metadata"]["name"].startswith("driftwatch-config")), None)
    reference = next((o for o in objects if o["kind"] == "ConfigMap" and o["metadata"]["name"].startswith("driftwatch-reference")), None)
    if config is None:
        return []
    if reference is None:
        return [f"{where}: driftwatch-config without driftwatch-reference"]
    with tempfile.TemporaryDirectory() as directory:
        profile = pathlib.Path(directory, "reference.json")
        profile.write_text(reference["data"]["reference.json"])
        text = config["data"]["driftwatch.yaml"].replace("/etc/driftwatch/reference/reference.json", str(profile))
        path = pathlib.Path(directory, "driftwatch.yaml")
        path.write_text(text)
        result = subprocess.run([driftwatch, "check-config", str(path)], capture_output=True, text=True)
    if result.returncode != 0:
        return [f"{where}: driftwatch check-config of the ConfigMaps: {result.stdout}{result.stderr}"]
    return []


def check_job_template(objects, where):
    """The hook's create-job.sh renders its Job template into a valid batch/v1 Job."""
    hook = next((o for o in objects if o["kind"] == "ConfigMap" and o["metadata"]["name"].startswith("driftwatch-hook")), None)
    if hook is None:
        return []
    with tempfile.TemporaryDirectory() as directory:
        for name, content in hook["data"].items():
            pathlib.Path(directory, name).write_text(content)
        environment = dict(os.environ, DRY_RUN="1", JOB_TEMPLATE=str(pathlib.Path(directory, "retraining-job.json")),
                           DRIFTWATCH_EVENT_ID="9f86d081884c7d659a2feaa0c55ad015", DRIFTWATCH_MODEL="fraud-detector",
                           DRIFTWATCH_REFERENCE_VERSION="a13c9882f13baed21f871bacffa6aef4",
                           DRIFTWATCH_FEATURES="transaction_amount,session_duration_s")
        result = subprocess.run(["sh", str(pathlib.Path(directory, "create-job.sh"))], capture_output=True, text=True, env=environment)
    if result.returncode != 0:
        return [f"{where}: create-job.sh: {result.stderr}"]
    job = json.loads(result.stdout)
    errors = check_api_object(job, f"{where} create-job.sh")
    if job["metadata"]["name"] != "retrain-9f86d081884c7d65":
        errors.append(f"{where}: create-job.sh named the Job {job['metadata']['name']}")
    return errors


def render(directory):
    result = subprocess.run(["kubectl", "kustomize", str(directory)], capture_output=True, text=True)
    if result.returncode != 0:
        sys.exit(f"kubectl kustomize {directory.relative_to(ROOT)} failed:\n{result.stderr}")
    return [o for o in yaml.safe_load_all(result.stdout) if o]


def self_test(objects):
    """The checker must reject a misspelt field and a wrong type in a real rendered object."""
    deployment = next(o for o in objects if o["kind"] == "Deployment")
    misspelt = json.loads(json.dumps(deployment))
    misspelt["spec"]["template"]["spec"]["containers"][0]["imagePullPolicyy"] = "Always"
    wrong_type = json.loads(json.dumps(deployment))
    wrong_type["spec"]["replicas"] = "3"
    missing = json.loads(json.dumps(deployment))
    del missing["spec"]["template"]["spec"]["containers"][0]["name"]
    cases = [
        (misspelt, "containers[0].imagePullPolicyy: unknown field of V1Container"),
        (wrong_type, "spec.replicas: expected an integer"),
        (missing, "V1Container\nname"),  # as the client words it
    ]
    for broken, expected in cases:
        errors = check_api_object(broken, "self-test")
        if not any(expected in error for error in errors):
            sys.exit(f"self-test: the checker did not report {expected!r}; it said {errors}")
    print(f"self-test: the checker rejects a misspelt field, a wrong type and a missing required field")


def main():
    if "--validate" in sys.argv:
        path = pathlib.Path(sys.argv[sys.argv.index("--validate") + 1])
        errors = check_api_object(yaml.safe_load(path.read_text()), path.name)
        if errors:
            sys.exit("\n".join(errors))
        print(f"{path.name}: valid")
        return
    driftwatch = sys.argv[sys.argv.index("--driftwatch") + 1] if "--driftwatch" in sys.argv else str(ROOT / ".build/debug/driftwatch")
    rendered = {str(d.relative_to(ROOT)): render(d) for d in KUSTOMIZATIONS if (d / "kustomization.yaml").exists()}
    self_test([o for objects in rendered.values() for o in objects])
    errors = []
    for where, objects in rendered.items():
        for obj in objects:
            errors += check_api_object(obj, where)
            errors += check_driftwatch_pods(obj, where)
            if obj["kind"] == "PrometheusRule":
                errors += check_prometheus_rule(obj, where)
        errors += check_agent_config(objects, where, driftwatch)
        errors += check_job_template(objects, where)
        print(f"{where}: " + ", ".join(f"{o['kind']}/{o['metadata']['name']}" for o in objects))
    if errors:
        sys.exit("\n".join(errors))
    print(f"{len(rendered)} kustomizations, {sum(map(len, rendered.values()))} objects, every one valid")


if __name__ == "__main__":
    main()

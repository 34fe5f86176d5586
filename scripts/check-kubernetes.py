#!/usr/bin/env python3
"""Renders every kustomization (config/kubernetes/overlays/*, config/argo) with `kubectl
kustomize`, offline, and checks each object:

- Kubernetes API kinds strictly (unknown fields rejected) against the API's own OpenAPI
  schemas of Kubernetes 1.31 and 1.37, as `kubernetes-validate` (PyPI) ships them.
- Custom resources against the schemas their projects ship, vendored in Tests/Schemas at
  pinned versions (prometheus-operator, cert-manager, Argo Workflows, Argo Events: see
  Tests/Schemas/SOURCES.md), unknown fields rejected as a strict API server does; their
  metadata as ObjectMeta; PrometheusRule's rules also with `promtool check rules`.
- Wiring (scripts/kubernetes_wiring.py): Services select pods of a workload of the render and
  their targetPorts exist on them, ServiceMonitors select a Service and name its port,
  PodDisruptionBudgets select pods, webhooks name a Service and port of the render,
  ServiceAccounts, Roles and ConfigMaps referred to exist, the Argo Sensor's event source,
  workflow template and RBAC match what its trigger does; across all renders, no
  ServiceMonitor scrapes two components as one job.
- driftwatch's own pods: non-root, read-only root filesystem, no privilege escalation,
  memory request and limit, /healthz liveness and /readyz readiness on a named port, a
  termination grace period above the agent's drain.
- The agent's ConfigMaps: `driftwatch check-config` on the configuration with the reference
  profile they carry. The hook's Job template: rendered by its create-job.sh (DRY_RUN) and
  checked as a batch/v1 Job.

Before all that it shows every check failing on a deliberately broken copy of a real render.

    scripts/check-kubernetes.py [--driftwatch .build/debug/driftwatch]
    scripts/check-kubernetes.py --validate OBJECT.json   # one object (the injector's tests)
"""
import copy
import json
import os
import pathlib
import subprocess
import sys
import tempfile

import jsonschema
import kubernetes_validate
import yaml

sys.path.insert(0, str(pathlib.Path(__file__).resolve().parent))
import kubernetes_wiring  # noqa: E402

ROOT = pathlib.Path(__file__).resolve().parent.parent
KUSTOMIZATIONS = sorted((ROOT / "config" / "kubernetes" / "overlays").iterdir()) + [ROOT / "config" / "argo"]
KUBERNETES_VERSIONS = ("1.31.0", "1.37.0")
# Stop fetching, publish complete windows, commit, flush the producer (10 s at most), leave the group.
AGENT_DRAIN_SECONDS = 30


def strict(schema):
    """The schema with unknown fields rejected wherever it lists the known ones (what the API
    server's strict field validation does), except where it preserves unknown fields."""
    if isinstance(schema, list):
        return [strict(item) for item in schema]
    if not isinstance(schema, dict):
        return schema
    found = {key: strict(value) for key, value in schema.items()}
    if "properties" in found and "additionalProperties" not in found and not found.get("x-kubernetes-preserve-unknown-fields"):
        found["additionalProperties"] = False
    return found


def custom_schemas():
    found = {}
    for path in sorted((ROOT / "Tests" / "Schemas").glob("*.json")):
        document = json.loads(path.read_text())
        found[(document["apiVersion"], document["kind"])] = jsonschema.Draft7Validator(strict(document["schema"]))
    return found


CUSTOM = custom_schemas()


def schema_error(error):
    location = ".".join(str(part) for part in error.absolute_path)
    return f"{location or '(top)'}: {error.message}"


def check_api_object(obj, where):
    api_version, kind = obj.get("apiVersion", ""), obj.get("kind", "")
    path = f"{where}: {kind}/{obj.get('metadata', {}).get('name', '?')}"
    validator = CUSTOM.get((api_version, kind))
    if validator is not None:
        errors = [f"{path} ({api_version} schema): {schema_error(e)}" for e in validator.iter_errors(obj)]
        # A CRD's schema leaves metadata to the API server: check it as any object's ObjectMeta.
        meta = {"apiVersion": "v1", "kind": "ConfigMap", "metadata": obj.get("metadata", {})}
        try:
            kubernetes_validate.validate(meta, KUBERNETES_VERSIONS[-1], strict=True)
        except kubernetes_validate.ValidationError as error:
            errors.append(f"{path}: {'.'.join(map(str, error.path))}: {error.message}")
        return errors
    for version in KUBERNETES_VERSIONS:
        try:
            kubernetes_validate.validate(obj, version, strict=True)
        except kubernetes_validate.SchemaNotFoundError:
            return [f"{path}: {api_version} {kind} is neither a Kubernetes {version} API kind nor a vendored custom resource"]
        except kubernetes_validate.ValidationError as error:
            return [f"{path} (Kubernetes {version}): {'.'.join(map(str, error.path))}: {error.message}"]
    return []


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


def find(objects, kind, name=None):
    return next(o for o in objects if o["kind"] == kind and (name is None or o["metadata"]["name"] == name))


def broken(rendered, where, change):
    """A deep copy of one render, changed by `change(objects)`."""
    objects = copy.deepcopy(rendered[where])
    change(objects)
    return objects


def self_test(rendered):
    """Every check must reject a deliberately broken copy of a real rendered object."""
    everything = [o for objects in rendered.values() for o in objects]

    def schema_case(kind, change, expected):
        obj = copy.deepcopy(find(everything, kind))
        change(obj)
        return kind, check_api_object(obj, "self-test"), expected

    def render_case(where, change, expected):
        return where, kubernetes_wiring.check_render(broken(rendered, where, change), where), expected

    daemonset, hook, argo = "config/kubernetes/overlays/daemonset", "config/kubernetes/overlays/hook", "config/argo"
    labels = lambda objects: find(objects, "DaemonSet")["spec"]["template"]["metadata"]["labels"]
    hook_everything = dict(rendered)
    hook_everything[hook] = broken(rendered, hook, lambda o: find(o, "Service")["metadata"]["labels"].update({"app.kubernetes.io/component": "agent"}))
    cases = [
        schema_case("Deployment", lambda o: o["spec"]["template"]["spec"]["containers"][0].update(imagePullPolicyy="Always"),
                    "'imagePullPolicyy' was unexpected"),
        schema_case("Deployment", lambda o: o["spec"].update(replicas="3"), "'3' is not of type 'integer'"),
        schema_case("Deployment", lambda o: o["spec"]["template"]["spec"]["containers"][0].pop("name"), "'name' is a required property"),
        schema_case("ServiceMonitor", lambda o: o["spec"]["endpoints"][0].update(portt="metrics"), "'portt' was unexpected"),
        # Argo Workflows 3's single mutex, which 4 no longer has.
        schema_case("WorkflowTemplate", lambda o: o["spec"]["synchronization"].update(mutex={"name": "m"}), "'mutex' was unexpected"),
        schema_case("Certificate", lambda o: o["spec"].update(dnsNames="driftwatch-injector"), "is not of type 'array'"),
        schema_case("Sensor", lambda o: o["spec"]["triggers"][0]["template"]["argoWorkflow"].update(operationn="submit"),
                    "'operationn' was unexpected"),
        schema_case("EventSource", lambda o: o["spec"]["kafka"]["events"].update(jsonBody="yes"), "'yes' is not of type 'boolean'"),
        schema_case("ServiceMonitor", lambda o: o["metadata"].update(labelz={}), "'labelz' was unexpected"),
        # The overlays' pods without the base's name label: the agents' Service had no endpoints.
        render_case(daemonset, lambda o: labels(o).pop("app.kubernetes.io/name"), "Service/driftwatch-metrics: its selector"),
        render_case(daemonset, lambda o: find(o, "DaemonSet")["spec"]["template"]["spec"]["containers"][0]["ports"][0].update(name="http"),
                    "targetPort 'metrics' is not a container port"),
        render_case(hook, lambda o: find(o, "ServiceMonitor")["spec"]["endpoints"][0].update(port="http"), "endpoint port 'http' is no port name"),
        render_case(hook, lambda o: find(o, "ServiceMonitor")["spec"]["selector"]["matchLabels"].update({"app.kubernetes.io/component": "x"}),
                    "ServiceMonitor/driftwatch-hook: its selector selects no Service"),
        render_case(hook, lambda o: find(o, "Service")["metadata"]["labels"].pop("app.kubernetes.io/instance"), "jobLabel"),
        render_case("config/kubernetes/overlays/deployment",
                    lambda o: find(o, "PodDisruptionBudget")["spec"]["selector"]["matchLabels"].update({"app.kubernetes.io/instance": "x"}),
                    "PodDisruptionBudget/driftwatch: its selector selects"),
        render_case("config/kubernetes/overlays/injector",
                    lambda o: find(o, "MutatingWebhookConfiguration")["webhooks"][0]["clientConfig"]["service"].update(port=8443),
                    "port 8443 is no port of Service/driftwatch-injector"),
        render_case("config/kubernetes/overlays/injector",
                    lambda o: find(o, "Deployment")["spec"]["template"]["spec"].update(serviceAccountName="nobody"), "ServiceAccount nobody"),
        # The Role before list was added: the trigger's submit counted as failed and was retried.
        render_case(argo, lambda o: find(o, "Role", "driftwatch-sensor")["rules"][0].update(verbs=["create", "get"]), "may not list workflows"),
        render_case(argo, lambda o: find(o, "Sensor")["spec"]["dependencies"][0].update(eventName="other"), "no event of an EventSource"),
        render_case(argo, lambda o: find(o, "Role", "driftwatch-workflow").update(rules=[]), "workflowtaskresults"),
        ("all renders", kubernetes_wiring.check_across_renders(hook_everything), "scrapes pods of components ['agent', 'hook'] as one job"),
    ]
    for what, errors, expected in cases:
        if not any(expected in error for error in errors):
            sys.exit(f"self-test: a broken {what} was not reported as {expected!r}; the checks said {errors}")
    print(f"self-test: {len(cases)} deliberately broken copies, each rejected with the expected error")


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
    self_test(rendered)
    errors = kubernetes_wiring.check_across_renders(rendered)
    for where, objects in rendered.items():
        for obj in objects:
            errors += check_api_object(obj, where)
            errors += check_driftwatch_pods(obj, where)
            if obj["kind"] == "PrometheusRule":
                errors += check_prometheus_rule(obj, where)
        errors += kubernetes_wiring.check_render(objects, where)
        errors += check_agent_config(objects, where, driftwatch)
        errors += check_job_template(objects, where)
        print(f"{where}: " + ", ".join(f"{o['kind']}/{o['metadata']['name']}" for o in objects))
    if errors:
        sys.exit("\n".join(errors))
    print(f"{len(rendered)} kustomizations, {sum(map(len, rendered.values()))} objects, every one valid")


if __name__ == "__main__":
    main()

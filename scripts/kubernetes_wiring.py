"""What points at what in a rendered kustomization: each reference must land on an object of
the same render. A schema check cannot see these, and each one, broken, fails silently in a
cluster (a Service without endpoints, a ServiceMonitor without targets, a Sensor whose submit
counts as failed). Used by scripts/check-kubernetes.py; each function returns error strings.
"""

WORKLOADS = ("Deployment", "DaemonSet", "StatefulSet", "ReplicaSet", "Job")


def name(obj):
    return obj.get("metadata", {}).get("name", "?")


def namespace(obj):
    return obj.get("metadata", {}).get("namespace", "")


def selects(selector, labels):
    """matchLabels and matchExpressions (In, NotIn, Exists, DoesNotExist) as Kubernetes reads them."""
    if not selector:
        return False
    match_labels = selector.get("matchLabels", selector if "matchExpressions" not in selector and "matchLabels" not in selector else {})
    if any(labels.get(key) != value for key, value in match_labels.items()):
        return False
    for expression in selector.get("matchExpressions", []):
        key, operator, values = expression["key"], expression["operator"], expression.get("values", [])
        if operator == "In" and labels.get(key) not in values:
            return False
        if operator == "NotIn" and labels.get(key) in values:
            return False
        if operator == "Exists" and key not in labels:
            return False
        if operator == "DoesNotExist" and key in labels:
            return False
    return True


def pod_templates(objects):
    """(workload, pod template) for every workload of the render."""
    return [(o, o["spec"]["template"]) for o in objects if o.get("kind") in WORKLOADS and "template" in o.get("spec", {})]


def container_ports(template):
    return [port for container in template.get("spec", {}).get("containers", []) for port in container.get("ports", [])]


def selected_workloads(service, objects):
    labels_of = lambda template: template.get("metadata", {}).get("labels", {})
    return [(w, t) for w, t in pod_templates(objects)
            if namespace(w) == namespace(service) and selects(service["spec"].get("selector", {}), labels_of(t))]


def check_services(objects, where):
    errors = []
    for service in (o for o in objects if o.get("kind") == "Service"):
        here = f"{where}: Service/{name(service)}"
        chosen = selected_workloads(service, objects)
        if not chosen:
            errors.append(f"{here}: its selector {service['spec'].get('selector')} selects the pods of no workload in the render")
        for port in service["spec"].get("ports", []):
            target = port.get("targetPort", port.get("port"))
            for workload, template in chosen:
                ports = container_ports(template)
                found = any(p.get("name") == target for p in ports) if isinstance(target, str) else any(p.get("containerPort") == target for p in ports)
                if not found:
                    errors.append(f"{here}: targetPort {target!r} is not a container port of {workload['kind']}/{name(workload)}")
    return errors


def monitored_services(monitor, services):
    spec = monitor.get("spec", {})
    namespaces = spec.get("namespaceSelector", {})
    return [s for s in services if selects(spec.get("selector", {}), s.get("metadata", {}).get("labels", {}))
            and (namespaces.get("any") or namespace(s) in namespaces.get("matchNames", [namespace(monitor)]))]


def check_service_monitors(objects, where):
    errors = []
    services = [o for o in objects if o.get("kind") == "Service"]
    for monitor in (o for o in objects if o.get("kind") == "ServiceMonitor"):
        here = f"{where}: ServiceMonitor/{name(monitor)}"
        chosen = monitored_services(monitor, services)
        if not chosen:
            errors.append(f"{here}: its selector selects no Service in the render")
        for endpoint in monitor["spec"].get("endpoints", []):
            for service in chosen:
                if endpoint.get("port") not in {p.get("name") for p in service["spec"].get("ports", [])}:
                    errors.append(f"{here}: endpoint port {endpoint.get('port')!r} is no port name of Service/{name(service)}")
        job_label = monitor["spec"].get("jobLabel")
        for service in chosen:
            if job_label and job_label not in service.get("metadata", {}).get("labels", {}):
                errors.append(f"{here}: jobLabel {job_label} is not a label of Service/{name(service)}")
    return errors


def check_disruption_budgets(objects, where):
    errors = []
    for budget in (o for o in objects if o.get("kind") == "PodDisruptionBudget"):
        labels = [t.get("metadata", {}).get("labels", {}) for w, t in pod_templates(objects) if namespace(w) == namespace(budget)]
        if not any(selects(budget["spec"].get("selector", {}), l) for l in labels):
            errors.append(f"{where}: PodDisruptionBudget/{name(budget)}: its selector selects the pods of no workload in the render")
    return errors


def check_webhooks(objects, where):
    errors = []
    services = {(namespace(o), name(o)): o for o in objects if o.get("kind") == "Service"}
    for configuration in (o for o in objects if o.get("kind") in ("MutatingWebhookConfiguration", "ValidatingWebhookConfiguration")):
        for webhook in configuration.get("webhooks", []):
            reference = webhook.get("clientConfig", {}).get("service")
            here = f"{where}: {configuration['kind']}/{name(configuration)} webhook {webhook.get('name')}"
            if reference is None:
                errors.append(f"{here}: names no Service")
                continue
            service = services.get((reference.get("namespace", ""), reference.get("name")))
            if service is None:
                errors.append(f"{here}: Service {reference.get('namespace')}/{reference.get('name')} is not in the render")
            elif reference.get("port", 443) not in {p.get("port") for p in service["spec"].get("ports", [])}:
                errors.append(f"{here}: port {reference.get('port', 443)} is no port of Service/{name(service)}")
    return errors


def granted(objects, account, resource, verbs, group="argoproj.io"):
    """The verbs that RoleBindings of the render grant `account` on `resource`."""
    roles = {name(o): o for o in objects if o.get("kind") == "Role"}
    found = set()
    for binding in (o for o in objects if o.get("kind") == "RoleBinding"):
        if not any(s.get("kind") == "ServiceAccount" and s.get("name") == account for s in binding.get("subjects", [])):
            continue
        for rule in roles.get(binding["roleRef"]["name"], {}).get("rules", []):
            if group in rule.get("apiGroups", []) and resource in rule.get("resources", []):
                found |= set(rule.get("verbs", [])) & set(verbs) if "*" not in rule.get("verbs", []) else set(verbs)
    return found


def check_accounts_and_roles(objects, where):
    errors = []
    accounts = {name(o) for o in objects if o.get("kind") == "ServiceAccount"}
    roles = {name(o) for o in objects if o.get("kind") == "Role"}
    config_maps = {name(o) for o in objects if o.get("kind") == "ConfigMap"}
    for workload, template in pod_templates(objects):
        here = f"{where}: {workload['kind']}/{name(workload)}"
        account = template["spec"].get("serviceAccountName", "default")
        if account != "default" and account not in accounts:
            errors.append(f"{here}: ServiceAccount {account} is not in the render")
        for volume in template["spec"].get("volumes", []):
            if "configMap" in volume and volume["configMap"]["name"] not in config_maps:
                errors.append(f"{here}: volume {volume['name']}: ConfigMap {volume['configMap']['name']} is not in the render")
    for binding in (o for o in objects if o.get("kind") == "RoleBinding"):
        here = f"{where}: RoleBinding/{name(binding)}"
        if binding["roleRef"]["kind"] == "Role" and binding["roleRef"]["name"] not in roles:
            errors.append(f"{here}: Role {binding['roleRef']['name']} is not in the render")
        for subject in binding.get("subjects", []):
            if subject.get("kind") == "ServiceAccount" and subject["name"] not in accounts:
                errors.append(f"{here}: ServiceAccount {subject['name']} is not in the render")
    return errors


def check_argo(objects, where):
    """The Sensor's dependencies name an EventSource's event, its workflows a WorkflowTemplate,
    and its ServiceAccount may do what the Argo Workflow trigger does: `argo submit` (create),
    then list the workflows it labelled (argo-events v1.9 pkg/sensors/triggers/argo-workflow/
    argo-workflow.go, Execute). The workflow's ServiceAccount may write task results, which
    Argo Workflows' executor needs."""
    errors = []
    sources = {name(o): o for o in objects if o.get("kind") == "EventSource"}
    templates = {name(o): o for o in objects if o.get("kind") == "WorkflowTemplate"}
    for sensor in (o for o in objects if o.get("kind") == "Sensor"):
        here = f"{where}: Sensor/{name(sensor)}"
        for dependency in sensor["spec"].get("dependencies", []):
            source = sources.get(dependency.get("eventSourceName"))
            events = {event for kind, entries in (source or {}).get("spec", {}).items() if isinstance(entries, dict) for event in entries}
            if source is None or dependency.get("eventName") not in events:
                errors.append(f"{here}: dependency {dependency.get('name')} names {dependency.get('eventSourceName')}/{dependency.get('eventName')}, "
                              "no event of an EventSource in the render")
        account = sensor["spec"].get("template", {}).get("serviceAccountName", "default")
        for trigger in sensor["spec"].get("triggers", []):
            workflow = trigger.get("template", {}).get("argoWorkflow")
            if workflow is None:
                continue
            reference = workflow.get("source", {}).get("resource", {}).get("spec", {}).get("workflowTemplateRef", {}).get("name")
            if reference is not None and reference not in templates:
                errors.append(f"{here}: trigger {trigger['template'].get('name')}: WorkflowTemplate {reference} is not in the render")
            if workflow.get("operation", "submit") == "submit":
                missing = {"create", "list"} - granted(objects, account, "workflows", {"create", "list"})
                if missing:
                    errors.append(f"{here}: ServiceAccount {account} may not {' or '.join(sorted(missing))} workflows, "
                                  "which the Argo Workflow trigger's submit does")
    for template in templates.values():
        account = template["spec"].get("serviceAccountName", "default")
        if {"create", "patch"} - granted(objects, account, "workflowtaskresults", {"create", "patch"}):
            errors.append(f"{where}: WorkflowTemplate/{name(template)}: ServiceAccount {account} may not create and patch workflowtaskresults")
    return errors


def check_render(objects, where):
    return (check_services(objects, where) + check_service_monitors(objects, where) + check_disruption_budgets(objects, where)
            + check_webhooks(objects, where) + check_accounts_and_roles(objects, where) + check_argo(objects, where))


def check_across_renders(rendered):
    """Rendered into one namespace together, each ServiceMonitor's Services are of one component:
    the agents' job must not count the hook's or the injector's pods as agents."""
    errors = []
    everything = [o for objects in rendered.values() for o in objects]
    services = list({(namespace(o), name(o)): o for o in everything if o.get("kind") == "Service"}.values())
    workloads = list({(o["kind"], namespace(o), name(o)): o for o in everything if o.get("kind") in WORKLOADS}.values())
    monitors = {(namespace(o), name(o)): o for o in everything if o.get("kind") == "ServiceMonitor"}
    for monitor in monitors.values():
        components = set()
        for service in monitored_services(monitor, services):
            for _, template in selected_workloads(service, workloads):
                components.add(template.get("metadata", {}).get("labels", {}).get("app.kubernetes.io/component", "?"))
        if len(components) > 1:
            errors.append(f"all renders together: ServiceMonitor/{name(monitor)} scrapes pods of components {sorted(components)} as one job")
    return errors

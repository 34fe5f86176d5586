#!/usr/bin/env python3
"""Writes the Grafana dashboards in dashboards/ and their ConfigMap, from the panel lists here.

    scripts/generate-dashboards.py           # write
    scripts/generate-dashboards.py --check   # exit 1 if the committed files differ

One source for five dashboards keeps their variables, datasource and units consistent.
The Prometheus integration test runs every panel's queries against a real Prometheus.
"""
import json
import pathlib
import sys

ROOT = pathlib.Path(__file__).resolve().parent.parent
OUT = ROOT / "dashboards"
DS = {"type": "prometheus", "uid": "${datasource}"}
# Every query is narrowed to the chosen namespaces and scrape jobs ("All" is .*, which also
# matches a Prometheus that adds no namespace label).
S = 'namespace=~"$namespace",job=~"$job"'
M = S + ',model=~"$model"'
MF = M + ',feature=~"$feature"'


def variables(feature=True):
    found = [{
        "name": "datasource", "label": "Data source", "type": "datasource", "query": "prometheus",
        "current": {}, "hide": 0, "refresh": 1, "options": [],
    }, {
        "name": "namespace", "label": "Namespace", "type": "query", "datasource": DS,
        "query": {"query": "label_values(driftwatch_records_total, namespace)", "refId": "namespace"},
        "definition": "label_values(driftwatch_records_total, namespace)",
        "multi": True, "includeAll": True, "allValue": ".*", "current": {"text": "All", "value": "$__all"}, "refresh": 2, "sort": 1,
        "options": [],
    }, {
        "name": "job", "label": "Job", "type": "query", "datasource": DS,
        "query": {"query": 'label_values(driftwatch_records_total{namespace=~"$namespace"}, job)', "refId": "job"},
        "definition": 'label_values(driftwatch_records_total{namespace=~"$namespace"}, job)',
        "multi": True, "includeAll": True, "allValue": ".*", "current": {"text": "All", "value": "$__all"}, "refresh": 2, "sort": 1,
        "options": [],
    }, {
        "name": "model", "label": "Model", "type": "query", "datasource": DS,
        "query": {"query": f"label_values(driftwatch_records_total{{{S}}}, model)", "refId": "model"},
        "definition": f"label_values(driftwatch_records_total{{{S}}}, model)",
        "multi": True, "includeAll": True, "current": {"text": "All", "value": "$__all"}, "refresh": 2, "sort": 1, "options": [],
    }]
    if feature:
        found.append({
            "name": "feature", "label": "Feature", "type": "query", "datasource": DS,
            "query": {"query": f"label_values(driftwatch_feature_drifted{{{M}}}, feature)", "refId": "feature"},
            "definition": f"label_values(driftwatch_feature_drifted{{{M}}}, feature)",
            "multi": True, "includeAll": True, "current": {"text": "All", "value": "$__all"}, "refresh": 2, "sort": 1, "options": [],
        })
    return {"list": found}


class Layout:
    """Places panels left to right in rows of 24 grid units."""

    def __init__(self):
        self.x, self.y, self.row_height, self.next_id = 0, 0, 0, 1

    def place(self, panel, w, h):
        if self.x + w > 24:
            self.x, self.y, self.row_height = 0, self.y + self.row_height, 0
        panel["gridPos"] = {"x": self.x, "y": self.y, "w": w, "h": h}
        panel["id"] = self.next_id
        self.next_id += 1
        self.x += w
        self.row_height = max(self.row_height, h)
        return panel


def targets(queries, instant=False, table=False):
    found = []
    for index, (expr, legend) in enumerate(queries):
        target = {"datasource": DS, "expr": expr, "legendFormat": legend, "refId": chr(ord("A") + index)}
        if instant:
            target["instant"] = True
            target["range"] = False
        if table:
            target["format"] = "table"
        found.append(target)
    return found


def thresholds(*steps):
    found = [{"color": "green", "value": None}]
    for color, value in steps:
        found.append({"color": color, "value": value})
    return {"mode": "absolute", "steps": found}


def timeseries(title, queries, unit="short", description="", steps=(), lines=False, stack=False, minimum=None):
    custom = {"drawStyle": "line", "lineWidth": 1, "fillOpacity": 10 if stack else 0, "showPoints": "never",
              "spanNulls": True, "stacking": {"mode": "normal" if stack else "none", "group": "A"},
              "thresholdsStyle": {"mode": "line+area" if lines else "off"}}
    defaults = {"unit": unit, "custom": custom, "thresholds": thresholds(*steps), "color": {"mode": "palette-classic"}}
    if minimum is not None:
        defaults["min"] = minimum
    return {"type": "timeseries", "title": title, "description": description, "datasource": DS,
            "targets": targets(queries), "fieldConfig": {"defaults": defaults, "overrides": []},
            "options": {"legend": {"displayMode": "table", "placement": "right", "calcs": ["lastNotNull", "max"]},
                        "tooltip": {"mode": "multi", "sort": "desc"}}}


def stat(title, expr, unit="short", description="", steps=(), mappings=None):
    defaults = {"unit": unit, "thresholds": thresholds(*steps), "color": {"mode": "thresholds"}}
    if mappings:
        defaults["mappings"] = mappings
    return {"type": "stat", "title": title, "description": description, "datasource": DS,
            "targets": targets([(expr, "")], instant=True),
            "fieldConfig": {"defaults": defaults, "overrides": []},
            "options": {"reduceOptions": {"calcs": ["lastNotNull"], "fields": "", "values": False},
                        "colorMode": "background", "graphMode": "none", "textMode": "auto"}}


STATE_MAPPING = [{"type": "value", "options": {
    "0": {"text": "OK", "color": "green", "index": 0},
    "1": {"text": "WARNING", "color": "orange", "index": 1},
    "2": {"text": "DRIFT", "color": "red", "index": 2}}}]


def table(title, queries, description="", rename=None, hide=("Time",)):
    organize = {"excludeByName": {name: True for name in hide}, "renameByName": rename or {}, "indexByName": {}}
    return {"type": "table", "title": title, "description": description, "datasource": DS,
            "targets": targets(queries, instant=True, table=True),
            "transformations": [{"id": "merge", "options": {}}, {"id": "organize", "options": organize}],
            "fieldConfig": {"defaults": {"custom": {"align": "auto"}}, "overrides": []},
            "options": {"showHeader": True}}


def state_timeline(title, expr, legend, description="", mappings=None):
    return {"type": "state-timeline", "title": title, "description": description, "datasource": DS,
            "targets": targets([(expr, legend)]),
            "fieldConfig": {"defaults": {"mappings": mappings or STATE_MAPPING, "thresholds": thresholds(("orange", 1), ("red", 2)),
                                         "color": {"mode": "thresholds"}}, "overrides": []},
            "options": {"showValue": "never", "mergeValues": True, "rowHeight": 0.8}}


def dashboard(uid, title, description, panels, feature=True):
    layout = Layout()
    placed = [layout.place(panel, w, h) for panel, w, h in panels]
    return {
        "uid": uid, "title": title, "description": description, "tags": ["driftwatch"],
        "schemaVersion": 39, "version": 1, "editable": True, "graphTooltip": 1,
        "time": {"from": "now-6h", "to": "now"}, "refresh": "30s", "timezone": "",
        "templating": variables(feature), "annotations": {"list": [{
            "name": "Retraining requested", "datasource": DS, "enable": True, "iconColor": "red",
            "expr": f'changes(driftwatch_events_published_total{{{M},type="dev.driftwatch.retraining.requested"}}[2m]) > 0',
            "titleFormat": "retraining requested", "textFormat": "{{model}}"}]},
        "links": [{"title": "driftwatch", "type": "dashboards", "tags": ["driftwatch"], "asDropdown": True}],
        "panels": placed,
    }


FLEET = dashboard("driftwatch-fleet", "driftwatch / Fleet overview",
                  "Every monitored model: drift state, drifted features, traffic and retraining events.", [
    (stat("Models in DRIFT", f"count(driftwatch_drift_state{{{M}}} == 2) or vector(0)", steps=(("red", 1),)), 4, 4),
    (stat("Models in WARNING", f"count(driftwatch_drift_state{{{M}}} == 1) or vector(0)", steps=(("orange", 1),)), 4, 4),
    (stat("Drifted features", f"sum(driftwatch_feature_drifted{{{M}}})", steps=(("orange", 1),)), 4, 4),
    (stat("Records / s", f"sum(rate(driftwatch_records_total{{{M}}}[$__rate_interval]))", unit="reqps"), 4, 4),
    (stat("Agents up", f"sum(up{{{S}}})", steps=()), 4, 4),
    (stat("Retraining events (24h)",
          f'sum(increase(driftwatch_events_published_total{{{M},type="dev.driftwatch.retraining.requested"}}[24h]))'), 4, 4),
    (table("Models", [
        (f"max by (namespace, model) (driftwatch_drift_state{{{M}}})", ""),
        (f"max by (namespace, model) (driftwatch_dataset_drift_share_ratio{{{M}}})", ""),
        (f"sum by (namespace, model) (driftwatch_feature_drifted{{{M}}})", ""),
        (f"sum by (namespace, model) (rate(driftwatch_records_total{{{M}}}[$__rate_interval]))", ""),
        (f"max by (namespace, model, version, model_version) (driftwatch_reference_info{{{M}}})", ""),
    ], rename={"Value #A": "state", "Value #B": "dataset drift share", "Value #C": "drifted features",
               "Value #D": "records/s", "version": "reference"}, hide=("Time", "Value #E")), 24, 8),
    (state_timeline("Drift state", f"max by (namespace, model) (driftwatch_drift_state{{{M}}})", "{{model}}"), 24, 6),
    (timeseries("Dataset drift share", [(f"driftwatch_dataset_drift_share_ratio{{{M}}}", "{{model}}")], unit="percentunit",
                minimum=0), 12, 8),
    (timeseries("Events published", [(f"sum by (namespace, model, type) (increase(driftwatch_events_published_total{{{M}}}[$__rate_interval]))",
                                      "{{model}} {{type}}")], stack=True), 12, 8),
], feature=False)

MODEL = dashboard("driftwatch-model", "driftwatch / Model drift",
                  "One model's features: drift scores against their thresholds, tests, drifted features, events.", [
    (stat("Drift state", f"max(driftwatch_drift_state{{{M}}})", steps=(("orange", 1), ("red", 2)), mappings=STATE_MAPPING), 6, 4),
    (stat("Dataset drift share", f"max(driftwatch_dataset_drift_share_ratio{{{M}}})", unit="percentunit",
          steps=(("orange", 0.01), ("red", 0.5))), 6, 4),
    (stat("Drifted features", f"sum(driftwatch_feature_drifted{{{M}}})", steps=(("red", 1),)), 6, 4),
    (stat("Window records", f"max(driftwatch_window_records{{{M}}})"), 6, 4),
    (timeseries("PSI against warn (0.1) and drift (0.25)",
                [(f'driftwatch_feature_drift_score{{{MF},method="psi"}}', "{{model}} {{feature}}")],
                steps=(("orange", 0.1), ("red", 0.25)), lines=True, minimum=0,
                description="Population stability index per feature. Lines: the default policy thresholds."), 12, 9),
    (timeseries("Wasserstein (reference standard deviations)",
                [(f'driftwatch_feature_drift_score{{{MF},method="wasserstein"}}', "{{model}} {{feature}}")],
                steps=(("orange", 0.3), ("red", 0.5)), lines=True, minimum=0), 12, 9),
    (timeseries("Jensen-Shannon distance", [(f'driftwatch_feature_drift_score{{{MF},method="jensenshannon"}}',
                                              "{{model}} {{feature}}")], steps=(("orange", 0.12), ("red", 0.2)), lines=True,
                minimum=0), 12, 9),
    (timeseries("Test p-values (KS, chi-square)", [(f"driftwatch_feature_drift_pvalue{{{MF}}}", "{{model}} {{feature}} {{method}}")],
                steps=(("red", 0), ("green", 0.05)), lines=True, minimum=0,
                description="Below 0.05 the feature's test supports its effect size."), 12, 9),
    (table("Drifted features", [
        (f"driftwatch_feature_drift_score{{{MF},method=\"psi\"}} and on (namespace, model, feature) (driftwatch_feature_drifted{{{MF}}} == 1)", ""),
    ], rename={"Value": "PSI"}, hide=("Time", "__name__", "method")), 12, 8),
    (state_timeline("Drift state", f"max by (namespace, model) (driftwatch_drift_state{{{M}}})", "{{model}}"), 12, 8),
    (timeseries("Events published", [(f"sum by (namespace, model, type) (increase(driftwatch_events_published_total{{{M}}}[$__rate_interval]))",
                                      "{{model}} {{type}}")], stack=True), 12, 8),
    (timeseries("Multivariate reconstruction error and its reference band", [
        (f"driftwatch_multivariate_reconstruction_error{{{M}}}", "{{model}} error"),
        (f"driftwatch_multivariate_reconstruction_error_lower_threshold{{{M}}}", "{{model}} lower"),
        (f"driftwatch_multivariate_reconstruction_error_upper_threshold{{{M}}}", "{{model}} upper"),
    ]), 12, 8),
    (timeseries("Vector features: MMD² against its calibrated threshold", [
        (f'driftwatch_feature_drift_score{{{MF},method="mmd"}}', "{{model}} {{feature}} MMD²"),
        (f'driftwatch_feature_drift_threshold{{{MF},method="mmd"}}', "{{model}} {{feature}} threshold"),
    ], description="Embeddings and other vector features: the unbiased MMD² of the window against the reference (Gaussian "
       "kernel, random Fourier features), and the value a window of its size drawn like the reference exceeds 0.5% of the time."),
     12, 8),
    (timeseries("Vector features: distance between the window's mean and the reference's", [
        (f'driftwatch_feature_drift_score{{{MF},method="mean_distance"}}', "{{model}} {{feature}} Euclidean"),
        (f'driftwatch_feature_drift_score{{{MF},method="mean_cosine_distance"}}', "{{model}} {{feature}} cosine"),
    ], minimum=0), 12, 8),
    (timeseries("Mean", [(f"driftwatch_feature_mean{{{MF}}}", "{{model}} {{feature}}")]), 8, 8),
    (timeseries("Standard deviation", [(f"driftwatch_feature_stddev{{{MF}}}", "{{model}} {{feature}}")]), 8, 8),
    (timeseries("Median and 5-95% quantiles", [
        (f'driftwatch_feature_quantile{{{MF},probability="0.5"}}', "{{feature}} median"),
        (f'driftwatch_feature_quantile{{{MF},probability="0.05"}}', "{{feature}} p5"),
        (f'driftwatch_feature_quantile{{{MF},probability="0.95"}}', "{{feature}} p95"),
    ]), 8, 8),
])

QUALITY = dashboard("driftwatch-quality", "driftwatch / Data quality",
                    "Missing values, type mismatches, out-of-range values, new categories, stuck inputs, duplicates.", [
    (stat("Quality breaches", f"sum(driftwatch_quality_breaches{{{M}}})", steps=(("red", 1),)), 6, 4),
    (stat("Invalid records / s", f"sum(rate(driftwatch_records_invalid_total{{{M}}}[$__rate_interval]))", unit="reqps",
          steps=(("orange", 0.001),)), 6, 4),
    (stat("Unknown field share", f"max(driftwatch_unknown_field_ratio{{{M}}})", unit="percentunit", steps=(("orange", 0.01),)), 6, 4),
    (stat("Absent features", f"max(driftwatch_absent_features{{{M}}})", steps=(("red", 1),)), 6, 4),
    (timeseries("Missing values", [(f"driftwatch_feature_missing_ratio{{{MF}}}", "{{model}} {{feature}}")], unit="percentunit",
                minimum=0), 12, 8),
    (timeseries("Type mismatches", [(f"driftwatch_feature_type_mismatch_ratio{{{MF}}}", "{{model}} {{feature}}")],
                unit="percentunit", minimum=0), 12, 8),
    (timeseries("Out of the reference's range", [(f"driftwatch_feature_out_of_range_ratio{{{MF}}}", "{{model}} {{feature}}")],
                unit="percentunit", minimum=0), 12, 8),
    (timeseries("New categories", [(f"driftwatch_feature_new_category_ratio{{{MF}}}", "{{model}} {{feature}}")], unit="percentunit",
                minimum=0), 12, 8),
    (timeseries("NaN and infinite values", [(f"driftwatch_feature_non_finite_ratio{{{MF}}}", "{{model}} {{feature}}")],
                unit="percentunit", minimum=0), 8, 8),
    (timeseries("Repeated values (stuck inputs)", [(f"driftwatch_feature_repeated_ratio{{{MF}}}", "{{model}} {{feature}}")],
                unit="percentunit", minimum=0), 8, 8),
    (timeseries("Constant features", [(f"driftwatch_feature_constant{{{MF}}}", "{{model}} {{feature}}")], minimum=0), 8, 8),
    (timeseries("Invalid records by reason", [(f"sum by (namespace, model, reason) (rate(driftwatch_records_invalid_total{{{M}}}[$__rate_interval]))",
                                               "{{model}} {{reason}}")], unit="reqps", stack=True), 12, 8),
    (timeseries("Duplicate request ids and unknown fields", [
        (f"driftwatch_duplicate_request_ratio{{{M}}}", "{{model}} duplicates"),
        (f"driftwatch_unknown_field_ratio{{{M}}}", "{{model}} unknown fields"),
    ], unit="percentunit", minimum=0), 12, 8),
    (timeseries("Event age at window close", [(f"driftwatch_event_age_seconds{{{M}}}", "{{model}}")], unit="s"), 12, 8),
    (timeseries("Late records", [(f"sum by (namespace, model) (increase(driftwatch_late_records_total{{{M}}}[$__rate_interval]))", "{{model}}")]),
     12, 8),
])

AGENT = dashboard("driftwatch-agent", "driftwatch / Agent health",
                  "Throughput, consumer lag, dead letters, window evaluation time, memory and CPU of the agents.", [
    (stat("Agents up", f"sum(up{{{S}}})"), 4, 4),
    (stat("Records / s", f"sum(rate(driftwatch_records_total{{{M}}}[$__rate_interval]))", unit="reqps"), 4, 4),
    (stat("Consumer lag", f"sum(driftwatch_kafka_consumer_lag_records{{{S}}})", steps=(("orange", 10000), ("red", 100000))), 4, 4),
    (stat("Dead letters / s", f"sum(rate(driftwatch_dead_letter_records_total{{{M}}}[$__rate_interval]))", unit="reqps",
          steps=(("orange", 0.001),)), 4, 4),
    (stat("Resident memory", f"max(process_resident_memory_bytes{{{S}}})", unit="bytes",
          steps=(("orange", 48 << 20), ("red", 64 << 20))), 4, 4),
    (stat("Series dropped by limits", f"sum(driftwatch_cardinality_overflow_total{{{S}}})", steps=(("orange", 1),)), 4, 4),
    (timeseries("Records / s by model", [(f"sum by (namespace, model) (rate(driftwatch_records_total{{{M}}}[$__rate_interval]))", "{{model}}")],
                unit="reqps", stack=True), 12, 8),
    (timeseries("Consumer lag by partition", [(f"sum by (namespace, instance, topic, partition) (driftwatch_kafka_consumer_lag_records{{{S}}})",
                                               "{{instance}} {{topic}}/{{partition}}")]), 12, 8),
    (timeseries("Dead letters and unrouted records / s", [
        (f"sum by (namespace, model) (rate(driftwatch_dead_letter_records_total{{{M}}}[$__rate_interval]))", "{{model}} dead-lettered"),
        (f"sum by (namespace, instance) (rate(driftwatch_records_unrouted_total{{{S}}}[$__rate_interval]))", "{{instance}} unrouted"),
    ], unit="reqps"), 12, 8),
    (timeseries("Window evaluation time", [
        (f"histogram_quantile(0.5, sum by (le, namespace, model) (rate(driftwatch_window_evaluation_seconds_bucket{{{M}}}[$__rate_interval])))",
         "{{model}} p50"),
        (f"histogram_quantile(0.99, sum by (le, namespace, model) (rate(driftwatch_window_evaluation_seconds_bucket{{{M}}}[$__rate_interval])))",
         "{{model}} p99"),
    ], unit="s"), 12, 8),
    (timeseries("Windows closed / min", [(f"sum by (namespace, model) (rate(driftwatch_windows_closed_total{{{M}}}[$__rate_interval])) * 60",
                                          "{{model}}")]), 12, 8),
    (timeseries("Retraining events by result", [(f"sum by (namespace, model, result) (increase(driftwatch_retraining_events_total{{{M}}}[$__rate_interval]))",
                                                 "{{model}} {{result}}")], stack=True), 12, 8),
    (timeseries("Resident memory", [(f"process_resident_memory_bytes{{{S}}}", "{{instance}}")], unit="bytes",
                steps=(("red", 64 << 20),), lines=True, minimum=0), 12, 8),
    (timeseries("CPU", [(f"rate(process_cpu_seconds_total{{{S}}}[$__rate_interval])", "{{instance}}")],
                unit="percentunit", minimum=0), 12, 8),
    (table("Agents", [(f"max by (namespace, instance, version) (driftwatch_build_info{{{S}}})", ""),
                      (f"max by (namespace, instance) (time() - process_start_time_seconds{{{S}}})", "")],
           rename={"Value #B": "uptime (s)"}, hide=("Time", "Value #A")), 24, 6),
], feature=False)

PERFORMANCE_STATE = [{"type": "value", "options": {"0": {"text": "OK", "color": "green"}, "1": {"text": "WARNING", "color": "orange"},
                                                    "2": {"text": "DEGRADED", "color": "red"}}}]
JOINS = f"driftwatch_label_joins_total{{{M}"

PERFORMANCE = dashboard("driftwatch-performance", "driftwatch / Model performance",
                        "Models with labels: realised performance once labels come, estimated (CBPE) before, against the reference.", [
    (stat("Models degraded", f"count(driftwatch_performance_state{{{M}}} == 2) or vector(0)", steps=(("red", 1),)), 6, 4),
    (stat("Predictions waiting for labels", f"sum(driftwatch_label_waiting_predictions{{{M}}})"), 6, 4),
    (stat("Labels joined / s", f'sum(rate({JOINS},outcome="joined"}}[$__rate_interval]))', unit="reqps"), 6, 4),
    (stat("Expired share (1h)",
          f'sum(increase({JOINS},outcome="expired"}}[1h])) / clamp_min(sum(increase({JOINS},outcome=~"joined|expired"}}[1h])), 1)',
          unit="percentunit", steps=(("orange", 0.05), ("red", 0.2)),
          description="Predictions whose label did not come within labels.max_delay, of all judged."), 6, 4),
    (timeseries("Realised, estimated and reference performance", [
        (f"driftwatch_model_performance{{{M}}}", "{{model}} {{metric}} realised"),
        (f"driftwatch_model_performance_estimated{{{M}}}", "{{model}} {{metric}} estimated"),
        (f"driftwatch_model_performance_reference{{{M}}}", "{{model}} {{metric}} reference"),
    ], description="Realised: the last performance window whose labels all came. Estimated (binary models): from the scores "
                   "of the last drift window, before labels. Reference: the labelled reference."), 24, 9),
    (timeseries("Realised against reference (difference)", [
        (f"driftwatch_model_performance{{{M}}} - on (namespace, instance, model, metric) driftwatch_model_performance_reference{{{M}}}",
         "{{model}} {{metric}}"),
    ], lines=True), 12, 8),
    (state_timeline("Performance state", f"max by (namespace, model) (driftwatch_performance_state{{{M}}})", "{{model}}",
                    mappings=PERFORMANCE_STATE), 12, 8),
    (timeseries("Label joins / s by outcome", [(f"sum by (namespace, model, outcome) (rate({JOINS}}}[$__rate_interval]))",
                                                "{{model}} {{outcome}}")], unit="reqps", stack=True), 12, 8),
    (timeseries("Predictions waiting for labels", [(f"driftwatch_label_waiting_predictions{{{M}}}", "{{model}}")], minimum=0), 12, 8),
], feature=False)

DASHBOARDS = {"driftwatch-fleet.json": FLEET, "driftwatch-model.json": MODEL,
              "driftwatch-quality.json": QUALITY, "driftwatch-agent.json": AGENT,
              "driftwatch-performance.json": PERFORMANCE}

PROVISIONING = """\
# Grafana dashboard provisioning: mount dashboards/*.json at /var/lib/grafana/dashboards/driftwatch
# and this file in /etc/grafana/provisioning/dashboards/.
apiVersion: 1
providers:
  - name: driftwatch
    folder: driftwatch
    type: file
    disableDeletion: false
    allowUiUpdates: true
    updateIntervalSeconds: 60
    options:
      path: /var/lib/grafana/dashboards/driftwatch
"""


def configmap(files):
    lines = [
        "# The dashboards for Grafana's sidecar (kube-prometheus-stack: sidecar.dashboards.enabled),",
        "# which loads every ConfigMap labelled grafana_dashboard: \"1\". Generated by",
        "# scripts/generate-dashboards.py; do not edit.",
        "apiVersion: v1",
        "kind: ConfigMap",
        "metadata:",
        "  name: driftwatch-dashboards",
        "  labels:",
        '    grafana_dashboard: "1"',
        "  annotations:",
        "    grafana_folder: driftwatch",
        "data:",
    ]
    for name, text in files.items():
        lines.append(f"  {name}: |-")
        lines.extend("    " + line for line in text.rstrip("\n").split("\n"))
    return "\n".join(lines) + "\n"


def render():
    files = {name: json.dumps(board, indent=2) + "\n" for name, board in DASHBOARDS.items()}
    outputs = {OUT / name: text for name, text in files.items()}
    outputs[OUT / "provisioning" / "dashboards.yaml"] = PROVISIONING
    outputs[OUT / "configmap.yaml"] = configmap(files)
    return outputs


def main():
    check = "--check" in sys.argv[1:]
    stale = []
    for path, text in render().items():
        if check:
            if not path.exists() or path.read_text() != text:
                stale.append(str(path.relative_to(ROOT)))
        else:
            path.parent.mkdir(parents=True, exist_ok=True)
            path.write_text(text)
    if stale:
        print("out of date (run scripts/generate-dashboards.py): " + ", ".join(stale), file=sys.stderr)
        sys.exit(1)


if __name__ == "__main__":
    main()

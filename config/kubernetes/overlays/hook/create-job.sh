#!/bin/sh
# Creates the retraining Job of one driftwatch event; run by `driftwatch hook` with the
# event's DRIFTWATCH_* variables. The Job is named after the event id, so a second run for
# the same event finds it (HTTP 409) and succeeds without creating another.
# DRY_RUN=1 prints the Job instead of creating it.
set -eu
template=${JOB_TEMPLATE:-/etc/driftwatch-hook/retraining-job.json}
name="retrain-$(printf '%s' "$DRIFTWATCH_EVENT_ID" | cut -c1-16)"
job=$(sed -e "s|__NAME__|$name|g" -e "s|__EVENT_ID__|$DRIFTWATCH_EVENT_ID|g" -e "s|__MODEL__|$DRIFTWATCH_MODEL|g" \
    -e "s|__REFERENCE_VERSION__|${DRIFTWATCH_REFERENCE_VERSION:-}|g" -e "s|__FEATURES__|${DRIFTWATCH_FEATURES:-}|g" "$template")
if [ -n "${DRY_RUN:-}" ]; then
    printf '%s\n' "$job"
    exit 0
fi
account=/var/run/secrets/kubernetes.io/serviceaccount
namespace=$(cat "$account/namespace")
status=$(printf '%s' "$job" | curl -sS -o /tmp/job-response.json -w '%{http_code}' --cacert "$account/ca.crt" \
    -H "Authorization: Bearer $(cat "$account/token")" -H 'Content-Type: application/json' --data-binary @- \
    "https://kubernetes.default.svc/apis/batch/v1/namespaces/$namespace/jobs")
case "$status" in
    201) echo "created job $name for model $DRIFTWATCH_MODEL" ;;
    409) echo "job $name exists: event $DRIFTWATCH_EVENT_ID was handled before" ;;
    *) echo "creating job $name failed: HTTP $status: $(cat /tmp/job-response.json)" >&2; exit 1 ;;
esac

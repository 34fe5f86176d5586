#!/usr/bin/env python3
"""The model registry side of the MLflow tests, done with MLflow's own client (PyPI), as a
training pipeline would. The answer is the last line of the output (MLflow prints its own).

    mlflow_registry.py TRACKING_URI register MODEL FILE ARTIFACT_PATH ALIAS
        Logs FILE as ARTIFACT_PATH of a new run (experiment "<MODEL>-training"), registers a
        version of MODEL from that run and points ALIAS at it. Prints {"version", "run_id"}.
    mlflow_registry.py TRACKING_URI register-empty MODEL
        Registers a version of MODEL from a new run without artifacts (for `driftwatch profile
        --out models:/...` to fill). Prints {"version", "run_id"}.
    mlflow_registry.py TRACKING_URI alias MODEL VERSION ALIAS
        Points ALIAS at VERSION. Prints {}.
    mlflow_registry.py TRACKING_URI version MODEL VERSION
        Prints the version's tags: {"tags": {...}}.
    mlflow_registry.py TRACKING_URI runs EXPERIMENT
        Prints the experiment's runs: {"runs": [{"run_id", "tags", "metrics"}]}.
"""
import json
import os
import shutil
import sys
import tempfile

import mlflow
from mlflow import MlflowClient


def main():
    tracking, command = sys.argv[1:3]
    mlflow.set_tracking_uri(tracking)
    client = MlflowClient()
    if command == "register":
        model, path, artifact_path, alias = sys.argv[3:7]
        mlflow.set_experiment(f"{model}-training")
        folder, name = os.path.split(artifact_path)
        with tempfile.TemporaryDirectory() as directory, mlflow.start_run() as run:
            local = os.path.join(directory, name)
            shutil.copyfile(path, local)
            mlflow.log_artifact(local, artifact_path=folder or None)
        if not client.search_registered_models(filter_string=f"name='{model}'"):
            client.create_registered_model(model)
        version = client.create_model_version(model, source=f"runs:/{run.info.run_id}/{artifact_path}", run_id=run.info.run_id)
        client.set_registered_model_alias(model, alias, version.version)
        print(json.dumps({"version": version.version, "run_id": run.info.run_id}))
    elif command == "register-empty":
        model = sys.argv[3]
        mlflow.set_experiment(f"{model}-training")
        with mlflow.start_run() as run:
            pass
        version = client.create_model_version(model, source=f"runs:/{run.info.run_id}/reference", run_id=run.info.run_id)
        print(json.dumps({"version": version.version, "run_id": run.info.run_id}))
    elif command == "alias":
        model, version, alias = sys.argv[3:6]
        client.set_registered_model_alias(model, alias, version)
        print(json.dumps({}))
    elif command == "version":
        model, version = sys.argv[3:5]
        print(json.dumps({"tags": client.get_model_version(model, version).tags}))
    elif command == "runs":
        experiment = client.get_experiment_by_name(sys.argv[3])
        runs = client.search_runs([experiment.experiment_id]) if experiment else []
        print(json.dumps({"runs": [{"run_id": r.info.run_id, "tags": r.data.tags, "metrics": r.data.metrics} for r in runs]}))
    else:
        sys.exit(f"unknown command {command}")


if __name__ == "__main__":
    main()

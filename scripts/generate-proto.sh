#!/usr/bin/env bash
# Regenerates the committed protoc-c code of proto/driftwatch/v1/*.proto.
# --check: fail if the committed files differ from what protoc-c generates now.
set -euo pipefail
cd "$(dirname "$0")/.."
out=$(mktemp -d)
trap 'rm -rf "$out"' EXIT
protoc-c --proto_path=proto --c_out="$out" proto/driftwatch/v1/inference_log.proto
src=Sources/InferenceProto
if [ "${1:-}" = "--check" ]; then
    diff -u "$src/include/driftwatch/v1/inference_log.pb-c.h" "$out/driftwatch/v1/inference_log.pb-c.h"
    diff -u "$src/inference_log.pb-c.c" "$out/driftwatch/v1/inference_log.pb-c.c"
    echo "protoc-c output is up to date"
else
    mkdir -p "$src/include/driftwatch/v1"
    cp "$out/driftwatch/v1/inference_log.pb-c.h" "$src/include/driftwatch/v1/"
    cp "$out/driftwatch/v1/inference_log.pb-c.c" "$src/"
fi

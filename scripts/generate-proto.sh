#!/usr/bin/env bash
# Regenerates the committed protoc-c code of proto/driftwatch/v1/inference_log.proto and
# proto/inference/open_inference.proto.
# --check: fail if the committed files differ from what protoc-c generates now.
set -euo pipefail
cd "$(dirname "$0")/.."
out=$(mktemp -d)
trap 'rm -rf "$out"' EXIT
protos=(driftwatch/v1/inference_log inference/open_inference)
for proto in "${protos[@]}"; do
    protoc-c --proto_path=proto --c_out="$out" "proto/$proto.proto"
done
src=Sources/InferenceProto
for proto in "${protos[@]}"; do
    name=$(basename "$proto")
    if [ "${1:-}" = "--check" ]; then
        diff -u "$src/include/$proto.pb-c.h" "$out/$proto.pb-c.h"
        diff -u "$src/$name.pb-c.c" "$out/$proto.pb-c.c"
    else
        mkdir -p "$src/include/$(dirname "$proto")"
        cp "$out/$proto.pb-c.h" "$src/include/$(dirname "$proto")/"
        cp "$out/$proto.pb-c.c" "$src/"
    fi
done
if [ "${1:-}" = "--check" ]; then echo "protoc-c output is up to date"; fi

#!/usr/bin/env bash
# The agent as the image ships it (Dockerfile, `make release-static`): the Swift runtime linked in,
# and laid out for a small resident set (docs/performance.md, "The binary's pages"):
# - every function in a section of its own (Swift and C), linked by lld in the order of
#   scripts/link/driftwatch.order (the functions the agent runs, `make code-order`) with the
#   code that has no name in front (scripts/link/driftwatch.ld);
# - relative relocations packed (DT_RELR: glibc >= 2.36) instead of 1.6 MiB of RELA the loader
#   reads in full at start;
# - no dynamic symbol table: nothing loads symbols from the executable;
# - libstdc++ (the Swift runtime's C++) linked in from libstdc++.a: scripts/link/static-libstdc++
#   is searched first and its libstdc++.so, a linker script, names the archive.
#     scripts/build-static.sh SCRATCH_PATH   (the binary: SCRATCH_PATH/release/driftwatch)
set -euo pipefail
cd "$(dirname "$0")/.."
scratch=$(realpath -m "${1:?usage: scripts/build-static.sh SCRATCH_PATH}")
link=$(pwd)/scripts/link
exec "${SWIFT:-swift}" build -c release --static-swift-stdlib --product driftwatch --scratch-path "$scratch" \
    -Xswiftc -L"$link/static-libstdc++" -Xswiftc -Xfrontend -Xswiftc -function-sections -Xcc -ffunction-sections -Xswiftc -use-ld=lld \
    -Xlinker -z -Xlinker pack-relative-relocs -Xlinker --no-export-dynamic \
    -Xlinker --symbol-ordering-file="$link/driftwatch.order" -Xlinker --no-warn-symbol-ordering \
    -Xlinker -T -Xlinker "$link/driftwatch.ld"

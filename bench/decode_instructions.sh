#!/bin/bash
# Instructions per decoded record, JSON and protobuf, counted by callgrind: unlike records per
# second, the count does not move with what else the machine is doing, so two builds compare
# exactly. Usage: bench/decode_instructions.sh [DECODE_TIMER [RECORDS]]
set -euo pipefail
timer=${1:-Benchmarks/.build/release/DecodeTimer}
records=${2:-20000}
command -v valgrind > /dev/null || { echo "valgrind is not installed (apt-get install valgrind)" >&2; exit 1; }
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
# valgrind 3.19 stops at this toolchain's DWARF 5 debug information: profile a copy without it.
objcopy --strip-debug "$timer" "$work/DecodeTimer"
for format in json protobuf; do
    valgrind --tool=callgrind --callgrind-out-file="$work/$format.out" "$work/DecodeTimer" "$records" "$format" > /dev/null 2>&1
    # The row API's decode, inclusive; DecodeTimer makes five passes over the records.
    total=$(callgrind_annotate --inclusive=yes "$work/$format.out" \
        | awk '/RecordDecoderV6decode_6format4intoySWSg_AC6FormatO12DriftMonitor10DecodedRowV/ { gsub(",", "", $1); print $1; exit }')
    [ -n "$total" ] || { echo "no decode calls found in the $format profile" >&2; exit 1; }
    echo "$format: $((total / (5 * records))) instructions per record"
done

#!/usr/bin/env python3
"""Parses a metrics exposition with the official Python client and prints its families.

Usage: exposition.py text|openmetrics < exposition
Prints {"families": {name: {"type": t, "samples": n}}} as JSON. The OpenMetrics parser is
strict (names, types, suffixes, escaping, the closing # EOF): it raises on any violation,
and this script then exits 1 with the parser's message.
"""
import json
import sys

from prometheus_client.openmetrics.parser import text_string_to_metric_families as parse_openmetrics
from prometheus_client.parser import text_string_to_metric_families as parse_text

kind = sys.argv[1]
text = sys.stdin.read()
parse = parse_openmetrics if kind == "openmetrics" else parse_text
try:
    families = {
        family.name: {"type": family.type, "samples": len(family.samples)}
        for family in parse(text)
    }
except Exception as error:  # the parser's own exceptions carry the offending line
    print(f"{kind} parse failed: {error}", file=sys.stderr)
    sys.exit(1)
print(json.dumps({"families": families}))

"""Prints the OASIS stix2-patterns verdict for each pattern of a JSONL corpus, one JSON object
per line: {"valid": bool, "errors": [...]} or {"valid": false, "crash": "..."} when the
validator raises instead of answering."""
import json
import sys
from importlib.metadata import version

from stix2patterns.validator import validate

print(json.dumps({"stix2-patterns": version("stix2-patterns")}))
with open(sys.argv[1], encoding="utf-8") as f:
    for line in f:
        if not line.strip():
            continue
        pattern = json.loads(line)
        try:
            ok, errs = validate(pattern, ret_errs=True, stix_version="2.1")
            print(json.dumps({"valid": bool(ok), "errors": [str(e) for e in errs]}))
        except Exception as e:  # the validator itself failed on this input
            print(json.dumps({"valid": False, "crash": "%s: %s" % (type(e).__name__, e)}))

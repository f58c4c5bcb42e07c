"""The OASIS peers on the kyoyu-stix bench data: stix2 3.0.2 parse + serialize,
stix2-validator 3.2.0, stix2-patterns 2.1.2. Same measurements as
shared/peers/bench_stix_parse.py, on the bundle file kyoyu reads in the same run.

Usage: peer_stix.py BUNDLE.json     Env: VALIDATOR_N (10000), PATTERNS_N (20000)
Prints `metric value unit` lines; '#' lines are context.
"""
import json
import os
import sys
import time
from importlib.metadata import version

VN = int(os.environ.get("VALIDATOR_N", 10000))
PN = int(os.environ.get("PATTERNS_N", 20000))


def m(name, value, unit):
    print("%s %.6g %s" % (name, value, unit), flush=True)


def main():
    import stix2
    from stix2validator import ValidationOptions, validate_string
    from stix2patterns.validator import validate as validate_pattern

    print("# stix2 %s, stix2-validator %s, stix2-patterns %s, python %s" % (
        version("stix2"), version("stix2-validator"), version("stix2-patterns"),
        sys.version.split()[0]), flush=True)
    with open(sys.argv[1], encoding="utf-8") as f:
        text = f.read()
    objs = json.loads(text)["objects"]
    n = len(objs)

    t = time.perf_counter()
    bundle = stix2.parse(text, allow_custom=False, version="2.1")
    dt = time.perf_counter() - t
    assert len(bundle.objects) == n
    m("stix2_parse_seconds", dt, "s")
    m("stix2_parse_objects_per_s", n / dt, "objects/s")

    t = time.perf_counter()
    out = bundle.serialize()
    dt = time.perf_counter() - t
    assert len(json.loads(out)["objects"]) == n
    m("stix2_serialize_seconds", dt, "s")
    m("stix2_serialize_objects_per_s", n / dt, "objects/s")
    del bundle, out

    vjson = json.dumps({"type": "bundle", "id": json.loads(text)["id"], "objects": objs[:VN]})
    t = time.perf_counter()
    res = validate_string(vjson, ValidationOptions(version="2.1"))
    dt = time.perf_counter() - t
    print("# validator: is_valid=%s errors=%d warnings=%d on %d objects" % (
        res.is_valid, len(res.errors), len(res.warnings), min(VN, n)), flush=True)
    m("stix2_validator_seconds", dt, "s")
    m("stix2_validator_objects_per_s", min(VN, n) / dt, "objects/s")

    pats = [o["pattern"] for o in objs if o["type"] == "indicator"][:PN]
    t = time.perf_counter()
    bad = sum(1 for p in pats if not validate_pattern(p, ret_errs=False, stix_version="2.1"))
    dt = time.perf_counter() - t
    print("# patterns: %d validated, %d invalid" % (len(pats), bad), flush=True)
    m("stix2_patterns_validate_per_s", len(pats) / dt, "patterns/s")


if __name__ == "__main__":
    main()

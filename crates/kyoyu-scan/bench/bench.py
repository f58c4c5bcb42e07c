"""kyoyu-scan vs YARA-X on the peer scan workload, in one run.

The data and the 200 identifiers come from shared/peers/bench_scan.py (imported: same seed,
same generator, same cache in /tmp/peers-data). YARA-X runs the peer's rule (one rule, 200
strings, `ascii wide nocase`) through its Python package exactly as the peer script does;
kyoyu-scan runs examples/scanbench.rs (the same identifiers as `ascii + utf-16le`,
case-insensitive, streamed from the file in 1 MiB chunks, one thread) under /usr/bin/time -v
for its peak RSS. Both must find the number of occurrences the generator embedded.
MB = 10^6 bytes; median of SCAN_RUNS runs (default 3).
"""
import argparse
import os
import re
import statistics
import subprocess
import sys
import time


def m(name, value, unit):
    fmt = "%s %d %s" if isinstance(value, int) else "%s %.6g %s"
    print(fmt % (name, value, unit), flush=True)


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--peers", required=True)
    ap.add_argument("--binary", required=True)
    args = ap.parse_args()
    sys.path.insert(0, args.peers)
    import bench_scan  # noqa: E402  (the peer's generator and rule format)

    runs = bench_scan.RUNS
    path, meta = bench_scan.load_or_build()
    pats = meta["patterns"]
    expected = meta["ascii"] + meta["wide"]
    size_mb = os.path.getsize(path) / 1e6
    print("# %d identifiers; %d occurrences embedded (%d ascii + %d utf-16le)" % (
        len(pats), expected, meta["ascii"], meta["wide"]), flush=True)
    with open(path, "rb") as f:  # page cache warm for both
        while f.read(64 << 20):
            pass

    # YARA-X, as in bench_scan.py
    import yara_x
    rule_src = "rule org_identifiers {\n  strings:\n" + "".join(
        '    $s%d = "%s" ascii wide nocase\n' % (i, bench_scan.yara_escape(p))
        for i, p in enumerate(pats)) + "  condition:\n    any of them\n}\n"
    rules = yara_x.compile(rule_src)
    times, yx_count = [], 0
    for _ in range(runs):
        t = time.perf_counter()
        res = yara_x.Scanner(rules).scan_file(path)
        times.append(time.perf_counter() - t)
        yx_count = sum(len(p.matches) for r in res.matching_rules for p in r.patterns)
    yx_s = statistics.median(times)
    print("# yara-x %s: runs=%d min=%.3fs max=%.3fs" % (
        __import__("importlib.metadata").metadata.version("yara-x"), runs, min(times), max(times)),
        flush=True)

    # kyoyu-scan (its own timing of the scan; /usr/bin/time for the whole process's peak RSS)
    out = subprocess.run(["/usr/bin/time", "-v", args.binary, path, path + ".json", str(runs)],
                         capture_output=True, text=True, check=True)
    for line in out.stdout.splitlines():
        if line.startswith("#"):
            print(line, flush=True)
    metrics = dict(re.findall(r"^(\w+) ([\d.]+) ", out.stdout, re.M))
    ours = float(metrics["kyoyu_scan_MB_per_s"])
    our_count = int(float(metrics["kyoyu_scan_matches"]))
    rss_kib = int(re.search(r"Maximum resident set size \(kbytes\): (\d+)", out.stderr).group(1))

    m("yara_x_MB_per_s", size_mb / yx_s, "MB/s")
    m("kyoyu_scan_MB_per_s", ours, "MB/s")
    m("kyoyu_scan_over_yara_x_ratio", ours / (size_mb / yx_s), "x")
    m("kyoyu_scan_peak_rss", rss_kib / 1024, "MiB")
    m("yara_x_matches", yx_count, "matches")
    m("kyoyu_scan_matches", our_count, "matches")
    ok = yx_count == our_count == expected
    print("# match counts: kyoyu-scan %d, yara-x %d, embedded %d: %s" % (
        our_count, yx_count, expected, "OK" if ok else "MISMATCH"), flush=True)
    print("# data: %s (%.1f MB)" % (path, size_mb), flush=True)
    sys.exit(0 if ok else 1)


if __name__ == "__main__":
    main()

"""One bounded wrk run against medallion without waiting for it to drain afterwards.

shared/peers/bench_taxii_serve.py (step C) waits, after each wrk run, until a fresh request
gets an answer, so that abandoned requests do not slow the next run. Against a 1,000-object
collection with 64 connections that wait is ~64 x 4 s of single-core Python work (the
requests wrk abandoned keep running in medallion's threads), which would blow any time bound.
This driver reuses that script's Server class (same data file, same config, same 127.0.0.1
bind check), runs `wrk -t1 -cCONNS -dSECONDS --timeout 120s --latency` once, prints the same
metric names as the script, and kills the server at once.

Usage: peer_wrk.py N CONNS SECONDS      (env: PEERS_DIR, TAXII_PORT as for the peer script)
"""
import os
import re
import shutil
import subprocess
import sys
import tempfile

sys.path.insert(0, os.environ.get("PEERS_DIR") or os.path.join(
    os.path.dirname(os.path.abspath(__file__)), "../../../../shared/peers"))
import bench_taxii_serve as peer  # noqa: E402


def main():
    n, conns, seconds = (int(x) for x in sys.argv[1:4])
    workdir = tempfile.mkdtemp(prefix="peers-taxii-wrk-")
    s = None
    try:
        s = peer.Server(n, workdir)
        cmd = ["wrk", "-t1", "-c%d" % conns, "-d%ds" % seconds, "--timeout", "120s", "--latency",
               "-H", "Accept: " + peer.ACCEPT, "-H", "Authorization: " + peer.AUTH,
               peer.objects_url() + "?limit=100"]
        out = subprocess.run(cmd, capture_output=True, text=True, timeout=seconds + 60).stdout
        print("# wrk output:\n#   " + out.strip().replace("\n", "\n#   "), flush=True)
        tag = "medallion_wrk_n%d_c%d" % (n, conns)
        rps = float(re.search(r"Requests/sec:\s+([\d.]+)", out).group(1))
        reqs = int(re.search(r"(\d+) requests in", out).group(1))
        peer.m(tag + "_requests_per_s", rps, "req/s")
        peer.m(tag + "_requests_completed", reqs, "requests")
        if reqs == 0:
            print("# %s: 0 requests completed in %d s" % (tag, seconds), flush=True)
        else:
            for pct in ("50", "99"):
                mm = re.search(r"^\s+%s%%\s+(\S+)" % pct, out, re.M)
                if mm:
                    peer.m(tag + "_p%s_latency" % pct, peer.dur(mm.group(1)), "ms")
    finally:
        if s is not None:
            s.stop()  # SIGTERM then SIGKILL to its process group: no drain
        shutil.rmtree(workdir, ignore_errors=True)


if __name__ == "__main__":
    main()

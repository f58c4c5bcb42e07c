"""Client side of crates/kyoyu-server/bench/run.sh, against a running `kyoyu serve`.

  load BASE TOKEN COLLECTION N
      POSTs gen_stix.make_indicators(N) (the generator and seed the medallion peer serves, from
      shared/peers/gen_stix.py) in envelopes of 1,000 to the collection's objects endpoint;
      checks every status says `complete` with every object a success.
  page BASE TOKEN COLLECTION N [SERVER_PID]
      pages through the whole collection with the OASIS taxii2-client (`as_pages`,
      per_request=100, HTTP Basic with the token as password — what TAXII clients send), checks
      it got N distinct objects; then pages again with a lean keep-alive loop (http.client,
      only the `next` token read from each body) to tell the client's cost from the server's.
      With SERVER_PID, also the server's CPU seconds (utime+stime) spent during each pass.

Prints `metric value unit` lines (and `#` context lines). Loopback only: BASE must be
http://127.0.0.1:PORT.
"""
import http.client
import json
import os
import re
import sys
import time

import requests

TAXII = "application/taxii+json;version=2.1"
PEERS_DIR = os.environ.get("PEERS_DIR") or os.path.join(
    os.path.dirname(os.path.abspath(__file__)), "../../../../shared/peers")
sys.path.insert(0, PEERS_DIR)
import gen_stix  # noqa: E402


def m(name, value, unit):
    fmt = "%s %d %s" if isinstance(value, int) else "%s %.6g %s"
    print(fmt % (name, value, unit), flush=True)


def cpu_seconds(pid):
    if not pid:
        return 0.0
    with open("/proc/%d/stat" % pid) as f:
        fields = f.read().rsplit(")", 1)[1].split()
    # fields[11], fields[12] = utime, stime (fields 14 and 15 of proc(5), after pid and comm)
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def check_loopback(base):
    if not re.match(r"^http://127\.0\.0\.1:\d+$", base):
        sys.exit("BASE must be http://127.0.0.1:PORT, got %r" % base)


def load(base, token, collection, n):
    url = "%s/taxii2/kyoyu/collections/%s/objects/" % (base, collection)
    t = time.perf_counter()
    objects = gen_stix.make_indicators(n)
    gen_s = time.perf_counter() - t
    session = requests.Session()
    session.headers.update({"Authorization": "Bearer " + token, "Accept": TAXII,
                            "Content-Type": TAXII})
    t = time.perf_counter()
    for start in range(0, n, 1000):
        batch = objects[start:start + 1000]
        r = session.post(url, data=json.dumps({"objects": batch}), timeout=120)
        if r.status_code != 202:
            sys.exit("POST %d objects: HTTP %d %s" % (len(batch), r.status_code, r.text[:500]))
        status = r.json()
        if status["status"] != "complete" or status["success_count"] != len(batch):
            sys.exit("POST not all complete: %s" % json.dumps(status)[:1000])
    dt = time.perf_counter() - t
    print("# generated %d indicators in %.2f s (gen_stix.make_indicators), posted in %d envelopes"
          % (n, gen_s, (n + 999) // 1000), flush=True)
    m("kyoyu_load_n%d_seconds" % n, dt, "s")
    m("kyoyu_load_n%d_objects_per_s" % n, n / dt, "objects/s")


def page(base, token, collection, n, pid):
    from taxii2client.v21 import Collection, as_pages
    url = "%s/taxii2/kyoyu/collections/%s/" % (base, collection)
    coll = Collection(url, user="bench", password=token)
    coll.refresh()  # collection information first, as a client does before reading
    cpu0 = cpu_seconds(pid)
    t = time.perf_counter()
    ids = set()
    count = pages = 0
    for envelope in as_pages(coll.get_objects, per_request=100):
        objs = envelope.get("objects", [])
        count += len(objs)
        ids.update(o["id"] for o in objs)
        pages += 1
    dt = time.perf_counter() - t
    cpu = cpu_seconds(pid) - cpu0
    print("# taxii2-client paged %d objects (%d distinct) in %d pages (collection n=%d)"
          % (count, len(ids), pages, n), flush=True)
    if count != n or len(ids) != n:
        sys.exit("paged %d objects (%d distinct), expected %d" % (count, len(ids), n))
    m("kyoyu_page_all_n%d_seconds" % n, dt, "s")
    m("kyoyu_page_all_n%d_objects_per_s" % n, count / dt, "objects/s")
    if pid:
        m("kyoyu_page_all_n%d_server_cpu_seconds" % n, cpu, "s")

    # The same walk with a lean client: one keep-alive connection, no JSON parse of the objects.
    # Three walks: the first right after the load (the database still settling: on PostgreSQL
    # the first reads of fresh rows set their hint bits, and the load's checkpoint may run), then
    # two more, of which the faster is reported as the steady figure.
    walks = [lean_walk(base, token, collection, pid) for _ in range(3)]
    (dt, cpu, pages, nbytes) = walks[0]
    print("# lean keep-alive pager: %d pages, %.1f MB of envelopes; walks %s s"
          % (pages, nbytes / 1e6, ", ".join("%.3f" % w[0] for w in walks)), flush=True)
    m("kyoyu_page_all_raw_n%d_seconds" % n, dt, "s")
    if pid:
        m("kyoyu_page_all_raw_n%d_server_cpu_seconds" % n, cpu, "s")
    (dt, cpu, _, _) = min(walks[1:])
    m("kyoyu_page_all_raw_again_n%d_seconds" % n, dt, "s")
    if pid:
        m("kyoyu_page_all_raw_again_n%d_server_cpu_seconds" % n, cpu, "s")


def lean_walk(base, token, collection, pid):
    """One walk through the collection: (seconds, server CPU seconds, pages, bytes)."""
    host, port = base[len("http://"):].split(":")
    conn = http.client.HTTPConnection(host, int(port), timeout=30)
    headers = {"Authorization": "Bearer " + token, "Accept": TAXII}
    path = "/taxii2/kyoyu/collections/%s/objects/?limit=100" % collection
    cpu0 = cpu_seconds(pid)
    t = time.perf_counter()
    next_token, pages, nbytes = None, 0, 0
    while True:
        conn.request("GET", path + ("&next=" + next_token if next_token else ""), headers=headers)
        r = conn.getresponse()
        body = r.read()
        if r.status != 200:
            sys.exit("lean pager: HTTP %d %s" % (r.status, body[:300]))
        pages += 1
        nbytes += len(body)
        mm = re.match(rb'\{"more":(true|false)(?:,"next":"([0-9a-f]+)")?', body)
        if not mm or mm.group(1) == b"false":
            break
        next_token = mm.group(2).decode()
    dt = time.perf_counter() - t
    cpu = cpu_seconds(pid) - cpu0
    conn.close()
    return dt, cpu, pages, nbytes


def main():
    if len(sys.argv) < 6 or sys.argv[1] not in ("load", "page"):
        sys.exit(__doc__)
    cmd, base, token, collection, n = sys.argv[1:6]
    check_loopback(base)
    if cmd == "load":
        load(base, token, collection, int(n))
    else:
        pid = int(sys.argv[6]) if len(sys.argv) > 6 else 0
        page(base, token, collection, int(n), pid)


if __name__ == "__main__":
    main()

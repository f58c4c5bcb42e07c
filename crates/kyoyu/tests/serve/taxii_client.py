"""Drives a running kyoyu server with the OASIS taxii2-client (v21): discovery, collections,
adding 10,000 indicators and polling their status, paging through all of them, added_after,
object by id, manifest. Prints one JSON line of counts; exits non-zero on any mismatch.

Usage: taxii_client.py BASE_URL TOKEN COLLECTION_TITLE COUNT
"""
import json
import sys
import time
import uuid

from taxii2client.v21 import Server, as_pages

base, token, title, count = sys.argv[1], sys.argv[2], sys.argv[3], int(sys.argv[4])
# HTTP Basic with the token as password: what TAXII clients configured with user/password send.
server = Server(base + "/taxii2/", user="victim", password=token)
roots = server.api_roots
assert len(roots) == 1, roots
root = roots[0]
assert "application/taxii+json;version=2.1" in root.versions, root.versions
matching = [c for c in root.collections if c.title == title]
assert len(matching) == 1, [c.title for c in root.collections]
collection = matching[0]
assert collection.can_read and collection.can_write

ids = []
statuses = 0
batch = []
for i in range(count):
    object_id = "indicator--%s" % uuid.UUID(int=(i + 1) | (4 << 76) | (2 << 62))
    ids.append(object_id)
    batch.append({
        "type": "indicator", "spec_version": "2.1", "id": object_id,
        "created": "2026-11-03T00:00:00.000Z", "modified": "2026-11-03T00:00:00.000Z",
        "name": "indicator %d" % i,
        "pattern": "[ipv4-addr:value = '203.0.113.%d']" % (i % 250),
        "pattern_type": "stix", "valid_from": "2026-11-03T00:00:00Z",
    })
    if len(batch) == 1000 or i == count - 1:
        status = collection.add_objects({"objects": batch}, wait_for_completion=False)
        # Poll the status resource until it says complete (kyoyu answers complete at once).
        for _ in range(100):
            status.refresh()
            if status.status == "complete":
                break
            time.sleep(0.1)
        assert status.status == "complete", status.status
        assert status.success_count == len(batch), (status.success_count, status.failures)
        statuses += 1
        batch = []

seen = []
pages = 0
for envelope in as_pages(collection.get_objects, per_request=100):
    pages += 1
    seen.extend(o["id"] for o in envelope.get("objects", []))
assert seen == ids, (len(seen), len(ids))

# added_after the date the (count/2)th object was added: exactly the second half.
records = collection.get_manifest(id=ids[count // 2 - 1])["objects"]
assert len(records) == 1, records
middle = records[0]["date_added"]
after = []
for envelope in as_pages(collection.get_objects, per_request=100, added_after=middle):
    after.extend(o["id"] for o in envelope.get("objects", []))
assert after == ids[count // 2:], (len(after), count - count // 2)

one = collection.get_object(ids[7])
assert [o["id"] for o in one["objects"]] == [ids[7]], one
versions = collection.object_versions(ids[7])
assert versions["versions"] == ["2026-11-03T00:00:00.000Z"], versions

print(json.dumps({"added": len(ids), "statuses": statuses, "paged": len(seen), "pages": pages,
                  "added_after": len(after)}))

#!/usr/bin/env python3
"""Writes a scim-doctor snapshot directory (format 1) with N generated users and N/1000
groups, shaped like real Entra-provisioned users (schemas, name, work email, title,
enterprise extension, meta). Used by scripts/bench-fetch.sh to measure the memory of
loading a large snapshot without fetching it first.

    scripts/gen-snapshot.py N DIR
"""
import json, os, sys

def main():
    n, out = int(sys.argv[1]), sys.argv[2]
    os.makedirs(out, exist_ok=False)
    depts = ["Sales", "Engineering", "Support", "Finance", "Marketing", "Legal"]
    titles = ["Engineer", "Account Executive", "Analyst", "Manager", "Consultant"]
    core = "urn:ietf:params:scim:schemas:core:2.0:User"
    ent = "urn:ietf:params:scim:schemas:extension:enterprise:2.0:User"
    with open(os.path.join(out, "users.ndjson"), "w") as f:
        for i in range(n):
            un = f"user{i:07d}@example{i % 5}.test"
            u = {
                "schemas": [core, ent],
                "id": f"{i:08x}-5c1d-4a2b-9e3f-{i * 7919 % (1 << 48):012x}",
                "externalId": f"ext-{i:07d}",
                "userName": un,
                "active": i % 23 != 0,
                "displayName": f"Given{i % 997} Family{i}",
                "name": {"givenName": f"Given{i % 997}", "familyName": f"Family{i}"},
                "emails": [{"value": un, "type": "work", "primary": True}],
                "title": titles[i % len(titles)],
                ent: {"department": depts[i % len(depts)], "employeeNumber": f"E{i:07d}"},
                "meta": {"resourceType": "User", "created": "2026-01-05T10:00:00Z",
                         "lastModified": "2026-11-01T08:30:00Z"},
            }
            f.write(json.dumps(u, separators=(",", ":")) + "\n")
    groups = max(1, n // 1000)
    with open(os.path.join(out, "groups.ndjson"), "w") as f:
        for g in range(groups):
            members = [{"value": f"{i:08x}-5c1d-4a2b-9e3f-{i * 7919 % (1 << 48):012x}", "type": "User"}
                       for i in range(g, min(n, g + 50 * groups), groups)]
            f.write(json.dumps({"schemas": ["urn:ietf:params:scim:schemas:core:2.0:Group"], "id": f"g{g:05d}",
                                "displayName": f"Group {g}", "members": members}, separators=(",", ":")) + "\n")
    meta = {"format": "scim-doctor-snapshot", "version": 1, "label": f"generated-{n}",
            "fetched_at": "2026-11-26T00:00:00Z",
            "completeness": {"users_complete": True, "groups_complete": True, "notes": []},
            "counts": {"users": n, "groups": groups}}
    with open(os.path.join(out, "snapshot.json"), "w") as f:
        json.dump(meta, f, indent=2)

main()

#!/usr/bin/env python3
"""Writes fixtures/interop/{users,groups}.json: the tenant tests/interop.rs seeds into
scim2-server. Deterministic (no randomness). 60 users, 6 groups, with problems scim2-server
accepts: duplicate emails, a userName that is not an email, users without emails, disabled
users, an Entra soft-delete leftover, an empty group, a member id that exists nowhere.
Group members are userNames here; the test swaps them for the ids the server assigns."""
import json, os

DEPTS = ["Sales", "Engineering", "Support", "Finance"]
FIRST = ["Ada", "Ben", "Cleo", "Dev", "Eli", "Fay", "Gus", "Hana", "Ivo", "Jun"]
LAST = ["Smith", "Okafor", "Tanaka", "Novak", "Silva", "Meyer"]

users = []
for i in range(52):
    first, last = FIRST[i % len(FIRST)], LAST[i % len(LAST)]
    un = f"{first.lower()}.{last.lower()}{i}@example.test"
    users.append({
        "schemas": ["urn:ietf:params:scim:schemas:core:2.0:User",
                    "urn:ietf:params:scim:schemas:extension:enterprise:2.0:User"],
        "userName": un,
        "externalId": f"ext-{i:04d}",
        "active": True,
        "displayName": f"{first} {last}",
        "name": {"givenName": first, "familyName": last},
        "emails": [{"value": un, "type": "work", "primary": True}],
        "urn:ietf:params:scim:schemas:extension:enterprise:2.0:User": {"department": DEPTS[i % len(DEPTS)]},
    })
# Seeded problems (scim2-server accepts all of them).
dup = users[3]["emails"][0]["value"]
users.append({"userName": "dup.copy@example.test", "externalId": "ext-dup-1", "active": False,
              "emails": [{"value": dup, "type": "work", "primary": True}]})
users.append({"userName": "dup.copy2@example.test", "externalId": "ext-dup-2", "active": True,
              "emails": [{"value": dup.upper(), "type": "work", "primary": True}]})
users.append({"userName": "jsmith", "externalId": "ext-noemail-un", "active": True,
              "emails": [{"value": "j.smith@example.test", "type": "work", "primary": True}]})
users.append({"userName": "no.email1@example.test", "externalId": "ext-ne-1", "active": True})
users.append({"userName": "no.email2@example.test", "externalId": "ext-ne-2", "active": True, "emails": []})
users.append({"userName": "left.user@example.test", "externalId": "ext-dis-1", "active": False,
              "emails": [{"value": "left.user@example.test", "type": "work", "primary": True}]})
victim = users[10]
users.append({"userName": "0123456789abcdef0123456789abcdef" + victim["userName"], "externalId": "ext-softdel",
              "active": False, "emails": [{"value": victim["userName"], "type": "work", "primary": True}]})
users.append({"userName": "no.external.id@example.test", "active": True,
              "emails": [{"value": "no.external.id@example.test", "type": "work", "primary": True}]})
assert len(users) == 60

groups = []
for d in DEPTS:
    members = [u["userName"] for u in users if u.get("urn:ietf:params:scim:schemas:extension:enterprise:2.0:User", {}).get("department") == d]
    groups.append({"displayName": d, "externalId": f"grp-{d.lower()}", "members": members})
groups.append({"displayName": "Empty", "externalId": "grp-empty", "members": []})
groups.append({"displayName": "Orphans", "externalId": "grp-orphans",
               "members": [users[0]["userName"], "id:does-not-exist-anywhere"]})

root = os.path.join(os.path.dirname(__file__), "..", "fixtures", "interop")
for name, data in (("users.json", users), ("groups.json", groups)):
    with open(os.path.join(root, name), "w") as f:
        json.dump(data, f, indent=1)
        f.write("\n")

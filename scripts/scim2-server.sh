#!/usr/bin/env bash
# Starts scim2-server (PyPI), an independent SCIM 2.0 server, on 127.0.0.1 for the
# interoperability tests (tests/interop.rs) and for trying scim-doctor by hand.
#
#   scripts/scim2-server.sh PORT TOKEN
#
# Installs it into .venv/ at the repo root first when missing (scripts/ci-setup.sh,
# idempotent). The server runs in the foreground (exec: killing this process kills the
# server), in memory, with base URL http://127.0.0.1:PORT/v2 and bearer token TOKEN.
# Readiness: GET /v2/ServiceProviderConfig answers without authentication.
# Test tokens only: the token is visible in the process list.
set -euo pipefail
ROOT="$(cd "$(dirname "$0")/.." && pwd)"

if [ $# -ne 2 ]; then
  echo "usage: $0 PORT TOKEN" >&2
  exit 2
fi
PORT="$1"
TOKEN="$2"

if [ ! -x "$ROOT/.venv/bin/scim2-server" ]; then
  "$ROOT/scripts/ci-setup.sh" >&2
fi
exec "$ROOT/.venv/bin/scim2-server" --hostname 127.0.0.1 --port "$PORT" --bearer-token "$TOKEN"

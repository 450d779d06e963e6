#!/usr/bin/env bash
# Installs what the test suite needs besides cargo: a Python venv at the repo root holding
# scim2-server, the independent SCIM server of the interoperability tests (tests/interop.rs).
# Idempotent: an existing venv that already runs scim2-server is left alone.
set -euo pipefail
cd "$(dirname "$0")/.."

VENV=".venv"
# Pinned: the interoperability tests assert exact behaviour (paging caps, 409 on case twins)
# of this version; bump it deliberately.
SCIM2_SERVER="scim2-server==0.8.3"
PY="${PYTHON:-python3}"

if [ -x "$VENV/bin/scim2-server" ] && "$VENV/bin/python" -m pip show scim2-server 2>/dev/null | grep -qx "Version: ${SCIM2_SERVER#*==}"; then
  exit 0
fi

if [ ! -x "$VENV/bin/python" ]; then
  "$PY" -m venv "$VENV"
fi
"$VENV/bin/python" -m pip install --quiet --disable-pip-version-check "$SCIM2_SERVER"
"$VENV/bin/python" -c "import scim2_server" >/dev/null
echo "scim2-server installed in $VENV" >&2

#!/usr/bin/env bash
# Installs what the test suite needs besides cargo: headless Chromium (tests/browser.rs), zsh
# (tests/completions.rs) and a
# Python venv at the repo root holding scim2-server, the independent SCIM server of the
# interoperability tests (tests/interop.rs).
# Idempotent: an existing venv that already runs scim2-server is left alone.
set -euo pipefail
cd "$(dirname "$0")/.."

# Headless Chromium for the real-browser test of the HTML report (tests/browser.rs), from
# the system packages when it is missing. CI runs as root; elsewhere say what to do.
if ! command -v chromium >/dev/null 2>&1 && ! command -v chromium-browser >/dev/null 2>&1 \
  && ! command -v google-chrome >/dev/null 2>&1 && [ -z "${CHROMIUM:-}" ]; then
  if [ "$(id -u)" = 0 ] && command -v apt-get >/dev/null 2>&1; then
    apt-get update -qq
    DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium fonts-dejavu-core >/dev/null
    echo "chromium installed" >&2
  else
    echo "warning: chromium is missing; install it (apt-get install chromium) or the browser test is skipped (and fails with CI=true)" >&2
  fi
fi

# zsh, for the completion test that sources the generated script in zsh (tests/completions.rs).
if ! command -v zsh >/dev/null 2>&1; then
  if [ "$(id -u)" = 0 ] && command -v apt-get >/dev/null 2>&1; then
    apt-get update -qq
    DEBIAN_FRONTEND=noninteractive apt-get install -y -qq zsh >/dev/null
    echo "zsh installed" >&2
  else
    echo "warning: zsh is missing; install it (apt-get install zsh) or the zsh completion test is skipped (and fails with CI=true)" >&2
  fi
fi

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

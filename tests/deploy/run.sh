#!/usr/bin/env bash
# Deployment tests: the Helm chart (rendered by Helm's engine), the Dockerfile, compose, nginx and
# HAProxy configurations, and nginx / HAProxy in front of two real `cairn serve` nodes.
#
#   tests/deploy/run.sh [extra pytest arguments]
#
# Installs what it needs when missing: Debian's nginx, haproxy, docker-compose (validation only)
# and postgresql-client (apt-get), and a virtual environment under
# ${CAIRN_DEPLOY_VENV:-/var/tmp/cairn-deploy-venv} (requirements.txt).
# The node binary is ${CAIRN_BIN:-${CARGO_TARGET_DIR:-<repo>/target}/debug/cairn} (cargo build -p cairn).
# The end-to-end test uses a fresh PostgreSQL database when CAIRN_TEST_POSTGRES_URL (an admin URL)
# is set, else one shared SQLite file. Everything listens on 127.0.0.1 only.
# Time bounds: CAIRN_DEPLOY_TEST_TIMEOUT seconds per test (default 240), CAIRN_DEPLOY_SUITE_TIMEOUT
# for the whole run (default 900). Exit status is non-zero if anything failed.
set -uo pipefail

HERE="$(cd "$(dirname "$0")" && pwd)"
ROOT="$(cd "$HERE/../.." && pwd)"
VENV="${CAIRN_DEPLOY_VENV:-/var/tmp/cairn-deploy-venv}"
export CAIRN_BIN="${CAIRN_BIN:-${CARGO_TARGET_DIR:-$ROOT/target}/debug/cairn}"
TEST_TIMEOUT="${CAIRN_DEPLOY_TEST_TIMEOUT:-240}"
SUITE_TIMEOUT="${CAIRN_DEPLOY_SUITE_TIMEOUT:-900}"
export PYTHONDONTWRITEBYTECODE=1

if [ ! -x "$CAIRN_BIN" ]; then
  echo "no cairn binary at $CAIRN_BIN (run: cargo build -p cairn, or set CAIRN_BIN)" >&2
  exit 2
fi

# --- Debian packages -----------------------------------------------------------------------------
missing=()
command -v nginx >/dev/null || [ -x /usr/sbin/nginx ] || missing+=(nginx)
command -v haproxy >/dev/null || [ -x /usr/sbin/haproxy ] || missing+=(haproxy)
command -v docker-compose >/dev/null || missing+=(docker-compose)
command -v psql >/dev/null || missing+=(postgresql-client)
if [ "${#missing[@]}" -gt 0 ]; then
  echo "installing ${missing[*]} (apt-get)"
  apt-get update -qq || exit 1
  # --no-install-recommends: docker-compose is used only to validate compose.yaml (no engine).
  DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null || exit 1
fi
export PATH="$PATH:/usr/sbin:/sbin"

# --- Python environment --------------------------------------------------------------------------
stamp="$VENV/.requirements.sha256"
wanted="$(sha256sum "$HERE/requirements.txt" | cut -d' ' -f1)"
if ! { [ -x "$VENV/bin/python" ] && [ -f "$stamp" ] && [ "$(cat "$stamp")" = "$wanted" ]; }; then
  [ -x "$VENV/bin/python" ] || python3 -m venv "$VENV" || exit 1
  echo "installing $HERE/requirements.txt into $VENV"
  timeout 900 "$VENV/bin/pip" install -q --disable-pip-version-check --ignore-requires-python \
    -r "$HERE/requirements.txt" || exit 1
  echo "$wanted" >"$stamp"
fi

# --- run -----------------------------------------------------------------------------------------
cd "$HERE" || exit 1
PATH="$VENV/bin:$PATH" timeout --kill-after=30 "$SUITE_TIMEOUT" "$VENV/bin/python" -m pytest -q \
  -p no:cacheprovider --timeout="$TEST_TIMEOUT" -rfEs "$@" .
rc=$?
[ "$rc" -eq 124 ] && echo "deployment tests TIMED OUT after ${SUITE_TIMEOUT}s" >&2
exit "$rc"

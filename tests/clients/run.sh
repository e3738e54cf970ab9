#!/usr/bin/env bash
# Runs the client compatibility suites: the real Python client libraries drive a real `cairn` server.
#
#   tests/clients/run.sh [extra pytest arguments]
#
# Two virtual environments (one per requirements file) under ${CAIRN_CLIENTS_VENV_ROOT:-/var/tmp/cairn-clients-venvs}:
#   a4: atlassian-python-api 4.0.7 + mcp-atlassian 0.23.1  -> test_atlassian_*.py, test_mcp_atlassian.py
#   a5: atlassian-python-api 5.0.5 + md2cf 2.3.0           -> test_atlassian_*.py, test_md2cf.py
# Each runs on SQLite, and also on a fresh PostgreSQL / MySQL database when CAIRN_TEST_POSTGRES_URL /
# CAIRN_TEST_MYSQL_URL (admin URLs) are set; those databases are dropped afterwards.
# The server binary is ${CAIRN_BIN:-${CARGO_TARGET_DIR:-<repo>/target}/debug/cairn} (cargo build -p cairn).
# Time bounds: CAIRN_CLIENTS_TEST_TIMEOUT seconds per test (default 180), CAIRN_CLIENTS_SUITE_TIMEOUT
# seconds per pytest run (default 1200). Exit status is non-zero if anything failed.
set -uo pipefail

HERE="$(cd "$(dirname "$0")" && pwd)"
ROOT="$(cd "$HERE/../.." && pwd)"
VENV_ROOT="${CAIRN_CLIENTS_VENV_ROOT:-/var/tmp/cairn-clients-venvs}"
export CAIRN_BIN="${CAIRN_BIN:-${CARGO_TARGET_DIR:-$ROOT/target}/debug/cairn}"
TEST_TIMEOUT="${CAIRN_CLIENTS_TEST_TIMEOUT:-180}"
SUITE_TIMEOUT="${CAIRN_CLIENTS_SUITE_TIMEOUT:-1200}"
export PYTHONDONTWRITEBYTECODE=1

if [ ! -x "$CAIRN_BIN" ]; then
  echo "no cairn binary at $CAIRN_BIN (run: cargo build -p cairn, or set CAIRN_BIN)" >&2
  exit 2
fi

declare -A SUITE_FILES=(
  [a4]="test_atlassian_api.py test_atlassian_metadata.py test_atlassian_files_search.py test_atlassian_permissions.py test_mcp_atlassian.py"
  [a5]="test_atlassian_api.py test_atlassian_metadata.py test_atlassian_files_search.py test_atlassian_permissions.py test_md2cf.py"
)
ENVS=(a4 a5)

# --- virtual environments ----------------------------------------------------------------------

prepare_venv() {
  local name="$1" requirements="$HERE/requirements-$1.txt" venv="$VENV_ROOT/$1"
  local stamp="$venv/.requirements.sha256" wanted
  wanted="$(sha256sum "$requirements" | cut -d' ' -f1)"
  if [ -x "$venv/bin/python" ] && [ -f "$stamp" ] && [ "$(cat "$stamp")" = "$wanted" ]; then
    return 0
  fi
  mkdir -p "$VENV_ROOT"
  if [ ! -x "$venv/bin/python" ]; then
    python3 -m venv "$venv" || return 1
  fi
  echo "installing $requirements into $venv"
  timeout 900 "$venv/bin/pip" install -q --disable-pip-version-check -r "$requirements" || return 1
  echo "$wanted" >"$stamp"
}

# --- databases ---------------------------------------------------------------------------------

# url_part URL FIELD: prints scheme, user, password, host, port or the URL with its path replaced.
url_part() {
  python3 - "$1" "$2" "${3:-}" <<'PY'
import sys
from urllib.parse import urlsplit, urlunsplit, unquote
url, field, arg = sys.argv[1], sys.argv[2], sys.argv[3]
u = urlsplit(url)
if field == "with_db":
    print(urlunsplit((u.scheme, u.netloc, "/" + arg, u.query, "")))
else:
    value = {"user": u.username, "password": u.password, "host": u.hostname, "port": u.port}[field]
    print("" if value is None else unquote(str(value)))
PY
}

mysql_cli() {
  local admin="$1"; shift
  local client port
  local -a args
  client="$(command -v mariadb || command -v mysql)" || { echo "no mariadb/mysql client" >&2; return 1; }
  args=(-h "$(url_part "$admin" host)" -u "$(url_part "$admin" user)")
  port="$(url_part "$admin" port)"
  [ -n "$port" ] && args+=(-P "$port")
  MYSQL_PWD="$(url_part "$admin" password)" "$client" "${args[@]}" "$@"
}

CREATED_DBS=()   # entries "kind|admin_url|name"

create_db() {      # create_db KIND ADMIN_URL -> prints the database URL for the server
  local kind="$1" admin="$2" name
  name="cairn_clients_$(python3 -c 'import secrets; print(secrets.token_hex(5))')"
  case "$kind" in
    postgres) psql "$admin" -v ON_ERROR_STOP=1 -qc "CREATE DATABASE $name" >&2 || return 1 ;;
    mysql) mysql_cli "$admin" -e "CREATE DATABASE $name" >&2 || return 1 ;;
  esac
  echo "$kind|$admin|$name" >>"$DB_LIST"
  url_part "$admin" with_db "$name"
}

drop_dbs() {
  [ -f "${DB_LIST:-}" ] || return 0
  local kind admin name
  while IFS='|' read -r kind admin name; do
    case "$kind" in
      postgres) psql "$admin" -qc "DROP DATABASE IF EXISTS $name WITH (FORCE)" >/dev/null 2>&1 \
                  || psql "$admin" -qc "DROP DATABASE IF EXISTS $name" >/dev/null 2>&1
                echo "dropped PostgreSQL database $name" ;;
      mysql) mysql_cli "$admin" -e "DROP DATABASE IF EXISTS $name" >/dev/null 2>&1
             echo "dropped MySQL database $name" ;;
    esac
  done <"$DB_LIST"
  rm -f "$DB_LIST"
}

DB_LIST="$(mktemp -t cairn-clients-dbs.XXXXXX)"
trap drop_dbs EXIT
trap 'exit 130' INT TERM

DATABASES=(sqlite)
[ -n "${CAIRN_TEST_POSTGRES_URL:-}" ] && DATABASES+=(postgres)
[ -n "${CAIRN_TEST_MYSQL_URL:-}" ] && DATABASES+=(mysql)

# --- run -----------------------------------------------------------------------------------------

status=0
SUMMARY=()
for env_name in "${ENVS[@]}"; do
  if ! prepare_venv "$env_name"; then
    echo "cannot prepare the $env_name environment" >&2
    SUMMARY+=("$env_name: environment setup FAILED")
    status=1
    continue
  fi
  for database in "${DATABASES[@]}"; do
    db_url=""
    case "$database" in
      postgres) db_url="$(create_db postgres "$CAIRN_TEST_POSTGRES_URL")" || { SUMMARY+=("$env_name/$database: cannot create database"); status=1; continue; } ;;
      mysql) db_url="$(create_db mysql "$CAIRN_TEST_MYSQL_URL")" || { SUMMARY+=("$env_name/$database: cannot create database"); status=1; continue; } ;;
    esac
    printf '\n== %s on %s ==\n' "$env_name" "$database"
    log="$(mktemp -t cairn-clients-pytest.XXXXXX)"
    read -r -a files <<<"${SUITE_FILES[$env_name]}"
    (
      cd "$HERE" || exit 1
      if [ -n "$db_url" ]; then export CAIRN_DATABASE_URL="$db_url"; else unset CAIRN_DATABASE_URL; fi
      timeout --kill-after=30 "$SUITE_TIMEOUT" "$VENV_ROOT/$env_name/bin/python" -m pytest -q -p no:cacheprovider \
        --timeout="$TEST_TIMEOUT" -rfEX "$@" "${files[@]}"
    ) 2>&1 | tee "$log"
    rc="${PIPESTATUS[0]}"
    counts="$(grep -E '^[=]* ?[0-9]+ (passed|failed|xfailed|error|errors|xpassed)' "$log" | tail -1 | sed 's/=//g;s/^ *//')"
    [ "$rc" -eq 124 ] && counts="TIMED OUT after ${SUITE_TIMEOUT}s; $counts"
    SUMMARY+=("$env_name/$database: ${counts:-no result} (exit $rc)")
    [ "$rc" -ne 0 ] && status=1
    rm -f "$log"
  done
done

printf '\n== summary ==\n'
printf '%s\n' "${SUMMARY[@]}"
exit "$status"

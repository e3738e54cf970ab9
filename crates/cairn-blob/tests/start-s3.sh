#!/usr/bin/env bash
# Starts a local S3-compatible server (moto) for the cairn-blob S3 tests.
#
#   usage: start-s3.sh [PORT]        (default port 5077)
#
# Creates a virtual environment under /var/tmp/cairn-moto-venv (reused when the pinned version is
# already there), starts moto's server on 127.0.0.1:PORT in the background, waits until it answers
# and prints the endpoint on standard output, e.g.
#
#   export CAIRN_TEST_S3_ENDPOINT="$(bash crates/cairn-blob/tests/start-s3.sh 5077)"
#
# The server's log goes to /var/tmp/cairn-moto-PORT.log and its process id to
# /var/tmp/cairn-moto-PORT.pid; stop it with `kill "$(cat /var/tmp/cairn-moto-PORT.pid)"`.
# Run again while that server is up, it prints the endpoint again. Exits non-zero when the port is
# taken by something else, or the server cannot be installed or does not answer within 60 seconds.
set -euo pipefail

port="${1:-5077}"
moto_version="5.2.5"
venv="/var/tmp/cairn-moto-venv"
log="/var/tmp/cairn-moto-${port}.log"
pid_file="/var/tmp/cairn-moto-${port}.pid"
endpoint="http://127.0.0.1:${port}"

say() { echo "start-s3: $*" >&2; }

answers() { curl --silent --output /dev/null --max-time 2 "${endpoint}/"; }

if answers; then
    if [[ -f "${pid_file}" ]] && kill -0 "$(cat "${pid_file}")" 2>/dev/null; then
        say "moto started earlier by this script already answers on ${endpoint}"
        echo "${endpoint}"
        exit 0
    fi
    say "something else already answers on ${endpoint}; choose another port"
    exit 1
fi

if ! "${venv}/bin/python" -c "import importlib.metadata as m, sys; sys.exit(m.version('moto') != '${moto_version}')" 2>/dev/null; then
    say "installing moto[server]==${moto_version} into ${venv}"
    python3 -m venv "${venv}"
    "${venv}/bin/pip" install --quiet --disable-pip-version-check "moto[server]==${moto_version}" >&2
fi

# setsid detaches the server from this script's process group, so a caller that waits for the
# script's output does not also wait for the server.
setsid "${venv}/bin/python" -m moto.server --host 127.0.0.1 --port "${port}" >"${log}" 2>&1 < /dev/null &
echo $! >"${pid_file}"

deadline=$((SECONDS + 60))
until answers; do
    if ! kill -0 "$(cat "${pid_file}")" 2>/dev/null; then
        say "moto exited early; its log (${log}):"
        cat "${log}" >&2
        exit 1
    fi
    if ((SECONDS >= deadline)); then
        say "moto did not answer on ${endpoint} within 60 seconds; its log (${log}):"
        cat "${log}" >&2
        exit 1
    fi
    sleep 0.2
done

say "moto ${moto_version} answers on ${endpoint} (pid $(cat "${pid_file}"))"
echo "${endpoint}"

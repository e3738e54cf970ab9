#!/usr/bin/env bash
# Time until a new node is ready, with its search index prepared: from scratch (rebuilt from the
# database) and from the newest snapshot in the blob store (written by `cairn reindex`).
#
#   bench/search-ready.sh HOME
#
# HOME holds a generated dataset (cairn bench generate --tier S --home HOME). The node is the release
# build (CAIRN_BIN, default target/release/cairn) on 127.0.0.1 only; each start is bounded by
# CAIRN_READY_DEADLINE seconds (default 600). Prints one line per start.
set -euo pipefail

HOME_DIR="${1:?usage: bench/search-ready.sh HOME}"
BIN="${CAIRN_BIN:-target/release/cairn}"
DEADLINE="${CAIRN_READY_DEADLINE:-600}"
PORT="${CAIRN_READY_PORT:-18471}"
LOG="$(mktemp)"
trap 'rm -f "$LOG"' EXIT

now_ms() { date +%s%3N; }

# Starts a node, waits for /readyz 200, prints the time and how the index was prepared, stops it.
measure() {
  local label="$1" started pid ready_ms state
  started="$(now_ms)"
  "$BIN" serve --home "$HOME_DIR" --listen "127.0.0.1:$PORT" >"$LOG" 2>&1 &
  pid=$!
  while ! curl -sf "http://127.0.0.1:$PORT/readyz" >/dev/null 2>&1; do
    if ! kill -0 "$pid" 2>/dev/null; then
      echo "$label: the node exited; its log:" >&2
      cat "$LOG" >&2
      return 1
    fi
    if (( $(now_ms) - started > DEADLINE * 1000 )); then
      echo "$label: not ready after ${DEADLINE} s" >&2
      kill "$pid"
      return 1
    fi
    sleep 0.05
  done
  ready_ms=$(( $(now_ms) - started ))
  state="$(curl -s "http://127.0.0.1:$PORT/readyz" | python3 -c 'import json,sys; s=json.load(sys.stdin)["checks"]["search"]; print("prepared from", s["preparedFrom"] + ",", s["documents"], "documents")')"
  echo "$label: ready in ${ready_ms} ms ($state)"
  kill -TERM "$pid"
  wait "$pid" || true
}

rm -rf "$HOME_DIR/shared/blobs/search-index"
measure "from scratch"
"$BIN" reindex --home "$HOME_DIR" 2>/dev/null
measure "from a snapshot"

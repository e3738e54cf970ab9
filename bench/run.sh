#!/usr/bin/env bash
# Cairn's end-to-end benchmark on this host: builds the release binary, generates a tier (S by
# default) into a fresh home, then measures and writes bench-results.md in the work directory:
#   - the search index rebuilt by `cairn reindex` (its rate), which also writes the snapshot nodes
#     start from;
#   - time until a node is ready (start to /readyz 200) and its resident memory idle and under load;
#   - the toolkit action mix at a fixed rate (open model) and a step-up search for the highest rate
#     keeping every action's p95 under the target, with CPU milliseconds per action;
#   - page views per second of Cairn against nginx serving the same rendered page as a static file,
#     with the same client;
#   - one node against two behind `cairn cluster`'s balancer.
#
# Usage: bench/run.sh [TIER] (env: BENCH_WORK, BENCH_RATE, BENCH_SECONDS, BENCH_STEP_SECONDS,
#        BENCH_TARGET_P95_MS, BENCH_USERS, BENCH_DATABASE_URL). Only 127.0.0.1 is used.
set -euo pipefail

TIER=${1:-S}
WORK=${BENCH_WORK:-/var/tmp/cairn-bench}
RATE=${BENCH_RATE:-56}
SECONDS_PER_RUN=${BENCH_SECONDS:-30}
STEP_SECONDS=${BENCH_STEP_SECONDS:-15}
TARGET_P95_MS=${BENCH_TARGET_P95_MS:-50}
USERS=${BENCH_USERS:-50}
PAGE_SECONDS=${BENCH_PAGE_SECONDS:-10}
NODE_PORT=18191
NGINX_PORT=18192
CLUSTER_PORT=18193
CLK_TCK=$(getconf CLK_TCK)

cd "$(dirname "$0")/.."
TARGET_DIR=${CARGO_TARGET_DIR:-$PWD/target}
cargo build --release -p cairn
BIN=$TARGET_DIR/release/cairn
command -v nginx >/dev/null || { echo "nginx is needed (apt-get install nginx-light or nginx)" >&2; exit 1; }

rm -rf "$WORK"
mkdir -p "$WORK/static" "$WORK/nginx"
HOME_DIR=$WORK/home
DB_ARGS=()
if [ -n "${BENCH_DATABASE_URL:-}" ]; then DB_ARGS=(--database-url "$BENCH_DATABASE_URL"); fi

PIDS=()
cleanup() {
  for pid in "${PIDS[@]}"; do kill "$pid" 2>/dev/null || true; done
  wait 2>/dev/null || true
}
trap cleanup EXIT

now_ms() { date +%s%3N; }
cpu_ticks() { awk '{print $14 + $15}' "/proc/$1/stat"; }
rss_kb() { awk '/^VmRSS/ {print $2}' "/proc/$1/status"; }
wait_ready() { # url, deadline seconds
  local deadline=$(( $(date +%s) + $2 ))
  until curl -sf -o /dev/null "$1"; do
    [ "$(date +%s)" -lt "$deadline" ] || { echo "not ready: $1" >&2; exit 1; }
    sleep 0.02
  done
}

echo "== generating tier $TIER"
"$BIN" bench generate --home "$HOME_DIR" "${DB_ARGS[@]}" --tier "$TIER" --seed 1 | tee "$WORK/generate.txt"
MANIFEST=$HOME_DIR/bench-manifest.json

echo "== search index: rebuilt from the database and written as a snapshot (nodes start from it)"
"$BIN" reindex --home "$HOME_DIR" "${DB_ARGS[@]}" 2>/dev/null | tee "$WORK/reindex.txt"
# A leaf page of the last space: a typical page view (the first page is a hub with ~600 children).
PAGE_ID=$(python3 -c "import json,sys; print(json.load(open(sys.argv[1]))['pages'][-1]['id'])" "$MANIFEST")

echo "== single node: readiness, memory, action mix"
START=$(now_ms)
"$BIN" serve --home "$HOME_DIR" "${DB_ARGS[@]}" --listen 127.0.0.1:$NODE_PORT --log warn > "$WORK/node.log" 2>&1 &
NODE=$!; PIDS+=("$NODE")
wait_ready "http://127.0.0.1:$NODE_PORT/readyz" 600
READY_MS=$(( $(now_ms) - START ))
sleep 5 # settle before reading idle memory
IDLE_RSS_KB=$(rss_kb "$NODE")

BEFORE=$(cpu_ticks "$NODE")
"$BIN" bench run --target "http://127.0.0.1:$NODE_PORT" --manifest "$MANIFEST" --users "$USERS" \
  --rate "$RATE" --duration "${SECONDS_PER_RUN}s" --target-p95-ms "$TARGET_P95_MS" --json "$WORK/mix-fixed.json" \
  | tee "$WORK/mix-fixed.txt"
AFTER=$(cpu_ticks "$NODE")
LOAD_RSS_KB=$(rss_kb "$NODE")
MIX_CPU_TICKS=$(( AFTER - BEFORE ))

"$BIN" bench run --target "http://127.0.0.1:$NODE_PORT" --manifest "$MANIFEST" --users "$USERS" \
  --step-up --rate 10 --factor 1.5 --max-rate 400 --duration "${STEP_SECONDS}s" \
  --target-p95-ms "$TARGET_P95_MS" --json "$WORK/mix-step-up.json" | tee "$WORK/mix-step-up.txt"
PEAK_RSS_KB=$(awk '/^VmHWM/ {print $2}' "/proc/$NODE/status")

echo "== page view: Cairn against nginx serving the same bytes"
curl -sf -c "$WORK/cookies" -o /dev/null -d "os_username=user00000&os_password=bench-password&os_destination=/" \
  "http://127.0.0.1:$NODE_PORT/login.action"
curl -sf -b "$WORK/cookies" -o "$WORK/static/page.html" "http://127.0.0.1:$NODE_PORT/pages/viewpage.action?pageId=$PAGE_ID"
PAGE_BYTES=$(stat -c %s "$WORK/static/page.html")
"$BIN" bench page-rate --target "http://127.0.0.1:$NODE_PORT" --manifest "$MANIFEST" \
  --path "/pages/viewpage.action?pageId=$PAGE_ID" --concurrency 8 --duration "${PAGE_SECONDS}s" \
  --json "$WORK/page-cairn.json" | tee "$WORK/page-cairn.txt"
kill "$NODE"; wait "$NODE" 2>/dev/null || true

cat > "$WORK/nginx/nginx.conf" <<NGINX
worker_processes auto;
daemon off;
pid $WORK/nginx/nginx.pid;
error_log $WORK/nginx/error.log warn;
events { worker_connections 1024; }
http {
  access_log off;
  sendfile on;
  tcp_nopush on;
  keepalive_requests 100000;
  types { text/html html; }
  client_body_temp_path $WORK/nginx/body;
  proxy_temp_path $WORK/nginx/proxy;
  fastcgi_temp_path $WORK/nginx/fastcgi;
  uwsgi_temp_path $WORK/nginx/uwsgi;
  scgi_temp_path $WORK/nginx/scgi;
  server {
    listen 127.0.0.1:$NGINX_PORT;
    root $WORK/static;
  }
}
NGINX
nginx -c "$WORK/nginx/nginx.conf" -p "$WORK/nginx" &
NGINX_PID=$!; PIDS+=("$NGINX_PID")
wait_ready "http://127.0.0.1:$NGINX_PORT/page.html" 10
"$BIN" bench page-rate --target "http://127.0.0.1:$NGINX_PORT" --path /page.html --concurrency 8 \
  --duration "${PAGE_SECONDS}s" --json "$WORK/page-nginx.json" | tee "$WORK/page-nginx.txt"
kill "$NGINX_PID"; wait "$NGINX_PID" 2>/dev/null || true

echo "== one node against two behind the balancer"
for NODES in 1 2; do
  "$BIN" cluster --home "$HOME_DIR" "${DB_ARGS[@]}" --listen 127.0.0.1:$CLUSTER_PORT --nodes $NODES --log warn \
    > "$WORK/cluster-$NODES.log" 2>&1 &
  CLUSTER=$!; PIDS+=("$CLUSTER")
  deadline=$(( $(date +%s) + 120 ))
  until [ "$(curl -sf "http://127.0.0.1:$CLUSTER_PORT/_cluster/state" | python3 -c "import json,sys; print(sum(n['state']=='ready' for n in json.load(sys.stdin)['nodes']))" 2>/dev/null || echo 0)" = "$NODES" ]; do
    [ "$(date +%s)" -lt "$deadline" ] || { echo "cluster of $NODES not ready" >&2; exit 1; }
    sleep 0.1
  done
  NODE_PIDS=$(curl -sf "http://127.0.0.1:$CLUSTER_PORT/_cluster/state" | python3 -c "import json,sys; print(' '.join(str(n['pid']) for n in json.load(sys.stdin)['nodes']))")
  "$BIN" bench page-rate --target "http://127.0.0.1:$CLUSTER_PORT" --manifest "$MANIFEST" \
    --path "/pages/viewpage.action?pageId=$PAGE_ID" --concurrency 8 --duration "${PAGE_SECONDS}s" \
    --json "$WORK/page-cluster-$NODES.json" | tee "$WORK/page-cluster-$NODES.txt"
  BEFORE=0; for pid in $NODE_PIDS; do BEFORE=$(( BEFORE + $(cpu_ticks "$pid") )); done
  "$BIN" bench run --target "http://127.0.0.1:$CLUSTER_PORT" --manifest "$MANIFEST" --users "$USERS" \
    --rate "$RATE" --duration "${SECONDS_PER_RUN}s" --target-p95-ms "$TARGET_P95_MS" \
    --json "$WORK/mix-cluster-$NODES.json" | tee "$WORK/mix-cluster-$NODES.txt"
  AFTER=0; RSS=""; for pid in $NODE_PIDS; do AFTER=$(( AFTER + $(cpu_ticks "$pid") )); RSS="$RSS $(rss_kb "$pid")"; done
  echo "$(( AFTER - BEFORE )) $RSS" > "$WORK/cluster-$NODES.cpu"
  kill "$CLUSTER"; wait "$CLUSTER" 2>/dev/null || true
done

python3 - "$WORK" "$TIER" "$READY_MS" "$IDLE_RSS_KB" "$LOAD_RSS_KB" "$PEAK_RSS_KB" "$MIX_CPU_TICKS" "$CLK_TCK" "$PAGE_BYTES" "$RATE" "$TARGET_P95_MS" <<'PY'
import json, sys
work, tier, ready_ms, idle_kb, load_kb, peak_kb, mix_ticks, clk, page_bytes, rate, target = sys.argv[1:]
load = lambda name: json.load(open(f"{work}/{name}"))
fixed = load("mix-fixed.json")["summary"]
step = load("mix-step-up.json")
cairn_page = load("page-cairn.json"); nginx_page = load("page-nginx.json")
c1 = load("page-cluster-1.json"); c2 = load("page-cluster-2.json")
m1 = load("mix-cluster-1.json")["summary"]; m2 = load("mix-cluster-2.json")["summary"]
cpu1 = open(f"{work}/cluster-1.cpu").read().split(); cpu2 = open(f"{work}/cluster-2.cpu").read().split()
ms_per_tick = 1000 / int(clk)
out = []
out.append(f"## Results, tier {tier}\n")
out.append(open(f"{work}/generate.txt").read().strip().replace("\n", "  \n") + "\n")
out.append(f"### Action mix at {rate} actions/s, one node (open model, {fixed['elapsed_seconds']:.0f} s)\n")
out.append("| action | count | errors | p50 ms | p90 ms | p95 ms | p99 ms |\n|---|---:|---:|---:|---:|---:|---:|")
for a in fixed["actions"]:
    out.append(f"| {a['action']} | {a['count']} | {a['error_rate']*100:.1f} % | {a['p50_ms']:.1f} | {a['p90_ms']:.1f} | {a['p95_ms']:.1f} | {a['p99_ms']:.1f} |")
out.append(f"| all | {fixed['total_actions']} | {fixed['total_errors']} | | | | |\n")
out.append(f"Throughput {fixed['per_second']:.1f} actions/s; CPU of the node {int(mix_ticks)*ms_per_tick/max(fixed['total_actions'],1):.1f} ms per action.\n")
best = step["best_rate"]
out.append("### Step-up search (every action's p95 under %s ms)\n" % target)
out.append("| rate /s | worst p95 ms | errors | passed |\n|---:|---:|---:|---|")
for r, s in step["steps"]:
    worst = max((a["p95_ms"] for a in s["actions"]), default=0)
    ok = all(a["p95_ms"] < float(target) and a["error_rate"] <= 0.01 for a in s["actions"])
    out.append(f"| {r:.1f} | {worst:.1f} | {s['total_errors']} | {'yes' if ok else 'no'} |")
out.append(f"\nHighest passing rate: {'%.1f actions/s' % best if best else 'none'}.\n")
cp, ng = cairn_page["per_second"], nginx_page["per_second"]
out.append("### Page view against nginx (same client, 8 connections, closed loop)\n")
out.append(f"| server | page views/s | p50 ms | p99 ms | errors |\n|---|---:|---:|---:|---:|")
for name, s in (("Cairn, /pages/viewpage.action", cairn_page), ("nginx, the same page saved as a file", nginx_page)):
    a = s["actions"][0]
    out.append(f"| {name} | {s['per_second']:.0f} | {a['p50_ms']:.2f} | {a['p99_ms']:.2f} | {s['total_errors']} |")
out.append(f"\nRatio Cairn / nginx: {cp/ng:.3f} (page of {int(page_bytes)} bytes).\n")
out.append("### One node against two behind `cairn cluster`\n")
out.append("| nodes | page views/s | mix p95 worst ms | mix errors | CPU ms per action (all nodes) | RSS after mix, MB per node |\n|---:|---:|---:|---:|---:|---|")
for n, page, mix, cpu in ((1, c1, m1, cpu1), (2, c2, m2, cpu2)):
    worst = max((a["p95_ms"] for a in mix["actions"]), default=0)
    rss = ", ".join(f"{int(k)/1024:.0f}" for k in cpu[1:])
    out.append(f"| {n} | {page['per_second']:.0f} | {worst:.1f} | {mix['total_errors']} | {int(cpu[0])*ms_per_tick/max(mix['total_actions'],1):.1f} | {rss} |")
out.append(f"\nTwo nodes / one node, page views: {c2['per_second']/c1['per_second']:.2f}.\n")
out.append("### Node\n")
out.append(f"- ready after {ready_ms} ms (process start to /readyz 200, search index restored from the snapshot)")
out.append(f"- search index: {open(f'{work}/reindex.txt').read().strip()} (`cairn reindex`)")
out.append(f"- resident memory idle {int(idle_kb)/1024:.1f} MB; after the fixed-rate mix {int(load_kb)/1024:.1f} MB; peak {int(peak_kb)/1024:.1f} MB")
open(f"{work}/bench-results.md", "w").write("\n".join(out) + "\n")
print("\n".join(out))
PY
echo "results: $WORK/bench-results.md"

#!/usr/bin/env bash
# Cluster-mode overhead on this host: the same page view measured
#   (1) directly against one node,
#   (2) through the `cairn cluster` balancer with that one node behind it,
#   (3) through a `cairn cluster` balancer with two nodes,
# side by side in one run: the three are measured in turn within each round (the order rotates
# from round to round), so the noise of a shared machine falls on all of them alike. For each it
# reports page views per second, latency p50 and p95, and CPU milliseconds per request of the node
# processes and of the balancer (utime + stime from /proc/<pid>/stat), with ratios to (1). Writes
# overhead-results.md in the work directory.
#
# Usage: bench/overhead.sh [TIER] (default tiny)
#   env: BENCH_WORK (/var/tmp/cairn-overhead), BENCH_ROUNDS (3), BENCH_PAGE_SECONDS (6 per
#        measurement), BENCH_CONCURRENCY ("1 8": closed-loop connections, one figure set each),
#        BENCH_DATABASE_URL (default SQLite in the home). Only 127.0.0.1 is used; the run takes
#        about ROUNDS x 3 x (number of concurrencies) x BENCH_PAGE_SECONDS plus start-up.
set -euo pipefail

TIER=${1:-tiny}
WORK=${BENCH_WORK:-/var/tmp/cairn-overhead}
ROUNDS=${BENCH_ROUNDS:-3}
PAGE_SECONDS=${BENCH_PAGE_SECONDS:-6}
CONCURRENCIES=${BENCH_CONCURRENCY:-"1 8"}
ONE_NODE_PORT=18194
TWO_NODE_PORT=18195
CLK_TCK=$(getconf CLK_TCK)

cd "$(dirname "$0")/.."
TARGET_DIR=${CARGO_TARGET_DIR:-$PWD/target}
cargo build --release -p cairn
BIN=$TARGET_DIR/release/cairn

rm -rf "$WORK"
mkdir -p "$WORK"
HOME_DIR=$WORK/home
DB_ARGS=()
if [ -n "${BENCH_DATABASE_URL:-}" ]; then DB_ARGS=(--database-url "$BENCH_DATABASE_URL"); fi

PIDS=()
cleanup() {
  for pid in "${PIDS[@]}"; do kill "$pid" 2>/dev/null || true; done
  wait 2>/dev/null || true
}
trap cleanup EXIT

cpu_ticks() { awk '{print $14 + $15}' "/proc/$1/stat"; }
sum_ticks() { local total=0; for pid in "$@"; do total=$(( total + $(cpu_ticks "$pid") )); done; echo "$total"; }
state_field() { # port, python expression over the /_cluster/state document `s`
  curl -sf "http://127.0.0.1:$1/_cluster/state" | python3 -c "import json,sys; s=json.load(sys.stdin); print($2)"
}

echo "== generating tier $TIER"
"$BIN" bench generate --home "$HOME_DIR" "${DB_ARGS[@]}" --tier "$TIER" --seed 1 > "$WORK/generate.txt"
MANIFEST=$HOME_DIR/bench-manifest.json
PAGE_ID=$(python3 -c "import json,sys; print(json.load(open(sys.argv[1]))['pages'][-1]['id'])" "$MANIFEST")
PAGE_PATH="/pages/viewpage.action?pageId=$PAGE_ID"

echo "== starting a balancer with one node and a balancer with two"
start_cluster() { # port, nodes
  "$BIN" cluster --home "$HOME_DIR" "${DB_ARGS[@]}" --listen "127.0.0.1:$1" --nodes "$2" --log warn \
    > "$WORK/cluster-$2.log" 2>&1 &
  PIDS+=("$!")
  local deadline=$(( $(date +%s) + 120 ))
  until [ "$(state_field "$1" "sum(n['state'] == 'ready' for n in s['nodes'])" 2>/dev/null || echo 0)" = "$2" ]; do
    [ "$(date +%s)" -lt "$deadline" ] || { echo "cluster of $2 not ready" >&2; exit 1; }
    sleep 0.1
  done
}
start_cluster $ONE_NODE_PORT 1
ONE_BALANCER=${PIDS[-1]}
start_cluster $TWO_NODE_PORT 2
TWO_BALANCER=${PIDS[-1]}
ONE_NODE_PIDS=$(state_field $ONE_NODE_PORT "' '.join(str(n['pid']) for n in s['nodes'])")
ONE_NODE_DIRECT=$(state_field $ONE_NODE_PORT "s['nodes'][0]['port']")
TWO_NODE_PIDS=$(state_field $TWO_NODE_PORT "' '.join(str(n['pid']) for n in s['nodes'])")

# setup name -> target port, node pids, balancer pid (none for direct)
target_of() { case $1 in direct) echo "$ONE_NODE_DIRECT";; one) echo "$ONE_NODE_PORT";; two) echo "$TWO_NODE_PORT";; esac; }
nodes_of() { case $1 in direct|one) echo "$ONE_NODE_PIDS";; two) echo "$TWO_NODE_PIDS";; esac; }
balancer_of() { case $1 in direct) echo "";; one) echo "$ONE_BALANCER";; two) echo "$TWO_BALANCER";; esac; }

# Warm-up: every target serves the page a few times (caches, connections, page compiled paths).
for setup in direct one two; do
  "$BIN" bench page-rate --target "http://127.0.0.1:$(target_of $setup)" --manifest "$MANIFEST" \
    --path "$PAGE_PATH" --concurrency 2 --duration 1s > /dev/null
done

echo "setup concurrency round json node_ticks balancer_ticks" > "$WORK/measurements.txt"
SETUPS=(direct one two)
for round in $(seq 1 "$ROUNDS"); do
  for concurrency in $CONCURRENCIES; do
    for index in 0 1 2; do
      setup=${SETUPS[$(( (index + round - 1) % 3 ))]}
      # shellcheck disable=SC2046
      node_before=$(sum_ticks $(nodes_of $setup))
      balancer=$(balancer_of $setup)
      balancer_before=0; [ -n "$balancer" ] && balancer_before=$(cpu_ticks "$balancer")
      json=$WORK/page-$setup-c$concurrency-r$round.json
      echo "-- round $round, $setup, $concurrency connections"
      "$BIN" bench page-rate --target "http://127.0.0.1:$(target_of $setup)" --manifest "$MANIFEST" \
        --path "$PAGE_PATH" --concurrency "$concurrency" --duration "${PAGE_SECONDS}s" --json "$json" > /dev/null
      # shellcheck disable=SC2046
      node_after=$(sum_ticks $(nodes_of $setup))
      balancer_after=0; [ -n "$balancer" ] && balancer_after=$(cpu_ticks "$balancer")
      echo "$setup $concurrency $round $json $(( node_after - node_before )) $(( balancer_after - balancer_before ))" \
        >> "$WORK/measurements.txt"
    done
  done
done

python3 - "$WORK" "$TIER" "$CLK_TCK" "$PAGE_PATH" "$ROUNDS" "$PAGE_SECONDS" <<'PY'
import json, statistics, sys
work, tier, clk, page_path, rounds, seconds = sys.argv[1:]
ms_per_tick = 1000 / int(clk)
rows = [line.split() for line in open(f"{work}/measurements.txt").read().splitlines()[1:]]
names = {"direct": "(1) directly to one node", "one": "(2) balancer, one node", "two": "(3) balancer, two nodes"}
figures = {}
for setup, concurrency, rnd, path, node_ticks, balancer_ticks in rows:
    summary = json.load(open(path))
    action = summary["actions"][0]
    figures.setdefault((int(concurrency), setup), []).append({
        "round": int(rnd), "per_second": summary["per_second"], "count": action["count"],
        "errors": action["errors"], "p50": action["p50_ms"], "p95": action["p95_ms"],
        "node_ms": int(node_ticks) * ms_per_tick, "balancer_ms": int(balancer_ticks) * ms_per_tick,
    })
out = [f"## Cluster-mode overhead, tier {tier}\n",
       f"Page `{page_path}`, closed loop, {rounds} rounds of {seconds} s per setup and concurrency, "
       "setups interleaved within each round. Throughput: mean over rounds; latency: median over "
       "rounds of each round's p50 and p95; CPU: all ticks over all requests.\n"]
for concurrency in sorted({c for c, _ in figures}):
    out.append(f"### {concurrency} connection{'s' if concurrency > 1 else ''}\n")
    out.append("| setup | views/s | p50 ms | p95 ms | errors | node CPU ms/req | balancer CPU ms/req | total CPU ms/req | views/s vs (1) | p50 vs (1) | total CPU vs (1) |")
    out.append("|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|")
    base = None
    for setup in ("direct", "one", "two"):
        runs = figures.get((concurrency, setup), [])
        if not runs:
            continue
        count = sum(r["count"] for r in runs)
        row = {
            "rate": statistics.mean(r["per_second"] for r in runs),
            "p50": statistics.median(r["p50"] for r in runs),
            "p95": statistics.median(r["p95"] for r in runs),
            "errors": sum(r["errors"] for r in runs),
            "node": sum(r["node_ms"] for r in runs) / max(count, 1),
            "balancer": sum(r["balancer_ms"] for r in runs) / max(count, 1),
        }
        row["total"] = row["node"] + row["balancer"]
        base = base or row
        out.append(f"| {names[setup]} | {row['rate']:.0f} | {row['p50']:.2f} | {row['p95']:.2f} | {row['errors']} | "
                   f"{row['node']:.2f} | {row['balancer']:.2f} | {row['total']:.2f} | "
                   f"{row['rate'] / base['rate']:.2f} | {row['p50'] / base['p50']:.2f} | {row['total'] / base['total']:.2f} |")
    # Per-round throughput ratios show how far the noise moves them.
    spread = []
    for setup in ("one", "two"):
        ratios = []
        for run in figures.get((concurrency, setup), []):
            direct = [r for r in figures[(concurrency, "direct")] if r["round"] == run["round"]]
            if direct:
                ratios.append(run["per_second"] / direct[0]["per_second"])
        if ratios:
            spread.append(f"{names[setup]}: {min(ratios):.2f}–{max(ratios):.2f}")
    out.append("\nPer-round views/s ratio to (1): " + "; ".join(spread) + ".\n")
text = "\n".join(out) + "\n"
open(f"{work}/overhead-results.md", "w").write(text)
print(text)
PY
echo "results: $WORK/overhead-results.md"

#!/usr/bin/env bash
# A first, quick benchmark of the release binary with wrk: the flagship nested query
# (10 companies -> 10 studios -> 10 executions -> files), a flat 100-row list and a single-row
# lookup, at concurrency 1, 8 and 32, on PostgreSQL and SQLite, seed scale 10.
# Prints one markdown table row per point: req/s, p50, p99, errors, SQL statements per request
# (from /metrics) and the server's peak RSS.   Usage: bench/quick.sh postgres|sqlite
set -euo pipefail
cd "$(dirname "$0")/.."
BIN=target/release/studiogate
command -v wrk >/dev/null || apt-get install -y wrk >/dev/null
work=$(mktemp -d)
export STUDIOGATE_JWT_SECRET=bench-secret STUDIOGATE_DEMO=off RUST_LOG=warn
# Rate limits on, with budgets the load never reaches: the bench measures the gateway.
export STUDIOGATE_RATE_LIMIT_PER_SECOND=1000000000 STUDIOGATE_RATE_LIMIT_BURST=1000000000
export STUDIOGATE_TENANT_RATE_LIMIT_PER_SECOND=1000000000 STUDIOGATE_TENANT_RATE_LIMIT_BURST=1000000000
backend=$1
if [ "$backend" = postgres ]; then
  pg=${PG_URL:-postgres://postgres@127.0.0.1:5432}
  psql -q "$pg/postgres" -c "DROP DATABASE IF EXISTS studiogate_bench WITH (FORCE)" -c "CREATE DATABASE studiogate_bench"
  URL="$pg/studiogate_bench"
else
  URL="sqlite://$work/bench.db?mode=rwc"
fi
PORT=${PORT:-18181}
$BIN seed --scale "${SCALE:-10}" --database-url "$URL" > "$work/seed.json"
$BIN serve --listen "127.0.0.1:$PORT" --database-url "$URL" --storage-dir "$work/files" > "$work/serve.log" 2>&1 &
pid=$!
trap 'kill $pid; rm -rf "$work"' EXIT
for _ in $(seq 1 50); do curl -sf "http://127.0.0.1:$PORT/readyz" >/dev/null && break; sleep 0.2; done
# A studios platform admin reads all ten companies.
ADMIN=$(python3 -c "import json,sys; print(json.load(open(sys.argv[1]))['accounts'][0]['id'])" "$work/seed.json")
$BIN admin grant --account "$ADMIN" --domain studios --database-url "$URL" >/dev/null
TOKEN=$($BIN token --sub "$ADMIN")
export TOKEN
gql() { curl -s "http://127.0.0.1:$PORT/graphql" -H "Authorization: Bearer $TOKEN" -H 'Content-Type: application/json' -d "$1"; }
ids=$(gql '{"query":"{ companies(first: 1) { nodes { studios(first: 1) { nodes { id executions(first: 1) { nodes { id } } } } } } }"}' \
  | python3 -c "import json,sys; s=json.load(sys.stdin)['data']['companies']['nodes'][0]['studios']['nodes'][0]; print(s['id'], s['executions']['nodes'][0]['id'])")
set -- $ids
cat > "$work/nested.json" <<JSON
{"query":"{ companies(first: 10) { nodes { id name studios(first: 10) { nodes { id name businessArea executions(first: 10) { nodes { id status createdAt files { usageType file { id filename mimeType fileSize } } } } } } } } }"}
JSON
echo "{\"query\":\"query(\$id: UUID!) { studio(id: \$id) { executions(first: 100) { nodes { id status createdAt durationSeconds retryCount } } } }\",\"variables\":{\"id\":\"$1\"}}" > "$work/flat.json"
echo "{\"query\":\"query(\$id: UUID!) { workflowExecution(id: \$id) { id status createdAt inputData } }\",\"variables\":{\"id\":\"$2\"}}" > "$work/lookup.json"
stmts() { curl -s "http://127.0.0.1:$PORT/metrics" | awk '/^studiogate_db_statements_total/ {print $2}'; }
for scenario in nested flat lookup; do
  export BODY_FILE="$work/$scenario.json"
  gql "@$BODY_FILE" | python3 -c "import json,sys; b=json.load(sys.stdin); assert 'errors' not in b, b"
  for c in 1 8 32; do
    before=$(stmts)
    t=$(( c < 2 ? 1 : 2 ))
    out=$(wrk -t$t -c$c -d"${DURATION:-8}"s --latency -s bench/post.lua "http://127.0.0.1:$PORT/graphql")
    after=$(stmts)
    reqs=$(echo "$out" | awk '/requests in/ {print $1}')
    rps=$(echo "$out" | awk '/Requests\/sec/ {print $2}')
    p50=$(echo "$out" | awk '$1=="50%" {print $2}')
    p99=$(echo "$out" | awk '$1=="99%" {print $2}')
    errs=$(echo "$out" | awk '/Non-2xx|Socket errors/ {print}' | tr -s ' ' | tr '\n' ' ')
    rss=$(awk '/VmHWM/ {printf "%.0f", $2/1024}' /proc/$pid/status)
    per=$(python3 -c "print(round(($after-$before)/$reqs, 2))")
    echo "| $backend | $scenario | $c | $rps | $p50 | $p99 | ${errs:-0} | $per | $rss |"
  done
done

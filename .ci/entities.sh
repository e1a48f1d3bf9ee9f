#!/usr/bin/env bash
# Regenerates the Studios entities from a freshly migrated PostgreSQL database.
#   .ci/entities.sh [OUT_DIR]   (default: crates/entities/studios/src/generated)
# Needs sea-orm-cli 1.1.20 and a PostgreSQL server (PG_URL, default the local one).
set -euo pipefail
cd "$(dirname "$0")/.."
out=${1:-crates/entities/studios/src/generated}
pg=${PG_URL:-postgres://postgres@127.0.0.1:5432}
scratch="studiogate_entities_$$"
psql "$pg/postgres" -qc "DROP DATABASE IF EXISTS $scratch" >/dev/null 2>&1
psql "$pg/postgres" -qc "CREATE DATABASE $scratch" >/dev/null
trap 'psql "$pg/postgres" -qc "DROP DATABASE IF EXISTS $scratch" >/dev/null' EXIT
cargo run -q --bin studiogate -- migrate --database-url "$pg/$scratch"
rm -rf "$out"
mkdir -p "$out"
sea-orm-cli generate entity -u "$pg/$scratch" -o "$out" \
  --ignore-tables seaql_migrations >/dev/null
rustfmt --edition 2021 "$out"/*.rs

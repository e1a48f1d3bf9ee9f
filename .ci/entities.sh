#!/usr/bin/env bash
# Regenerates every entity crate from a freshly migrated PostgreSQL database.
#   .ci/entities.sh [OUT_ROOT]   (default: crates/entities; writes OUT_ROOT/<domain>/src/generated)
# Needs sea-orm-cli 1.1.20 and a PostgreSQL server (PG_URL, default the local one).
set -euo pipefail
cd "$(dirname "$0")/.."
root=${1:-crates/entities}
pg=${PG_URL:-postgres://postgres@127.0.0.1:5432}
scratch="studiogate_entities_$$"
drop() { psql "$pg/postgres" -qc "DROP DATABASE IF EXISTS $scratch" >/dev/null 2>&1; }
drop
psql "$pg/postgres" -qc "CREATE DATABASE $scratch" >/dev/null
trap drop EXIT
cargo run -q --bin studiogate -- migrate --database-url "$pg/$scratch"

# Each entity crate names its tables in its Cargo.toml (`[package.metadata.studiogate] tables`).
for crate in crates/entities/*/; do
  domain=$(basename "$crate")
  tables=$(python3 -c 'import sys, tomllib
meta = tomllib.load(open(sys.argv[1], "rb"))["package"]["metadata"]["studiogate"]
print(",".join(meta["tables"]))' "$crate/Cargo.toml")
  out="$root/$domain/src/generated"
  rm -rf "$out"
  mkdir -p "$out"
  sea-orm-cli generate entity -u "$pg/$scratch" -o "$out" --tables "$tables" >/dev/null
  rustfmt --edition 2021 "$out"/*.rs
done

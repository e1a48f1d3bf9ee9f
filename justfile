# studiogate tasks. `just ci` is exactly what CI runs.

pg := env_var_or_default("PG_URL", "postgres://postgres@127.0.0.1:5432")

# Run the gateway (SQLite by default; set DATABASE_URL for PostgreSQL)
run *args:
    cargo run --release -- {{args}}

# All tests on SQLite
test *args:
    cargo test {{args}}

# All tests on SQLite and the local PostgreSQL (and S3 when TEST_S3_ENDPOINT is set)
test-pg *args:
    TEST_DATABASE_URL={{pg}}/postgres cargo test {{args}} -- --include-ignored

# Rewrite schema.graphql from the code
schema:
    cargo run -q --bin studiogate -- schema > schema.graphql

# Regenerate the entity crates from the migrations (needs PostgreSQL and sea-orm-cli 1.1.20)
entities:
    PG_URL={{pg}} .ci/entities.sh

# Format and lint, and prove the tenant wall (.ci/walls.sh)
lint:
    cargo fmt --all -- --check
    cargo clippy --all-targets -- -D warnings
    .ci/walls.sh

# Quick wrk benchmark of the release build on PostgreSQL and SQLite (markdown rows on stdout)
bench-quick:
    cargo build --release --bin studiogate
    bench/quick.sh postgres
    bench/quick.sh sqlite

# End-to-end benchmark of the release build on PostgreSQL and SQLite, with a PostgreSQL-alone floor: writes bench/results/<date>.md and .png (options: python3 bench/run.py --help)
bench *args:
    cargo build --release --bin studiogate
    python3 bench/run.py {{args}}

# Client suites against the debug build (Apollo Client, graphql-ws, GraphiQL in Chromium, graphql-http audit); args: a binary path
e2e *args: e2e-deps
    cargo build --bin studiogate
    node tests/e2e/run.mjs {{args}}

# Schema diff against the previous commit (breaking changes need 'schema-break: <reason>' in the commit message)
schema-diff *args: e2e-deps
    .ci/schema-diff.sh {{args}}

# Install the pinned tests/e2e packages when the lock file changed
e2e-deps:
    test tests/e2e/node_modules/.package-lock.json -nt tests/e2e/package-lock.json || (cd tests/e2e && npm ci --no-audit --no-fund)

# Everything CI checks
ci:
    .ci/run

#!/usr/bin/env bash
# Proves the tenant wall (crates/domains/clippy.toml): clippy must refuse a bare sea-orm
# `find`, `find_by_id`, `update_many`, `delete_many` and `delete_by_id` in a domain crate (and
# sea-orm's `begin`, which skips the SQLite writer gate of crates/graph/src/txn.rs). A
# unit test cannot run clippy, so this script does: it copies the work tree (tracked and new
# files, as they are now) to a scratch workspace, adds a module with one bare call of each to
# the studios crate there, and checks that `cargo clippy -p studiogate-studios` fails with
# `clippy::disallowed_methods` on exactly those calls.
#
# The work tree itself is never written to, so an interrupted run (even a killed one) cannot
# leave it modified. The scratch copy lives in the target directory at a fixed path and keeps
# the files' times; cargo names a workspace's crates by their path inside the workspace, so the
# copy reuses the main build's dependencies and checks, and only the domain crates are checked
# again (seconds, here and in the next clippy of the work tree).
set -euo pipefail
cd "$(dirname "$0")/.."
export CARGO_TERM_COLOR=never

target=$(cargo metadata --locked --format-version 1 --no-deps \
  | python3 -c 'import json, sys; print(json.load(sys.stdin)["target_directory"])')
export CARGO_TARGET_DIR=$target
scratch=$target/walls/workspace
out=$target/walls/clippy.json
err=$target/walls/clippy.stderr
rm -rf "$scratch"
trap 'rm -rf "$scratch"' EXIT
mkdir -p "$scratch"

# The files git would commit (tracked ones still present, and new ones not ignored).
git ls-files -z --cached --others --exclude-standard \
  | while IFS= read -r -d '' f; do [ -e "$f" ] && printf '%s\0' "$f"; done \
  | tar --null -T - -cf - | tar -xf - -C "$scratch"

probe=crates/domains/studios/src/wall_probe.rs
cat >"$scratch/$probe" <<'EOF'
//! Bare calls the tenant wall must refuse (written by .ci/walls.sh into a scratch copy).
use sea_orm::{DatabaseConnection, DbErr, EntityTrait, TransactionTrait};
use studiogate_entities_studios::companies;

pub async fn bare(db: &DatabaseConnection, id: uuid::Uuid) -> Result<(), DbErr> {
    companies::Entity::find().all(db).await?;
    companies::Entity::find_by_id(id).one(db).await?;
    companies::Entity::update_many().exec(db).await?;
    companies::Entity::delete_many().exec(db).await?;
    companies::Entity::delete_by_id(id).exec(db).await?;
    db.begin().await?.commit().await?;
    Ok(())
}
EOF
printf '\npub mod wall_probe;\n' >>"$scratch/crates/domains/studios/src/lib.rs"

status=0
(cd "$scratch" && cargo clippy --locked -q -p studiogate-studios --message-format json \
  -- -D clippy::disallowed_methods) >"$out" 2>"$err" || status=$?
if [ "$status" -eq 0 ]; then
  echo "walls: clippy accepted bare sea-orm calls in a domain crate (crates/domains/clippy.toml)"
  exit 1
fi

# Every disallowed_methods hit, as "file method"; the probe's four and nothing else may be there
# (anything else means the crate itself holds a bare call, or the probe failed to compile).
python3 - "$out" "$probe" <<'EOF' || { tail -n 20 "$err"; exit 1; }
import json, sys
out, probe = sys.argv[1], sys.argv[2]
hits, errors = [], []
for line in open(out):
    try:
        msg = json.loads(line)
    except ValueError:
        continue
    if msg.get("reason") != "compiler-message":
        continue
    m = msg["message"]
    if m["level"] != "error" or not m["spans"]:
        continue
    span = next((s for s in m["spans"] if s["is_primary"]), m["spans"][0])
    where = f'{span["file_name"]}:{span["line_start"]}'
    code = (m.get("code") or {}).get("code")
    if code == "clippy::disallowed_methods":
        hits.append((span["file_name"], m["message"].split("`")[1], where))
    else:
        errors.append(f"{where}: {m['message']}")
want = {f"sea_orm::EntityTrait::{m}" for m in ("find", "find_by_id", "update_many", "delete_many", "delete_by_id")}
want.add("sea_orm::TransactionTrait::begin")  # not a wall: SQLite's writer order (txn.rs)
refused = {method for file, method, _ in hits if file == probe}
elsewhere = [where for file, _, where in hits if file != probe]
ok = refused == want and not elsewhere and not errors
for e in errors:
    print(f"walls: unexpected error: {e}")
for where in elsewhere:
    print(f"walls: bare call outside the probe: {where}")
for method in sorted(want - refused):
    print(f"walls: clippy did not refuse {method}")
if not ok:
    sys.exit(1)
print(f"walls: clippy refuses {', '.join(sorted(m.rsplit('::', 1)[1] for m in refused))} "
      "in a domain crate")
EOF

#!/usr/bin/env python3
"""End-to-end benchmark of the studiogate release binary.

For each backend (PostgreSQL, SQLite) it seeds a fresh database, makes one account an approved
member of every company (through the GraphQL membership mutations), starts `studiogate serve`
and drives POST /graphql with wrk as that member for the scenarios nested, flat, counts, write
lookup, empty and varied (and mixed on request). Each point records requests/s, p50/p99 latency, errors, SQL
statements per request (from /metrics), the gateway's and PostgreSQL's CPU time per request
(from /proc) and the server's peak RSS. On PostgreSQL it also captures the SQL one request of
each read scenario sends and replays it with pgbench: PostgreSQL alone doing the same work (the
floor). Writes `<out>/<date>[-<label>].md`, `.json` and `.png`; `--compare before.json
after.json` puts two runs side by side. See bench/README.md.

    python3 bench/run.py --duration 2 --scale 2 --out /tmp/bench-try
"""

from __future__ import annotations

import argparse
import contextlib
import datetime as dt
import importlib.util
import json
import os
import platform
import queue
import random
import re
import shutil
import signal
import subprocess
import sys
import tempfile
import threading
import time
import urllib.request
from dataclasses import asdict, dataclass, field
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
BENCH = ROOT / "bench"
LUA = BENCH / "graphql.lua"
JWT_SECRET = "studiogate-bench-secret"
PG_DB = "studiogate_bench"
SCENARIOS = ("nested", "flat", "counts", "write", "lookup", "empty", "route", "varied", "mixed")
DEFAULT_SCENARIOS = ("nested", "flat", "counts", "write", "lookup", "empty", "route", "varied")
FLOOR_SCENARIOS = ("nested", "flat", "counts", "lookup")  # the read scenarios
# Connections per scenario unless --concurrency is given (the numbers: oha at 16
# connections, the lookup at one).
DEFAULT_CONCURRENCY = {"lookup": [1], "empty": [1], "route": [1]}
# route: a bare HTTP route, no GraphQL, no token, no SQL (not a GraphQL request).
ROUTE_PATH = "/healthz"
DEFAULT_C = [16]
WRITE_EVERY = 10  # mixed: every 10th request is a write
VARIED_BODIES = 300  # varied: distinct (first, first, first) triples, sent in turn

QUERIES = {
    "nested": "{ companies(first: 10) { nodes { id name studios(first: 10) { nodes { id name "
    "businessArea executions(first: 10) { nodes { id status createdAt files { usageType "
    "file { id filename mimeType fileSize } } } } } } } } }",
    "flat": "query($id: UUID!) { studio(id: $id) { executions(first: 50) { nodes { id status "
    "durationSeconds } } } }",
    "lookup": "query($id: UUID!) { workflowExecution(id: $id) { id status createdAt "
    "inputData } }",
    "empty": "{ __typename }",
    "varied": "query($a: Int!, $b: Int!, $c: Int!) { companies(first: $a) { nodes { id "
    "studios(first: $b) { nodes { id executions(first: $c) { nodes { id status files { "
    "usageType file { id filename } } } } } } } } }",
    "counts": "{ companies(first: 10) { nodes { studios(first: 10) { nodes { id "
    "executions { totalCount } files { totalCount } } } } } }",
    "write": "mutation($input: UpdateStudioInput!) { updateStudio(input: $input) { studio { id "
    "name description updatedAt } } }",
    "create": "mutation($input: CreateWorkflowTemplateInput!) { createWorkflowTemplate(input: "
    "$input) { workflowTemplate { id name } } }",
}

DESCRIPTIONS = {
    "nested": "companies(first: 10) -> studios(first: 10) -> executions(first: 10) -> files",
    "flat": "one studio's executions(first: 50), three scalar fields",
    "lookup": "workflowExecution(id), one row",
    "empty": "`{ __typename }`: the gateway's own path for a request (HTTP, the token, "
    "admission, GraphQL) with no SQL; with the floor, it bounds what the lookup can reach",
    "route": f"`GET {ROUTE_PATH}`: hyper and axum answering a bare route, no token, GraphQL or "
    "SQL; with the floor, it bounds what any HTTP gateway on this machine can reach",
    "counts": "companies(first: 10) -> studios(first: 10) with their executions' and files' "
    "totalCount only",
    "write": "updateStudio: a new description, with the updatedAt of the previous answer "
    "(stale-object check); each connection has its own studio; returns the studio",
    "varied": f"nested's shape with `first` drawn from 1-10 at each level, {VARIED_BODIES} "
    "such queries in turn: batches of many sizes, as a client's queries make them",
    "mixed": f"{100 - 100 // WRITE_EVERY}% reads (lookup and flat in turn), "
    f"{100 // WRITE_EVERY}% createWorkflowTemplate with a unique name (platform-admin token)",
}


def log(msg: str) -> None:
    print(f"[bench {time.strftime('%H:%M:%S')}] {msg}", file=sys.stderr, flush=True)


class BenchError(Exception):
    pass


# ---------------------------------------------------------------------------------------------
# Command line and tools


def parse_args(argv: list[str] | None = None) -> argparse.Namespace:
    p = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    p.add_argument("--scale", type=int, default=20, help="seed scale: companies (default 20)")
    p.add_argument("--concurrency", default=None,
                   help="comma-separated connection counts for every scenario (default: 1 for "
                   "lookup and empty, 16 for the others)")
    p.add_argument("--duration", type=int, default=10, help="seconds per point (default 10)")
    p.add_argument("--backends", default="postgres,sqlite",
                   help="comma-separated: postgres, sqlite (default both)")
    p.add_argument("--scenarios", default=",".join(DEFAULT_SCENARIOS),
                   help=f"comma-separated subset of {','.join(SCENARIOS)} "
                   f"(default {','.join(DEFAULT_SCENARIOS)})")
    p.add_argument("--label", default="",
                   help="added to the result file names: <date>-<label>.md (e.g. before, after)")
    p.add_argument("--out", default=str(BENCH / "results"),
                   help="directory for the .md/.json/.png results (default bench/results)")
    p.add_argument("--bin", default=str(ROOT / "target/release/studiogate"),
                   help="studiogate binary (default target/release/studiogate)")
    p.add_argument("--source", default=str(ROOT),
                   help="the git checkout the binary was built from, for the commit in the "
                   "results (default: this one)")
    p.add_argument("--pg-url",
                   default=os.environ.get("PG_URL", "postgres://postgres@127.0.0.1:5432"),
                   help="PostgreSQL server URL without a database (env PG_URL)")
    p.add_argument("--pg-log", default=None,
                   help="PostgreSQL server log, for the floor (default: found with pg_lsclusters)")
    p.add_argument("--no-floor", action="store_true", help="skip the pgbench floor")
    p.add_argument("--timeout", type=int, default=30, help="wrk request timeout, s (default 30)")
    p.add_argument("--compare", nargs=2, metavar=("BEFORE.json", "AFTER.json"),
                   help="no run: print a markdown comparison of two result files (see "
                   "bench/compare.py)")
    args = p.parse_args(argv)
    if args.compare:
        return args
    args.backends = [b.strip() for b in args.backends.split(",") if b.strip()]
    args.scenarios = [s.strip() for s in args.scenarios.split(",") if s.strip()]
    for b in args.backends:
        if b not in ("postgres", "sqlite"):
            p.error(f"unknown backend {b!r}")
    for s in args.scenarios:
        if s not in SCENARIOS:
            p.error(f"unknown scenario {s!r}")
    if args.concurrency is None:
        args.concurrency = {s: DEFAULT_CONCURRENCY.get(s, DEFAULT_C) for s in args.scenarios}
    else:
        cs = sorted({int(c) for c in args.concurrency.split(",") if c.strip()})
        if not cs or min(cs) < 1:
            p.error("concurrency must be positive")
        args.concurrency = {s: cs for s in args.scenarios}
    if args.duration < 1 or args.scale < 1:
        p.error("duration and scale must be positive")
    if args.label and not re.fullmatch(r"[\w.-]+", args.label):
        p.error("--label: letters, digits, '.', '-' and '_' only")
    return args


def ensure_wrk() -> None:
    if shutil.which("wrk"):
        return
    if os.geteuid() != 0:
        raise BenchError("wrk is not installed: install it with `apt-get install -y wrk`")
    log("wrk missing: apt-get install -y wrk")
    for cmd in (["apt-get", "install", "-y", "wrk"], ["apt-get", "update"],
                ["apt-get", "install", "-y", "wrk"]):
        subprocess.run(cmd, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, check=False)
        if shutil.which("wrk"):
            return
    raise BenchError("could not install wrk; install it with `apt-get install -y wrk`")


def ensure_matplotlib() -> bool:
    if importlib.util.find_spec("matplotlib"):
        return True
    log("matplotlib missing: pip install matplotlib")
    r = subprocess.run([sys.executable, "-m", "pip", "install", "-q", "matplotlib"], check=False)
    if r.returncode == 0:
        return True
    log("WARNING: no matplotlib, the chart will be skipped")
    return False


def require(*tools: str) -> None:
    missing = [t for t in tools if not shutil.which(t)]
    if missing:
        raise BenchError(f"missing tools: {', '.join(missing)}")


def sh(cmd: list[str], **kw) -> str:
    return subprocess.run(cmd, check=True, capture_output=True, text=True, **kw).stdout


# ---------------------------------------------------------------------------------------------
# Machine and build facts for the results header


def machine_info() -> dict:
    cpu = "unknown"
    with contextlib.suppress(OSError):
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                cpu = line.split(":", 1)[1].strip()
                break
    mem_kib = 0
    with contextlib.suppress(OSError):
        for line in Path("/proc/meminfo").read_text().splitlines():
            if line.startswith("MemTotal:"):
                mem_kib = int(line.split()[1])
    return {"nproc": os.cpu_count(), "cpu": cpu, "mem_gib": round(mem_kib / 1024 / 1024, 1),
            "kernel": platform.release()}


def load_average() -> str:
    return " ".join(f"{x:.2f}" for x in os.getloadavg())


def build_info(binary: Path, source: Path) -> dict:
    def git(*a: str) -> str:
        r = subprocess.run(["git", *a], cwd=source, capture_output=True, text=True, check=False)
        return r.stdout.strip()

    dirty = git("status", "--porcelain", "--", "src", "crates", "migration", "Cargo.toml",
                "Cargo.lock")
    built = dt.datetime.fromtimestamp(binary.stat().st_mtime).strftime("%Y-%m-%d %H:%M")
    return {"commit": git("rev-parse", "--short", "HEAD") or "unknown", "dirty": bool(dirty),
            "binary": str(binary), "built": built}


def tool_versions(backends: list[str], pg_url: str) -> dict:
    wrk = subprocess.run(["wrk", "-v"], capture_output=True, text=True).stdout
    v = {"wrk": (wrk.splitlines() or ["?"])[0].split(" [")[0].removeprefix("wrk ")}
    if "postgres" in backends:
        v["postgres"] = psql(pg_url, "postgres", "SHOW server_version").strip().split(" ")[0]
        v["pgbench"] = re.search(r"\d+(?:\.\d+)+", sh(["pgbench", "--version"])).group(0)
    return v


# ---------------------------------------------------------------------------------------------
# Databases


def psql(pg_url: str, db: str, sql: str) -> str:
    return sh(["psql", "-X", "-q", "-At", "-v", "ON_ERROR_STOP=1", f"{pg_url}/{db}", "-c", sql])


def create_database(backend: str, args: argparse.Namespace, tmp: Path) -> str:
    if backend == "postgres":
        drop_database(args.pg_url)
        psql(args.pg_url, "postgres", f"CREATE DATABASE {PG_DB}")
        # As in the measurements; applies to every later connection (gateway, pgbench).
        psql(args.pg_url, "postgres", f"ALTER DATABASE {PG_DB} SET synchronous_commit = off")
        return f"{args.pg_url}/{PG_DB}"
    return f"sqlite://{tmp}/bench.db?mode=rwc"


def drop_database(pg_url: str) -> None:
    psql(pg_url, "postgres", f"DROP DATABASE IF EXISTS {PG_DB} WITH (FORCE)")


def seed(binary: Path, url: str, scale: int, env: dict) -> dict:
    t0 = time.monotonic()
    out = sh([str(binary), "seed", "--scale", str(scale), "--database-url", url], env=env)
    log(f"seeded scale {scale} in {time.monotonic() - t0:.1f} s")
    return json.loads(out.strip().splitlines()[-1])


# ---------------------------------------------------------------------------------------------
# The server


class Server:
    """One `studiogate serve` process on a free port."""

    def __init__(self, binary: Path, url: str, env: dict, workdir: Path, name: str):
        self.stderr = open(workdir / f"serve-{name}.log", "w")
        self.proc = subprocess.Popen(
            [str(binary), "serve", "--listen", "127.0.0.1:0", "--database-url", url],
            cwd=workdir, env=env, stdout=subprocess.PIPE, stderr=self.stderr, text=True)
        lines: queue.Queue[str] = queue.Queue()
        threading.Thread(target=self._drain, args=(lines,), daemon=True).start()
        try:
            self.base = self._wait_listening(lines)
            self._wait_ready()
        except BaseException:
            self.stop()
            raise

    def _drain(self, lines: queue.Queue) -> None:
        for line in self.proc.stdout:
            lines.put(line)

    def _wait_listening(self, lines: queue.Queue) -> str:
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline:
            try:
                line = lines.get(timeout=0.5)
            except queue.Empty:
                if self.proc.poll() is not None:
                    break
                continue
            m = re.search(r"listening on (http://\S+)", line)
            if m:
                return m.group(1).rstrip("/")
        raise BenchError(f"server did not start; see {self.stderr.name}")

    def _wait_ready(self) -> None:
        deadline = time.monotonic() + 30
        while time.monotonic() < deadline:
            with contextlib.suppress(OSError):
                with urllib.request.urlopen(self.base + "/readyz", timeout=2) as r:
                    if r.status == 200:
                        return
            time.sleep(0.1)
        raise BenchError("server never became ready")

    @property
    def pid(self) -> int:
        return self.proc.pid

    def stop(self) -> None:
        if self.stderr.closed:
            return
        if self.proc.poll() is None:
            self.proc.send_signal(signal.SIGTERM)
            try:
                self.proc.wait(timeout=15)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait()
        self.stderr.close()

    def graphql(self, body: bytes, token: str) -> dict:
        req = urllib.request.Request(
            self.base + "/graphql", data=body, method="POST",
            headers={"Content-Type": "application/json", "Authorization": f"Bearer {token}"})
        with urllib.request.urlopen(req, timeout=120) as r:
            return json.loads(r.read())

    def counters(self) -> tuple[float, float]:
        """(SQL statements, GraphQL requests) so far, from /metrics."""
        with urllib.request.urlopen(self.base + "/metrics", timeout=10) as r:
            text = r.read().decode()
        values = {}
        for line in text.splitlines():
            parts = line.split()
            if len(parts) == 2 and not line.startswith("#"):
                values[parts[0]] = float(parts[1])
        return (values["studiogate_db_statements_total"],
                values.get("studiogate_graphql_requests_total", float("nan")))

    def settled_counters(self, timeout: float = 60, quiet: float = 0.5) -> tuple[float, float]:
        """Counters once in-flight requests are done: unchanged for `quiet` seconds."""
        last, since = self.counters(), time.monotonic()
        deadline = since + timeout
        while time.monotonic() < deadline:
            time.sleep(0.1)
            now = self.counters()
            if now != last:
                last, since = now, time.monotonic()
            elif time.monotonic() - since >= quiet:
                break
        return last

    def status_kib(self, key: str) -> int | None:
        with contextlib.suppress(OSError):
            for line in Path(f"/proc/{self.pid}/status").read_text().splitlines():
                if line.startswith(key + ":"):
                    return int(line.split()[1])
        return None

    def reset_peak_rss(self) -> bool:
        """Reset VmHWM to the current RSS (Linux: write 5 to clear_refs)."""
        try:
            Path(f"/proc/{self.pid}/clear_refs").write_text("5")
            return True
        except OSError:
            return False


class RssSampler:
    """Samples VmRSS every 50 ms: the peak when VmHWM cannot be reset."""

    def __init__(self, server: Server):
        self.server, self.peak, self._stop = server, 0, threading.Event()
        self._thread = threading.Thread(target=self._run, daemon=True)
        self._thread.start()

    def _run(self) -> None:
        while not self._stop.is_set():
            self.peak = max(self.peak, self.server.status_kib("VmRSS") or 0)
            self._stop.wait(0.05)

    def stop(self) -> int:
        self._stop.set()
        self._thread.join()
        return self.peak


# ---------------------------------------------------------------------------------------------
# Request bodies and checks


def body(query: str, variables: dict | None = None) -> bytes:
    payload = {"query": query}
    if variables is not None:
        payload["variables"] = variables
    return json.dumps(payload).encode()


def create_body(name: str) -> bytes:
    """mixed's write: a new catalog template (platform admins only)."""
    return body(QUERIES["create"], {"input": {
        "name": name,
        "description": "Created by the studiogate benchmark (bench/run.py).",
        "businessArea": "MARKETING",
        "activepiecesFlowId": "6f1c3a52-0b8e-4c57-9d0e-4a1b2c3d4e5f",
        "inputSchema": {"type": "object"},
        "estimatedDurationMinutes": 5,
        "complexityLevel": "BEGINNER",
        "version": "1.0.0",
    }})


def update_body(studio_id: str, updated_at: str, description: str) -> bytes:
    """write: a studio's new description, with the updatedAt last seen (stale-object check)."""
    return body(QUERIES["write"], {"input": {"id": studio_id, "updatedAt": updated_at,
                                             "description": description}})


def discover_ids(server: Server, token: str) -> tuple[str, str]:
    """A studio id (for flat) and an execution id (for lookup)."""
    q = "{ companies(first: 1) { nodes { studios(first: 1) { nodes { id executions(first: 1) " \
        "{ nodes { id } } } } } } }"
    data = checked(server.graphql(body(q), token), "discover ids")
    studio = data["companies"]["nodes"][0]["studios"]["nodes"][0]
    return studio["id"], studio["executions"]["nodes"][0]["id"]


def studios_to_update(server: Server, token: str, n: int) -> list[tuple[str, str]]:
    """n studios (id, updatedAt) for `write`, one per connection, spread over the companies.
    Read just before each point: updatedAt moves with every write."""
    q = "{ companies(first: 100) { nodes { studios(first: 10) { nodes { id updatedAt } } } } }"
    data = checked(server.graphql(body(q), token), "studios for write")
    per_company = [c["studios"]["nodes"] for c in data["companies"]["nodes"]]
    spread = [s for i in range(10) for studios in per_company if i < len(studios)
              for s in [studios[i]]]
    if len(spread) < n:
        raise BenchError(f"write at {n} connections needs {n} studios; the viewer sees "
                         f"{len(spread)} (raise --scale)")
    return [(s["id"], s["updatedAt"]) for s in spread[:n]]


def write_bodies(tmp: Path, studio_id: str, execution_id: str) -> dict[str, Path]:
    bodies = {
        "nested": body(QUERIES["nested"]),
        "flat": body(QUERIES["flat"], {"id": studio_id}),
        "lookup": body(QUERIES["lookup"], {"id": execution_id}),
        "empty": body(QUERIES["empty"]),
        "counts": body(QUERIES["counts"]),
        "create": create_body("__NAME__"),
        "update": update_body("__ID__", "__UPDATED_AT__", "__DESC__"),
    }
    paths = {}
    for name, data in bodies.items():
        paths[name] = tmp / f"{name}.json"
        paths[name].write_bytes(data)
    # varied: one body a line (JSON without newlines), the same list in every run.
    rng = random.Random(14)
    triples = [{k: rng.randint(1, 10) for k in "abc"} for _ in range(VARIED_BODIES)]
    paths["varied"] = tmp / "varied.jsonl"
    paths["varied"].write_bytes(b"\n".join(body(QUERIES["varied"], t) for t in triples) + b"\n")
    return paths


# ---------------------------------------------------------------------------------------------
# The viewer: an approved member of every company (not a platform admin)


def mint_token(binary: Path, account: str, env: dict) -> str:
    return sh([str(binary), "token", "--sub", account, "--ttl-secs", "86400"], env=env).strip()


def join_every_company(server: Server, binary: Path, env: dict, summary: dict) -> str:
    """Makes the first approved member of the seed's first company an approved member of every
    other company too, the way a user would: `requestCompanyMembership` with its own token,
    then `approveMembership` by that company's admin (the seed's account 0 of each company).
    Returns the member's account id."""
    companies = summary["companies"]
    member = companies[0]["people"]["members"][0]
    token = mint_token(binary, member, env)
    request = "mutation($input: CompanyIdInput!) { requestCompanyMembership(input: $input) " \
              "{ membership { id status } } }"
    approve = "mutation($input: MembershipInput!) { approveMembership(input: $input) " \
              "{ membership { id status } } }"
    joined = 0
    for company in companies:
        if member in company["people"]["members"] or member == company["people"]["admin"]:
            continue
        data = checked(server.graphql(body(request, {"input": {"companyId": company["id"]}}),
                                      token), f"requestCompanyMembership {company['name']}")
        membership = data["requestCompanyMembership"]["membership"]["id"]
        admin_token = mint_token(binary, company["people"]["admin"], env)
        data = checked(server.graphql(body(approve, {"input": {"membershipId": membership}}),
                                      admin_token), f"approveMembership {company['name']}")
        status = data["approveMembership"]["membership"]["status"]
        if status != "APPROVED":
            raise BenchError(f"approveMembership {company['name']}: status {status}")
        joined += 1
    log(f"viewer {member}: joined {joined} companies ({len(companies)} in all)")
    return member


def check_sees_every_company(server: Server, token: str, expected: int) -> None:
    q = "{ companies { totalCount } }"
    deadline = time.monotonic() + 15  # in case the server caches memberships for a while
    while True:
        seen = checked(server.graphql(body(q), token), "companies")["companies"]["totalCount"]
        if seen == expected:
            return
        if time.monotonic() > deadline:
            raise BenchError(f"the viewer sees {seen} companies, not {expected}")
        time.sleep(0.5)


def checked(response: dict, what: str) -> dict:
    if response.get("errors") or not response.get("data"):
        raise BenchError(f"{what}: GraphQL errors: {json.dumps(response)[:1000]}")
    return response["data"]


def describe(scenario: str, data: dict) -> str:
    """What one response holds, to state the size of the work in the results."""
    if scenario == "nested":
        companies = data["companies"]["nodes"]
        studios = [s for c in companies for s in c["studios"]["nodes"]]
        execs = [e for s in studios for e in s["executions"]["nodes"]]
        files = sum(len(e["files"]) for e in execs)
        return (f"{len(companies)} companies, {len(studios)} studios, {len(execs)} executions, "
                f"{files} file usages")
    if scenario == "flat":
        return f"{len(data['studio']['executions']['nodes'])} executions"
    if scenario == "lookup":
        return "1 execution" if data["workflowExecution"] else "no execution"
    if scenario == "empty":
        return "no rows"
    if scenario == "varied":
        return ""
    if scenario == "counts":
        studios = [s for c in data["companies"]["nodes"] for s in c["studios"]["nodes"]]
        return f"{len(studios)} studios, two counts each"
    return ""


def check_scenario(server: Server, tokens: dict[str, str], scenario: str,
                   bodies: dict[str, Path], tag: str) -> str:
    """One request of each kind the scenario sends; fails on any GraphQL error."""
    token = tokens[scenario]
    if scenario == "route":
        with urllib.request.urlopen(server.base + ROUTE_PATH, timeout=10) as r:
            if r.status != 200:
                raise BenchError(f"route: GET {ROUTE_PATH} answered {r.status}")
        return ""
    if scenario == "mixed":
        for kind in ("lookup", "flat"):
            checked(server.graphql(bodies[kind].read_bytes(), token), f"mixed/{kind}")
        checked(server.graphql(create_body(f"bench check {tag}"), token), "mixed/write")
        return ""
    if scenario == "write":
        (studio, updated_at), = studios_to_update(server, token, 1)
        data = checked(server.graphql(update_body(studio, updated_at, f"bench check {tag}"),
                                      token), "write")
        # The answer's updatedAt is the token for the next write of that studio.
        checked(server.graphql(update_body(
            studio, data["updateStudio"]["studio"]["updatedAt"], f"bench check {tag} 2"),
            token), "write (with the updatedAt of the previous answer)")
        return ""
    if scenario == "varied":
        for line in bodies["varied"].read_bytes().splitlines()[:3]:
            checked(server.graphql(line, token), "varied")
        return describe(scenario, {})
    data = checked(server.graphql(bodies[scenario].read_bytes(), token), scenario)
    return describe(scenario, data)


# ---------------------------------------------------------------------------------------------
# CPU time from /proc

CLK_TCK = os.sysconf("SC_CLK_TCK")


def proc_stat(pid: int | str) -> list[str] | None:
    """Fields of /proc/PID/stat after the command name (index 0 = state, field 3)."""
    try:
        text = Path(f"/proc/{pid}/stat").read_text()
    except OSError:
        return None
    return text[text.rindex(")") + 2:].split()


def cpu_seconds(pid: int) -> float:
    """utime + stime of a process (all its threads), s."""
    f = proc_stat(pid)
    return (int(f[11]) + int(f[12])) / CLK_TCK if f else float("nan")


def postgres_pids() -> dict[int, int]:
    """Every local PostgreSQL server process: pid -> parent pid."""
    pids = {}
    for d in os.listdir("/proc"):
        if not d.isdigit():
            continue
        with contextlib.suppress(OSError):
            comm = Path(f"/proc/{d}/comm").read_text().strip()
            if comm in ("postgres", "postmaster"):
                f = proc_stat(d)
                if f:
                    pids[int(d)] = int(f[1])
    return pids


BACKEND_TITLE = re.compile(r": (\S+) (\S+) (\[local\]|\S+\(\d+\))")


def backend_database(pid: int) -> str | None:
    """The database of a client backend, from its process title; None for other processes."""
    with contextlib.suppress(OSError):
        m = BACKEND_TITLE.search(Path(f"/proc/{pid}/cmdline").read_text().replace("\0", " "))
        if m:
            return m.group(2)
    return None


@dataclass
class PgSnapshot:
    ticks: int  # every live process + the postmaster's exited children
    foreign: dict[int, int]  # backends of other databases: pid -> ticks


def postgres_snapshot() -> PgSnapshot | None:
    pids = postgres_pids()
    if not pids:
        return None
    total, foreign = 0, {}
    for pid, ppid in pids.items():
        f = proc_stat(pid)
        if not f:
            continue
        ticks = int(f[11]) + int(f[12])
        total += ticks
        if ppid not in pids:  # the postmaster
            total += int(f[13]) + int(f[14])
        db = backend_database(pid)
        if db is not None and db != PG_DB:
            foreign[pid] = ticks
    return PgSnapshot(total, foreign)


def postgres_cpu_seconds(before: PgSnapshot | None, after: PgSnapshot | None,
                         notes: list[str] | None = None) -> float:
    """PostgreSQL's CPU time between two snapshots, s: utime + stime of every live server
    process (postmaster, backends, walwriter, checkpointer, autovacuum, ...) plus the
    postmaster's cutime + cstime, the time of its children that have exited (a backend that
    ends within the window moves its time from the first sum to the second, so every process
    that ran in the window counts). Less the time of live backends of other databases (tests
    sharing the server); a backend of another database that exits within the window still
    counts, and is noted. NaN without a local PostgreSQL."""
    if before is None or after is None:
        return float("nan")
    foreign = sum(t - before.foreign.get(pid, 0) for pid, t in after.foreign.items())
    gone = set(before.foreign) - set(after.foreign)
    if gone and notes is not None:
        notes.append(f"{len(gone)} backend(s) of other databases exited during the window; "
                     "their time is in the PostgreSQL CPU")
    return (after.ticks - before.ticks - foreign) / CLK_TCK


def wait_backends_gone(before: set[int], timeout: float = 5) -> None:
    """Waits until the bench database's backends started since `before` (pgbench's) have
    exited and been reaped, so that their time is in the postmaster's cutime."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if not [p for p in set(postgres_pids()) - before if backend_database(p) == PG_DB]:
            return
        time.sleep(0.05)
    log("WARNING: pgbench's backends did not exit in time; PostgreSQL CPU may be short")


# ---------------------------------------------------------------------------------------------
# wrk


@dataclass
class Point:
    backend: str
    scenario: str
    concurrency: int
    rps: float
    p50_ms: float
    p99_ms: float
    requests: int
    errors: int
    error_detail: str
    sql_per_request: float
    server_requests: int
    peak_rss_mib: float
    writes: int
    gateway_cpu_ms: float = float("nan")  # per request
    postgres_cpu_ms: float = float("nan")  # per request, PostgreSQL only
    cpu_notes: str = ""


def run_wrk(server: Server, token: str, scenario: str, bodies: dict[str, Path], c: int,
            args, tag: str, tmp: Path, studios: list[tuple[str, str]]) -> dict:
    """wrk for `duration` seconds, then a drain: connections stop sending, in-flight requests
    finish, and only then is wrk stopped, so no request is cut off (and SQL/req is exact)."""
    # wrk gives each thread connections/threads connections: keep the division exact.
    threads = 2 if c % 2 == 0 else 1
    flag = tmp / f"drain-{tag}"
    idle = [Path(f"{flag}.idle.{i}") for i in range(threads)]
    env = dict(os.environ, BENCH_TOKEN=token, BENCH_DRAIN_FLAG=str(flag),
               BENCH_CONNS_PER_THREAD=str(c // threads))
    if scenario == "mixed":
        env.update(BENCH_READS=f"{bodies['lookup']},{bodies['flat']}",
                   BENCH_WRITE=str(bodies["create"]), BENCH_WRITE_EVERY=str(WRITE_EVERY),
                   BENCH_RUN=tag)
    elif scenario == "write":
        listing = tmp / f"studios-{tag}.txt"
        listing.write_text("".join(f"{i} {u}\n" for i, u in studios))
        env.update(BENCH_UPDATE=str(bodies["update"]), BENCH_STUDIOS=str(listing),
                   BENCH_THREADS=str(threads), BENCH_RUN=tag)
    elif scenario == "varied":
        env["BENCH_BODIES"] = str(bodies["varied"])
    elif scenario == "route":
        env["BENCH_PATH"] = ROUTE_PATH
    else:
        env["BENCH_BODY"] = str(bodies[scenario])
    cmd = ["wrk", "-t", str(threads), "-c", str(c), "-d", f"{args.duration + args.timeout + 30}s",
           "--timeout", f"{args.timeout}s", "-s", str(LUA), server.base + "/graphql"]
    proc = subprocess.Popen(cmd, env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                            text=True)
    try:
        start = time.monotonic()
        time.sleep(args.duration)
        flag.touch()
        active = time.monotonic() - start
        deadline = time.monotonic() + args.timeout + 5
        while not all(p.exists() for p in idle) and time.monotonic() < deadline:
            if proc.poll() is not None:
                break
            time.sleep(0.05)
        proc.send_signal(signal.SIGINT)
        out, err = proc.communicate(timeout=60)
    finally:
        if proc.poll() is None:
            proc.kill()
            proc.wait()
        for p in (flag, *idle):
            p.unlink(missing_ok=True)
    for line in out.splitlines():
        if line.startswith("BENCH_JSON "):
            result = json.loads(line[len("BENCH_JSON "):])
            result["active_s"] = active
            return result
    raise BenchError(f"wrk failed ({proc.returncode}): {out}\n{err}")


ERROR_KINDS = {"status_errors": "non-2xx", "connect_errors": "connect", "read_errors": "read",
               "write_errors": "write", "timeouts": "timeout", "graphql_errors": "GraphQL"}


def measure_point(server: Server, backend: str, scenario: str, c: int, args, token: str,
                  bodies: dict[str, Path], tag: str, tmp: Path) -> Point:
    # write: each connection's studio and its current updatedAt (read before the counters).
    studios = studios_to_update(server, token, c) if scenario == "write" else []
    stmts0, reqs0 = server.settled_counters()
    hwm_reset = server.reset_peak_rss()
    sampler = RssSampler(server)
    gw0, pg0 = cpu_seconds(server.pid), postgres_snapshot()
    w = run_wrk(server, token, scenario, bodies, c, args, tag, tmp, studios)
    stmts1, reqs1 = server.settled_counters()
    gw1, pg1 = cpu_seconds(server.pid), postgres_snapshot()
    notes: list[str] = []
    pg_cpu = postgres_cpu_seconds(pg0, pg1, notes)
    sampled = sampler.stop()
    peak_kib = server.status_kib("VmHWM") if hwm_reset else sampled
    # Older binaries have no request counter, and `route` is no GraphQL request: wrk's count.
    server_reqs = (w["requests"] if reqs1 != reqs1 or scenario == "route"
                   else int(reqs1 - reqs0))
    detail = ", ".join(f"{w[k]} {label}" for k, label in ERROR_KINDS.items() if w.get(k))
    if server_reqs != w["requests"]:
        # Requests the server started but wrk did not see complete (cut off or timed out).
        detail += (", " if detail else "") + f"{server_reqs - w['requests']} unfinished"
    per_req = 1000 / server_reqs if server_reqs > 0 else float("nan")
    return Point(
        backend=backend, scenario=scenario, concurrency=c,
        # Every request wrk completed was sent within the active window.
        rps=w["requests"] / w["active_s"],
        p50_ms=w["p50_us"] / 1000, p99_ms=w["p99_us"] / 1000,
        requests=w["requests"], errors=sum(w.get(k, 0) for k in ERROR_KINDS),
        error_detail=detail,
        sql_per_request=(stmts1 - stmts0) / server_reqs if server_reqs > 0 else float("nan"),
        server_requests=server_reqs, peak_rss_mib=(peak_kib or 0) / 1024,
        writes=w.get("writes_sent", 0),
        gateway_cpu_ms=(gw1 - gw0) * per_req,
        postgres_cpu_ms=pg_cpu * per_req if backend == "postgres" else float("nan"),
        cpu_notes="; ".join(notes) if backend == "postgres" else "")


# ---------------------------------------------------------------------------------------------
# The PostgreSQL floor: the statements of one request, replayed by pgbench


@dataclass
class Statement:
    sql: str
    params: dict[int, str] = field(default_factory=dict)


LOG_LINE = re.compile(r"^\d{4}-\d\d-\d\d \d\d:\d\d:\d\d(?:\.\d+)? \S+ \[(\d+)\] (\S*)@(\S*) "
                      r"([A-Z]+):  (.*)$")
PARAM = re.compile(r"\$(\d+) = (NULL|'(?:[^']|'')*')")


def find_pg_log(args) -> Path | None:
    if args.pg_log:
        return Path(args.pg_log)
    port = re.search(r":(\d+)", args.pg_url.split("@")[-1])
    port = port.group(1) if port else "5432"
    with contextlib.suppress(OSError, subprocess.CalledProcessError):
        for line in sh(["pg_lsclusters", "--no-header"]).splitlines():
            cols = line.split()
            if len(cols) >= 7 and cols[2] == port:
                return Path(cols[6])
    return None


def log_entries(text: str):
    """(pid, database, level, message) per log entry; continuation lines start with a tab."""
    entry = None
    for line in text.splitlines():
        m = LOG_LINE.match(line)
        if m:
            if entry:
                yield entry
            entry = [m.group(1), m.group(3), m.group(4), m.group(5)]
        elif entry and line.startswith("\t"):
            entry[3] += "\n" + line[1:]
    if entry:
        yield entry


def parse_statements(text: str, db: str) -> list[Statement]:
    statements: list[Statement] = []
    last_by_pid: dict[str, Statement] = {}
    for pid, database, level, message in log_entries(text):
        if database != db:
            continue
        if level == "LOG":
            m = re.match(r"(?:execute [^:]+|statement): (.*)", message, re.S)
            if m:
                last_by_pid[pid] = Statement(m.group(1).strip())
                statements.append(last_by_pid[pid])
        elif level == "DETAIL" and message.startswith("parameters: ") and pid in last_by_pid:
            last_by_pid[pid].params = {int(n): v for n, v in PARAM.findall(message)}
    return statements


def pgbench_literal(value: str) -> str:
    """A logged parameter as an SQL literal pgbench leaves alone (no `:name` inside)."""
    if value == "NULL" or ":" not in value:
        return value
    inner = value[1:-1].replace("\\", "\\\\").replace(":", "\\x3a")
    return f"E'{inner}'"


def pgbench_script(statements: list[Statement]) -> str:
    out = []
    for st in statements:
        def substitute(m: re.Match, st=st) -> str:
            n = int(m.group(1))
            if n not in st.params:
                raise BenchError(f"no logged value for ${n} in: {st.sql[:200]}")
            return pgbench_literal(st.params[n])
        out.append(re.sub(r"\$(\d+)(?!\d)", substitute, st.sql).rstrip(";") + ";")
    return "\n".join(out) + "\n"


def capture_scripts(server: Server, token: str, pg_log: Path, bodies: dict[str, Path],
                    scenarios: list[str], tmp: Path) -> dict[str, dict]:
    """Per floor scenario: the pgbench script of one request's statements."""
    scripts = {}
    for scenario in scenarios:
        request = bodies[scenario].read_bytes()
        checked(server.graphql(request, token), scenario)  # warm: pool connections, statements
        stmts0, _ = server.settled_counters()
        offset = pg_log.stat().st_size
        checked(server.graphql(request, token), scenario)
        stmts1, _ = server.settled_counters()
        time.sleep(0.5)  # the server log is written asynchronously
        with open(pg_log, "rb") as f:
            f.seek(offset)
            text = f.read().decode("utf-8", "replace")
        statements = parse_statements(text, PG_DB)
        if len(statements) != stmts1 - stmts0:
            raise BenchError(f"{scenario}: found {len(statements)} statements in {pg_log}, "
                             f"the gateway counted {stmts1 - stmts0}")
        path = tmp / f"floor-{scenario}.sql"
        path.write_text(pgbench_script(statements))
        scripts[scenario] = {"path": path, "statements": len(statements)}
        log(f"floor: {scenario} = {len(statements)} statements -> {path.name}")
    return scripts


def run_pgbench(pg_url: str, script: Path, c: int, duration: int, tmp: Path) -> dict:
    """PostgreSQL alone: transactions/s and latency percentiles (from the per-transaction log)."""
    logdir = Path(tempfile.mkdtemp(prefix="pgbench-", dir=tmp))
    cmd = ["pgbench", "-n", "-M", "prepared", "-f", str(script), "-c", str(c),
           "-j", str(min(2, c)), "-T", str(duration), "-l", "--log-prefix", str(logdir / "tx"),
           f"{pg_url}/{PG_DB}"]
    before = set(postgres_pids())
    pg0 = postgres_snapshot()
    r = subprocess.run(cmd, capture_output=True, text=True, timeout=duration + 120)
    wait_backends_gone(before)
    notes: list[str] = []
    pg_cpu = postgres_cpu_seconds(pg0, postgres_snapshot(), notes)
    tps = re.search(r"tps = ([\d.]+) \(without initial connection time\)", r.stdout)
    failed = re.search(r"number of failed transactions: (\d+)", r.stdout)
    if r.returncode != 0 or not tps:
        raise BenchError(f"pgbench failed ({r.returncode}): {r.stdout}\n{r.stderr}")
    latencies = []
    for f in logdir.iterdir():
        for line in f.read_text().splitlines():
            cols = line.split()
            if len(cols) >= 3 and cols[2].isdigit():
                latencies.append(int(cols[2]))
    shutil.rmtree(logdir, ignore_errors=True)
    done = re.search(r"number of transactions actually processed: (\d+)", r.stdout)
    transactions = int(done.group(1)) if done else len(latencies)
    return {"tps": float(tps.group(1)), "failed": int(failed.group(1)) if failed else 0,
            "transactions": transactions,
            "postgres_cpu_ms": pg_cpu * 1000 / transactions if transactions else float("nan"),
            "cpu_notes": "; ".join(notes),
            "p50_ms": percentile(latencies, 50) / 1000, "p99_ms": percentile(latencies, 99) / 1000}


def percentile(values: list[int], p: float) -> float:
    if not values:
        return float("nan")
    values = sorted(values)
    return values[min(len(values) - 1, int(round(p / 100 * (len(values) - 1))))]


# ---------------------------------------------------------------------------------------------
# One backend


def server_env(tmp: Path) -> dict:
    # The rate limiters stay on (their cost is part of every request) with budgets no load
    # generator here reaches: the bench measures the gateway, not the refusals.
    high = "1000000000"
    # The lease sweep (every 5 s by default) returns the seed's expired running executions to
    # pending: background statements and CPU that are no request's. Once an hour it runs only
    # at start, before any point.
    return dict(os.environ, STUDIOGATE_DEMO="off", STUDIOGATE_JWT_SECRET=JWT_SECRET,
                STUDIOGATE_LEASE_SWEEP_SECS="3600",
                RUST_LOG="warn", STUDIOGATE_STORAGE_DIR=str(tmp / "files"),
                STUDIOGATE_RATE_LIMIT_PER_SECOND=high, STUDIOGATE_RATE_LIMIT_BURST=high,
                STUDIOGATE_TENANT_RATE_LIMIT_PER_SECOND=high,
                STUDIOGATE_TENANT_RATE_LIMIT_BURST=high)


def bench_backend(backend: str, args, binary: Path, tmp: Path, report: dict) -> None:
    tmp = tmp / backend
    tmp.mkdir()
    url = create_database(backend, args, tmp)
    try:
        env = server_env(tmp)
        summary = seed(binary, url, args.scale, env)
        tokens = {}
        if "mixed" in args.scenarios:
            # mixed's write (createWorkflowTemplate) is for platform admins only.
            admin = summary["accounts"][0]["id"]
            grant_platform_admin(binary, admin, url, env)
            tokens["mixed"] = mint_token(binary, admin, env)
        bodies, scripts, member = prepare(backend, args, binary, url, env, summary, tmp, report)
        if backend == "postgres":
            # Statistics and visibility maps, as autovacuum leaves them within a minute of a
            # bulk load. Without this, autovacuum lands at a random point of the run: before
            # it, counts scan heap pages and the planner guesses without statistics. Then a
            # checkpoint, so that the pages the seed and the vacuum dirtied are not written
            # out by the checkpointer during the first points (its CPU counts as PostgreSQL's).
            psql(args.pg_url, PG_DB, "VACUUM ANALYZE")
            psql(args.pg_url, PG_DB, "CHECKPOINT")
        member_token = mint_token(binary, member, env)
        for scenario in args.scenarios:
            tokens.setdefault(scenario, member_token)
        for scenario in args.scenarios:
            bench_scenario(backend, scenario, args, binary, url, env, tokens, bodies, tmp,
                           report)
        for scenario, script in scripts.items():
            bench_floor(scenario, script, args, tmp, report)
    finally:
        if backend == "postgres":
            drop_database(args.pg_url)


def grant_platform_admin(binary: Path, account: str, url: str, env: dict) -> None:
    cmd = [str(binary), "admin", "grant", "--account", account, "--domain", "studios",
           "--database-url", url]
    r = subprocess.run(cmd, env=env, capture_output=True, text=True)
    if r.returncode != 0:
        raise BenchError(f"`{' '.join(cmd[1:5])}` failed: {r.stderr.strip()[-500:]}")


def prepare(backend: str, args, binary: Path, url: str, env: dict, summary: dict, tmp: Path,
            report: dict) -> tuple[dict[str, Path], dict[str, dict], str]:
    """On a first server: the viewer (a member of every company), the request bodies, and on
    PostgreSQL the floor's pgbench scripts."""
    pg_log = None
    floor = [s for s in FLOOR_SCENARIOS if s in args.scenarios]
    want_floor = backend == "postgres" and not args.no_floor and bool(floor)
    if want_floor:
        pg_log = find_pg_log(args)
        if not pg_log or not os.access(pg_log, os.R_OK):
            log(f"WARNING: PostgreSQL log {pg_log} not readable; no floor (use --pg-log)")
            report["notes"].append("No floor: the PostgreSQL server log was not readable.")
            want_floor = False
        else:
            # Only connections opened from now on log their statements: the server below.
            psql(args.pg_url, "postgres", f"ALTER DATABASE {PG_DB} SET log_statement = 'all'")
    try:
        server = Server(binary, url, env, tmp, "setup")
        try:
            member = join_every_company(server, binary, env, summary)
            token = mint_token(binary, member, env)
            check_sees_every_company(server, token, len(summary["companies"]))
            report["viewer"] = {"account": member, "companies": len(summary["companies"])}
            studio_id, execution_id = discover_ids(server, token)
            bodies = write_bodies(tmp, studio_id, execution_id)
            scripts = {}
            if want_floor:
                try:
                    scripts = capture_scripts(server, token, pg_log, bodies, floor, tmp)
                except BenchError as e:
                    log(f"WARNING: no floor: {e}")
                    report["notes"].append(f"No floor: {e}")
        finally:
            server.stop()
    finally:
        if want_floor:
            psql(args.pg_url, "postgres", f"ALTER DATABASE {PG_DB} RESET log_statement")
    return bodies, scripts, member


def bench_scenario(backend: str, scenario: str, args, binary: Path, url: str, env: dict,
                   tokens: dict[str, str], bodies: dict[str, Path], tmp: Path,
                   report: dict) -> None:
    """All concurrencies of one scenario on a fresh server (memory starts from a cold process)."""
    server = Server(binary, url, env, tmp, scenario)
    try:
        tag = f"{int(time.time())}"
        shape = check_scenario(server, tokens, scenario, bodies, tag)
        if shape:
            report["shapes"].setdefault(scenario, {})[backend] = shape
        for c in args.concurrency[scenario]:
            point = measure_point(server, backend, scenario, c, args, tokens[scenario], bodies,
                                  f"{tag}-c{c}", tmp)
            report["points"].append(asdict(point))
            log(f"{backend:8} {scenario:6} c={c:<3} {point.rps:9.1f} req/s  "
                f"p50 {point.p50_ms:8.2f} ms  p99 {point.p99_ms:8.2f} ms  "
                f"err {point.errors}  SQL/req {point.sql_per_request:.2f}  "
                f"CPU ms/req gw {point.gateway_cpu_ms:.3f} pg {point.postgres_cpu_ms:.3f}  "
                f"RSS {point.peak_rss_mib:.0f} MiB")
    finally:
        server.stop()


def bench_floor(scenario: str, script: dict, args, tmp: Path, report: dict) -> None:
    check = subprocess.run(["pgbench", "-n", "-M", "prepared", "-f", str(script["path"]),
                            "-t", "1", f"{args.pg_url}/{PG_DB}"], capture_output=True, text=True)
    if check.returncode != 0:
        raise BenchError(f"floor script {scenario} fails: {check.stdout}\n{check.stderr}")
    for c in args.concurrency[scenario]:
        f = run_pgbench(args.pg_url, script["path"], c, args.duration, tmp)
        f.update(scenario=scenario, concurrency=c, statements=script["statements"])
        report["floor"].append(f)
        log(f"floor    {scenario:6} c={c:<3} {f['tps']:9.1f} tx/s   "
            f"p50 {f['p50_ms']:8.2f} ms  p99 {f['p99_ms']:8.2f} ms  "
            f"CPU ms/tx pg {f['postgres_cpu_ms']:.3f}")


# ---------------------------------------------------------------------------------------------
# Results


def fmt(x: float, digits: int = 1) -> str:
    if x != x:  # NaN
        return "-"
    return f"{x:,.{digits}f}"


def concurrency_text(conc: dict[str, list[int]]) -> str:
    groups: dict[str, list[str]] = {}
    for scenario, cs in conc.items():
        groups.setdefault(",".join(map(str, cs)), []).append(scenario)
    return "; ".join(f"{', '.join(ss)}: {c}" for c, ss in groups.items())


def markdown(report: dict) -> str:
    m, b, a = report["machine"], report["build"], report["args"]
    viewer = report.get("viewer", {})
    lines = [
        f"# studiogate benchmark, {report['date']}" + (f" ({a['label']})" if a.get("label")
                                                       else ""),
        "",
        f"- Machine: {m['nproc']} cores ({m['cpu']}), {m['mem_gib']} GiB memory, "
        f"Linux {m['kernel']}; load average before {report['load_before']}, "
        f"after {report['load_after']}. wrk, PostgreSQL and the gateway share these cores.",
        f"- Commit: {b['commit']}" + (" (with uncommitted changes in the working tree)"
                                      if b["dirty"] else "")
        + f"; binary {b['binary']} built {b['built']}.",
        f"- Seed scale {a['scale']} ({a['scale']} companies, {a['scale'] * 10} studios, "
        f"{a['scale'] * 400} executions, {a['scale'] * 150} files); {a['duration']} s per "
        f"point; connections per scenario: {concurrency_text(a['concurrency'])} (wrk threads: "
        f"2, or 1 at odd concurrency); request timeout {a['timeout']} s. PostgreSQL database "
        f"with `synchronous_commit = off`.",
        f"- Tools: {', '.join(f'{k} {v}' for k, v in report['versions'].items())}.",
        "",
        f"Scenarios, as an approved member of all {viewer.get('companies', a['scale'])} "
        "companies (not a platform admin; `mixed` uses a platform admin):",
        "",
    ]
    for s in a["scenarios"]:
        shapes = report["shapes"].get(s, {})
        if len(set(shapes.values())) == 1:
            shape = next(iter(shapes.values()))
        else:
            shape = "; ".join(f"{k}: {v}" for k, v in shapes.items())
        lines.append(f"- `{s}`: {DESCRIPTIONS[s]}" + (f" (one response: {shape})" if shape else ""))
    lines += ["", "Latency is wrk's (client side, closed loop). Errors: non-2xx, socket errors and "
              "timeouts (and, in `write` and `mixed`, 200 responses carrying GraphQL `errors`). "
              "SQL/req: the change of `studiogate_db_statements_total` over the point divided by "
              "the GraphQL requests the server counted. CPU ms/req: the change over the point of "
              "utime + stime (/proc) of the gateway process, and of every PostgreSQL server "
              "process plus the postmaster's exited children, divided by the same requests. "
              "Peak RSS: the server's VmHWM during the point.", ""]
    for backend in a["backends"]:
        pts = [p for p in report["points"] if p["backend"] == backend]
        if not pts:
            continue
        pg = backend == "postgres"
        lines += [f"## {'PostgreSQL' if pg else 'SQLite'}", "",
                  "| scenario | concurrency | req/s | p50 ms | p99 ms | errors | SQL/req "
                  "| gateway CPU ms/req |" + (" PostgreSQL CPU ms/req |" if pg else "")
                  + " peak RSS MiB |",
                  "|---|--:|--:|--:|--:|--:|--:|--:|" + ("--:|" if pg else "") + "--:|"]
        for p in pts:
            err = str(p["errors"]) + (f" ({p['error_detail']})" if p["error_detail"] else "")
            lines.append(f"| {p['scenario']} | {p['concurrency']} | {fmt(p['rps'])} | "
                         f"{fmt(p['p50_ms'], 2)} | {fmt(p['p99_ms'], 2)} | {err} | "
                         f"{fmt(p['sql_per_request'], 2)} | "
                         f"{fmt(p.get('gateway_cpu_ms', NAN), 3)} | "
                         + (f"{fmt(p.get('postgres_cpu_ms', NAN), 3)} | " if pg else "")
                         + f"{fmt(p['peak_rss_mib'], 0)} |")
        lines.append("")
    if report["floor"]:
        lines += ["## Floor: PostgreSQL alone", "",
                  "The SQL statements one request sends (captured with `log_statement = 'all'`, "
                  "bind parameters inlined) replayed by `pgbench -M prepared`, one transaction "
                  "per request, same concurrency and duration. gateway/floor is the gateway's "
                  "req/s over PostgreSQL's transactions/s on this machine. PostgreSQL CPU: per "
                  "gateway request (from the table above) and per pgbench transaction.", "",
                  "| scenario | concurrency | statements | gateway req/s | PostgreSQL tx/s | "
                  "gateway/floor | gateway p99 ms | PostgreSQL p50 ms | PostgreSQL p99 ms | "
                  "PostgreSQL CPU ms/req, gateway | PostgreSQL CPU ms/tx, floor |",
                  "|---|--:|--:|--:|--:|--:|--:|--:|--:|--:|--:|"]
        for f in report["floor"]:
            g = gateway_point(report, f)
            ratio = g["rps"] / f["tps"] if g and f["tps"] else float("nan")
            lines.append(f"| {f['scenario']} | {f['concurrency']} | {f['statements']} | "
                         f"{fmt(g['rps']) if g else '-'} | {fmt(f['tps'])} | {fmt(ratio, 2)} | "
                         f"{fmt(g['p99_ms'], 2) if g else '-'} | {fmt(f['p50_ms'], 2)} | "
                         f"{fmt(f['p99_ms'], 2)} | "
                         f"{fmt(g.get('postgres_cpu_ms', NAN), 3) if g else '-'} | "
                         f"{fmt(f.get('postgres_cpu_ms', NAN), 3)} |")
        lines.append("")
        lines += serial_bounds(report)
    for note in report["notes"]:
        lines.append(f"Note: {note}")
    for row in report["points"] + report["floor"]:
        if row.get("cpu_notes"):
            what = "floor " if "tps" in row else f"{row['backend']} "
            lines.append(f"Note ({what}{row['scenario']}, c={row['concurrency']}): "
                         f"{row['cpu_notes']}.")
    if report.get("chart"):
        lines += ["", f"![throughput and CPU per request]({report['chart']})", ""]
    return "\n".join(lines).rstrip() + "\n"


NAN = float("nan")


def serial_bounds(report: dict) -> list[str]:
    """At one connection a request's time is the gateway's own path and then the database's
    answer, one after the other: no gateway can beat the sum of the two, however little it
    spends on the statements and rows. The gateway's path is `empty` (no SQL), and for any
    HTTP server on this machine at all `route` (a bare route). For each floor row at one
    connection, the most each allows, as a share of the floor."""
    rows = [f for f in report["floor"] if f["concurrency"] == 1 and f["tps"]]
    paths = [(scenario, p) for scenario in ("empty", "route")
             for p in [gateway_point(report, {"scenario": scenario, "concurrency": 1})]
             if p and p["rps"]]
    if not paths or not rows:
        return []
    lines = ["At one connection the gateway's own path and the database's answer follow each "
             "other, so their sum bounds what a request can reach:", ""]
    for scenario, p in paths:
        own_us = 1e6 / p["rps"]
        what = ("the gateway's own path (no SQL)" if scenario == "empty"
                else "a bare HTTP route (no token, GraphQL or SQL)")
        lines.append(f"- `{scenario}`, {what}: {fmt(own_us, 1)} µs a request "
                     f"({fmt(p['rps'])} req/s).")
        for f in rows:
            db_us = 1e6 / f["tps"]
            bound = 1e6 / (own_us + db_us)
            lines.append(f"  - `{f['scenario']}`: PostgreSQL alone answers in {fmt(db_us, 1)} "
                         f"µs; the two in turn allow at most {fmt(bound)} req/s, "
                         f"{fmt(bound / f['tps'], 2)} of the floor.")
    return lines + [""]


def gateway_point(report: dict, f: dict) -> dict | None:
    """The PostgreSQL point a floor row compares with."""
    return next((p for p in report["points"] if p["backend"] == "postgres"
                 and p["scenario"] == f["scenario"] and p["concurrency"] == f["concurrency"]),
                None)


def chart(report: dict, path: Path) -> bool:
    """Per backend: req/s per point (with PostgreSQL alone beside it) on top, CPU ms per request
    (gateway and PostgreSQL, stacked) below."""
    try:
        import matplotlib
        matplotlib.use("Agg")
        import matplotlib.pyplot as plt
    except ImportError:
        return False
    backends = [b for b in report["args"]["backends"]
                if any(p["backend"] == b for p in report["points"])]
    if not backends:
        return False
    fig, axes = plt.subplots(2, len(backends), figsize=(6.5 * len(backends), 8), squeeze=False)
    for col, backend in enumerate(backends):
        top, bottom = axes[0][col], axes[1][col]
        pts = [p for p in report["points"] if p["backend"] == backend]
        xs = list(range(len(pts)))
        labels = [f"{p['scenario']}\nc={p['concurrency']}" for p in pts]
        floor = [next((f for f in report["floor"] if f["scenario"] == p["scenario"]
                       and f["concurrency"] == p["concurrency"]), None)
                 if backend == "postgres" else None for p in pts]
        width = 0.4 if any(floor) else 0.8
        top.bar([x - (width / 2 if any(floor) else 0) for x in xs], [p["rps"] for p in pts],
                width, label="gateway")
        if any(floor):
            top.bar([x + width / 2 for x in xs], [f["tps"] if f else 0 for f in floor], width,
                    label="PostgreSQL alone (pgbench)", alpha=0.6)
        gw = [p.get("gateway_cpu_ms", NAN) for p in pts]
        pgc = [p.get("postgres_cpu_ms", NAN) for p in pts]
        bottom.bar(xs, [0 if v != v else v for v in gw], 0.6, label="gateway")
        if backend == "postgres":
            bottom.bar(xs, [0 if v != v else v for v in pgc], 0.6,
                       bottom=[0 if v != v else v for v in gw], label="PostgreSQL")
        name = "PostgreSQL" if backend == "postgres" else "SQLite"
        top.set_title(f"{name}: throughput")
        top.set_ylabel("requests/s (log)")
        top.set_yscale("log")
        bottom.set_title(f"{name}: CPU time per request")
        bottom.set_ylabel("ms")
        for ax in (top, bottom):
            ax.set_xticks(xs)
            ax.set_xticklabels(labels, fontsize=8)
            ax.grid(True, axis="y", which="both", alpha=0.3)
            ax.legend(fontsize=7, loc="upper right", framealpha=0.7)
    label = report["args"].get("label")
    fig.suptitle(f"studiogate {report['build']['commit']}{' (' + label + ')' if label else ''}, "
                 f"scale {report['args']['scale']}, {report['args']['duration']} s per point, "
                 f"{report['date']}")
    fig.tight_layout()
    fig.savefig(path, dpi=110)
    plt.close(fig)
    return True


def write_results(report: dict, out: Path, have_matplotlib: bool) -> Path:
    out.mkdir(parents=True, exist_ok=True)
    label = report["args"].get("label")
    base = report["date"] + (f"-{label}" if label else "")
    stem, n = out / base, 1
    while stem.with_suffix(".md").exists():  # a second run on the same day: <date>-2.md
        n += 1
        stem = out / f"{base}-{n}"
    if have_matplotlib and chart(report, stem.with_suffix(".png")):
        report["chart"] = stem.with_suffix(".png").name
    stem.with_suffix(".json").write_text(json.dumps(report, indent=1, default=str) + "\n")
    md = stem.with_suffix(".md")
    md.write_text(markdown(report))
    return md


# ---------------------------------------------------------------------------------------------


def estimate_seconds(args) -> int:
    """Measured overhead: about 1.2 s per point (drain, settle, wrk exit), 5 s per backend."""
    points = sum(len(args.concurrency[s]) for s in args.scenarios) * len(args.backends)
    floor = (sum(len(args.concurrency[s]) for s in args.scenarios if s in FLOOR_SCENARIOS)
             if "postgres" in args.backends and not args.no_floor else 0)
    return int((points + floor) * (args.duration + 1.2) + 5 * len(args.backends))


def interrupt(signum, frame) -> None:
    raise KeyboardInterrupt


def main(argv: list[str] | None = None) -> int:
    args = parse_args(argv)
    if args.compare:
        import compare
        sys.stdout.write(compare.compare(*(json.loads(Path(f).read_text())
                                           for f in args.compare)))
        return 0
    binary = Path(args.bin).resolve()
    if not binary.is_file():
        raise BenchError(f"no binary at {binary}: run `cargo build --release --bin studiogate`")
    ensure_wrk()
    if "postgres" in args.backends:
        require("psql", "pgbench")
    have_matplotlib = ensure_matplotlib()
    # SIGTERM/SIGHUP unwind like Ctrl-C, so the cleanup below runs.
    for sig in (signal.SIGTERM, signal.SIGHUP):
        signal.signal(sig, interrupt)

    report = {
        "date": dt.date.today().isoformat(), "machine": machine_info(),
        "build": build_info(binary, Path(args.source)), "versions": tool_versions(args.backends, args.pg_url),
        "args": {k: getattr(args, k) for k in ("scale", "concurrency", "duration", "backends",
                                               "scenarios", "timeout", "label")},
        "load_before": load_average(), "points": [], "floor": [], "shapes": {}, "notes": [],
    }
    log(f"about {estimate_seconds(args) / 60:.0f} min: {len(args.backends)} backend(s), "
        f"connections {concurrency_text(args.concurrency)}, {args.duration} s per point, "
        f"plus the floor")
    tmp = Path(tempfile.mkdtemp(prefix="studiogate-bench-"))
    try:
        for backend in args.backends:
            bench_backend(backend, args, binary, tmp, report)
    finally:
        shutil.rmtree(tmp, ignore_errors=True)
    report["load_after"] = load_average()
    md = write_results(report, Path(args.out), have_matplotlib)
    log(f"wrote {md}")
    return 0


if __name__ == "__main__":
    try:
        sys.exit(main())
    except BenchError as e:
        log(f"FAILED: {e}")
        sys.exit(1)
    except KeyboardInterrupt:
        log("interrupted; cleaned up")
        sys.exit(130)

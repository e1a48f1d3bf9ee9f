#!/usr/bin/env python3
"""Two bench/run.py results side by side, as markdown.

    python3 bench/compare.py bench/results/<date>-before.json bench/results/<date>-after.json
    python3 bench/run.py --compare before.json after.json        # the same

Per backend, one row per (scenario, concurrency) found in both runs: req/s before and after and
their ratio, gateway and PostgreSQL CPU ms per request, SQL statements per request and errors;
then the PostgreSQL floor (pgbench replay of each run's own captured statements).
"""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path

NAN = float("nan")


def fmt(x, digits: int = 1) -> str:
    if x is None or x != x:
        return "-"
    return f"{x:,.{digits}f}"


def arrow(before, after, digits: int) -> str:
    return f"{fmt(before, digits)} → {fmt(after, digits)}"


def ratio(before, after) -> str:
    if not before or before != before or after is None or after != after:
        return "-"
    return f"{after / before:.2f}×"


def run_name(report: dict) -> str:
    label = report["args"].get("label") or ""
    commit = report["build"]["commit"] + (" (dirty)" if report["build"].get("dirty") else "")
    return f"{label + ': ' if label else ''}{commit}, {report['date']}"


def keyed(rows: list[dict], **match) -> dict[tuple[str, int], dict]:
    return {(r["scenario"], r["concurrency"]): r for r in rows
            if all(r.get(k) == v for k, v in match.items())}


def compare(before: dict, after: dict) -> str:
    ab, aa = before["args"], after["args"]
    lines = [
        "# studiogate benchmark: before and after",
        "",
        f"- Before: {run_name(before)}; binary {before['build']['binary']}; load average "
        f"{before['load_before']} → {before.get('load_after', '?')}.",
        f"- After: {run_name(after)}; binary {after['build']['binary']}; load average "
        f"{after['load_before']} → {after.get('load_after', '?')}.",
        f"- Seed scale {aa['scale']}, {aa['duration']} s per point; machine "
        f"{after['machine']['nproc']} cores ({after['machine']['cpu']}).",
    ]
    for what in ("scale", "duration"):
        if ab.get(what) != aa.get(what):
            lines.append(f"- WARNING: {what} differs: {ab.get(what)} before, "
                         f"{aa.get(what)} after; the numbers are not comparable.")
    if before["machine"] != after["machine"]:
        lines.append("- WARNING: the runs come from different machines.")
    lines += ["", "CPU ms/req: utime + stime per request, of the gateway process and of all "
              "PostgreSQL server processes (see bench/README.md). Ratio: after / before req/s.",
              ""]
    for backend in aa["backends"]:
        b_pts = keyed(before["points"], backend=backend)
        a_pts = keyed(after["points"], backend=backend)
        keys = [k for k in a_pts if k in b_pts]
        if not keys:
            continue
        pg = backend == "postgres"
        lines += [f"## {'PostgreSQL' if pg else 'SQLite'}", "",
                  "| query | c | before req/s | after req/s | ratio | gateway CPU ms/req |"
                  + (" PostgreSQL CPU ms/req |" if pg else "")
                  + " SQL/req | p99 ms | errors |",
                  "|---|--:|--:|--:|--:|--:|" + ("--:|" if pg else "") + "--:|--:|--:|"]
        for k in keys:
            b, a = b_pts[k], a_pts[k]
            lines.append(
                f"| {k[0]} | {k[1]} | {fmt(b['rps'])} | {fmt(a['rps'])} | "
                f"{ratio(b['rps'], a['rps'])} | "
                f"{arrow(b.get('gateway_cpu_ms', NAN), a.get('gateway_cpu_ms', NAN), 3)} | "
                + (f"{arrow(b.get('postgres_cpu_ms', NAN), a.get('postgres_cpu_ms', NAN), 3)} | "
                   if pg else "")
                + f"{arrow(b['sql_per_request'], a['sql_per_request'], 2)} | "
                f"{arrow(b['p99_ms'], a['p99_ms'], 2)} | {b['errors']} → {a['errors']} |")
        lines.append("")
        if pg:
            b_fl, a_fl = keyed(before["floor"]), keyed(after["floor"])
            fkeys = [k for k in a_fl if k in b_fl]
            if fkeys:
                lines += ["### Floor: PostgreSQL alone (pgbench replay of one request's SQL)", "",
                          "| query | c | statements | floor tx/s | gateway/floor | PostgreSQL CPU "
                          "ms/tx, floor | PostgreSQL CPU ms/req, gateway |",
                          "|---|--:|--:|--:|--:|--:|--:|"]
                for k in fkeys:
                    b, a = b_fl[k], a_fl[k]
                    gb, ga = b_pts.get(k), a_pts.get(k)
                    gf_b = gb["rps"] / b["tps"] if gb and b["tps"] else NAN
                    gf_a = ga["rps"] / a["tps"] if ga and a["tps"] else NAN
                    lines.append(
                        f"| {k[0]} | {k[1]} | {b['statements']} → {a['statements']} | "
                        f"{arrow(b['tps'], a['tps'], 1)} | {arrow(gf_b, gf_a, 2)} | "
                        f"{arrow(b.get('postgres_cpu_ms', NAN), a.get('postgres_cpu_ms', NAN), 3)}"
                        f" | {arrow((gb or {}).get('postgres_cpu_ms', NAN), (ga or {}).get('postgres_cpu_ms', NAN), 3)} |")
                lines.append("")
    return "\n".join(lines).rstrip() + "\n"


def main(argv: list[str] | None = None) -> int:
    p = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    p.add_argument("before", help="bench/run.py .json result of the earlier build")
    p.add_argument("after", help="bench/run.py .json result of the later build")
    p.add_argument("--out", help="write the markdown here instead of standard output")
    args = p.parse_args(argv)
    text = compare(*(json.loads(Path(f).read_text()) for f in (args.before, args.after)))
    if args.out:
        Path(args.out).write_text(text)
    else:
        sys.stdout.write(text)
    return 0


if __name__ == "__main__":
    sys.exit(main())

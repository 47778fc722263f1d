"""Markdown tables of the recorded results (bench/results/*.json), for BENCHMARKS.md.

.venv/bin/python -m bench.report
"""

from __future__ import annotations

import json
import sys
from typing import Any

from bench.target import RESULTS_DIR


def load(prefix: str) -> list[tuple[str, dict[str, Any]]]:
    return [
        (path.stem, json.loads(path.read_text()))
        for path in sorted(RESULTS_DIR.glob(f"{prefix}-*.json"))
    ]


def generation(results: list[tuple[str, dict[str, Any]]]) -> str:
    names = [name.removeprefix("generate-") for name, _ in results]
    phases: list[str] = []
    for _, data in results:
        for phase in data["phases"]:
            if phase["phase"] not in phases:
                phases.append(phase["phase"])
    rows = ["| phase (seconds) | " + " | ".join(names) + " |", "|---" * (len(names) + 1) + "|"]
    for phase in phases:
        cells = []
        for _, data in results:
            found = [p for p in data["phases"] if p["phase"] == phase]
            cells.append(
                f"{found[0]['seconds']:,.1f}" + (
                    f" ({found[0]['peak_mib']:,.0f} MiB)" if found[0].get("peak_mib") else ""
                ) if found else "—"
            )  # fmt: skip
        rows.append(f"| {phase.strip()} | " + " | ".join(cells) + " |")
    rows.append(
        "| **total** | " + " | ".join(f"**{d['seconds']:,.1f}**" for _, d in results) + " |"
    )
    rows.append(
        "| other work (cores) | "
        + " | ".join(str(d.get("other_work_cores", "not recorded")) for _, d in results)
        + " |"
    )
    keys: list[str] = []
    for _, data in results:
        keys += [k for k in data["rows"] if k not in keys]
    for key in keys:
        rows.append(
            f"| rows: {key} | "
            + " | ".join(f"{d['rows'][key]:,}" if key in d["rows"] else "—" for _, d in results)
            + " |"
        )
    return "\n".join(rows)


def checkins(results: list[tuple[str, dict[str, Any]]]) -> str:
    rows = [
        "| run | endpoint | requests | req/s | p50 | p95 | p99 | errors | server CPU ms/req "
        "| others (cores) | ratio |",
        "|---|---|---|---|---|---|---|---|---|---|---|",
    ]
    for name, data in results:
        endpoints = (
            ("bare", "GET /bench/bare/"),
            ("me", "GET /api/v1/me/"),  # the floor, measured since 2026-11-23
            ("checkin", "POST /api/v1/check-ins/"),
        )
        for key, label in endpoints:
            if key not in data:
                continue
            f = data[key]
            share = f["rps"] / data["bare"]["rps"] if data["bare"]["rps"] else 0
            ratio = f"{share:.1%}" if key != "bare" else "baseline"
            rows.append(
                f"| {name.removeprefix('checkin-')} | `{label}` | {f['requests']:,} | "
                f"{f['rps']:,.1f} | {f['p50']:,.0f} | {f['p95']:,.0f} | {f['p99']:,.0f} | "
                f"{f['failures']:,} | {f.get('server_cpu_ms', '—')} | {f.get('foreign', '—')} | "
                f"{ratio} |"
            )
    return "\n".join(rows)


def reads(results: list[tuple[str, dict[str, Any]]]) -> str:
    """The read pages (bench.reads): throughput against the bare endpoint, then latency."""
    rows = [
        "| run | page | users | req/s | p50 | p95 | p99 | errors | server CPU ms/req "
        "| others (cores) | SQL statements | against the baseline |",
        "|---|---|---|---|---|---|---|---|---|---|---|---|",
    ]
    for name, data in results:
        bare = data["throughput"]["bare"]["rps"]
        figures = [*data["throughput"].items(), *data["latency"].items()]
        for kind, f in figures:
            if kind == "bare":
                against = "baseline"
            elif f["users"] > 1:
                against = f"{f['rps'] / bare:.1%} of bare req/s" if bare else "—"
            elif kind in data.get("bare_sql_ms", {}):
                sql = data["bare_sql_ms"][kind]["p95"]
                against = f"bare SQL p95 {sql:,.1f} ms: ×{f['p95'] / sql:,.1f}"
            else:
                against = ""
            queries = data["queries"].get(kind)
            count = f"{queries['min']}–{queries['max']}" if queries else ""
            rows.append(
                f"| {name.removeprefix('reads-')} | {kind} | {f['users']} | {f['rps']:,.1f} | "
                f"{f['p50']:,.0f} | {f['p95']:,.0f} | {f['p99']:,.0f} | {f['failures']:,} | "
                f"{f['server_cpu_ms']} | {f['foreign']} | {count} | {against} |"
            )
    return "\n".join(rows)


def imports(results: list[tuple[str, dict[str, Any]]]) -> str:
    """The imports (bench.imports): end to end and database part against a raw insert."""
    rows = [
        "| run | file | rows | end to end s | SQL s | raw insert s | COPY s | SQL ÷ insert "
        "| peak MiB | others (cores) |",
        "|---|---|---|---|---|---|---|---|---|---|",
    ]
    for name, data in results:
        for found in data["results"].values():
            base, imp = found["baseline"], found["import"]
            copy = f"{base['copy']:,.1f}" if base.get("copy") else "—"
            rows.append(
                f"| {name.removeprefix('imports-')} | {found['file']} | {imp['rows']:,} | "
                f"{imp['read'] + imp['import']:,.1f} | {imp['sql']:,.1f} | {base['insert']:,.1f} "
                f"| {copy} | ×{imp['sql'] / base['insert']:,.1f} | {imp['peak_mib']:,.0f} | "
                f"{imp['others']} / {base['others']} |"
            )
    return "\n".join(rows)


def worker(results: list[tuple[str, dict[str, Any]]]) -> str:
    """The worker's jobs (bench.worker): time and peak RSS of each."""
    rows = [
        "| run | job | seconds | peak RSS MiB | others (cores) | outcome |",
        "|---|---|---|---|---|---|",
    ]
    for name, data in results:
        for job in data["jobs"]:
            rows.append(
                f"| {name.removeprefix('worker-')} | {job['job']} | {job.get('seconds', '—')} | "
                f"{job.get('peak_mib', '—')} | {job['others']} | {job.get('status')} |"
            )
    return "\n".join(rows)


def recompute(results: list[tuple[str, dict[str, Any]]]) -> str:
    """The full recompute (bench.recompute): the product next to hand-written SQL."""
    rows = [
        "| run | key results / objectives | product s (in SQL) | baseline s (cold run) "
        "| product ÷ baseline | peak RSS MiB product / baseline | agree on progress "
        "| agree on status | others (cores) |",
        "|---|---|---|---|---|---|---|---|---|",
    ]
    for name, data in results:
        prod, base, cold = data["product"], data["baseline"], data["baseline_cold"]
        krs, objectives = (data["agreement"][t]["counts"] for t in ("key_results", "objectives"))
        rows.append(
            f"| {name.removeprefix('recompute-')} | {krs['rows']:,} / {objectives['rows']:,} | "
            f"{prod['seconds']:,.1f} ({prod['sql']:,.1f}) | {base['seconds']:,.1f} "
            f"({cold['seconds']:,.1f}) | ×{data['ratio']:,.2f} | {prod['peak_mib']:,.0f} / "
            f"{base['peak_mib']:,.0f} | {krs['progress']:,} / {objectives['progress']:,} | "
            f"{krs['status']:,} / {objectives['status']:,} | {prod['others']} / {base['others']} |"
        )
    return "\n".join(rows)


def health_series(results: list[tuple[str, dict[str, Any]]]) -> str:
    """The health check after check-ins (bench.health_series), next to the full check."""
    rows = [
        "| run | changes | ms | statements | ÷ the full check | full check s | others (cores) |",
        "|---|---|---|---|---|---|---|",
    ]
    for name, data in results:
        full = data["full"]["seconds"]
        for check in data["checks"]:
            rows.append(
                f"| {name.removeprefix('health-series-')} | {check['check']} | "
                f"{check['seconds'] * 1000:,.1f} | {check['statements']} | "
                f"{check['seconds'] / full:.2%} | {full:,.1f} | {data.get('others', '—')} |"
            )
    return "\n".join(rows)


def main() -> int:
    if not RESULTS_DIR.exists():
        print("no results yet: run bench.generate or bench.checkin first")
        return 1
    print("## generation\n\n" + generation(load("generate")) + "\n")
    print("## check-in POST\n\n" + checkins(load("checkin")) + "\n")
    print("## read pages\n\n" + reads(load("reads")) + "\n")
    print("## imports\n\n" + imports(load("imports")) + "\n")
    print("## full recompute\n\n" + recompute(load("recompute")) + "\n")
    print("## health check after check-ins\n\n" + health_series(load("health-series")) + "\n")
    print("## worker\n\n" + worker(load("worker")))
    return 0


if __name__ == "__main__":
    sys.exit(main())

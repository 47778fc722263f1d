"""How each measured cost grows from S to M to L: one SVG chart (log-log), drawn from the
recorded results (bench/results/*.json), without a plotting library.

    .venv/bin/python -m bench.chart [--db postgres] [--out bench/growth.svg]

Each line is one figure at the sizes it was measured on (S 1,000 people, M 10,000, L 50,000),
in milliseconds. The dashed grey line is what "grows with the organization" looks like (cost
proportional to its size); a flat line is a cost that does not grow. Figures of disturbed runs
are drawn all the same; BENCHMARKS.md says which they are.
"""

from __future__ import annotations

import argparse
import json
import math
import sys
from collections.abc import Callable
from pathlib import Path
from typing import Any
from xml.sax.saxutils import escape

from bench.target import BENCH_DIR, RESULTS_DIR

PEOPLE = {"S": 1_000, "M": 10_000, "L": 50_000}
COLOURS = [
    "#1f77b4", "#d62728", "#2ca02c", "#9467bd", "#ff7f0e", "#8c564b", "#e377c2", "#17becf",
    "#7f7f7f", "#bcbd22", "#393b79", "#637939",
]  # fmt: skip

Getter = Callable[[dict[str, Any]], float | None]


def _get(*path: str) -> Getter:
    def read(data: dict[str, Any]) -> float | None:
        value: Any = data
        for key in path:
            if not isinstance(value, dict) or key not in value:
                return None
            value = value[key]
        return float(value) if isinstance(value, int | float) and value > 0 else None

    return read


def _per_thousand_rows(kind: str) -> Getter:
    def read(data: dict[str, Any]) -> float | None:
        found = data.get("results", {}).get(kind)
        if not found:
            return None
        imp = found["import"]
        return 1000 * (imp["read"] + imp["import"]) / imp["rows"] * 1000

    return read


def _seconds(*path: str) -> Getter:
    read = _get(*path)

    def in_ms(data: dict[str, Any]) -> float | None:
        value = read(data)
        return None if value is None else 1000 * value

    return in_ms


def _hungriest_job(data: dict[str, Any]) -> float | None:
    seconds = [float(job.get("seconds", 0)) for job in data.get("jobs", [])]
    return 1000 * max(seconds) if seconds and max(seconds) > 0 else None


# (label, results file prefix, how to read the figure from it)
SERIES: list[tuple[str, str, Getter]] = [
    ("check-in POST: server CPU per request", "checkin", _get("checkin", "server_cpu_ms")),
    ("objective page: p50, one user", "reads", _get("latency", "objective", "p50")),
    ("scorecards: p50, one user", "reads", _get("latency", "scorecard", "p50")),
    ("alignment map, first screen: p95", "reads", _get("latency", "map", "p95")),
    ("alignment map, one expansion: p95", "reads", _get("latency", "map_expand", "p95")),
    ("KPI overview of a division, page 1: p95", "reads", _get("latency", "kpis", "p95")),
    ("its bare SQL query: p95", "reads", _get("bare_sql_ms", "kpis", "p95")),
    ("KPI overview, red only: p95", "reads", _get("latency", "kpis_status", "p95")),
    ("import of measurements: per 1,000 rows", "imports", _per_thousand_rows("measurements")),
    ("import of key results: per 1,000 rows", "imports", _per_thousand_rows("key_results")),
    ("full recompute: recompute_organization", "recompute", _seconds("product", "seconds")),
    ("full recompute: hand-written SQL", "recompute", _seconds("baseline", "seconds")),
    ("worker's hungriest job", "worker", _hungriest_job),
]


def collect(db: str) -> list[tuple[str, dict[str, float]]]:
    found = []
    for label, prefix, read in SERIES:
        points = {}
        for size in PEOPLE:
            path = RESULTS_DIR / f"{prefix}-{size}-{db}.json"
            if path.exists():
                value = read(json.loads(path.read_text()))
                if value:
                    points[size] = value
        if points:
            found.append((label, points))
    return found


def svg(series: list[tuple[str, dict[str, float]]], title: str) -> str:
    width, height = 980, 560
    left, right, top, bottom = 80, 360, 50, 60
    plot_w, plot_h = width - left - right, height - top - bottom
    values = [v for _, points in series for v in points.values()] or [1.0]
    low = 10 ** math.floor(math.log10(min(values)))
    high = 10 ** math.ceil(math.log10(max(values)))
    x_low, x_high = math.log10(800), math.log10(70_000)

    def x(people: float) -> float:
        return left + (math.log10(people) - x_low) / (x_high - x_low) * plot_w

    def y(value: float) -> float:
        span = math.log10(high) - math.log10(low)
        return top + plot_h - (math.log10(value) - math.log10(low)) / span * plot_h

    out = [
        f'<svg xmlns="http://www.w3.org/2000/svg" width="{width}" height="{height}" '
        f'viewBox="0 0 {width} {height}" font-family="sans-serif" font-size="12">',
        f'<rect width="{width}" height="{height}" fill="white"/>',
        f'<text x="{left}" y="24" font-size="15" font-weight="bold">{escape(title)}</text>',
    ]
    decade = low
    while decade <= high:
        out.append(
            f'<line x1="{left}" x2="{left + plot_w}" y1="{y(decade):.1f}" y2="{y(decade):.1f}" '
            'stroke="#ddd"/>'
        )
        label = f"{decade:g} ms" if decade < 1000 else f"{decade / 1000:g} s"
        out.append(f'<text x="{left - 8}" y="{y(decade) + 4:.1f}" text-anchor="end">{label}</text>')
        decade *= 10
    for size, people in PEOPLE.items():
        out.append(
            f'<line x1="{x(people):.1f}" x2="{x(people):.1f}" y1="{top}" y2="{top + plot_h}" '
            'stroke="#eee"/>'
        )
        out.append(
            f'<text x="{x(people):.1f}" y="{top + plot_h + 20}" text-anchor="middle">'
            f"{size} ({people:,} people)</text>"
        )
    # The slope of "grows with the organization": ×50 from S to L.
    mid = math.sqrt(low * high) / 10
    out.append(
        f'<line x1="{x(1000):.1f}" y1="{y(mid):.1f}" x2="{x(50_000):.1f}" '
        f'y2="{y(min(high, mid * 50)):.1f}" stroke="#999" stroke-dasharray="6 4"/>'
    )
    out.append(
        f'<text x="{left + plot_w + 14}" y="{top + 8}" fill="#666">- - - cost proportional '
        "to the organization</text>"
    )
    for index, (label, points) in enumerate(series):
        colour = COLOURS[index % len(COLOURS)]
        coords = [(x(PEOPLE[s]), y(v)) for s, v in points.items()]
        if len(coords) > 1:
            path = " ".join(f"{a:.1f},{b:.1f}" for a, b in coords)
            out.append(
                f'<polyline points="{path}" fill="none" stroke="{colour}" stroke-width="2"/>'
            )
        for a, b in coords:
            out.append(f'<circle cx="{a:.1f}" cy="{b:.1f}" r="4" fill="{colour}"/>')
        legend_y = top + 30 + index * 28
        sizes = ", ".join(
            f"{s} {v:,.0f}" if v >= 10 else f"{s} {v:,.1f}" for s, v in points.items()
        )
        out.append(
            f'<rect x="{left + plot_w + 14}" y="{legend_y - 9}" width="12" height="12" '
            f'fill="{colour}"/>'
        )
        out.append(f'<text x="{left + plot_w + 32}" y="{legend_y + 1}">{escape(label)}</text>')
        out.append(
            f'<text x="{left + plot_w + 32}" y="{legend_y + 13}" fill="#666" font-size="10">'
            f"{escape(sizes)} ms</text>"
        )
    out.append("</svg>")
    return "\n".join(out)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m bench.chart", description=__doc__)
    parser.add_argument("--db", choices=("postgres", "sqlite"), default="postgres")
    parser.add_argument("--out", type=Path, default=BENCH_DIR / "growth.svg")
    args = parser.parse_args(argv)
    series = collect(args.db)
    if not series:
        print("no results to draw: run the benchmarks first")
        return 1
    title = f"Headway's costs from S to L ({'PostgreSQL' if args.db == 'postgres' else 'SQLite'})"
    args.out.write_text(svg(series, title))
    print(f"wrote {args.out} ({len(series)} figures)")
    return 0


if __name__ == "__main__":
    sys.exit(main())

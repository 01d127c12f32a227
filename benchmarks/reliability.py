"""The fault suite as a table: tried / held / failed per area.

    .venv/bin/python benchmarks/reliability.py [-k EXPR]

Runs ``tests/reliability/`` (bad values, filters, tuning processes, serving and drift
inputs, export, store files and kills, on SQLite and, when ``WORKBENCH_TEST_PG_URL`` names
a server, PostgreSQL) in one pytest process and counts each attack (one test id) once:
*held* when the product answered as specified, *failed* otherwise, *skipped* when it could
not be tried here (no PostgreSQL). Writes ``benchmarks/reliability_results.json``.
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import tempfile
import xml.etree.ElementTree as ET
from collections import Counter, defaultdict
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
SUITE = ROOT / "tests" / "reliability"
RESULTS = Path(__file__).resolve().parent / "reliability_results.json"


def _area(classname: str) -> str:
    """``tests.reliability.test_filters.TestX`` -> ``filters``."""
    module = next((part for part in classname.split(".") if part.startswith("test_")), classname)
    return module.removeprefix("test_")


def _database(name: str) -> str:
    return "postgres" if "postgres" in name else "sqlite" if "sqlite" in name else "—"


def _outcome(case: ET.Element) -> str:
    if case.find("skipped") is not None:
        return "skipped"
    if case.find("failure") is not None or case.find("error") is not None:
        return "failed"
    return "held"


def run_suite(keyword: str | None) -> dict[str, Counter[str]]:
    with tempfile.TemporaryDirectory() as tmp:
        report = Path(tmp) / "junit.xml"
        command = [sys.executable, "-m", "pytest", str(SUITE), "-q", "-p", "no:cacheprovider"]
        command += [f"--junitxml={report}", "-o", "junit_family=xunit2"]
        if keyword:
            command += ["-k", keyword]
        subprocess.run(command, cwd=ROOT, check=False)
        if not report.exists():
            raise SystemExit("pytest wrote no report: see its output above")
        tree = ET.parse(report)
    counts: dict[str, Counter[str]] = defaultdict(Counter)
    for case in tree.iter("testcase"):
        area = _area(case.get("classname", ""))
        outcome = _outcome(case)
        counts[area][outcome] += 1
        counts[area][f"{outcome}:{_database(case.get('name', ''))}"] += 1
    return counts


def render(counts: dict[str, Counter[str]]) -> str:
    headers = ("area", "tried", "held", "failed", "skipped", "of which PostgreSQL held")
    rows = [headers]
    total: Counter[str] = Counter()
    for area in sorted(counts):
        c = counts[area]
        total.update(c)
        tried = c["held"] + c["failed"]
        rows.append((area, str(tried), str(c["held"]), str(c["failed"]), str(c["skipped"]),
                     str(c["held:postgres"])))  # fmt: skip
    tried = total["held"] + total["failed"]
    rows.append(("all", str(tried), str(total["held"]), str(total["failed"]),
                 str(total["skipped"]), str(total["held:postgres"])))  # fmt: skip
    widths = [max(len(row[i]) for row in rows) for i in range(len(headers))]
    lines = [
        "  ".join(cell.ljust(width) for cell, width in zip(row, widths, strict=True))
        for row in rows
    ]
    lines.insert(1, "  ".join("-" * width for width in widths))
    return "\n".join(lines)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("-k", dest="keyword", help="only the attacks matching this expression")
    args = parser.parse_args()
    if not os.environ.get("WORKBENCH_TEST_PG_URL"):
        print("WORKBENCH_TEST_PG_URL is not set: the PostgreSQL attacks are skipped", flush=True)
    counts = run_suite(args.keyword)
    print()
    print(render(counts))
    RESULTS.write_text(json.dumps({area: dict(c) for area, c in counts.items()}, indent=2))
    print(f"\nwrote {RESULTS.relative_to(ROOT)}")


if __name__ == "__main__":
    main()

"""Result rows, the printed table and the JSON file."""

from __future__ import annotations

import json
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any, Literal

Better = Literal["higher", "lower"]
Status = Literal["PASS", "FAIL", "ERROR", "n/a", "info"]
HEADERS = ("figure", "workbench", "MLflow anchor", "ratio", "target", "pass/fail")


@dataclass
class Row:
    """One line of the table, with everything measured behind it."""

    figure: str
    unit: str  # "points/s", "runs/s", "s", ...
    better: Better | None = None
    workbench: float | None = None
    anchor: float | None = None
    workbench_text: str | None = None  # shown instead of the formatted number
    anchor_text: str | None = None
    target: str = "—"
    status: Status = "info"
    ratio: float | None = None
    ratio_note: str = ""
    notes: list[str] = field(default_factory=list)
    errors: list[str] = field(default_factory=list)
    details: dict[str, Any] = field(default_factory=dict)

    def compute_ratio(self, note: str = "") -> float | None:
        """workbench's advantage: throughput wb/anchor, or time anchor/wb (> 1 = faster)."""
        if self.workbench is None or self.anchor is None or self.better is None:
            self.ratio = None
        elif self.better == "higher":
            self.ratio = self.workbench / self.anchor if self.anchor > 0 else None
        else:
            self.ratio = self.anchor / self.workbench if self.workbench > 0 else None
        self.ratio_note = note if self.ratio is not None else ""
        return self.ratio


def format_value(value: float | None, unit: str) -> str:
    if value is None:
        return "n/a"
    if unit == "s":
        return f"{value:.3f} s" if value < 10 else f"{value:.1f} s"
    if unit.endswith("/s"):
        shown = f"{value:,.0f}" if value >= 100 else f"{value:,.1f}"
        return f"{shown} {unit}"
    return f"{value:,.0f} {unit}".strip()


def format_ratio(ratio: float | None, note: str = "") -> str:
    if ratio is None:
        return "—"
    shown = f"{ratio:,.0f}×" if ratio >= 100 else f"{ratio:,.1f}×"
    return f"{shown} {note}".strip()


def cells(row: Row) -> tuple[str, ...]:
    wb = row.workbench_text or format_value(row.workbench, row.unit)
    anchor = row.anchor_text or format_value(row.anchor, row.unit)
    return (
        row.figure,
        wb,
        anchor,
        format_ratio(row.ratio, row.ratio_note),
        row.target,
        row.status,
    )


def render_table(rows: list[Row]) -> str:
    """A plain-text table, columns padded to their widest cell."""
    table = [HEADERS, *[cells(row) for row in rows]]
    widths = [max(len(line[i]) for line in table) for i in range(len(HEADERS))]

    def line(values: tuple[str, ...]) -> str:
        return " | ".join(value.ljust(width) for value, width in zip(values, widths, strict=True))

    rule = "-+-".join("-" * width for width in widths)
    return "\n".join([line(HEADERS), rule, *(line(values) for values in table[1:])])


def render_notes(rows: list[Row]) -> str:
    """Numbered notes and error details that go under the table."""
    out: list[str] = []
    for row in rows:
        for note in row.notes:
            out.append(f"- {row.figure.strip()}: {note}")
    for row in rows:
        for error in row.errors:
            out.append(f"\n!! {row.figure.strip()} — error:")
            out.extend(f"   {line}" for line in error.splitlines())
    return "\n".join(out)


def write_json(path: Path, meta: dict[str, Any], rows: list[Row]) -> None:
    payload = {
        "meta": meta,
        "figures": [
            {**asdict(row), "workbench_display": cells(row)[1], "anchor_display": cells(row)[2]}
            for row in rows
        ],
    }
    path.write_text(json.dumps(payload, indent=2, default=str) + "\n")

"""A standalone, small HTML drift report: a table and inline SVG histograms, no scripts."""

from __future__ import annotations

import html
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from workbench.drift._report import ColumnDrift, Distribution, DriftReport

_STYLE = """
body{font-family:system-ui,sans-serif;margin:24px;color:#222}
table{border-collapse:collapse;font-size:13px}td,th{padding:4px 8px;border-bottom:1px solid #ddd}
th{text-align:left;background:#f5f5f5}.drift{color:#b00020;font-weight:600}.ok{color:#1b7f3b}
.grid{display:flex;flex-wrap:wrap;gap:16px}
.card{border:1px solid #ddd;padding:8px;border-radius:6px}
.legend span{display:inline-block;width:10px;height:10px;margin:0 4px 0 12px}
"""


def _fmt(value: float | None) -> str:
    return "" if value is None else f"{value:.4g}"


def _svg(dist: Distribution, width: int = 360, height: int = 120) -> str:
    n = len(dist.reference)
    if n == 0:
        return ""
    ref_total, cur_total = sum(dist.reference) or 1, sum(dist.current) or 1
    shares = [
        (r / ref_total, c / cur_total) for r, c in zip(dist.reference, dist.current, strict=True)
    ]
    top = max(max(pair) for pair in shares) or 1.0
    slot = width / n
    bars = []
    for i, (ref, cur) in enumerate(shares):
        for j, (share, color) in enumerate(((ref, "#1f77b4"), (cur, "#ff7f0e"))):
            h = share / top * (height - 4)
            x = i * slot + j * slot / 2
            bars.append(f'<rect x="{x:.1f}" y="{height - h:.1f}" width="{slot / 2 - 1:.1f}" '
                        f'height="{h:.1f}" fill="{color}"/>')  # fmt: skip
    return f'<svg width="{width}" height="{height}" role="img">{"".join(bars)}</svg>'


def _row(column: ColumnDrift) -> str:
    verdict = (
        '<span class="drift">drift</span>' if column.drifted
        else '<span class="ok">no drift</span>' if column.status == "ok" else column.status
    )  # fmt: skip
    missing = f"{column.missing_reference} → {column.missing_current}"
    if column.missing_drifted:
        missing = f'<span class="drift">{missing}</span>'
    cells = [html.escape(str(column.column)), column.role, column.type, column.test or "",
             _fmt(column.statistic), _fmt(column.p_value), _fmt(column.threshold), verdict,
             missing, html.escape(column.note or "")]  # fmt: skip
    return "<tr>" + "".join(f"<td>{cell}</td>" for cell in cells) + "</tr>"


def render_html(report: DriftReport, title: str = "Drift report") -> str:
    verdict = "Dataset drift detected" if report.drifted else "No dataset drift"
    header = ["column", "role", "type", "test", "statistic", "p-value", "threshold", "verdict",
              "missing (ref → cur)", "note"]  # fmt: skip
    table = (
        "<table><tr>" + "".join(f"<th>{h}</th>" for h in header) + "</tr>"
        + "".join(_row(c) for c in report.columns) + "</table>"
    )  # fmt: skip
    cards = []
    for column in sorted(report.tested, key=lambda c: (not c.drifted, c.column)):
        if column.distribution is None:
            continue
        mark = "drift" if column.drifted else "ok"
        cards.append(
            f'<div class="card"><div class="{mark}">{html.escape(str(column.column))}</div>'
            f"{_svg(column.distribution)}</div>"
        )
    legend = ('<p class="legend">share of rows per bin:<span style="background:#1f77b4"></span>'
              'reference<span style="background:#ff7f0e"></span>current</p>')  # fmt: skip
    summary = (
        f"<p><b>{verdict}</b>: {report.n_drifted} of {len(report.tested)} columns drifted "
        f"(share {report.share:.2f}, threshold {report.drift_share}); "
        f"{report.reference_rows:,} reference rows, {report.current_rows:,} current rows.</p>"
    )
    return (
        f"<!doctype html><html><head><meta charset='utf-8'><title>{html.escape(title)}</title>"
        f"<style>{_STYLE}</style></head><body><h1>{html.escape(title)}</h1>{summary}{table}"
        f"<h2>Distributions</h2>{legend}<div class='grid'>{''.join(cards)}</div></body></html>"
    )

"""A pipeline's steps drawn as a left-to-right DAG in SVG: a box per step with its data files,
parameters, inputs and outputs, an arrow from the step that writes a value to each step that
reads it, and each box coloured by the step's result in a run.

>>> steps = [{"name": "load", "inputs": [], "outputs": ["frame"]},
...          {"name": "train", "inputs": ["frame"], "outputs": ["model"]}]
>>> step_edges(steps)
[('load', 'train', ('frame',))]
>>> step_layers(steps)
{'load': 0, 'train': 1}
"""

from __future__ import annotations

import html
from collections.abc import Mapping, Sequence
from typing import Any

OUTCOMES = {  # outcome: (fill, stroke, label)
    "ran": ("#e8f5e9", "#2e7d32", "ran"),
    "cache hit": ("#e3f2fd", "#1565c0", "cache hit"),
    "failed": ("#fdecea", "#c62828", "failed"),
    "running": ("#fff8e1", "#f9a825", "running"),
    "not run": ("#f5f5f5", "#9e9e9e", "not run"),
}
NODE_WIDTH, LAYER_GAP, NODE_GAP = 210, 70, 22
TITLE_HEIGHT, LINE_HEIGHT, PADDING = 20, 16, 8
MAX_CHARS = 30  # of a line in a box (the whole line is in its tooltip)

DAG_CSS = """
.wb-dag-scroll{overflow-x:auto;max-width:100%}
.wb-dag text{font-family:system-ui,sans-serif;font-size:12px;fill:#222}
.wb-dag .wb-dag-name{font-weight:600;font-size:13px}
.wb-dag .wb-dag-detail{fill:#555}
.wb-dag .wb-dag-edge{fill:none;stroke:#777;stroke-width:1.4}
.wb-dag-legend{display:flex;gap:14px;font-size:12px;margin:4px 0 8px}
.wb-dag-legend span{display:inline-flex;align-items:center;gap:4px}
.wb-dag-legend i{display:inline-block;width:12px;height:12px;border:1.5px solid;border-radius:3px}
"""


def step_edges(steps: Sequence[Mapping[str, Any]]) -> list[tuple[str, str, tuple[str, ...]]]:
    """(writer, reader, values) for each value a step reads: the writer is the last earlier
    step that outputs (or changes) it."""
    edges: dict[tuple[str, str], list[str]] = {}
    for position, step in enumerate(steps):
        for value in step.get("inputs") or []:
            writers = [
                earlier["name"]
                for earlier in steps[:position]
                if value in (earlier.get("outputs") or [])
                or value in (earlier.get("mutated") or [])
            ]
            if writers:
                edges.setdefault((writers[-1], step["name"]), []).append(value)
    return [(writer, reader, tuple(values)) for (writer, reader), values in edges.items()]


def step_layers(steps: Sequence[Mapping[str, Any]]) -> dict[str, int]:
    """Each step's column: one right of the furthest step it reads from (0 without any)."""
    layers: dict[str, int] = {}
    incoming: dict[str, list[str]] = {}
    for writer, reader, _ in step_edges(steps):
        incoming.setdefault(reader, []).append(writer)
    for step in steps:  # steps come in run order: every writer is placed before its readers
        writers = incoming.get(step["name"], [])
        layers[step["name"]] = 1 + max((layers[w] for w in writers), default=-1)
    return layers


def _cut(text: str) -> str:
    return text if len(text) <= MAX_CHARS else text[: MAX_CHARS - 1] + "…"


def _lines(step: Mapping[str, Any], files: Mapping[str, str]) -> list[tuple[str, str]]:
    """(label, values) of the non-empty details of a step."""
    data = [files.get(name, name) for name in step.get("data") or []]
    details = [
        ("data", data),
        ("params", list(step.get("parameters") or [])),
        ("in", list(step.get("inputs") or [])),
        ("out", list(step.get("outputs") or [])),
    ]
    return [(label, ", ".join(map(str, values))) for label, values in details if values]


def pipeline_dag(
    steps: Sequence[Mapping[str, Any]],
    results: Mapping[str, tuple[str, str]] | None = None,
    files: Mapping[str, str] | None = None,
) -> str:
    """The DAG of ``steps`` (a manifest's ``steps``) as an SVG inside a scrolling ``div``.

    Args:
        steps: dicts with ``name``, ``inputs``, ``outputs`` and optionally ``parameters``,
            ``data`` (names of the data files read) and ``mutated``.
        results: step name → (outcome, duration text) of a run; an outcome is a key of
            :data:`OUTCOMES`, a step missing from it is ``not run``.
        files: data file name → its path, shown in place of the name.
    """
    results = results or {}
    files = files or {}
    layers = step_layers(steps)
    heights = {
        s["name"]: TITLE_HEIGHT + LINE_HEIGHT * (1 + len(_lines(s, files))) + 2 * PADDING
        for s in steps
    }
    columns: dict[int, list[str]] = {}
    for step in steps:
        columns.setdefault(layers[step["name"]], []).append(step["name"])
    column_heights = {
        c: sum(heights[n] for n in names) + NODE_GAP * (len(names) - 1)
        for c, names in columns.items()
    }
    total_height = max(column_heights.values(), default=0)
    places: dict[str, tuple[float, float]] = {}
    for column, names in columns.items():
        y = (total_height - column_heights[column]) / 2
        for name in names:
            places[name] = (column * (NODE_WIDTH + LAYER_GAP), y)
            y += heights[name] + NODE_GAP
    width = len(columns) * (NODE_WIDTH + LAYER_GAP) - LAYER_GAP if columns else 0
    parts = [_edge(places, heights, edge) for edge in step_edges(steps)]
    parts += [_node(s, places[s["name"]], heights[s["name"]], results, files) for s in steps]
    margin = 4
    svg = (
        f'<svg class="wb-dag" xmlns="http://www.w3.org/2000/svg" width="{width + 2 * margin}" '
        f'height="{total_height + 2 * margin}" viewBox="{-margin} {-margin} '
        f'{width + 2 * margin} {total_height + 2 * margin}" role="img" '
        f'aria-label="pipeline steps">'
        '<defs><marker id="wb-dag-arrow" viewBox="0 0 10 10" refX="10" refY="5" '
        'markerWidth="7" markerHeight="7" orient="auto-start-reverse">'
        '<path d="M 0 0 L 10 5 L 0 10 z" fill="#777"/></marker></defs>'
        f"{''.join(parts)}</svg>"
    )
    return f'{_legend()}<div class="wb-dag-scroll">{svg}</div>'


def _legend() -> str:
    items = "".join(
        f'<span><i style="background:{fill};border-color:{stroke}"></i>{label}</span>'
        for fill, stroke, label in OUTCOMES.values()
    )
    return f'<div class="wb-dag-legend">{items}</div>'


def _edge(
    places: Mapping[str, tuple[float, float]],
    heights: Mapping[str, float],
    edge: tuple[str, str, tuple[str, ...]],
) -> str:
    writer, reader, values = edge
    (x1, y1), (x2, y2) = places[writer], places[reader]
    start = (x1 + NODE_WIDTH, y1 + heights[writer] / 2)
    end = (x2, y2 + heights[reader] / 2)
    bend = (end[0] - start[0]) / 2
    path = (
        f"M {start[0]:.1f} {start[1]:.1f} C {start[0] + bend:.1f} {start[1]:.1f} "
        f"{end[0] - bend:.1f} {end[1]:.1f} {end[0]:.1f} {end[1]:.1f}"
    )
    what = html.escape(f"{writer} → {reader}: {', '.join(values)}")
    return (
        f'<path class="wb-dag-edge" data-from="{html.escape(writer)}" '
        f'data-to="{html.escape(reader)}" d="{path}" marker-end="url(#wb-dag-arrow)">'
        f"<title>{what}</title></path>"
    )


def _node(
    step: Mapping[str, Any],
    place: tuple[float, float],
    height: float,
    results: Mapping[str, tuple[str, str]],
    files: Mapping[str, str],
) -> str:
    name = str(step["name"])
    outcome, duration = results.get(name, ("not run", ""))
    fill, stroke, label = OUTCOMES.get(outcome, OUTCOMES["not run"])
    x, y = place
    dash = ' stroke-dasharray="4 3"' if outcome == "not run" else ""
    status = f"{label} · {duration}" if duration else label
    texts = [
        f'<text class="wb-dag-name" x="{PADDING}" y="{PADDING + 14}">{html.escape(_cut(name))}'
        f"<title>{html.escape(name)}</title></text>",
        f'<text class="wb-dag-status" x="{PADDING}" y="{PADDING + TITLE_HEIGHT + 12}" '
        f'style="fill:{stroke}">{html.escape(status)}</text>',
    ]
    for index, (key, values) in enumerate(_lines(step, files)):
        line = f"{key}: {values}"
        texts.append(
            f'<text class="wb-dag-detail" x="{PADDING}" '
            f'y="{PADDING + TITLE_HEIGHT + LINE_HEIGHT * (index + 1) + 12}">'
            f"{html.escape(_cut(line))}<title>{html.escape(line)}</title></text>"
        )
    return (
        f'<g class="wb-dag-node" data-step="{html.escape(name)}" '
        f'data-outcome="{html.escape(outcome)}" transform="translate({x:.1f},{y:.1f})">'
        f'<rect width="{NODE_WIDTH}" height="{height}" rx="6" fill="{fill}" stroke="{stroke}" '
        f'stroke-width="1.5"{dash}/>{"".join(texts)}</g>'
    )

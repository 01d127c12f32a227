"""``export --seed N``: the package's unseeded estimators and splits get ``random_state=N``.

The steps' code and the shared definitions go through :func:`_randomness.seed_source`; the
notebook itself is left as it is. The seed is part of the plan's fingerprint (exporting with
another seed, or without one, is a new version), and the calls seeded are named with the
cell and line where the notebook has them, for the manifest and the user.
"""

from __future__ import annotations

import dataclasses
import hashlib
import json
from typing import Any

from workbench.pipelines.analysis._errors import where
from workbench.pipelines.analysis._plan import NotebookPlan
from workbench.pipelines.verify._randomness import seed_notebook, seed_source

__all__ = ["seed_plan", "seeded_lines"]


def seed_plan(plan: NotebookPlan, notebook: Any, seed: int) -> tuple[NotebookPlan, list[dict]]:
    """``plan`` with ``random_state=seed`` added where the fix is unambiguous, and the calls
    seeded: ``{"step", "cell", "line", "call"}`` (``step`` is ``shared`` for a notebook
    function; ``cell`` 0-based and ``line`` 1-based in the notebook, None when the call is
    not found there as written)."""
    if isinstance(seed, bool) or not isinstance(seed, int) or seed < 0:
        raise ValueError(f"seed must be a non-negative integer, got {seed!r}")
    edits: list[tuple[str, frozenset[int], str]] = []
    steps = []
    for step in plan.steps:
        source, calls = seed_source(step.source, seed)
        steps.append(dataclasses.replace(step, source=source))
        edits += [(step.name, frozenset(step.cells), call.call) for call in calls]
    definitions = []
    for definition in plan.definitions:
        source, calls = seed_source(definition.source, seed)
        definitions.append(dataclasses.replace(definition, source=source))
        edits += [("shared", frozenset({definition.cell}), call.call) for call in calls]
    shared_code = seed_source(plan.shared_code, seed)[0]
    payload = json.dumps({"fingerprint": plan.fingerprint, "seed": seed})
    seeded_plan = dataclasses.replace(
        plan,
        steps=tuple(steps),
        definitions=tuple(definitions),
        shared_code=shared_code,
        fingerprint=hashlib.sha256(payload.encode()).hexdigest(),
    )
    return seeded_plan, _locate(edits, notebook, seed)


def _locate(
    edits: list[tuple[str, frozenset[int], str]], notebook: Any, seed: int
) -> list[dict[str, Any]]:
    """Each package edit with the notebook cell and line of its call."""
    import copy

    joined = copy.deepcopy(notebook)
    for cell in joined.cells:  # a cell's source may be kept as a list of lines
        if not isinstance(cell.source, str):
            cell.source = "".join(cell.source)
    in_notebook = seed_notebook(joined, seed)[1]
    found = []
    for owner, cells, text in edits:
        match = next((c for c in in_notebook if c.cell in cells and c.call == text), None)
        if match is not None:
            in_notebook.remove(match)
        cell, line = (match.cell, match.line) if match else (None, None)
        found.append({"step": owner, "cell": cell, "line": line, "call": text})
    return sorted(found, key=lambda e: (e["cell"] is None, e["cell"] or 0, e["line"] or 0))


def seeded_lines(seeded: list[dict[str, Any]], seed: int) -> list[str]:
    """One line per seeded call: ``cell 3, line 2 (step features): `train_test_split(X, y)`
    gets random_state=0``."""
    lines = []
    for entry in seeded:
        place = where(entry["cell"], entry["line"]) if entry["cell"] is not None else "code"
        lines.append(f"{place} (step {entry['step']}): `{entry['call']}` gets random_state={seed}")
    return lines

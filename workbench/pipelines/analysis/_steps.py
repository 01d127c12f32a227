"""Where steps begin and end: cell tags first, then markdown headings, then roles.

- A cell tagged ``step:<name>`` starts that step, or continues it when the step just
  before has the same tag. An untagged code cell after it continues it, until a markdown
  heading starts a new section (when headings are in use).
- Headings (``#`` and ``##``) are in use when at least two of them have code under them;
  the code under one heading is one step named after it.
- Otherwise each code cell gets the role its calls mark; consecutive cells with the same
  role form one step named after the role.
Cells with no step code (only imports, definitions, parameters or display code) never
start or break a step; cells that only configure libraries (``warnings.filterwarnings``)
join the next step. Names are Python identifiers, made unique with ``_2``, ``_3``.
"""

from __future__ import annotations

import keyword
import re
from collections.abc import Mapping
from dataclasses import dataclass, field

from workbench.pipelines.analysis._cells import Cell
from workbench.pipelines.analysis._errors import where
from workbench.pipelines.analysis._roles import ROLES, strongest

STEP_TAG = "step:"
RESERVED_NAMES = frozenset({"parameters", "shared"})


@dataclass
class StepGroup:
    """Cells that form one step; ``origin`` is ``tag``, ``heading`` or ``role``."""

    name: str
    origin: str
    cells: list[int] = field(default_factory=list)
    roles: list[str] = field(default_factory=list)

    @property
    def role(self) -> str:
        if self.origin == "tag" and self.name in ROLES:
            return self.name
        return strongest(self.roles) or "features"


def slugify(text: str) -> str:
    """A Python identifier from a heading or tag: ``"2. Train it!"`` → ``train_it``."""
    text = re.sub(r"^\s*\d+(\.\d+)*[.):]?\s+", "", text.strip())
    slug = re.sub(r"[^0-9a-zA-Z]+", "_", text).strip("_").lower()
    if slug and slug[0].isdigit():
        slug = f"step_{slug}"
    if keyword.iskeyword(slug):
        slug += "_"
    return slug or "step"


def step_tag(cell: Cell) -> str | None:
    for tag in cell.tags:
        if tag.startswith(STEP_TAG) and tag[len(STEP_TAG) :].strip():
            return slugify(tag[len(STEP_TAG) :])
    return None


def _section_headings(cells: list[Cell], step_cells: Mapping[int, str]) -> int:
    """How many level-1/2 headings have step code under them."""
    count, open_heading = 0, False
    for cell in cells:
        if cell.kind == "markdown" and any(level <= 2 for level, _ in cell.headings):
            open_heading = True
        elif cell.index in step_cells and open_heading:
            count, open_heading = count + 1, False
    return count


def group_cells(
    cells: list[Cell],
    step_cells: Mapping[int, str],
    categories: Mapping[int, str],
    warnings: list[str],
) -> tuple[list[StepGroup], dict[int, str]]:
    """The step groups and the cell map. ``step_cells`` maps each cell holding step code
    to the role its code marks; ``categories`` says what every other code cell is."""
    use_headings = _section_headings(cells, step_cells) >= 2
    groups: list[StepGroup] = []
    current: StepGroup | None = None
    pending: str | None = None
    setup: list[int] = []  # cells that only configure libraries wait for the next step
    for cell in cells:
        if cell.kind == "markdown":
            levels = [(level, text) for level, text in cell.headings if level <= 2]
            if use_headings and levels:
                current, pending = None, slugify(levels[-1][1])
            continue
        if cell.index not in step_cells:
            if step_tag(cell) is not None and cell.statements:
                warnings.append(
                    f"{where(cell.index)}: tagged `step:{step_tag(cell)}` but holds no step "
                    "code (only imports, definitions, parameters or display code)"
                )
            continue
        tag = step_tag(cell)
        role = step_cells[cell.index]
        if role == "setup" and tag is None:
            if current is not None and current.origin != "role":
                current.cells.append(cell.index)
            else:
                setup.append(cell.index)
            continue
        if tag is not None:
            if current is None or current.origin != "tag" or current.name != tag:
                if any(g.origin == "tag" and g.name == tag for g in groups):
                    warnings.append(
                        f"{where(cell.index)}: the step tag `step:{tag}` is used again after "
                        "other steps; this makes a separate step"
                    )
                current = StepGroup(tag, "tag")
                groups.append(current)
            pending = None
        elif current is not None and current.origin in {"tag", "heading"}:
            pass
        elif pending is not None:
            current, pending = StepGroup(pending, "heading"), None
            groups.append(current)
        elif current is None or current.origin != "role" or current.name != role:
            current = StepGroup(role, "role")
            groups.append(current)
        current.cells += [*setup, cell.index]
        current.roles.append(role)
        setup = []
    if setup:
        if not groups:
            groups.append(StepGroup("features", "role"))
        groups[-1].cells += setup
    _unique_names(groups)
    cell_map: dict[int, str] = {}
    for cell in cells:
        if cell.kind != "code":
            cell_map[cell.index] = cell.kind
        else:
            cell_map[cell.index] = categories.get(cell.index, "empty")
    for group in groups:
        for index in group.cells:
            cell_map[index] = group.name
    return groups, cell_map


def _unique_names(groups: list[StepGroup]) -> None:
    taken: set[str] = set(RESERVED_NAMES)
    for group in groups:
        name, suffix = group.name, 2
        while name in taken:
            name, suffix = f"{group.name}_{suffix}", suffix + 1
        group.name = name
        taken.add(name)

"""Write the guided notebooks ``notebooks/0*.ipynb`` from their sources ``notebooks/guides/*.py``.

The series takes a newcomer from MLOps level 0 (a notebook and a number) to level 1 (a
tracked, tuned, monitored model trained by a versioned pipeline), on scikit-learn's
bundled breast cancer data: nothing to download.

A source is a notebook in jupytext's percent format: ``# %%`` opens a code cell,
``# %% [markdown]`` a markdown cell (its lines commented out), ``# %% tags=["parameters"]``
a tagged one, and an IPython magic is written ``# %wb_experiment``. Being Python, the
sources are linted and formatted like the package. Edit one, run
``python notebooks/tools/make_guides.py`` and commit both; notebooks are written without
outputs and with stable cell ids, so a rerun that changes nothing leaves them unchanged.

Every notebook runs top to bottom on its own. The store is the project's (the nearest
folder upward holding ``.workbench/``, else the folder the kernel starts in, which is
``notebooks/`` in JupyterLab; ``WORKBENCH_HOME`` overrides), and so is the ``pipelines/``
folder that notebook 04 exports into.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import jupytext
import nbformat
from make_examples import notebook

NOTEBOOKS_DIR = Path(__file__).resolve().parent.parent
GUIDES_DIR = NOTEBOOKS_DIR / "guides"

# jupytext's record of the blank lines between cells in the source: layout of the .py
# file (ruff format puts two before a def), not something the notebook should carry.
SOURCE_LAYOUT = ("lines_to_next_cell", "lines_to_end_of_cell_marker")


def sources(folder: Path = GUIDES_DIR) -> list[Path]:
    """The guided notebooks' sources, in series order."""
    return sorted(folder.glob("*.py"))


def build(source: Path) -> Any:
    """The notebook a percent-format source describes: its cells, the Python 3 kernel."""
    cells = jupytext.read(source, fmt="py:percent").cells
    for cell in cells:
        for key in SOURCE_LAYOUT:
            cell.metadata.pop(key, None)
    return notebook(*cells)


def write(folder: Path = NOTEBOOKS_DIR) -> list[Path]:
    """Write the guided notebooks into ``folder``; returns their paths."""
    written = []
    for source in sources():
        path = folder / f"{source.stem}.ipynb"
        nbformat.write(build(source), path)
        written.append(path)
    return written


def main() -> None:
    for path in write():
        print(f"wrote {path}")


if __name__ == "__main__":
    main()

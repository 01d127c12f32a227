"""The one error the notebook analysis raises, and how it names a place in the notebook."""

from __future__ import annotations


def where(cell: int, line: int | None = None) -> str:
    """``cell 3, line 2`` for 0-based cell index 2, counted as Jupyter shows cells (from 1)."""
    return f"cell {cell + 1}" + (f", line {line}" if line is not None else "")


class AnalysisError(ValueError):
    """The notebook uses something the analysis cannot turn into pipeline steps.

    ``cell`` is the 0-based index of the cell (the message counts from 1, as Jupyter
    shows it) and ``line`` the 1-based line inside that cell.
    """

    def __init__(self, message: str, cell: int | None = None, line: int | None = None) -> None:
        self.cell = cell
        self.line = line
        self.reason = message
        super().__init__(f"{where(cell, line)}: {message}" if cell is not None else message)

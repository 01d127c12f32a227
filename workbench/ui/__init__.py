"""The Panel dashboard (imports panel only when used).

>>> import workbench as wb
>>> wb.ui.dashboard()  # doctest: +SKIP  (the home page, in a notebook cell)
"""

from __future__ import annotations

from typing import Any


def dashboard(page: str = "home") -> Any:
    """A page of the dashboard (``home``, ``runs``, ``studies``, ``drift``, ``models``,
    ``pipelines``) rendered in a notebook cell; ``workbench ui`` serves all of them."""
    from workbench.ui.app import dashboard as render

    return render(page)

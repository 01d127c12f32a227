"""Errors the tracking API raises, for the code that shows them (the CLI, the dashboard).

>>> issubclass(FilterError, ValueError) and issubclass(RunNotFoundError, LookupError)
True
"""

from __future__ import annotations

from workbench.store.errors import StoreError
from workbench.store.filter_parser import FilterError
from workbench.store.tracking_store import RunNotFoundError

__all__ = ["FilterError", "RunNotFoundError", "StoreError"]

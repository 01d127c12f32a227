"""Old public names that keep working for one minor version, each warning once.

>>> import workbench as wb
>>> wb.tuning.load_study is wb.tuning.get_study  # doctest: +SKIP  (with a DeprecationWarning)
True
"""

from __future__ import annotations

import importlib
import warnings
from typing import Any

# Old names ("wb.tuning.load_study", "wb.tune(study_name=)") that warned in this process.
_warned: set[str] = set()
REMOVED_IN = "0.3.0"

# Old public name -> the new one; the old one is the same object, reached with a warning.
RENAMED = {
    "wb.get_store": "wb.admin.get_store",
    "wb.mark_stale_runs": "wb.admin.mark_stale_runs",
    "wb.collect_garbage": "wb.admin.collect_garbage",
    "wb.models.list": "wb.models.list_models",
    "wb.models.load_model": "wb.models.load_from_dir",
    "wb.tuning.load_study": "wb.tuning.get_study",
    "wb.drift.load_report": "wb.drift.get_report",
}
# Old argument -> the new one (same meaning; ``quiet=True`` is ``show_progress=False``).
RENAMED_ARGUMENTS = {
    "wb.tune(study_name=...)": "wb.tune(name=...)",
    "wb.tuning.join_study(study_name=...)": "wb.tuning.join_study(name=...)",
    "wb.retrain(quiet=...)": "wb.retrain(show_progress=...)",
}


def warn_deprecated(old: str, new: str, stacklevel: int = 3) -> None:
    """A ``DeprecationWarning`` naming ``new``, the first time ``old`` is used in a process."""
    if old in _warned:
        return
    _warned.add(old)
    warnings.warn(
        f"{old} is deprecated and will be removed in workbench {REMOVED_IN}; use {new}.",
        DeprecationWarning,
        stacklevel=stacklevel,
    )


def renamed_attribute(old: str) -> Any:
    """The object now named ``RENAMED[old]``, warning once that ``old`` is deprecated; for the
    modules' ``__getattr__`` (``old`` like ``"wb.tuning.load_study"``)."""
    new = RENAMED[old]
    warn_deprecated(old, new, stacklevel=4)  # the user's line, past the module's __getattr__
    module, _, attribute = new.rpartition(".")
    return getattr(importlib.import_module(module.replace("wb", "workbench", 1)), attribute)


def renamed_argument(
    where: str, old: str, new: str, old_value: Any, new_value: Any, stacklevel: int = 4
) -> Any:
    """The value of argument ``new`` of ``where``, or that of its deprecated name ``old`` if
    only that was given (warning once); both at once is an error. ``stacklevel``: of the
    user's call, seen from the warning (4: ``where`` called the function directly)."""
    if old_value is None:
        return new_value
    if new_value is not None:
        raise TypeError(f"{where}() got {old}= and {new}=; give {new}= ({old}= is deprecated).")
    warn_deprecated(f"{where}({old}=...)", f"{where}({new}=...)", stacklevel=stacklevel)
    return old_value

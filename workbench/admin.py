"""Looking after a project's store: the store itself, runs left RUNNING by a dead process,
and artifact blobs no run refers to (``workbench gc`` on the command line).

>>> import workbench as wb
>>> wb.admin.mark_stale_runs()  # doctest: +SKIP  (runs whose process died -> FAILED)
>>> wb.admin.collect_garbage(dry_run=True, grace=600)  # doctest: +SKIP  (keeps the last 10 min)
"""

from workbench.tracking.fluent import get_store
from workbench.tracking.queries import GarbageReport, collect_garbage, mark_stale_runs

__all__ = ["GarbageReport", "collect_garbage", "get_store", "mark_stale_runs"]

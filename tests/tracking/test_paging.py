"""Reading runs a page at a time: ``offset``, ``count_runs`` and ``run_keys`` (both backends)."""

from __future__ import annotations

import pytest

import workbench as wb
from workbench.tracking.queries import count_runs, project_summary, run_keys, store_revision


def _track(count: int) -> list[str]:
    wb.set_experiment("paging")
    ids = []
    for index in range(count):
        with wb.start_run(name=f"run {index:02d}") as run:
            run.log_params({"index": index, "parity": "even" if index % 2 == 0 else "odd"})
            run.log_metric("score", float(index))
            ids.append(run.id)
    return ids


def test_pages_cover_every_run_once_in_order(project):
    _track(23)
    pages = [
        wb.runs(experiment="paging", order_by="metrics.score DESC", max_results=10, offset=o)
        for o in (0, 10, 20)
    ]
    assert [len(p) for p in pages] == [10, 10, 3]
    scores = [s for p in pages for s in p["metrics.score"]]
    assert scores == [float(i) for i in range(22, -1, -1)]
    assert wb.runs(experiment="paging", max_results=10, offset=30).empty


def test_count_matches_the_filtered_search(project):
    _track(12)
    assert count_runs(experiment="paging") == 12
    even = "params.parity = 'even' and metrics.score >= 4"
    assert count_runs(experiment="paging", filter=even) == len(
        wb.runs(experiment="paging", filter=even)
    ) == 4  # fmt: skip
    with pytest.raises(ValueError, match="position"):
        count_runs(experiment="paging", filter="metrics.score >> 1")
    with pytest.raises(ValueError, match="offset"):
        wb.runs(experiment="paging", offset=-1)


def test_keys_summary_and_revision_follow_the_store(project):
    before = store_revision()
    ids = _track(3)
    keys = run_keys("paging")
    assert keys["metrics"] == ["score"] and keys["params"] == ["index", "parity"]
    after = store_revision()
    assert after != before
    assert store_revision() == after  # nothing changed: same revision
    summary = project_summary()
    assert summary["runs"] == 3 and summary["studies"] == 0 and summary["models"] == 0
    wb.delete_run(ids[0])
    assert count_runs(experiment="paging") == 2
    assert project_summary()["runs"] == 2
    assert store_revision() != after  # a deletion is a change too

"""Version numbers stay unique when registrations race."""

from __future__ import annotations

from concurrent.futures import ThreadPoolExecutor

import workbench as wb


def test_concurrent_registrations_get_distinct_consecutive_versions(project):
    from sklearn.linear_model import LogisticRegression

    with wb.start_run() as run:
        run.log_model(LogisticRegression().fit([[0.0], [1.0]], [0, 1]))
    with ThreadPoolExecutor(max_workers=8) as pool:
        versions = list(pool.map(lambda _: wb.models.register(run.id, "raced").version, range(16)))
    assert sorted(versions) == list(range(1, 17))
    assert wb.models.versions("raced")["version"].tolist() == list(range(1, 17))

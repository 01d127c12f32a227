"""Shared fixtures: an isolated project per test, on SQLite and on a real PostgreSQL server.

PostgreSQL comes from ``WORKBENCH_TEST_PG_URL`` (``.ci/run`` starts one). Without it the
PostgreSQL variants are skipped on a developer machine, and fail in CI (``CI=true``).
"""

from __future__ import annotations

import os
import uuid
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
import sqlalchemy as sa
from projects import forget_engine, reset_tracking_state, sqlite_url

from workbench.store import engine as engine_module

PG_URL_ENV = "WORKBENCH_TEST_PG_URL"

# Tests that start a browser, a kernel, a virtualenv or real notebooks: `make test-fast` leaves
# them out for the inner loop; `make test` (and CI) runs everything.
SLOW_PATHS = (
    "tests/notebook/",
    "tests/notebooks_guided/",
    "tests/jupyter/test_lab_extension.py",
    "tests/pipelines/test_examples.py",
    "tests/pipelines/test_realworld_corpus.py",
)


def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    root = Path(str(config.rootpath))
    for item in items:
        where = Path(str(item.path)).relative_to(root).as_posix()
        uses_browser = "browser" in getattr(item, "fixturenames", ())
        if uses_browser or where.startswith(SLOW_PATHS):
            item.add_marker(pytest.mark.slow)


@pytest.fixture
def pg_url() -> Iterator[str]:
    """A fresh, empty PostgreSQL database, dropped afterwards."""
    admin_url = os.environ.get(PG_URL_ENV)
    if not admin_url:
        if os.environ.get("CI"):
            pytest.fail(f"{PG_URL_ENV} is not set: CI must start PostgreSQL (see .ci/run).")
        pytest.skip(f"{PG_URL_ENV} not set; run `bash .ci/run` for the PostgreSQL tests")
    name = f"wb_{uuid.uuid4().hex[:12]}"
    admin = sa.create_engine(admin_url, isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        conn.execute(sa.text(f'CREATE DATABASE "{name}"'))
    url = sa.make_url(admin_url).set(database=name).render_as_string(hide_password=False)
    try:
        yield url
    finally:
        forget_engine(url)
        with admin.connect() as conn:
            conn.execute(sa.text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        admin.dispose()


@pytest.fixture
def sqlite_project(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[Path]:
    """An empty project on SQLite in a temporary folder."""
    monkeypatch.setenv("WORKBENCH_HOME", str(tmp_path))
    monkeypatch.delenv("WORKBENCH_DB_URL", raising=False)
    monkeypatch.chdir(tmp_path)
    reset_tracking_state()
    yield tmp_path
    reset_tracking_state()
    forget_engine(sqlite_url(tmp_path))


@pytest.fixture(params=["sqlite", pytest.param("postgres", marks=pytest.mark.postgres)])
def project(
    request: pytest.FixtureRequest, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> Iterator[Path]:
    """An empty project, once on SQLite and once on PostgreSQL (artifacts stay local)."""
    monkeypatch.setenv("WORKBENCH_HOME", str(tmp_path))
    monkeypatch.chdir(tmp_path)
    if request.param == "postgres":
        monkeypatch.setenv("WORKBENCH_DB_URL", request.getfixturevalue("pg_url"))
    else:
        monkeypatch.delenv("WORKBENCH_DB_URL", raising=False)
    reset_tracking_state()
    yield tmp_path
    reset_tracking_state()
    forget_engine(sqlite_url(tmp_path))


@pytest.fixture
def old_store():
    """Make a SQLite store at an older schema revision, holding one run named 'kept'."""
    from alembic import command

    def make(url: str, revision: str, *more_sql: str) -> None:
        raw = engine_module._make_engine(url)
        with raw.begin() as conn:
            command.upgrade(engine_module._alembic_config(conn), revision)
            conn.exec_driver_sql(
                "INSERT INTO experiments (name, created_at, lifecycle) VALUES ('old', 0, 'active')"
            )
            conn.exec_driver_sql(
                "INSERT INTO runs (id, experiment_id, name, status, start_time, heartbeat_at, "
                '"user", host, pid, source, source_type, lifecycle) '
                "VALUES ('r1', 1, 'kept', 'FINISHED', 0, 0, '', '', 0, '', '', 'active')"
            )
            for sql in more_sql:
                conn.exec_driver_sql(sql)
        raw.dispose()

    return make


@pytest.fixture(scope="session")
def browser() -> Iterator[Any]:
    """Debian's Chromium driven by Playwright (no browser download), one for the whole
    session: Playwright's sync API runs one event loop per thread, so the dashboard's and
    JupyterLab's browser tests share it. Missing Chromium: skipped locally, failed in CI."""
    from browsertools import CHROMIUM_ARGS, chromium_path
    from playwright.sync_api import sync_playwright

    executable = chromium_path()

    with sync_playwright() as playwright:
        launched = playwright.chromium.launch(executable_path=executable, args=CHROMIUM_ARGS)
        yield launched
        launched.close()

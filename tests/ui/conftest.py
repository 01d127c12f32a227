"""Browser tests of the dashboard: a seeded demo store, ``workbench ui`` on a free port, and
Debian's Chromium driven by Playwright (no browser download: ``executable_path``).

Without Chromium the tests are skipped on a developer machine and fail in CI (``CI=true``),
where ``.ci/run`` installs it. Screenshots land in ``$WORKBENCH_TEST_ARTIFACTS`` (default
``build/test-artifacts/ui``).
"""

from __future__ import annotations

import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from uihelpers import Page, clean_env, served_ui


@pytest.fixture(scope="session")
def ui_home(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A demo project (runs, a study, registered models with aliases, a drift report)."""
    home = tmp_path_factory.mktemp("ui") / "demo"
    subprocess.run(
        [sys.executable, "-c", f"from workbench.demo import seed_demo; seed_demo({str(home)!r})"],
        check=True, env=clean_env(home), capture_output=True, text=True,
    )  # fmt: skip
    return home


@pytest.fixture(scope="session")
def ui_url(ui_home: Path) -> Iterator[str]:
    """``workbench ui`` serving the demo project; yields its base URL."""
    with served_ui(ui_home) as url:
        yield url


@pytest.fixture
def ui_page(browser: Any, ui_url: str) -> Iterator[Page]:
    context = browser.new_context(viewport={"width": 1400, "height": 900})
    tab = context.new_page()
    tab.set_default_timeout(30_000)
    try:
        yield Page(tab, ui_url)
    finally:
        context.close()


@pytest.fixture
def ui_store(ui_home: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[Path]:
    """Point this test process at the served demo store (to check what a click changed)."""
    from workbench import testing

    monkeypatch.setenv("WORKBENCH_HOME", str(ui_home))
    monkeypatch.delenv("WORKBENCH_DB_URL", raising=False)
    testing.reset()
    yield ui_home
    testing.reset()

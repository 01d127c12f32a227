"""Every autolog test leaves scikit-learn and LightGBM unpatched for the tests after it."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from workbench.autologging import autolog


@pytest.fixture(autouse=True)
def autolog_disabled_afterwards() -> Iterator[None]:
    yield
    autolog(disable=True)

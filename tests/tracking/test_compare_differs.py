"""What `differs` means in wb.compare_runs, `workbench runs compare` and /compare: one
decision for all three, a value next to a missing one included."""

from __future__ import annotations

import json
import math

import pytest
from typer.testing import CliRunner

import workbench as wb
from workbench.cli import app
from workbench.ui.pages.compare import CompareView


@pytest.fixture
def two_runs(project):
    """Run a logged ``num_leaves`` and ``auc``; run b lacks both. ``nan_loss`` is NaN in both,
    ``lr`` and the ``owner`` tag are the same, ``depth`` is 31 in a and 31.0 in b."""
    wb.set_experiment("compare")
    with wb.start_run(name="a", tags={"owner": "ana"}) as a:
        a.log_params({"num_leaves": 31, "lr": 0.1})
        a.log_metrics({"auc": 0.9, "nan_loss": math.nan, "depth": 31})
    with wb.start_run(name="b", tags={"owner": "ana"}) as b:
        b.log_params({"lr": 0.1})
        b.log_metrics({"nan_loss": math.nan, "depth": 31.0})
    return a.id, b.id


EXPECTED_DIFFERS = {"attributes.name", "params.num_leaves", "metrics.auc"}
EXPECTED_SAME = {"params.lr", "tags.owner", "metrics.nan_loss", "metrics.depth"}


def test_python_api_marks_a_value_next_to_a_missing_one_as_differing(two_runs):
    a, b = two_runs
    frame = wb.compare_runs([a, b])
    differs = frame["differs"].to_dict()
    assert all(differs[field] for field in EXPECTED_DIFFERS), differs
    assert not any(differs[field] for field in EXPECTED_SAME), differs
    assert frame.loc["params.num_leaves", b] is None  # missing, not NaN
    assert math.isnan(frame.loc["metrics.nan_loss", a])  # a logged NaN stays NaN
    assert frame.loc["params.num_leaves", a] == "31"


def test_a_field_missing_in_every_run_but_one_differs_with_three_runs(two_runs):
    a, b = two_runs
    with wb.start_run(name="a") as c:
        c.log_params({"lr": 0.1})
    frame = wb.compare_runs([a, b, c.id])
    assert frame.loc["params.num_leaves", "differs"]
    assert not frame.loc["attributes.status", "differs"]
    assert frame.loc["tags.owner", "differs"]  # c has no owner tag


def test_cli_stars_the_same_fields_and_json_has_null_for_missing(two_runs):
    a, b = two_runs
    result = CliRunner().invoke(app, ["runs", "compare", a, b])
    assert result.exit_code == 0, result.output
    cells = [line.split("│") for line in result.output.splitlines() if line.count("│") > 3]
    starred = {row[2].strip() for row in cells if row[1].strip() == "*"}
    assert starred >= EXPECTED_DIFFERS and not (EXPECTED_SAME & starred), starred
    result = CliRunner().invoke(app, ["runs", "compare", a, b, "--json"])

    def refuse(constant: str) -> None:
        raise AssertionError(f"{constant} is not JSON")

    rows = {row["field"]: row for row in json.loads(result.output, parse_constant=refuse)}
    assert rows["params.num_leaves"][b] is None and rows["params.num_leaves"]["differs"]
    assert rows["metrics.nan_loss"][a] == "nan"


def test_page_counts_and_highlights_the_same_fields(two_runs):
    """The page lists params, tags and attributes (metrics are summarised apart) and marks
    the ones wb.compare_runs marks."""
    a, b = two_runs
    differs = wb.compare_runs([a, b])["differs"]
    view = CompareView(run_ids=[a, b], only_differences=False)
    text = "".join(str(getattr(o, "object", "")) for o in view._body.objects)
    page = view.shown_fields()
    shared = [field for field in differs.index if field in page.index]
    assert shared and page.loc[shared, "differs"].tolist() == differs[shared].tolist()
    counted = f"2 runs, {int(page['differs'].sum())} of {len(page)} params, tags and attributes"
    assert f"{counted} differ (highlighted)" in text
    for field in EXPECTED_DIFFERS - {"metrics.auc"}:
        assert f'<tr class="wb-differs"><th>{field}</th>' in text
    for field in EXPECTED_SAME - {"metrics.nan_loss", "metrics.depth"}:
        assert f"<tr><th>{field}</th>" in text
    row = text.split("<th>params.num_leaves</th>")[1].split("</tr>")[0]
    assert '<span class="wb-missing">—</span>' in row


def test_frame_keeps_the_run_columns_in_the_order_asked(two_runs):
    a, b = two_runs
    frame = wb.compare_runs([b, a])
    assert list(frame.columns) == [b, a, "differs"]
    assert frame.index.name == "field"

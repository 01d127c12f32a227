"""`workbench models ...`."""

from __future__ import annotations

import json

from sklearn.linear_model import LogisticRegression
from typer.testing import CliRunner

import workbench as wb
from workbench.cli import app

runner = CliRunner()


def _register_two_versions():
    x, y = [[0.0], [1.0], [2.0], [3.0]], [0, 0, 1, 1]
    for c in (0.1, 1.0):
        with wb.start_run() as run:
            run.log_param("C", c)
            run.log_metric("accuracy", c)
            run.log_model(LogisticRegression(C=c).fit(x, y), name="clf", input_example=x)


def test_list_versions_show(sqlite_project):
    _register_two_versions()
    listed = json.loads(runner.invoke(app, ["models", "list", "--json"]).output)
    assert [row["name"] for row in listed] == ["clf"]
    versions = json.loads(runner.invoke(app, ["models", "versions", "clf", "--json"]).output)
    assert sorted(row["version"] for row in versions) == [1, 2]
    shown = runner.invoke(app, ["models", "show", "clf/2"])
    assert shown.exit_code == 0, shown.output
    assert shown.output.startswith("clf version 2")
    assert "signature" in shown.output and ":float64" in shown.output


def test_promote_and_rollback_ask_for_confirmation(sqlite_project):
    _register_two_versions()
    refused = runner.invoke(app, ["models", "promote", "clf", "1"], input="n\n")
    assert refused.exit_code != 0
    not_promoted = runner.invoke(app, ["models", "show", "clf@champion"])
    assert not_promoted.exit_code == 2  # the refused promote changed nothing
    assert runner.invoke(app, ["models", "promote", "clf", "1"], input="y\n").exit_code == 0
    assert runner.invoke(app, ["models", "promote", "clf", "2", "--yes"]).exit_code == 0
    assert wb.models.resolve("clf@champion").version == 2
    back = runner.invoke(app, ["models", "rollback", "clf", "--yes"])
    assert back.exit_code == 0 and "clf@champion -> version 1" in back.output
    unknown = runner.invoke(app, ["models", "versions", "nope"])
    assert unknown.exit_code == 2 and "nope" in unknown.output

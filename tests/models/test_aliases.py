"""Aliases: promote, rollback through the audit trail, and who moved them when."""

from __future__ import annotations

import time

import pandas as pd
import pytest

import workbench as wb
from workbench.tracking.environment import user


@pytest.fixture
def three_versions(project) -> str:
    from sklearn.linear_model import LogisticRegression

    with wb.start_run() as run:
        for c in (0.1, 1.0, 10.0):
            run.log_model(LogisticRegression(C=c).fit([[0.0], [1.0]], [0, 1]), name="churn")
    return "churn"


def test_promote_moves_the_alias_and_load_follows(three_versions):
    wb.models.promote("churn", version=1)
    assert wb.models.resolve("churn@champion").version == 1
    record = wb.models.promote("churn", version=3)
    assert record.version == 3 and record.aliases == ("champion",)
    assert wb.models.resolve("churn@champion").version == 3
    assert wb.models.load("churn@champion").C == 10.0


def test_aliases_are_independent(three_versions):
    wb.models.promote("churn", version=2, alias="champion")
    wb.models.promote("churn", version=3, alias="challenger")
    assert wb.models.list_models().set_index("name").loc["churn", "aliases"] == {
        "challenger": 3,
        "champion": 2,
    }
    frame = wb.models.versions("churn").set_index("version")
    assert frame.loc[2, "aliases"] == ["champion"] and frame.loc[3, "aliases"] == ["challenger"]


def test_rollback_walks_back_through_earlier_versions(three_versions):
    for version in (1, 2, 3):
        wb.models.promote("churn", version=version)
    assert wb.models.rollback("churn").version == 2
    assert wb.models.rollback("churn").version == 1
    assert wb.models.resolve("churn@champion").version == 1
    with pytest.raises(wb.models.NoEarlierVersionError, match="'champion' of model 'churn'"):
        wb.models.rollback("churn")


def test_history_records_action_versions_user_and_time(three_versions):
    before = time.time()
    wb.models.promote("churn", version=1)
    wb.models.promote("churn", version=2)
    wb.models.promote("churn", version=2)  # already there: no new entry
    wb.models.rollback("churn")
    history = wb.models.alias_history("churn")
    assert history["action"].tolist() == ["promote", "promote", "rollback"]
    assert history["version"].tolist() == [1, 2, 1]
    assert history["previous_version"].tolist() == [pd.NA, 1, 2]
    assert set(history["user"]) == {user()}
    assert (history["timestamp"] >= pd.Timestamp(before - 1, unit="s")).all()


def test_rollback_of_an_unset_alias_names_the_known_ones(three_versions):
    wb.models.promote("churn", version=1, alias="challenger")
    with pytest.raises(wb.models.ModelNotFoundError, match=r"no alias 'champion'.*challenger"):
        wb.models.rollback("churn")


def test_promote_of_an_unknown_version_is_refused(three_versions):
    with pytest.raises(
        wb.models.ModelNotFoundError, match=r"no version 7; known versions: 1, 2, 3"
    ):
        wb.models.promote("churn", version=7)
    assert wb.models.alias_history("churn").empty

"""A flush the database refuses: the rows it accepts are stored, the refused ones are dropped
with one warning per key, and the run still ends."""

from __future__ import annotations

import time
import warnings

import pytest

import workbench as wb
from workbench.tracking import DroppedValueWarning
from workbench.tracking.fluent import get_store


def test_a_point_that_slipped_past_validation_is_dropped_and_the_rest_is_stored(project):
    with pytest.warns(DroppedValueWarning) as caught, wb.start_run() as run:
        run.log_param("lr", 0.1)
        run.set_tag("owner", "ana")
        for step in range(100):
            run.log_metric("loss", 1.0 / (step + 1), step=step)
        # What a future bug in validation would let through: a step no database stores.
        run._buffer.append(("broken", 1.0, 2**64, time.time()))
        run._buffer.append(("broken", 2.0, 2**64 + 1, time.time()))
        run.log_metric("after", 3.0)
    details = wb.get_run(run.id)
    assert details.info.status == "FINISHED"
    assert details.params == {"lr": "0.1"}
    assert details.tags["owner"] == "ana"
    assert len(wb.metric_history(run.id, "loss")) == 100
    assert details.metrics["after"] == 3.0
    assert "broken" not in details.metrics
    messages = [str(w.message) for w in caught if w.category is DroppedValueWarning]
    assert len(messages) == 1  # once per key, however many of its points were refused
    assert "2 point(s) of metric 'broken'" in messages[0]
    assert run.id in messages[0]


def test_a_param_another_process_set_first_is_dropped_and_the_run_ends(project):
    refused = pytest.warns(DroppedValueWarning, match=r"param 'lr'.*refused")
    with refused as caught, wb.start_run() as run:
        run.log_param("lr", 0.1)  # buffered until the run's next flush
        run.log_metric("auc", 0.9)
        get_store().log_params(run.id, {"lr": "0.2"})  # another process got there first
    details = wb.get_run(run.id)
    assert details.info.status == "FINISHED"
    assert details.params == {"lr": "0.2"}  # the stored value is never overwritten
    assert details.metrics == {"auc": 0.9}
    assert sum(w.category is DroppedValueWarning for w in caught) == 1


def test_a_refused_row_is_not_retried(project):
    run = wb.start_run()
    run._buffer.append(("broken", 1.0, 2**64, time.time()))
    with pytest.warns(DroppedValueWarning):
        run.flush()
    run.log_metric("fine", 1.0)
    with warnings.catch_warnings():
        warnings.simplefilter("error", DroppedValueWarning)  # the dropped row is gone for good
        run.flush()
        run.end()
    assert wb.get_run(run.id).metrics == {"fine": 1.0}

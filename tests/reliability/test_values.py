"""Bad values against the tracking API, on SQLite and PostgreSQL: every value is either stored
and read back equal, or refused at the call with a ValueError naming it. Never a failed
flush, never a lost neighbour, and the run always ends."""

from __future__ import annotations

import math
import os
import subprocess
import sys
import time
import warnings
from collections.abc import Callable
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

import workbench as wb
from workbench.tracking import DroppedValueWarning
from workbench.tracking.fluent import get_store

NOW = time.time()


def _neighbours(run: wb.ActiveRun) -> None:
    run.log_param("kept_param", "p")
    run.set_tag("kept_tag", "t")
    run.log_metric("kept_metric", 1.5, step=0)


def _assert_neighbours_kept(run_id: str) -> None:
    details = wb.get_run(run_id)
    assert details.info.status == "FINISHED"
    assert details.params["kept_param"] == "p"
    assert details.tags["kept_tag"] == "t"
    assert details.metrics["kept_metric"] == 1.5


# -- one test id per attack named in issue #15 (and its neighbours) ----------------------------
ATTACKS: dict[str, tuple[Callable[[Any], Any], str]] = {
    "step=2**63": (lambda r: r.log_metric("x", 1.0, step=2**63), r"step .*'x'.*64-bit"),
    "step=-2**63-1": (lambda r: r.log_metric("x", 1.0, step=-(2**63) - 1), r"step .*'x'"),
    "step=nan": (lambda r: r.log_metric("x", 1.0, step=math.nan), r"step nan .*'x'"),
    "step='3'": (lambda r: r.log_metric("x", 1.0, step="3"), r"step '3' .*'x'"),
    "step=1e30": (lambda r: r.log_metric("x", 1.0, step=1e30), r"step .*'x'"),
    "timestamp=nan": (lambda r: r.log_metric("x", 1.0, timestamp=math.nan), r"timestamp nan"),
    "timestamp=inf": (lambda r: r.log_metric("x", 1.0, timestamp=math.inf), r"timestamp inf"),
    "timestamp=object()": (lambda r: r.log_metric("x", 1.0, timestamp=object()), r"'x'"),
    "timestamp='now'": (lambda r: r.log_metric("x", 1.0, timestamp="now"), r"timestamp 'now'"),
    "timestamp=milliseconds": (
        lambda r: r.log_metric("x", 1.0, timestamp=NOW * 1000),
        r"'x'.*milliseconds",
    ),
    "metric=10**400": (lambda r: r.log_metric("m", 10**400), r"metric 'm'.*too large"),
    "metric=-10**400": (lambda r: r.log_metric("m", -(10**400)), r"metric 'm'.*too large"),
    "metric='high'": (lambda r: r.log_metric("m", "high"), r"metric 'm'.*not a number"),
    "metric=None": (lambda r: r.log_metric("m", None), r"metric 'm'.*not a number"),
    "metric key surrogate": (lambda r: r.log_metric("a\udcff", 1.0), r"metric key.*Unicode"),
    "metric key NUL": (lambda r: r.log_metric("a\x00b", 1.0), r"metric key"),
    "metric key empty": (lambda r: r.log_metric("", 1.0), r"metric key.*empty"),
    "metric key 251 chars": (lambda r: r.log_metric("k" * 251, 1.0), r"metric key.*251"),
    "log_metrics one bad": (
        lambda r: r.log_metrics({"fine": 1.0, "bad": "x"}, step=1),
        r"metric 'bad'",
    ),
    "param value NUL": (lambda r: r.log_param("p", "a\x00b"), r"param 'p'.*NUL"),
    "param value surrogate": (lambda r: r.log_param("p", "a\udcff"), r"param 'p'.*Unicode"),
    "param key surrogate": (lambda r: r.log_param("a\udcff", 1), r"param key.*Unicode"),
    "param value 6001 chars": (lambda r: r.log_param("p", "v" * 6001), r"param 'p'.*6001"),
    "tag value NUL": (lambda r: r.set_tag("t", "a\x00b"), r"tag 't'.*NUL"),
    "tag value surrogate": (lambda r: r.set_tag("t", "a\udcff"), r"tag 't'.*Unicode"),
    "tag key surrogate": (lambda r: r.set_tag("a\udcff", "v"), r"tag key.*Unicode"),
    "tag key NUL": (lambda r: r.set_tag("a\x00", "v"), r"tag key"),
    "artifact path '.'": (lambda r: r.log_text("x", "."), r"artifact path '\.'"),
    "artifact path ''": (lambda r: r.log_text("x", ""), r"artifact path ''"),
    "artifact path './'": (lambda r: r.log_text("x", "./"), r"artifact path '\./'"),
    "artifact path absolute": (lambda r: r.log_text("x", "/etc/passwd"), r"inside the run"),
    "artifact path escaping": (lambda r: r.log_text("x", "a/../../b"), r"inside the run"),
    "artifact path surrogate": (lambda r: r.log_text("x", "a\udcff"), r"artifact path"),
    "artifact text surrogate": (lambda r: r.log_text("a\udcff", "notes.txt"), r"notes\.txt"),
    "dataset role too long": (
        lambda r: r.log_dataset({"a": [1]}, name="d", role="r" * 65),
        r"dataset role",
    ),
}


@pytest.mark.parametrize("attack", list(ATTACKS), ids=list(ATTACKS))
def test_attack_is_refused_at_the_call_and_the_run_keeps_the_rest(project, attack):
    action, message = ATTACKS[attack]
    with wb.start_run() as run:
        _neighbours(run)
        with pytest.raises(ValueError, match=message):
            action(run)
        run.log_metric("after", 2.0)  # the run goes on
    _assert_neighbours_kept(run.id)
    assert wb.get_run(run.id).metrics["after"] == 2.0
    assert "fine" not in wb.get_run(run.id).metrics  # a refused log_metrics records nothing


START_ATTACKS: dict[str, tuple[Callable[[], Any], str]] = {
    "start_run tag NUL": (lambda: wb.start_run(tags={"t": "a\x00"}), r"tag 't'.*NUL"),
    "start_run tag surrogate": (lambda: wb.start_run(tags={"t": "\udcff"}), r"tag 't'"),
    "start_run tag key surrogate": (lambda: wb.start_run(tags={"\udcff": "v"}), r"tag key"),
    "start_run name NUL": (lambda: wb.start_run(name="a\x00"), r"run name.*NUL"),
    "start_run name 251 chars": (lambda: wb.start_run(name="n" * 251), r"run name.*251"),
    "experiment ''": (lambda: wb.start_run(experiment=""), r"experiment key.*empty"),
    "experiment surrogate": (lambda: wb.set_experiment("e\udcff"), r"experiment key"),
}


@pytest.mark.parametrize("attack", list(START_ATTACKS), ids=list(START_ATTACKS))
def test_a_bad_run_start_is_refused_and_creates_nothing(project, attack):
    action, message = START_ATTACKS[attack]
    with pytest.raises(ValueError, match=message):
        action()
    assert wb.active_run() is None
    assert len(wb.runs()) == 0


@pytest.mark.parametrize("name", ["", "   ", "a\x00", "\udcff", "x" * 251])
def test_move_run_to_a_bad_experiment_name_is_refused(project, name):
    wb.set_experiment("home")
    with wb.start_run() as run:
        pass
    with pytest.raises(ValueError, match="experiment key"):
        wb.move_run(run.id, name)
    assert wb.get_run(run.id).info.experiment == "home"
    assert [e.name for e in get_store().list_experiments()] == ["home"]


# -- property-based: arbitrary keys and values ----------------------------------------------
text = st.text(max_size=12) | st.sampled_from(["a\udcff", "\x00", "a\x00b", "", " ", "k" * 251])
numbers = (
    st.floats(allow_nan=True, allow_infinity=True)
    | st.integers(-(2**1100), 2**1100)
    | st.sampled_from([10**400, -(10**400), True])
)
steps = (
    st.none()
    | st.integers(-(2**64), 2**64)
    | st.sampled_from([2**63 - 1, -(2**63), 2**63, 3.0, 2.5, math.nan, "1"])
)
stamps = (
    st.none()
    | st.floats(allow_nan=True, allow_infinity=True)
    | st.floats(0, 9.3e9)
    | st.integers(-5, 2**45)
    | st.sampled_from(["now", NOW])
)
operations = st.lists(
    st.one_of(
        st.tuples(st.just("metric"), text, numbers | text, steps, stamps),
        st.tuples(st.just("param"), text, text | numbers | st.none()),
        st.tuples(st.just("tag"), text, text | numbers),
    ),
    min_size=1,
    max_size=6,
)


def _same(stored: float | None, expected: float) -> bool:
    if math.isnan(expected):
        return stored is None or math.isnan(stored)
    return stored == expected


@settings(
    max_examples=60,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
@given(ops=operations)
def test_every_value_is_stored_equal_or_refused_at_the_call(project, ops):
    accepted_points: list[tuple[str, float, int, float | None]] = []
    next_step: dict[str, int] = {}  # without a step, a point goes after the key's previous one
    params: dict[str, str] = {}
    tags: dict[str, str] = {}
    with warnings.catch_warnings():
        warnings.simplefilter("error", DroppedValueWarning)  # a dropped row fails the test
        with wb.start_run() as run:
            _neighbours(run)
            for kind, key, *rest in ops:
                try:
                    if kind == "metric":
                        value, step, stamp = rest
                        run.log_metric(key, value, step=step, timestamp=stamp)
                        used = next_step.get(key, 0) if step is None else int(step)
                        next_step[key] = used + 1
                        expected_stamp = None if stamp is None else float(stamp)
                        accepted_points.append((key, float(value), used, expected_stamp))
                    elif kind == "param":
                        run.log_param(key, rest[0])
                        params.setdefault(key, str(rest[0]))
                    else:
                        run.set_tag(key, rest[0])
                        tags[key] = str(rest[0])
                except ValueError as error:
                    assert str(error)  # refused at the call, with a message
    _assert_neighbours_kept(run.id)
    details = wb.get_run(run.id)
    for key, value in params.items():
        assert details.params[key] == value
    for key, value in tags.items():
        assert details.tags[key] == value
    store = get_store()
    for key, value, step, stamp in accepted_points:
        history = store.metric_history(run.id, key)
        assert any(
            s == step and _same(v, value) and (stamp is None or t == stamp) for s, t, v in history
        ), (key, value, step, stamp, history)
        frame = wb.metric_history(run.id, key)  # and it reads back as a DataFrame
        assert frame["step"].tolist() == [s for s, _, _ in history]


def test_a_script_whose_file_name_is_not_utf8_is_tracked(project):
    folder = os.fsencode(project)
    script = os.path.join(folder, b"caf\xe9.py")  # Latin-1 bytes: not decodable as UTF-8
    with open(script, "w") as handle:
        handle.write("import workbench as wb\nwith wb.start_run() as run:\n    print(run.id)\n")
    done = subprocess.run(
        [sys.executable, script], capture_output=True, text=True, cwd=project, timeout=120
    )
    assert done.returncode == 0, done.stderr
    details = wb.get_run(done.stdout.strip())
    assert details.info.status == "FINISHED"
    assert details.info.source.endswith("caf?.py")


def test_steps_at_the_int64_limits_read_back_exactly(project):
    steps = [-(2**63), 2**53 + 1, 2**63 - 1]  # 2**53 + 1 is the first int a float rounds
    with wb.start_run() as run:
        for step in steps:
            run.log_metric("m", 1.0, step=step)
    assert wb.metric_history(run.id, "m")["step"].tolist() == steps

"""Keys and values: what is accepted, and that every rejection is a ValueError naming the key."""

from __future__ import annotations

import math

import pytest
from hypothesis import given
from hypothesis import strategies as st

from workbench.tracking.validation import (
    MAX_KEY_LENGTH,
    MAX_PARAM_LENGTH,
    MAX_STEP,
    MIN_STEP,
    check_key,
    metric_step,
    metric_timestamp,
    metric_value,
    param_value,
    tag_value,
)

printable_keys = st.text(
    alphabet=st.characters(blacklist_categories=("Cc", "Cs")), min_size=1, max_size=MAX_KEY_LENGTH
).filter(lambda key: key.strip() != "")


@given(printable_keys)
def test_printable_keys_up_to_the_limit_are_accepted(key):
    assert check_key(key, "metric") == key


@given(st.text(min_size=0, max_size=400))
def test_any_text_is_accepted_or_rejected_with_a_value_error_naming_it(key):
    try:
        check_key(key, "param")
    except ValueError as error:
        assert "param key" in str(error)
        assert repr(key[:40])[:-1] in str(error)  # the key (or its start) is named


@given(st.floats(allow_nan=True, allow_infinity=True) | st.integers(-(2**53), 2**53))
def test_every_real_number_is_a_metric_value(value):
    stored = metric_value("m", value)
    assert (math.isnan(stored) and math.isnan(value)) or stored == value


@given(st.text() | st.none() | st.booleans() | st.lists(st.floats()))
def test_non_numbers_are_not_metric_values(value):
    with pytest.raises(ValueError, match=r"metric 'm'.*not a number"):
        metric_value("m", value)


storable_text = st.text(
    alphabet=st.characters(blacklist_categories=("Cs",), blacklist_characters="\x00")
)


@given(storable_text.filter(lambda text: len(text) <= MAX_PARAM_LENGTH))
def test_param_values_up_to_the_limit_round_trip(text):
    assert param_value("p", text) == text


@given(st.text())
def test_text_values_are_kept_or_refused_naming_the_key(text):
    storable = "\x00" not in text and not any("\ud800" <= c <= "\udfff" for c in text)
    if storable:
        assert tag_value("t", text) == text
    else:
        with pytest.raises(ValueError, match=r"tag 't'.*(NUL|not valid Unicode)"):
            tag_value("t", text)


@pytest.mark.parametrize("text", ["a\x00b", "a\udcff", "\ud800"])
def test_text_a_database_cannot_store_is_refused(text):
    with pytest.raises(ValueError, match=r"param 'p'"):
        param_value("p", text)
    with pytest.raises(ValueError, match=r"metric key"):
        check_key(text, "metric")


@pytest.mark.parametrize(
    "value", [10**400, -(10**400), 10**5000], ids=["1e400", "-1e400", "1e5000"]
)
def test_numbers_beyond_float_range_name_the_metric(value):
    with pytest.raises(ValueError, match=r"metric 'm'.*too large for a float"):
        metric_value("m", value)


@given(st.integers(MIN_STEP, MAX_STEP))
def test_int64_steps_are_accepted(step):
    assert metric_step("m", step) == step


@pytest.mark.parametrize(
    "step", [2**63, -(2**63) - 1, 1.5, float("nan"), float("inf"), "3", True, None, 1e30]
)
def test_steps_outside_int64_or_not_integers_are_refused(step):
    with pytest.raises(ValueError, match=r"step .* for metric 'm'"):
        metric_step("m", step)


@pytest.mark.parametrize(
    "stamp", ["now", float("nan"), float("inf"), -1.0, object(), True, 10**400, 1.7e12]
)
def test_timestamps_that_are_not_seconds_since_1970_are_refused(stamp):
    with pytest.raises(ValueError, match=r"timestamp .* for metric 'm'"):
        metric_timestamp("m", stamp)


def test_a_timestamp_in_milliseconds_gets_a_hint():
    with pytest.raises(ValueError, match="milliseconds"):
        metric_timestamp("m", 1_700_000_000_000)


def test_param_values_over_the_limit_are_rejected():
    with pytest.raises(ValueError, match=r"param 'notes'.*6001 characters.*artifact"):
        param_value("notes", "x" * (MAX_PARAM_LENGTH + 1))


@pytest.mark.parametrize("key", ["val/loss", "train.loss", "a:b", "Ünïcode ключ", "with space"])
def test_common_key_shapes_are_allowed(key):
    assert check_key(key, "metric") == key

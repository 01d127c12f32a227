"""Keys and values: what is accepted, and that every rejection is a ValueError naming the key."""

from __future__ import annotations

import math

import pytest
from hypothesis import given
from hypothesis import strategies as st

from workbench.tracking.validation import (
    MAX_KEY_LENGTH,
    MAX_PARAM_LENGTH,
    check_key,
    metric_value,
    param_value,
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


@given(st.text(max_size=MAX_PARAM_LENGTH))
def test_param_values_up_to_the_limit_round_trip(text):
    assert param_value("p", text) == text


def test_param_values_over_the_limit_are_rejected():
    with pytest.raises(ValueError, match=r"param 'notes'.*6001 characters.*artifact"):
        param_value("notes", "x" * (MAX_PARAM_LENGTH + 1))


@pytest.mark.parametrize("key", ["val/loss", "train.loss", "a:b", "Ünïcode ключ", "with space"])
def test_common_key_shapes_are_allowed(key):
    assert check_key(key, "metric") == key

"""The prediction service under hostile input: every attack is a 413 or a 422 naming the
problem, never a 500, and a body over the size limit is refused before it is read whole.

The models are real (LightGBM, which takes missing values, and a scikit-learn logistic
regression, which refuses them), registered in a real SQLite project; requests go through
the real FastAPI app in process, and through ``workbench serve`` on a socket for the
Content-Length and chunked-body limits.
"""

from __future__ import annotations

import json
import os
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from fastapi.testclient import TestClient
from hypothesis import given, settings
from hypothesis import strategies as st
from projects import isolated_project

import workbench as wb
from workbench.serving import create_app

COLUMNS = ["x1", "x2", "count"]
ROW = {"x1": 0.5, "x2": -1.0, "count": 3}
SMALL_LIMIT = 1_000  # bytes: small enough that a test body crosses it quickly


@pytest.fixture(scope="module")
def served(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Path]:
    """A project holding ``lgbm`` (LightGBM) and ``logreg`` (scikit-learn), one version each."""
    import lightgbm as lgb
    from sklearn.linear_model import LogisticRegression

    rng = np.random.default_rng(0)
    frame = pd.DataFrame(
        {"x1": rng.normal(size=200), "x2": rng.normal(size=200), "count": rng.integers(0, 9, 200)}
    )
    labels = (frame["x1"] + frame["x2"] > 0).astype(int)
    with isolated_project(tmp_path_factory.mktemp("serving")) as home:
        with wb.start_run() as run:
            booster = lgb.LGBMClassifier(n_estimators=10, min_child_samples=5, verbose=-1)
            run.log_model(booster.fit(frame, labels), name="lgbm", input_example=frame.head())
            logreg = LogisticRegression().fit(frame, labels)
            run.log_model(logreg, name="logreg", input_example=frame.head())
        yield home


def _client(name: str, **options: int) -> TestClient:
    # A 500 comes back as a response (not an exception) so that tests can assert on it.
    return TestClient(create_app(name, **options), raise_server_exceptions=False)


@pytest.fixture(scope="module")
def lgbm(served: Path) -> TestClient:
    return _client("lgbm")


@pytest.fixture(scope="module")
def logreg(served: Path) -> TestClient:
    return _client("logreg")


def _rows(*rows: dict) -> bytes:
    return json.dumps(list(rows)).encode()


NESTED_VALUE = b'[{"x1": ' + b"[" * 900 + b"]" * 900 + b', "x2": 1.0, "count": 3}]'
ATTACKS = {  # id: (body, what the 422 detail says)
    "deep_nesting": (b"[" * 100_000 + b"]" * 100_000, "nested too deeply"),
    "deep_nesting_inside_a_value": (NESTED_VALUE, "'x1'"),
    "row_missing_columns_after_a_full_row": (_rows(ROW, {"x1": 1.0}), "Row 1 lacks column(s)"),
    "row_with_an_extra_column": (_rows(ROW, {**ROW, "z": 1}), "Row 1 has column(s) 'z'"),
    "nan_literal": (b'[{"x1": NaN, "x2": 1.0, "count": 3}]', "NaN is not a JSON number"),
    "infinity_literal": (b'[{"x1": Infinity, "x2": 1, "count": 3}]', "Infinity is not a JSON"),
    "minus_infinity_literal": (b'[{"x1": -Infinity, "x2": 1, "count": 3}]', "-Infinity is not"),
    "number_too_large_for_a_float": (b'[{"x1": 1e999, "x2": 1, "count": 3}]', "too large"),
    "integer_too_large": (_rows({**ROW, "count": 10**40}), "column 'count'"),
    "not_json": (b"{not json", "not valid JSON"),
    "binary_bytes": (bytes(range(256)), "not valid JSON"),
    "empty_body": (b"", "not valid JSON"),
    "scalar_body": (b"42", "got a JSON int"),
    "no_rows": (b"[]", "no rows"),
    "duplicate_split_columns": (
        b'{"dataframe_split": {"columns": ["x1", "x1", "count"], "data": [[1, 2, 3]]}}',
        "'x1' more than once",
    ),
    "unhashable_split_column_name": (
        b'{"dataframe_split": {"columns": [["x1"], "x2", "count"], "data": [[1, 2, 3]]}}',
        "columns[0] is a JSON list",
    ),
    "ragged_split_rows": (
        b'{"dataframe_split": {"columns": ["x1", "x2", "count"], "data": [[1, 2]]}}',
        "cannot be read as a table",
    ),
    "lone_surrogate_string": (_rows({**ROW, "x1": "\ud800"}), "surrogates not allowed"),
}


@pytest.mark.parametrize("body, message", list(ATTACKS.values()), ids=list(ATTACKS))
def test_a_malformed_body_is_a_422_naming_the_problem(lgbm, body, message):
    response = lgbm.post("/predict", content=body, headers={"content-type": "application/json"})
    assert response.status_code == 422, response.text
    assert message in response.json()["detail"]
    assert lgbm.post("/predict", json=[ROW]).status_code == 200  # still serving


def test_a_missing_value_the_model_refuses_is_a_422_with_its_reason(logreg):
    response = logreg.post("/predict", json=[{**ROW, "x1": None}])
    assert response.status_code == 422, response.text
    assert "cannot predict on these rows" in response.json()["detail"]
    assert "NaN" in response.json()["detail"]


def test_a_body_over_the_limit_is_a_413_naming_the_limit_and_the_fix(served):
    client = _client("lgbm", max_body_bytes=SMALL_LIMIT)
    body = _rows(*[ROW] * 40)  # about 1.5 kB, over the 1 kB limit
    response = client.post("/predict", content=body, headers={"content-type": "application/json"})
    assert response.status_code == 413
    detail = response.json()["detail"]
    assert "at most 1.0 kB" in detail
    assert "--max-body-mb" in detail and "max_body_bytes" in detail
    assert client.post("/predict", json=[ROW] * 10).status_code == 200  # under the limit


def test_the_default_limit_is_ten_megabytes(lgbm):
    rows = json.dumps([ROW] * 10).encode()
    big = b"[" + b",".join([rows[1:-1]] * 40_000) + b"]"  # 400,000 rows, about 13 MB
    assert len(big) > 10_000_000
    response = lgbm.post("/predict", content=big, headers={"content-type": "application/json"})
    assert response.status_code == 413
    assert "10.0 MB" in response.json()["detail"]


def test_a_chunked_body_over_the_limit_is_a_413(served):
    client = _client("lgbm", max_body_bytes=10_000)

    def chunks() -> Iterator[bytes]:  # no Content-Length: only counting the bytes finds it
        yield b"["
        for _ in range(100):
            yield json.dumps(ROW).encode() * 10 + b","

    response = client.post("/predict", content=chunks())
    assert "content-length" not in response.request.headers
    assert response.status_code == 413
    assert "at most 10.0 kB" in response.json()["detail"]


def test_the_limit_must_be_positive(served):
    with pytest.raises(ValueError, match="max_body_bytes must be a positive number of bytes"):
        create_app("lgbm", max_body_bytes=0)


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


def _raw_request(port: int, head: bytes, body_chunks: list[bytes]) -> bytes:
    """Send ``head`` then as many ``body_chunks`` as the server takes; return its answer."""
    with socket.create_connection(("127.0.0.1", port), timeout=20) as conn:
        conn.sendall(head)
        for chunk in body_chunks:
            try:
                conn.sendall(chunk)
            except OSError:  # the server answered and closed the connection
                break
        answer = b""
        while b"\r\n\r\n" not in answer or not answer.endswith(b"}"):
            data = conn.recv(65536)
            if not data:
                break
            answer += data
        return answer


@pytest.fixture(scope="module")
def server(served: Path) -> Iterator[int]:
    """``workbench serve lgbm --max-body-mb 0.01`` (10 kB) on a free port."""
    port = _free_port()
    command = [sys.executable, "-m", "workbench", "serve", "lgbm", "--port", str(port)]
    process = subprocess.Popen(
        [*command, "--max-body-mb", "0.01"],
        env=dict(os.environ),
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    try:
        deadline = time.monotonic() + 60
        while b"200 OK" not in _try_health(port):
            assert process.poll() is None, process.communicate()
            assert time.monotonic() < deadline, "the server did not start within 60 s"
            time.sleep(0.2)
        yield port
    finally:
        process.terminate()
        process.communicate(timeout=30)


def _try_health(port: int) -> bytes:
    try:
        return _raw_request(port, b"GET /health HTTP/1.1\r\nHost: x\r\n\r\n", [])
    except OSError:
        return b""


def test_the_server_refuses_a_declared_length_over_the_limit_before_the_body(server):
    head = (
        b"POST /predict HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\n"
        b"Content-Length: 1000000000\r\n\r\n"
    )
    started = time.monotonic()
    answer = _raw_request(server, head, [])  # not one byte of the 1 GB body is sent
    assert answer.startswith(b"HTTP/1.1 413"), answer[:200]
    assert b"The body is 1000.0 MB" in answer and b"at most 10.0 kB" in answer
    assert time.monotonic() - started < 10


def test_the_server_cuts_off_a_chunked_body_over_the_limit(server):
    head = (
        b"POST /predict HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\n"
        b"Transfer-Encoding: chunked\r\n\r\n"
    )
    piece = b"[" + b" " * 4094 + b"]"
    chunk = b"%x\r\n" % len(piece) + piece + b"\r\n"
    answer = _raw_request(server, head, [chunk] * 2_000)  # 8 MB offered, 10 kB allowed
    assert answer.startswith(b"HTTP/1.1 413"), answer[:200]
    assert b"larger than that; this server takes at most 10.0 kB" in answer


JSON_VALUES = st.recursive(
    st.none() | st.booleans() | st.integers() | st.floats() | st.text(),
    lambda inner: st.lists(inner, max_size=4) | st.dictionaries(st.text(), inner, max_size=4),
    max_leaves=20,
)
CELLS = st.none() | st.booleans() | st.integers() | st.floats() | st.text(max_size=5)
ROWS = st.lists(
    st.dictionaries(st.sampled_from([*COLUMNS, "other"]), CELLS, min_size=2, max_size=4),
    min_size=1,
    max_size=5,
)
FUZZ = settings(max_examples=150, deadline=None)


def _json_bytes(value: object) -> bytes:
    # allow_nan: the literals NaN and Infinity are among the attacks.
    return json.dumps(value, allow_nan=True).encode()


@pytest.fixture(scope="module")
def fuzzed(served: Path) -> dict[str, TestClient]:
    return {name: _client(name, max_body_bytes=4 * SMALL_LIMIT) for name in ("lgbm", "logreg")}


def _answer_is_never_a_500(client: TestClient, body: bytes) -> None:
    response = client.post("/predict", content=body)
    assert response.status_code in (200, 413, 422), (body[:300], response.text[:300])
    if response.status_code != 200:
        assert response.json()["detail"]


MODELS = pytest.mark.parametrize("model", ["lgbm", "logreg"])


@MODELS
@FUZZ
@given(body=st.binary(max_size=2_000))
def test_fuzz_arbitrary_bytes(fuzzed, model, body):
    _answer_is_never_a_500(fuzzed[model], body)


@MODELS
@FUZZ
@given(value=JSON_VALUES)
def test_fuzz_arbitrary_json(fuzzed, model, value):
    _answer_is_never_a_500(fuzzed[model], _json_bytes(value))


@MODELS
@FUZZ
@given(rows=ROWS)
def test_fuzz_rows_of_arbitrary_cells(fuzzed, model, rows):
    _answer_is_never_a_500(fuzzed[model], _json_bytes(rows))


@MODELS
@FUZZ
@given(split=st.fixed_dictionaries({"columns": JSON_VALUES, "data": JSON_VALUES}))
def test_fuzz_arbitrary_dataframe_splits(fuzzed, model, split):
    _answer_is_never_a_500(fuzzed[model], _json_bytes({"dataframe_split": split}))

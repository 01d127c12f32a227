"""The prediction service: a FastAPI app serving one registered model, following its alias.

Endpoints:

- ``POST /predict``: a JSON body of rows or columns (see :mod:`workbench.serving.payload`)
  → ``{"predictions": [...], "model": {"name": ..., "version": ...}}``; with
  ``?probabilities=true`` a classifier adds ``"probabilities"`` (one list per row).
  A body that does not match the signature is a 422 ``{"detail", "columns", "expected"}``;
  any other body the model cannot predict on (not JSON, ``NaN``, nested too deep, rows
  the model refuses) a 422 ``{"detail"}`` naming the problem; a body over the size limit
  (10 MB unless ``max_body_bytes`` says otherwise) a 413; 503 while no model could be loaded.
- ``GET /health``: 200 ``{"status": "ok", "name", "version"}``, or 503.
- ``GET /model``: name, version, alias, sha256, run_id, flavor, format, signature, loaded_at.

Small bodies are predicted on the event loop (a thread hop costs more than the work);
large ones in the thread pool so that other requests are not held up.

>>> from fastapi.testclient import TestClient
>>> client = TestClient(create_app("churn-model@champion"))  # doctest: +SKIP
>>> client.post("/predict", json=[{"age": 31, "city": "Oslo"}]).json()  # doctest: +SKIP
{'predictions': [0], 'model': {'name': 'churn-model', 'version': 3}}
"""

from __future__ import annotations

import json
import logging
import time
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from typing import Any

from fastapi import FastAPI, Request, Response
from starlette.concurrency import run_in_threadpool

from workbench.serving.follower import ModelFollower, ServedModel
from workbench.serving.input_log import InputLog
from workbench.serving.payload import FORMATS, InputError

__all__ = ["create_app"]

logger = logging.getLogger("workbench.serving")

# Bodies up to this size (about 50 rows of 20 numbers) are predicted on the event loop.
INLINE_BODY_BYTES = 16_384
# About 100,000 rows of 10 numbers; the parsed rows take ten times as much memory.
MAX_BODY_BYTES = 10_000_000
_JSON = "application/json"
_REQUEST_BODY = {
    "required": True,
    "description": f"Rows to predict: {FORMATS}.",
    "content": {
        _JSON: {
            "schema": {"oneOf": [{"type": "array"}, {"type": "object"}]},
            "example": {"dataframe_split": {"columns": ["age", "city"], "data": [[31, "Oslo"]]}},
        }
    },
}


def _respond(body: dict[str, Any], status: int = 200) -> Response:
    return Response(json.dumps(body), status_code=status, media_type=_JSON)


def _jsonable(values: Any) -> Any:
    import numpy as np
    import pandas as pd

    if isinstance(values, pd.DataFrame):  # one object per row
        columns = [str(column) for column in values.columns]
        cells = zip(*(_jsonable(values[column]) for column in values.columns), strict=True)
        return [dict(zip(columns, row, strict=True)) for row in cells]
    array = np.asarray(values)
    # JSON has no NaN or infinity: they become null.
    if array.dtype.kind == "f" and not np.isfinite(array).all():
        finite = np.isfinite(array)
        array = array.astype(object)
        array[~finite] = None
    return array.tolist()


def _refuse_constant(name: str) -> Any:
    raise InputError(f"{name} is not a JSON number; send null for a missing value.")


def _decode(body: bytes) -> Any:
    """The JSON ``body``, or an :class:`InputError` (422) saying why it is not usable JSON."""
    try:
        return json.loads(body, parse_constant=_refuse_constant)
    except InputError:
        raise
    except RecursionError:
        raise InputError("The body is nested too deeply to read; send rows of values.") from None
    except ValueError as error:  # also a body that is not UTF-8/16/32 text
        raise InputError(f"The body is not valid JSON: {error}. Send {FORMATS}.") from None


def _prediction(
    served: ServedModel, body: bytes, probabilities: bool, log: InputLog | None, received: float
) -> tuple[dict[str, Any], int]:
    try:
        data = served.reader.read(_decode(body))
    except InputError as error:
        return error.to_dict(), error.status
    except RecursionError:  # deep nesting inside a value, met while building the frame
        return {"detail": "A value is nested too deeply; send plain values per column."}, 422
    try:
        result: dict[str, Any] = {"predictions": _jsonable(served.predict(data))}
        if probabilities and hasattr(served.model, "predict_proba"):
            result["probabilities"] = _jsonable(served.predict(data, probabilities=True))
    except (ValueError, TypeError) as error:  # the model refuses these values (e.g. NaN)
        return {"detail": f"The model cannot predict on these rows: {error}"}, 422
    except Exception as error:  # the model's own complaint, for the client to read
        logger.exception("Prediction failed for %s version %s", served.name, served.version)
        return {"detail": f"The model failed to predict: {error}"}, 500
    result["model"] = {"name": served.name, "version": served.version}
    if log is not None:
        log.append(data, served.version, received)
    return result, 200


async def _read_body(request: Request, limit: int) -> bytes | None:
    """The request body, or None as soon as it is known to exceed ``limit`` bytes."""
    declared = request.headers.get("content-length", "")
    if declared.isdigit() and int(declared) > limit:
        return None
    chunks, size = [], 0
    async for chunk in request.stream():  # a chunked body declares no length: count it
        size += len(chunk)
        if size > limit:
            return None
        chunks.append(chunk)
    return b"".join(chunks)


def _size(count: int) -> str:
    if count >= 1_000_000:
        return f"{count / 1e6:.1f} MB"
    return f"{count / 1e3:.1f} kB" if count >= 1_000 else f"{count} bytes"


def _too_large(request: Request, limit: int) -> Response:
    declared = request.headers.get("content-length", "")
    size = _size(int(declared)) if declared.isdigit() else "larger than that"
    return _respond(
        {
            "detail": f"The body is {size}; this server takes at most {_size(limit)} "
            "per request. Send fewer rows per request, or start the server with a larger "
            "limit (workbench serve --max-body-mb, create_app(max_body_bytes=...))."
        },
        413,
    )


def create_app(
    ref: str,
    *,
    log_inputs: bool = False,
    poll_interval: float = 1.0,
    max_body_bytes: int = MAX_BODY_BYTES,
) -> FastAPI:
    """A FastAPI app serving model ``ref``; it follows the alias while it runs.

    The model is loaded here, so a bad reference fails now. Following the alias and
    writing logged inputs happen between the app's startup and shutdown (uvicorn, or
    ``with TestClient(app):``).

    Args:
        ref: ``name@alias`` (follows the alias), ``name`` (follows the latest version)
            or ``name/version`` (fixed).
        log_inputs: append the received rows to Parquet (see :func:`logged_inputs`).
        poll_interval: seconds between two checks of the alias.
        max_body_bytes: a larger ``POST /predict`` body is answered 413 before it is read
            whole (by its Content-Length, or by counting a chunked body as it arrives).

    Raises:
        ModelNotFoundError: the model, version or alias is unknown (known ones listed).
        ModelLoadError: a fixed ``name/version`` could not be loaded.
        ValueError: ``max_body_bytes`` is not a positive number of bytes.

    Example:
        >>> from fastapi.testclient import TestClient
        >>> with TestClient(create_app("churn-model@champion")) as client:  # doctest: +SKIP
        ...     client.get("/model").json()["version"]
        3
    """
    if (
        isinstance(max_body_bytes, bool)
        or not isinstance(max_body_bytes, int)
        or max_body_bytes <= 0
    ):
        raise ValueError(
            f"max_body_bytes must be a positive number of bytes, got {max_body_bytes!r}"
        )
    follower = ModelFollower(ref, poll_interval=poll_interval)
    input_log = InputLog(follower.ref.name) if log_inputs else None

    @asynccontextmanager
    async def lifespan(app: FastAPI) -> AsyncIterator[None]:
        follower.start()
        if input_log is not None:
            input_log.start()
        try:
            yield
        finally:
            follower.stop()
            if input_log is not None:
                input_log.close()

    app = FastAPI(
        title=f"workbench serve {ref}",
        description="Predictions from a registered model that follows its registry alias.",
        lifespan=lifespan,
    )
    app.state.follower = follower
    app.state.input_log = input_log

    def unavailable() -> Response:
        detail = follower.load_error or "no model version is loaded"
        return _respond({"status": "unavailable", "detail": f"{follower.ref}: {detail}"}, 503)

    @app.post("/predict", openapi_extra={"requestBody": _REQUEST_BODY})
    async def predict(request: Request) -> Response:
        received = time.time()
        served = follower.current  # this request predicts with this version to the end
        if served is None:
            return unavailable()
        body = await _read_body(request, max_body_bytes)
        if body is None:
            return _too_large(request, max_body_bytes)
        probabilities = request.query_params.get("probabilities", "").lower() in ("1", "true")
        if len(body) <= INLINE_BODY_BYTES:
            result, status = _prediction(served, body, probabilities, input_log, received)
        else:
            result, status = await run_in_threadpool(
                _prediction, served, body, probabilities, input_log, received
            )
        return _respond(result, status)

    @app.get("/health")
    async def health() -> Response:
        served = follower.current
        if served is None:
            return unavailable()
        return _respond({"status": "ok", "name": served.name, "version": served.version})

    @app.get("/model")
    async def model() -> Response:
        served = follower.current
        if served is None:
            return unavailable()
        return _respond(served.describe())

    return app

"""Run the prediction service with uvicorn: ``workbench serve NAME@ALIAS``.

>>> from workbench.serving import run_server
>>> run_server("churn-model@champion", port=8000)  # doctest: +SKIP
Serving churn-model version 3 (follows churn-model@champion) at http://127.0.0.1:8000
"""

from __future__ import annotations

import contextlib
import logging
import socket
import sys
from collections.abc import Callable
from typing import Any

from workbench._network import is_loopback
from workbench.serving.app import MAX_BODY_BYTES, create_app

__all__ = ["is_loopback", "run_server"]


def _url(address: str, port: int) -> str:
    host = f"[{address}]" if ":" in address else address
    return f"http://{host}:{port}"


def _log_to_stderr() -> None:
    # The follower reports alias moves and failed loads on this logger.
    logger = logging.getLogger("workbench.serving")
    if not logger.handlers:
        handler = logging.StreamHandler(sys.stderr)
        handler.setFormatter(logging.Formatter("%(asctime)s %(levelname)s %(message)s"))
        logger.addHandler(handler)
        logger.setLevel(logging.INFO)
        logger.propagate = False


def run_server(
    ref: str,
    *,
    port: int = 8000,
    address: str = "127.0.0.1",
    log_inputs: bool = False,
    poll_interval: float = 1.0,
    max_body_bytes: int = MAX_BODY_BYTES,
) -> None:
    """Serve model ``ref`` over HTTP until interrupted (Ctrl+C or SIGTERM).

    Prints the URL and the served version once the port is open. On shutdown, logged
    inputs still buffered are written.

    Args:
        ref: ``name@alias`` (follows the alias), ``name`` (latest) or ``name/version``.
        port: the port to listen on.
        address: the address to listen on; anything but loopback is reachable by others
            and the endpoint has no authentication (a warning says so).
        log_inputs: append the received rows to Parquet under ``.workbench/serving/``.
        poll_interval: seconds between two checks of the alias.
        max_body_bytes: a larger ``POST /predict`` body is answered 413 (default 10 MB).

    Raises:
        ModelNotFoundError: the model, version or alias is unknown (known ones listed).
        ModelLoadError: a fixed ``name/version`` could not be loaded.
        ValueError: ``ref`` is malformed, or ``max_body_bytes`` is not positive.
    """
    import uvicorn

    _log_to_stderr()
    app = create_app(
        ref, log_inputs=log_inputs, poll_interval=poll_interval, max_body_bytes=max_body_bytes
    )
    follower = app.state.follower
    if not is_loopback(address):
        print(
            f"Warning: listening on {address}: anyone who can reach this machine can call the "
            "endpoint; it has no authentication.",
            file=sys.stderr,
        )

    def ready() -> None:
        served = follower.current
        what = f"version {served.version}" if served is not None else "no version yet (503)"
        follows = f" (follows {follower.ref})" if follower.follows else ""
        print(f"Serving {follower.ref.name} {what}{follows} at {_url(address, port)}", flush=True)
        if log_inputs:
            print(f"Logging received rows to {app.state.input_log.folder}", flush=True)
        print("Endpoints: POST /predict, GET /health, GET /model, GET /docs", flush=True)

    config = uvicorn.Config(
        app, host=address, port=port, log_level="warning", access_log=False, lifespan="on"
    )
    _run_until_stopped(config, ready)


def _run_until_stopped(config: Any, on_ready: Callable[[], None]) -> None:
    import uvicorn

    class Server(uvicorn.Server):  # calls on_ready once the port is open
        async def startup(self, sockets: list[socket.socket] | None = None) -> None:
            await super().startup(sockets=sockets)
            if self.started:
                on_ready()

    with contextlib.suppress(KeyboardInterrupt):  # uvicorn re-raises Ctrl+C once it stopped
        Server(config).run()

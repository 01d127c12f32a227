"""Keep the model version a reference names loaded, and follow its alias as it moves.

A :class:`ModelFollower` loads the version once, then (once :meth:`ModelFollower.start`
is called) checks the alias about every ``poll_interval`` seconds with one small query.
When the alias moves it loads the new version (sha256 verified by the registry loader)
completely, and only then swaps the one reference :attr:`ModelFollower.current`: a request
that took the old :class:`ServedModel` finishes with it. A version that fails to load is
logged and skipped; the old one keeps serving.

``name@alias`` follows the alias, ``name`` follows the latest version, ``name/3`` stays put.

>>> follower = ModelFollower("churn-model@champion", poll_interval=1.0)  # doctest: +SKIP
>>> served = follower.current  # doctest: +SKIP
>>> served.version, served.model.predict(frame)  # doctest: +SKIP
"""

from __future__ import annotations

import logging
import threading
import time
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from workbench.models._backend import ModelVersionRecord, stores
from workbench.models.loading import load, resolve
from workbench.models.refs import parse_ref
from workbench.models.signature import Signature
from workbench.serving.payload import InputReader

__all__ = ["ModelFollower", "ModelLoadError", "ServedModel"]

logger = logging.getLogger("workbench.serving")

# Up to this many rows, LightGBM predicts on one thread (see ServedModel.predict).
SMALL_BATCH_ROWS = 256


class ModelLoadError(RuntimeError):
    """The model version a fixed reference names could not be loaded."""


@dataclass(frozen=True)
class ServedModel:
    """One loaded model version: what a request predicts with from start to end."""

    model: Any
    record: ModelVersionRecord
    signature: Signature | None
    alias: str | None
    loaded_at: float
    reader: InputReader

    @property
    def name(self) -> str:
        return self.record.name

    @property
    def version(self) -> int:
        return self.record.version

    def predict(self, data: Any, *, probabilities: bool = False) -> Any:
        """``model.predict(data)`` (``predict_proba`` with ``probabilities``).

        LightGBM predicts a small batch on one thread: starting its OpenMP threads costs
        more than the batch, and far more when the CPU is busy; the predictions are the same.
        """
        method = self.model.predict_proba if probabilities else self.model.predict
        if self.record.flavor.startswith("lightgbm.") and len(data) <= SMALL_BATCH_ROWS:
            return method(data, num_threads=1)
        return method(data)

    def describe(self) -> dict[str, Any]:
        """What ``GET /model`` answers: the version, its origin, signature and load time."""
        return {
            "name": self.name,
            "version": self.version,
            "alias": self.alias,
            "sha256": self.record.sha256,
            "run_id": self.record.run_id,
            "flavor": self.record.flavor,
            "format": self.record.format,
            "signature": self.record.signature,
            "loaded_at": datetime.fromtimestamp(self.loaded_at, UTC).isoformat(),
        }


class ModelFollower:
    """The served version of ``ref``, reloaded when its alias (or latest version) moves.

    Args:
        ref: ``name@alias``, ``name`` (latest version) or ``name/version`` (fixed).
        poll_interval: seconds between two checks of the alias by the background thread.

    Raises:
        ModelNotFoundError: the model, version or alias is unknown (known ones listed).
        ValueError: ``ref`` is malformed.
        ModelLoadError: a fixed ``name/version`` could not be loaded.
    """

    def __init__(self, ref: str, *, poll_interval: float = 1.0) -> None:
        if poll_interval <= 0:
            raise ValueError(
                f"poll_interval must be a positive number of seconds, got {poll_interval!r}."
            )
        self.ref = parse_ref(ref)
        self.poll_interval = poll_interval
        record = resolve(ref)
        _, self._registry = stores()
        self._current: ServedModel | None = None
        self._attempted: int | None = None
        self.load_error: str | None = None
        self._stop = threading.Event()
        self._thread: threading.Thread | None = None
        self._load(record)
        if self._current is None and self.ref.version is not None:
            raise ModelLoadError(f"Cannot serve {ref}: {self.load_error}")

    @property
    def current(self) -> ServedModel | None:
        """The loaded version; ``None`` until one could be loaded."""
        return self._current

    @property
    def follows(self) -> bool:
        """Whether the served version can change (an alias or the latest version)."""
        return self.ref.version is None

    def refresh(self) -> ServedModel | None:
        """Check the alias once; if it moved, load its version and swap it in."""
        target = self._target_version()
        current = self._current
        if target is None or target == self._attempted:
            return current
        if current is not None and current.version == target:  # back after a failed load
            self._attempted, self.load_error = target, None
            logger.info("%s serves version %s again.", self.ref, target)
            return current
        self._load(resolve(f"{self.ref.name}/{target}"))
        return self._current

    def start(self) -> None:
        """Follow the alias from a background thread until :meth:`stop`."""
        if not self.follows or self._thread is not None:
            return
        self._stop.clear()
        self._thread = threading.Thread(
            target=self._follow, name=f"workbench-follow-{self.ref}", daemon=True
        )
        self._thread.start()

    def stop(self) -> None:
        """Stop following; the loaded version stays."""
        self._stop.set()
        if self._thread is not None:
            self._thread.join()
            self._thread = None

    def _target_version(self) -> int | None:
        if self.ref.alias is not None:
            return self._registry.aliases(self.ref.name).get(self.ref.alias)
        if self.ref.version is None:
            latest = self._registry.latest_version(self.ref.name)
            return latest.version if latest is not None else None
        return self.ref.version

    def _follow(self) -> None:
        failing = False
        while not self._stop.wait(self.poll_interval):
            try:
                self.refresh()
            except Exception as error:  # the database may be away for a while: keep serving
                if not failing:
                    logger.warning("Cannot check %s (%s); still serving the loaded version.",
                                   self.ref, error)  # fmt: skip
                failing = True
            else:
                if failing:
                    logger.info("Checking %s works again.", self.ref)
                failing = False

    def _load(self, record: ModelVersionRecord) -> None:
        self._attempted = record.version
        try:
            model = load(record)
            signature = Signature.from_dict(record.signature) if record.signature else None
            reader = InputReader(signature)
        except Exception as error:
            self.load_error = f"version {record.version} failed to load: {error}"
            old = self._current
            still = f"still serving version {old.version}" if old else "nothing to serve yet"
            logger.warning("Cannot load %s version %s (%s); %s.", record.name, record.version,
                           error, still)  # fmt: skip
            return
        served = ServedModel(model, record, signature, self.ref.alias, time.time(), reader)
        previous, self._current = self._current, served  # one reference swap
        self.load_error = None
        if previous is not None:
            logger.info("%s now serves version %s (was %s).", self.ref, record.version,
                        previous.version)  # fmt: skip
        if signature is None:
            logger.warning("%s version %s has no signature: inputs are not checked.",
                           record.name, record.version)  # fmt: skip

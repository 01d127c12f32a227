"""One daemon thread per process that flushes active runs and sends their heartbeats."""

from __future__ import annotations

import os
import threading
import time
import warnings
import weakref
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from workbench.tracking.run import ActiveRun

FLUSH_EVERY_SECONDS = 1.0


class _Flusher:
    """One daemon thread per process that flushes active runs and sends heartbeats."""

    def __init__(self) -> None:
        self._runs: weakref.WeakSet[ActiveRun] = weakref.WeakSet()
        self._lock = threading.Lock()
        self._thread: threading.Thread | None = None

    def watch(self, run: ActiveRun) -> None:
        with self._lock:
            self._runs.add(run)
            if self._thread is None or not self._thread.is_alive():
                self._thread = threading.Thread(
                    target=self._loop, name="workbench-flusher", daemon=True
                )
                self._thread.start()

    def forget(self, run: ActiveRun) -> None:
        with self._lock:
            self._runs.discard(run)

    def active(self) -> list[ActiveRun]:
        with self._lock:
            return list(self._runs)

    def _loop(self) -> None:
        while True:
            time.sleep(FLUSH_EVERY_SECONDS)
            for run in self.active():
                if run.ended:
                    continue
                try:
                    run._tick()
                except Exception as error:  # keep trying; the points stay buffered
                    warnings.warn(f"workbench: could not flush run {run.id}: {error}", stacklevel=1)

    def after_fork(self) -> None:
        self._runs = weakref.WeakSet()
        self._lock = threading.Lock()
        self._thread = None


flusher = _Flusher()
os.register_at_fork(after_in_child=flusher.after_fork)

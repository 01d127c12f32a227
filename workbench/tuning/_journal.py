"""A local Optuna journal file: appends under an ``flock``, without an fsync per append.

Optuna's ``JournalFileBackend`` fsyncs every append and locks by creating, renaming and
deleting a lock file: with ~8 appends per trial that is most of a short trial's cost, and a
process killed while holding the lock leaves the file behind for a 30 s grace period. Here
the kernel holds the lock (released when the process dies) and the appends stay in the page
cache, which a killed process cannot lose: the same guarantee as the tracking store's SQLite
(WAL, ``synchronous=NORMAL``). A line torn by a power cut is skipped on read, never fatal.
The file format is Optuna's, so journals written by either backend open with the other.
"""

from __future__ import annotations

import fcntl
import json
import logging
import os
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

from optuna.storages.journal import BaseJournalBackend

_logger = logging.getLogger(__name__)


class LocalJournalBackend(BaseJournalBackend):
    """Optuna journal log in one local file, safe for many processes on one machine.

    >>> import optuna
    >>> from optuna.storages import JournalStorage
    >>> storage = JournalStorage(LocalJournalBackend("study.journal"))  # doctest: +SKIP
    >>> optuna.create_study(storage=storage).optimize(lambda t: t.suggest_float("x", 0, 1), 5)
    ... # doctest: +SKIP
    """

    def __init__(self, path: str) -> None:
        self._path = path
        self._pid = -1
        self._fd = -1
        self._next_log = 0  # the number of the next log to read, and where its line starts
        self._next_offset = 0
        self._open()

    def _open(self) -> None:
        # A forked child shares the parent's open file description, and so its flock: reopen.
        self._fd = os.open(self._path, os.O_RDWR | os.O_APPEND | os.O_CREAT, 0o644)
        self._pid = os.getpid()

    def _descriptor(self) -> int:
        if self._pid != os.getpid():
            self._open()
        return self._fd

    @contextmanager
    def _locked(self) -> Iterator[int]:
        fd = self._descriptor()
        fcntl.flock(fd, fcntl.LOCK_EX)
        try:
            yield fd
        finally:
            fcntl.flock(fd, fcntl.LOCK_UN)

    def read_logs(self, log_number_from: int) -> list[dict[str, Any]]:
        fd = self._descriptor()
        if log_number_from != self._next_log:
            self._next_log, self._next_offset = 0, 0  # a reader behind us: from the start
        size = os.fstat(fd).st_size
        if size <= self._next_offset:
            return []
        data = os.pread(fd, size - self._next_offset, self._next_offset)
        end = data.rfind(b"\n") + 1  # a line still being written is read next time
        logs: list[dict[str, Any]] = []
        for line in data[:end].splitlines():
            try:
                log = json.loads(line)
            except ValueError:
                _logger.warning("Skipped a torn line in the study journal %s", self._path)
                continue
            if self._next_log >= log_number_from:
                logs.append(log)
            self._next_log += 1
        self._next_offset += end
        return logs

    def append_logs(self, logs: list[dict[str, Any]]) -> None:
        text = "".join(json.dumps(log, separators=(",", ":")) + "\n" for log in logs)
        data = text.encode("utf-8")
        with self._locked() as fd:
            size = os.fstat(fd).st_size
            if size and os.pread(fd, 1, size - 1) != b"\n":
                data = b"\n" + data  # after a torn last line, start a fresh one
            view = memoryview(data)
            while view:
                view = view[os.write(fd, view) :]

    def sync(self) -> None:
        """Make what was appended durable (once per study, not per trial)."""
        os.fsync(self._descriptor())

    def __getstate__(self) -> dict[str, Any]:
        return {"path": self._path}

    def __setstate__(self, state: dict[str, Any]) -> None:
        self.__init__(state["path"])  # type: ignore[misc]

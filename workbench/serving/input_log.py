"""The rows a prediction server received, kept as Parquet files for drift checks.

``workbench serve NAME@ALIAS --log-inputs`` buffers the checked input rows in memory and a
background thread writes them every ``flush_rows`` rows or ``flush_interval`` seconds (and
at shutdown) to ``.workbench/serving/<name>/inputs-<utc time>-<pid>-<seq>.parquet``, one
file per flush, written to a temporary file and renamed so a reader never sees half a file.
Each row gets two columns: ``_received_at`` (UTC time) and ``_model_version``.

With ``WORKBENCH_ARTIFACTS_URL`` set, each written file is also uploaded to the team's object
storage as a blob, named by an index under ``indexes/serving/<name>/``, so
:func:`logged_inputs` on any machine reads what every server logged (a file that cannot be
uploaded yet stays local and is sent with the next one).

Compare them with the training data:

>>> import workbench as wb
>>> import workbench.serving
>>> live = wb.serving.logged_inputs("churn-model", since="2024-06-01")  # doctest: +SKIP
>>> wb.drift.compare(train_df, live).drifted  # doctest: +SKIP
False
"""

from __future__ import annotations

import logging
import os
import threading
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from workbench.models.refs import check_name
from workbench.store import location

__all__ = [
    "MODEL_VERSION_COLUMN",
    "RECEIVED_AT_COLUMN",
    "InputLog",
    "inputs_folder",
    "logged_inputs",
]

RECEIVED_AT_COLUMN = "_received_at"
MODEL_VERSION_COLUMN = "_model_version"
_PREFIX = "inputs-"
_STAMP = "%Y%m%dT%H%M%S.%fZ"


def inputs_folder(name: str, home: Path | None = None) -> Path:
    """Where the inputs received for model ``name`` are written (not created here)."""
    return location.data_dir(home) / "serving" / check_name(name)


class InputLog:
    """A buffer of received rows that a background thread appends to Parquet files.

    Args:
        name: the served model's name (the folder, see :func:`inputs_folder`).
        flush_rows: write as soon as this many rows are buffered.
        flush_interval: otherwise write what is buffered every this many seconds.
        folder: where to write; default ``.workbench/serving/<name>/`` of the project.
    """

    def __init__(
        self,
        name: str,
        *,
        flush_rows: int = 5_000,
        flush_interval: float = 2.0,
        folder: Path | None = None,
    ) -> None:
        self.name = check_name(name)
        self.folder = Path(folder) if folder is not None else inputs_folder(name)
        self.flush_rows = flush_rows
        self.flush_interval = flush_interval
        self._batches: list[tuple[Any, float, int]] = []
        self._rows = 0
        self._lock = threading.Lock()
        self._write_lock = threading.Lock()
        self._wake = threading.Event()
        self._closing = threading.Event()
        self._thread: threading.Thread | None = None
        self._sequence = 0
        self._unsent: list[Path] = []  # written here, not yet in the shared store

    def append(self, frame: Any, version: int, received_at: float) -> None:
        """Buffer ``frame`` (kept as is: it must not be changed afterwards); cheap."""
        with self._lock:
            self._batches.append((frame, received_at, version))
            self._rows += len(frame)
            full = self._rows >= self.flush_rows
        if full:
            self._wake.set()

    def start(self) -> None:
        """Write in the background until :meth:`close`."""
        if self._thread is None:
            self._thread = threading.Thread(
                target=self._run, name="workbench-input-log", daemon=True
            )
            self._thread.start()

    def close(self) -> None:
        """Stop the background thread and write what is still buffered."""
        self._closing.set()
        self._wake.set()
        if self._thread is not None:
            self._thread.join()
            self._thread = None
        self.flush()

    def flush(self) -> Path | None:
        """Write the buffered rows to one new Parquet file now; its path, or None if empty."""
        with self._lock:
            batches, self._batches, self._rows = self._batches, [], 0
        if not batches:
            return None
        frame = _with_metadata(batches)
        with self._write_lock:
            self._sequence += 1
            stamp = datetime.now(UTC).strftime(_STAMP)
            path = self.folder / f"{_PREFIX}{stamp}-{os.getpid()}-{self._sequence:06d}.parquet"
            self.folder.mkdir(parents=True, exist_ok=True)
            partial = path.with_name(f".{path.name}.partial")
            frame.to_parquet(partial, index=False)
            os.replace(partial, path)
            self._unsent.append(path)
            self._upload()
        return path

    def _upload(self) -> None:
        """Send the written files to the shared store, if there is one; a failure leaves
        them for the next flush."""
        from workbench.store.artifacts import shared_blob_store

        if location.artifacts_url() is None:
            self._unsent.clear()
            return
        try:
            store = shared_blob_store()
            while self._unsent and store is not None:
                path = self._unsent[0]
                sha256, _ = store.put_file(path)
                store.put_index(_index_name(self.name, path.name), {path.name: sha256})
                self._unsent.pop(0)
        except Exception as error:  # the local file is kept: predictions go on
            logging.getLogger("workbench.serving").warning(
                "Could not upload the received inputs of %s (kept in %s, sent with the next "
                "ones): %s",
                self.name,
                self.folder,
                error,
            )

    def _run(self) -> None:
        while not self._closing.is_set():
            self._wake.wait(self.flush_interval)
            self._wake.clear()
            if self._closing.is_set():
                return  # close() writes the rest
            try:
                self.flush()
            except Exception as error:  # a full disk must not stop the predictions
                logging.getLogger("workbench.serving").warning(
                    "Could not write the received inputs to %s: %s", self.folder, error
                )


def _with_metadata(batches: list[tuple[Any, float, int]]) -> Any:
    import numpy as np
    import pandas as pd

    # Parquet wants string column names; positional models send 2-D arrays.
    frames = [pd.DataFrame(frame).rename(columns=str) for frame, _, _ in batches]
    lengths = [len(frame) for frame in frames]
    frame = pd.concat(frames, ignore_index=True)
    seconds = np.repeat([received for _, received, _ in batches], lengths)
    frame[RECEIVED_AT_COLUMN] = pd.to_datetime(seconds, unit="s", utc=True)
    frame[MODEL_VERSION_COLUMN] = np.repeat([version for _, _, version in batches], lengths)
    return frame


def logged_inputs(name: str, since: datetime | str | None = None) -> Any:
    """The rows a server started with ``--log-inputs`` received for model ``name``.

    Args:
        name: the served model's name.
        since: only rows received at or after this time (a datetime or an ISO string;
            without a time zone, UTC).

    Returns:
        A DataFrame of the model's input columns plus ``_received_at`` (UTC) and
        ``_model_version``, oldest first; empty when nothing was logged. Rows still
        buffered by a running server appear after its next flush (about 2 s).

    Example:
        >>> import workbench as wb
        >>> import workbench.serving
        >>> live = wb.serving.logged_inputs("churn-model")  # doctest: +SKIP
        >>> wb.drift.compare(train_df, live).to_frame()  # doctest: +SKIP
    """
    import pandas as pd

    folder = inputs_folder(name)
    local: dict[str, Path | str] = {p.name: p for p in folder.glob(f"{_PREFIX}*.parquet")}
    names = sorted({**_shared_files(name), **local}.items())  # a file also here is read here
    start = None
    if since is not None:
        start = pd.Timestamp(since)
        start = start.tz_localize(UTC) if start.tzinfo is None else start.tz_convert(UTC)
        # A file is written after all its rows arrived: one written before `since` holds none.
        names = [(file, where) for file, where in names if _written_at(file) >= start]
    files = [_fetched(where) for _, where in names]
    if not files:
        return pd.DataFrame(
            {
                RECEIVED_AT_COLUMN: pd.Series(dtype="datetime64[us, UTC]"),
                MODEL_VERSION_COLUMN: pd.Series(dtype="int64"),
            }
        )
    frame = pd.concat([pd.read_parquet(path) for path in files], ignore_index=True)
    if start is not None:
        frame = frame[frame[RECEIVED_AT_COLUMN] >= start].reset_index(drop=True)
    return frame


def _index_name(name: str, file_name: str) -> str:
    return f"serving/{check_name(name)}/{file_name.removesuffix('.parquet')}"


def _shared_files(name: str) -> dict[str, Path | str]:
    """The files logged for ``name`` in the shared store, by every machine: file name →
    the sha256 of its blob."""
    if location.artifacts_url() is None:
        return {}
    from workbench.store.artifacts import shared_blob_store

    store = shared_blob_store()
    if store is None:
        return {}
    found: dict[str, Path | str] = {}
    for index in store.list_indexes(f"serving/{check_name(name)}"):
        for file_name, sha256 in (store.read_index(index) or {}).items():
            if file_name.startswith(_PREFIX) and file_name.endswith(".parquet"):
                found[file_name] = sha256
    return found


def _fetched(where: Path | str) -> Path:
    """A local file, or the verified local copy of a shared blob (kept in the blob cache)."""
    if isinstance(where, Path):
        return where
    from workbench.store.artifacts import blob_store

    return blob_store().local_path(where)


def _written_at(file_name: str) -> Any:
    import pandas as pd

    stamp = file_name[len(_PREFIX) :].split("-", 1)[0]
    return pd.Timestamp(datetime.strptime(stamp, _STAMP).replace(tzinfo=UTC))

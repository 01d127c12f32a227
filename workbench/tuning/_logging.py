"""Optuna's per-trial INFO lines, silenced only while workbench works (a progress bar says it
better), and the user's Optuna log level given back after."""

from __future__ import annotations

import contextlib
import logging
from collections.abc import Iterator


@contextlib.contextmanager
def optuna_info_silenced() -> Iterator[None]:
    """Optuna at WARNING inside the block if it was at its default INFO; a level the user chose
    (DEBUG, ERROR, ...) is left alone, and the level on entry is restored on exit."""
    import optuna

    before = optuna.logging.get_verbosity()
    if before == logging.INFO:
        optuna.logging.set_verbosity(logging.WARNING)
    try:
        yield
    finally:
        optuna.logging.set_verbosity(before)

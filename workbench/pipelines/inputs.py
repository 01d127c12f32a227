"""Kept for packages exported before the move: see :mod:`workbench.pipelines.runtime.inputs`."""

from workbench.pipelines.runtime.inputs import (
    active_inputs,
    file_sha256,
    input_path,
    resolve_inputs,
)

__all__ = ["active_inputs", "file_sha256", "input_path", "resolve_inputs"]

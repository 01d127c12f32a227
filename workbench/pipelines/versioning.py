"""Kept for importers from before the move: see :mod:`workbench.pipelines.package.versioning`."""

from workbench.pipelines.package.versioning import (
    FIRST_VERSION,
    VERSIONS_DIR,
    VersionChange,
    bump,
    compare,
    diff,
    latest_record,
    list_versions,
    next_version,
    package_problems,
    read_manifest,
    save_version,
)

__all__ = [
    "FIRST_VERSION",
    "VERSIONS_DIR",
    "VersionChange",
    "bump",
    "compare",
    "diff",
    "latest_record",
    "list_versions",
    "next_version",
    "package_problems",
    "read_manifest",
    "save_version",
]

"""Errors about the store itself (its file, its schema), each naming the store and the fix,
and the one the registry's tables raise (an alias with nothing to roll back to).

Kept free of imports so that the CLI can catch them without loading SQLAlchemy.
"""

from __future__ import annotations


class StoreError(RuntimeError):
    """The store cannot be opened or written; the message names it and says what to do."""


class StoreFileError(StoreError):
    """The database path is not a usable SQLite file: a folder, another kind of file, a file
    this user cannot read, or a place where no store can be created."""


class StoreReadOnlyError(StoreError):
    """A write to a store that can only be read (a read-only file, folder or mount)."""


class StoreVersionError(StoreError):
    """The store's schema is older (or newer) than this version of workbench expects."""


class NoEarlierVersionError(LookupError):
    """An alias has no version to roll back to."""

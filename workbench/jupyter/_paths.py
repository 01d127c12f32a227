"""Paths sent by the browser, resolved inside the Jupyter server's root folder."""

from __future__ import annotations

from pathlib import Path, PurePosixPath


class PathRefused(ValueError):
    """A path the server must not touch; ``status`` is the HTTP status to answer with."""

    def __init__(self, message: str, status: int) -> None:
        super().__init__(message)
        self.status = status


def resolve_notebook(root: Path, path: object) -> Path:
    """The notebook ``path`` (relative to ``root``, as JupyterLab names files) on disk.

    Absolute paths are accepted only inside ``root``; ``..`` and symbolic links that lead out
    of it are refused (403), as are non-notebooks (400) and missing files (404).

    >>> resolve_notebook(Path("/srv/lab"), "../etc/passwd")  # doctest: +SKIP
    Traceback (most recent call last):
    PathRefused: '../etc/passwd' is outside the Jupyter root folder
    """
    if not isinstance(path, str) or not path.strip():
        raise PathRefused("expected a notebook path, e.g. {'path': 'notebooks/churn.ipynb'}", 400)
    root = root.resolve()
    given = Path(path)
    candidate = given if given.is_absolute() else root.joinpath(*PurePosixPath(path).parts)
    resolved = candidate.resolve()
    if not resolved.is_relative_to(root):
        raise PathRefused(f"{path!r} is outside the Jupyter root folder", 403)
    if resolved.suffix != ".ipynb":
        raise PathRefused(f"{path!r} is not a notebook (.ipynb)", 400)
    if not resolved.is_file():
        raise PathRefused(f"no notebook at {path!r}", 404)
    return resolved


def relative_to_root(root: Path, path: Path) -> str | None:
    """``path`` as JupyterLab names it (relative, with ``/``), or None when outside ``root``."""
    try:
        return path.resolve().relative_to(root.resolve()).as_posix()
    except ValueError:
        return None

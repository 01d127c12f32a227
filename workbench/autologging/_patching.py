"""Replacing training methods and putting them back exactly, the outermost-fit guard,
and an import hook that patches a library's modules as they load.

A patch remembers the owner (a class, a module or a descriptor), the attribute name and
the original object, so ``unpatch_flavor`` sets back the very object that was there.
"""

from __future__ import annotations

import contextlib
import importlib.abc
import importlib.machinery
import sys
import threading
import warnings
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass
from types import ModuleType
from typing import Any

from workbench.autologging._config import AutologWarning

WRAPPER_MARK = "__workbench_autolog__"

_lock = threading.RLock()
_local = threading.local()


@dataclass(frozen=True)
class Patch:
    owner: Any
    name: str
    original: Any
    flavor: str


_patches: dict[tuple[int, str], Patch] = {}


def patch(owner: Any, name: str, wrapper: Callable[..., Any], flavor: str) -> None:
    """Set ``owner.name`` to ``wrapper`` (once: a second call for the same place is ignored)."""
    with _lock:
        key = (id(owner), name)
        if key in _patches:
            return
        original = vars(owner)[name]
        setattr(owner, name, wrapper)
        _patches[key] = Patch(owner, name, original, flavor)


def unpatch_flavor(flavor: str) -> None:
    """Put back every original of ``flavor``."""
    with _lock:
        for key, entry in list(_patches.items()):
            if entry.flavor == flavor:
                setattr(entry.owner, entry.name, entry.original)
                del _patches[key]


def patched(flavor: str) -> list[Patch]:
    with _lock:
        return [entry for entry in _patches.values() if entry.flavor == flavor]


def is_wrapper(function: Any) -> bool:
    return getattr(function, WRAPPER_MARK, False) is True


def mark_wrapper(function: Callable[..., Any]) -> Callable[..., Any]:
    setattr(function, WRAPPER_MARK, True)
    return function


def inside_fit() -> bool:
    """Whether this thread is already inside an autologged fit (so this one is nested)."""
    return getattr(_local, "depth", 0) > 0


@contextlib.contextmanager
def outermost_fit() -> Iterator[None]:
    """Mark this thread as inside an autologged fit: fits called meanwhile are not logged."""
    depth = getattr(_local, "depth", 0)
    _local.depth = depth + 1
    try:
        yield
    finally:
        _local.depth = depth


# -- import hook ---------------------------------------------------------------------------
class _NotifyingLoader(importlib.abc.Loader):
    """Runs the real loader, then hands the fresh module to a callback."""

    def __init__(self, loader: importlib.abc.Loader, on_load: Callable[[ModuleType], None]):
        self._loader = loader
        self._on_load = on_load

    def create_module(self, spec: importlib.machinery.ModuleSpec) -> ModuleType | None:
        return self._loader.create_module(spec)

    def exec_module(self, module: ModuleType) -> None:
        # The module keeps the real loader: resources and reloads must not see this wrapper.
        module.__loader__ = self._loader
        if module.__spec__ is not None:
            module.__spec__.loader = self._loader
        self._loader.exec_module(module)
        try:
            self._on_load(module)
        except Exception as error:  # an import must never fail because of autolog
            warnings.warn(
                f"workbench autolog could not patch {module.__name__}: {error}",
                AutologWarning,
                stacklevel=2,
            )


class _ImportWatcher(importlib.abc.MetaPathFinder):
    """A ``sys.meta_path`` finder that calls back when a watched package's module loads."""

    def __init__(self) -> None:
        self.callbacks: dict[str, Callable[[ModuleType], None]] = {}

    def find_spec(
        self, fullname: str, path: Sequence[str] | None, target: ModuleType | None = None
    ) -> importlib.machinery.ModuleSpec | None:
        callback = self.callbacks.get(fullname.partition(".")[0])
        if callback is None:
            return None
        for finder in sys.meta_path:
            if finder is self or not hasattr(finder, "find_spec"):
                continue
            spec = finder.find_spec(fullname, path, target)
            if spec is not None:
                break
        else:
            return None
        loader = spec.loader
        # Only Python source defines estimator classes; compiled extensions are left alone.
        if isinstance(loader, importlib.machinery.SourceFileLoader):
            spec.loader = _NotifyingLoader(loader, callback)
        return spec


_watcher = _ImportWatcher()


def watch_imports(package: str, on_load: Callable[[ModuleType], None]) -> None:
    """Call ``on_load`` for each module of ``package`` loaded from now on, and for those
    already loaded (now)."""
    with _lock:
        _watcher.callbacks[package] = on_load
        if _watcher not in sys.meta_path:
            sys.meta_path.insert(0, _watcher)
        loaded = [
            module
            for name, module in list(sys.modules.items())
            if (name == package or name.startswith(package + "."))
            and isinstance(module, ModuleType)
        ]
    for module in loaded:
        on_load(module)


def unwatch_imports(package: str) -> None:
    with _lock:
        _watcher.callbacks.pop(package, None)
        if not _watcher.callbacks and _watcher in sys.meta_path:
            sys.meta_path.remove(_watcher)

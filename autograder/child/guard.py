"""`forbidden_imports` at run time, inside the grading child (the static scan is autograder.forbidden).

`Guard`, installed by the plugin before any learner code is imported, refuses `__import__` /
`importlib.import_module` / `importlib.__import__` of a forbidden module when learner code asks for it,
and after each test finds forbidden modules, functions or classes (also through `__wrapped__`) held in
the globals of the learner's modules. A policy check, not a sandbox (docs/security.md).
"""

from __future__ import annotations

import builtins
import importlib
import os
import sys
import types
from collections.abc import Callable, Iterable, Sequence
from typing import Any

_AUTOGRADER_DIR = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))


def matches(name: str, prefixes: Iterable[str]) -> str | None:
    """The forbidden prefix `name` falls under (`cv2` covers `cv2` and `cv2.x`), or None."""
    for prefix in prefixes:
        if name == prefix or name.startswith(prefix + "."):
            return prefix
    return None


class ForbiddenImport(ImportError):
    pass


class Guard:
    """Refuses forbidden imports from learner frames; finds forbidden objects in learner modules."""

    def __init__(self, prefixes: Sequence[str], learner_dirs: Sequence[str]) -> None:
        self.prefixes = tuple(prefixes)
        self.learner_dirs = tuple(os.path.realpath(d).rstrip(os.sep) + os.sep for d in learner_dirs)
        self.violations: list[str] = []
        self._real_paths: dict[str, str] = {}  # module file -> real path: a sweep runs after every test
        self._import = builtins.__import__
        self._import_module = importlib.import_module
        self._bootstrap_import = importlib.__import__

    def _from_learner(self) -> str | None:
        """Where learner code asked for the import, skipping the import machinery and this module."""
        frame: types.FrameType | None = sys._getframe(1)
        for _ in range(12):
            if frame is None:
                return None
            filename = frame.f_code.co_filename
            if filename.startswith(self.learner_dirs):
                return f"{filename}:{frame.f_lineno}"
            if not filename.startswith(("<frozen", _AUTOGRADER_DIR)):
                return None
            frame = frame.f_back
        return None

    def _check(self, name: object) -> None:
        if isinstance(name, str) and matches(name, self.prefixes) is not None:
            where = self._from_learner()
            if where is not None:
                self.violations.append(f"imports `{name}` at {where}")
                raise ForbiddenImport(f"this lab does not allow `{name}` in your code")

    def install(self) -> None:
        guard = self
        original_import, original_module = self._import, self._import_module

        def guarded_import(name: str, *args: Any, **kwargs: Any) -> Any:
            guard._check(name)
            return original_import(name, *args, **kwargs)

        def guarded_import_module(name: str, package: str | None = None) -> types.ModuleType:
            guard._check(name)
            return original_module(name, package)

        builtins.__import__ = guarded_import
        importlib.import_module = guarded_import_module
        importlib.__import__ = guarded_import
        self.installed: tuple[Callable[..., Any], ...] = (guarded_import, guarded_import_module)

    def intact(self) -> bool:
        """The hooks are still ours (a learner who removes them is caught here)."""
        return (
            builtins.__import__ is self.installed[0]
            and importlib.import_module is self.installed[1]
            and importlib.__import__ is self.installed[0]
        )

    def sweep(self) -> list[str]:
        """Forbidden modules/functions/classes held in the globals (or classes) of learner modules."""
        found: list[str] = []
        for module in list(sys.modules.values()):
            filename = getattr(module, "__file__", None)
            if not isinstance(filename, str) or not self._real_path(filename).startswith(self.learner_dirs):
                continue
            namespace = getattr(module, "__dict__", {})
            values = list(namespace.values())
            for value in list(values):
                if isinstance(value, type) and value.__module__ == module.__name__:
                    values.extend(vars(value).values())
            for value in values:
                origin = _origin(value)
                if origin is not None and matches(origin, self.prefixes) is not None:
                    found.append(f"{module.__name__} holds `{origin}`")
                    break
        return found

    def _real_path(self, filename: str) -> str:
        real = self._real_paths.get(filename)
        if real is None:
            real = self._real_paths[filename] = os.path.realpath(filename)
        return real


def _origin(value: object) -> str | None:
    """The module a value comes from, looking through `__wrapped__`, bound methods and partials."""
    for _ in range(16):
        if isinstance(value, types.ModuleType):
            return value.__name__
        inner = None
        for attribute in ("__wrapped__", "__func__", "func"):
            try:
                inner = object.__getattribute__(value, attribute)
                break
            except Exception:
                continue
        if inner is None:
            break
        value = inner
    try:
        module = object.__getattribute__(value, "__module__")
    except Exception:
        module = None
    if isinstance(module, str):
        return module
    try:
        owner = object.__getattribute__(value, "__self__")
    except Exception:
        return None
    return owner.__name__ if isinstance(owner, types.ModuleType) else None

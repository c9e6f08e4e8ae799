"""`forbidden_imports`: the learner's package may not use the oracle libraries the graders compare with.

This is a policy check, not a sandbox (docs/security.md says what it cannot stop). Two parts:

* `scan()` (in the autograder, before anything runs): an AST walk of every `.py` file of the package
  that flags `import x` / `from x import ...` of a forbidden module and any string constant naming one
  (`__import__("cv2")`, `importlib.import_module("torch.nn")`, `sys.modules["sympy"]`). Any finding
  costs every grader test its points, with one message naming file and line.
* `Guard` (in the grading child, installed by the plugin before any learner code is imported): refuses,
  from frames of learner code, `__import__` / `importlib.import_module` / `importlib.__import__` of a
  forbidden module, and after each test finds forbidden modules, functions or classes (also through
  `__wrapped__`) held in the globals of the learner's modules.
"""

from __future__ import annotations

import ast
import builtins
import importlib
import os
import re
import sys
import types
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

MAX_SCANNED_BYTES = 4 << 20


@dataclass(frozen=True)
class Finding:
    file: str  # relative to the target
    line: int
    module: str


def matches(name: str, prefixes: Iterable[str]) -> str | None:
    """The forbidden prefix `name` falls under (`cv2` covers `cv2` and `cv2.x`), or None."""
    for prefix in prefixes:
        if name == prefix or name.startswith(prefix + "."):
            return prefix
    return None


def scan(package: Path, prefixes: Sequence[str], relative_to: Path) -> list[Finding]:
    """Every use of a forbidden module found statically in the package's Python files."""
    found: list[Finding] = []
    if not prefixes or not package.is_dir():
        return found
    for path in sorted(package.rglob("*.py")):
        if path.is_symlink() or not path.is_file():
            continue
        relative = os.fsdecode(path.relative_to(relative_to))
        try:
            source = path.read_bytes()[:MAX_SCANNED_BYTES]
            tree = ast.parse(source, filename=relative)
        except (SyntaxError, ValueError, OSError, RecursionError, MemoryError):
            continue  # a package that does not parse does not import either: the graders report it
        for node in ast.walk(tree):
            for name in _names_used(node):
                hit = matches(name, prefixes)
                if hit is not None:
                    found.append(Finding(relative, getattr(node, "lineno", 0), name))
            for constant, exact in _name_arguments(node):
                text = str(constant.value)
                if text in prefixes or (not exact and _DOTTED.match(text) and matches(text, prefixes)):
                    found.append(Finding(relative, constant.lineno, text))
    return found


_DOTTED = re.compile(r"^[A-Za-z_]\w*(\.[A-Za-z_]\w*)*$")


def _names_used(node: ast.AST) -> list[str]:
    if isinstance(node, ast.Import):
        return [alias.name for alias in node.names]
    if isinstance(node, ast.ImportFrom) and node.module and not node.level:
        return [node.module]
    return []


def _name_arguments(node: ast.AST) -> list[tuple[ast.Constant, bool]]:
    """String constants that may name a module, each with whether only an exact name counts: a call's
    arguments (`__import__("cv2")`, `import_module("torch.nn")`) and a subscript (`sys.modules["sympy"]`)
    match a dotted name under a prefix; any other string only when it is exactly a forbidden name."""
    if isinstance(node, ast.Call):
        candidates, exact = [*node.args, *(keyword.value for keyword in node.keywords)], False
    elif isinstance(node, ast.Subscript):
        candidates, exact = [node.slice], False
    elif isinstance(node, ast.Constant):
        candidates, exact = [node], True
    else:
        return []
    return [
        (item, exact)
        for item in candidates
        if isinstance(item, ast.Constant) and isinstance(item.value, str) and len(item.value) < 200
    ]


def describe(found: list[Finding], prefixes: Sequence[str]) -> str:
    first = found[0]
    more = f" (and {len(found) - 1} more)" if len(found) > 1 else ""
    return (
        f"your package uses `{first.module}` at {first.file}:{first.line}{more}: this lab does not allow "
        f"{', '.join(f'`{p}`' for p in prefixes)} in your code (the graders compare your work with it); "
        "no test can earn points until it is removed"
    )


# --------------------------------------------------------------------------------------------------
# Run time, inside the grading child
# --------------------------------------------------------------------------------------------------
class ForbiddenImport(ImportError):
    pass


class Guard:
    """Refuses forbidden imports from learner frames; finds forbidden objects in learner modules."""

    def __init__(self, prefixes: Sequence[str], learner_dirs: Sequence[str]) -> None:
        self.prefixes = tuple(prefixes)
        self.learner_dirs = tuple(os.path.realpath(d).rstrip(os.sep) + os.sep for d in learner_dirs)
        self.violations: list[str] = []
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
            if not filename.startswith(("<frozen", os.path.dirname(__file__))):
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
            if not isinstance(filename, str) or not os.path.realpath(filename).startswith(self.learner_dirs):
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

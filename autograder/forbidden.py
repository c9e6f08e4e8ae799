"""`forbidden_imports`: the learner's package may not use the oracle libraries the graders compare with.

This is a policy check, not a sandbox (docs/security.md says what it cannot stop). Two parts:

* `scan()` (in the autograder, before anything runs): an AST walk of every `.py` file of the package
  that flags `import x` / `from x import ...` of a forbidden module and any string constant naming one
  (`__import__("cv2")`, `importlib.import_module("torch.nn")`, `sys.modules["sympy"]`). Any finding
  costs every grader test its points, with one message naming file and line.
* `Guard` (in the grading child: autograder.child.guard, installed by the plugin before any learner
  code is imported): refuses, from frames of learner code, `__import__` / `importlib.import_module` /
  `importlib.__import__` of a forbidden module, and after each test finds forbidden modules, functions
  or classes (also through `__wrapped__`) held in the globals of the learner's modules.
"""

from __future__ import annotations

import ast
import os
import re
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

from autograder import syntax
from autograder.child.guard import matches

MAX_SCANNED_BYTES = 4 << 20


@dataclass(frozen=True)
class Finding:
    file: str  # relative to the target
    line: int
    module: str


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
            tree = syntax.parse(source, filename=relative)
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

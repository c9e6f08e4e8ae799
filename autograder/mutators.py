"""Mutation operators: every small, plausible change of one Python source file, each a plain mutated copy.

`mutants_of(file, source)` parses `source` with the standard library's `ast` and returns one `Mutant` per
change, in source order; `mutant.apply(source)` gives the mutated file. Only the changed expression or
statement is rewritten (the rest of the file is kept byte for byte), so a mutated copy is graded exactly
like a bug of the corpus.

The operators follow mutmut's (comparison, arithmetic and boolean operator swaps, numbers ±1, True/False,
`not` removal, `break`/`continue`), plus three that model off-by-one and missed-result mistakes: integer
constants -1, slice bounds shifted by one, and a returned value replaced by None. Strings, docstrings,
annotations, f-strings and `if TYPE_CHECKING:` / `if __name__ == "__main__":` blocks are not mutated.

A mutant's id, `file:scope:operator:index` (scope = the qualified name of the enclosing function or
class, `<module>` outside them; index = the n-th mutant of that operator in that scope), does not depend
on line numbers, so it stays stable when code elsewhere in the file moves.
"""

from __future__ import annotations

import ast
import copy
import io
from collections.abc import Iterator
from dataclasses import dataclass

from autograder import syntax

OPERATORS = (
    "compare",  # <  ↔ <=, >  ↔ >=, == ↔ !=, is ↔ is not, in ↔ not in
    "arith",  # + ↔ -, * ↔ /, // → /, % → /, ** → *, << ↔ >>, & ↔ |, ^ → &
    "augassign",  # the same swaps in x += y ...
    "boolop",  # and ↔ or
    "not",  # not x → x
    "unary",  # -x → x, ~x → x
    "number",  # integer n → n + 1 and n - 1, float x → x + 1
    "bool",  # True ↔ False
    "slice",  # a[i:j] → a[i + 1:j], a[i - 1:j], a[i:j + 1], a[i:j - 1] (non-literal bounds)
    "return",  # return x → return None
    "loop",  # break ↔ continue
)

_BINARY: dict[type[ast.operator], type[ast.operator]] = {
    ast.Add: ast.Sub,
    ast.Sub: ast.Add,
    ast.Mult: ast.Div,
    ast.Div: ast.Mult,
    ast.FloorDiv: ast.Div,
    ast.Mod: ast.Div,
    ast.Pow: ast.Mult,
    ast.LShift: ast.RShift,
    ast.RShift: ast.LShift,
    ast.BitAnd: ast.BitOr,
    ast.BitOr: ast.BitAnd,
    ast.BitXor: ast.BitAnd,
}
_COMPARE: dict[type[ast.cmpop], type[ast.cmpop]] = {
    ast.Lt: ast.LtE,
    ast.LtE: ast.Lt,
    ast.Gt: ast.GtE,
    ast.GtE: ast.Gt,
    ast.Eq: ast.NotEq,
    ast.NotEq: ast.Eq,
    ast.Is: ast.IsNot,
    ast.IsNot: ast.Is,
    ast.In: ast.NotIn,
    ast.NotIn: ast.In,
}
_SHOWN = 70  # characters of code shown for each side of a mutant


@dataclass(frozen=True)
class Mutant:
    """One change of one file: the characters `start:end` of the source become `replacement`."""

    file: str  # relative to the target, e.g. "btree/tree.py"
    scope: str  # qualified name of the enclosing function or class, or "<module>"
    operator: str  # one of OPERATORS
    index: int  # 1-based: the n-th mutant of `operator` in `scope`, in source order
    line: int  # line of the change in the reference (for people; not part of the id)
    start: int
    end: int
    replacement: str
    original: str  # the code before and after, one line each, for the report
    mutated: str

    @property
    def id(self) -> str:
        return f"{self.file}:{self.scope}:{self.operator}:{self.index}"

    def apply(self, source: str) -> str:
        return source[: self.start] + self.replacement + source[self.end :]

    def describe(self) -> str:
        return f"{self.file}:{self.line}  {self.original} → {self.mutated}"


@dataclass(frozen=True)
class _Change:
    operator: str
    node: ast.AST  # the span that is replaced
    replacement: str  # its new text
    shown: str  # the new text, for people


def mutants_of(file: str, source: str) -> list[Mutant]:
    """Every mutant of `source` (the file `file`), in source order; each one compiles and changes the AST.

    A file that does not parse has no mutants (the contract check reports it)."""
    try:
        tree = syntax.parse(source)
    except SyntaxError:
        return []
    offsets = _LineOffsets(source)
    original_dump = ast.dump(tree)
    mutants: list[Mutant] = []
    counters: dict[tuple[str, str], int] = {}
    seen: set[str] = set()
    for scope, change in _changes(tree):
        node = change.node
        start = offsets.at(node.lineno, node.col_offset)  # type: ignore[attr-defined]
        end = offsets.at(node.end_lineno, node.end_col_offset)  # type: ignore[attr-defined]
        mutated_source = source[:start] + change.replacement + source[end:]
        if mutated_source in seen or not _compiles_differently(mutated_source, original_dump):
            continue
        seen.add(mutated_source)
        key = (scope, change.operator)
        counters[key] = counters.get(key, 0) + 1
        mutants.append(
            Mutant(
                file=file, scope=scope, operator=change.operator, index=counters[key],
                line=node.lineno,  # type: ignore[attr-defined]
                start=start, end=end, replacement=change.replacement,
                original=_one_line(source[start:end]), mutated=_one_line(change.shown),
            )
        )  # fmt: skip
    return mutants


def _compiles_differently(source: str, original_dump: str) -> bool:
    try:
        tree = syntax.parse(source)
        compile(tree, "<mutant>", "exec")
    except (SyntaxError, ValueError):
        return False
    return ast.dump(tree) != original_dump


def _one_line(code: str) -> str:
    text = " ".join(code.split())
    return text if len(text) <= _SHOWN else text[: _SHOWN - 1] + "…"


class _LineOffsets:
    """(line, UTF-8 byte column) as `ast` reports positions → character offset in the source."""

    def __init__(self, source: str) -> None:
        self.lines = io.StringIO(source, newline="").readlines()  # lines as Python counts them
        self.starts = [0]
        for line in self.lines:
            self.starts.append(self.starts[-1] + len(line))

    def at(self, lineno: int, byte_col: int) -> int:
        line = self.lines[lineno - 1] if lineno - 1 < len(self.lines) else ""
        return self.starts[lineno - 1] + len(line.encode("utf-8")[:byte_col].decode("utf-8", "replace"))


def _changes(tree: ast.Module) -> Iterator[tuple[str, _Change]]:
    """(scope, change) for every mutable node, depth first in source order."""

    def walk(node: ast.AST, scope: list[str]) -> Iterator[tuple[str, _Change]]:
        if _skipped(node):
            return
        here = ".".join(scope) or "<module>"
        for change in _node_changes(node):
            yield here, change
        if isinstance(node, ast.UnaryOp) and _is_number(node):
            return  # -3 is one literal, mutated as a whole by "number"
        inner = [*scope, node.name] if isinstance(node, _SCOPES) else scope
        for field, value in ast.iter_fields(node):
            if field in ("annotation", "returns"):
                continue  # annotations do not run
            for child in value if isinstance(value, list) else [value]:
                if isinstance(child, ast.AST):
                    yield from walk(child, inner)

    yield from walk(tree, [])


_SCOPES = (ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef)
_UNMUTATED_BLOCKS = ("TYPE_CHECKING", "typing.TYPE_CHECKING", "__name__ == '__main__'")


def _skipped(node: ast.AST) -> bool:
    """f-strings (their positions are not reliable before Python 3.12) and blocks that graders never run."""
    if isinstance(node, ast.JoinedStr):
        return True
    return isinstance(node, ast.If) and ast.unparse(node.test) in _UNMUTATED_BLOCKS


def _is_number(node: ast.AST) -> bool:
    if isinstance(node, ast.UnaryOp) and isinstance(node.op, ast.USub):
        node = node.operand
    return (
        isinstance(node, ast.Constant)
        and isinstance(node.value, int | float)
        and not isinstance(node.value, bool)
    )


def _expr(node: ast.AST) -> str:
    return f"({ast.unparse(node)})"


def _node_changes(node: ast.AST) -> Iterator[_Change]:
    if isinstance(node, ast.Compare):
        for position, op in enumerate(node.ops):
            swapped = _COMPARE.get(type(op))
            if swapped is not None:
                new = copy.deepcopy(node)
                new.ops[position] = swapped()
                yield _Change("compare", node, _expr(new), ast.unparse(new))
    elif isinstance(node, ast.BinOp) and type(node.op) in _BINARY:
        new_bin = copy.deepcopy(node)
        new_bin.op = _BINARY[type(node.op)]()
        yield _Change("arith", node, _expr(new_bin), ast.unparse(new_bin))
    elif isinstance(node, ast.AugAssign) and type(node.op) in _BINARY:
        new_aug = copy.deepcopy(node)
        new_aug.op = _BINARY[type(node.op)]()
        yield _Change("augassign", node, ast.unparse(new_aug), ast.unparse(new_aug))
    elif isinstance(node, ast.BoolOp):
        new_bool = copy.deepcopy(node)
        new_bool.op = ast.Or() if isinstance(node.op, ast.And) else ast.And()
        yield _Change("boolop", node, _expr(new_bool), ast.unparse(new_bool))
    elif isinstance(node, ast.UnaryOp) and _is_number(node):
        yield from _number_changes(node)
    elif isinstance(node, ast.UnaryOp) and isinstance(node.op, ast.Not | ast.USub | ast.Invert):
        operator = "not" if isinstance(node.op, ast.Not) else "unary"
        yield _Change(operator, node, _expr(node.operand), ast.unparse(node.operand))
    elif isinstance(node, ast.Constant) and isinstance(node.value, bool):
        flipped = repr(not node.value)
        yield _Change("bool", node, flipped, flipped)
    elif _is_number(node):
        yield from _number_changes(node)
    elif isinstance(node, ast.Slice):
        for bound in (node.lower, node.upper):
            if bound is not None and not _is_number(bound):
                for sign in ("+", "-"):
                    shifted = f"{_expr(bound)} {sign} 1"
                    yield _Change("slice", bound, f"({shifted})", f"{ast.unparse(bound)} {sign} 1")
    elif isinstance(node, ast.Return) and node.value is not None:
        if not (isinstance(node.value, ast.Constant) and node.value.value is None):
            yield _Change("return", node, "return None", "return None")
    elif isinstance(node, ast.Break):
        yield _Change("loop", node, "continue", "continue")
    elif isinstance(node, ast.Continue):
        yield _Change("loop", node, "break", "break")


def _number_changes(node: ast.AST) -> Iterator[_Change]:
    value = ast.literal_eval(node)
    assert isinstance(value, int | float)
    steps = (1, -1) if isinstance(value, int) else (1,)
    for step in steps:
        changed = value + step
        text = repr(changed)
        if text in ("inf", "-inf", "nan"):
            continue
        yield _Change("number", node, f"({text})", text)

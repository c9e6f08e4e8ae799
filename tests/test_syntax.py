"""The autograder's one way to parse Python source from several threads at once."""

from __future__ import annotations

import ast
from concurrent.futures import ThreadPoolExecutor

import pytest

from autograder import syntax

SOURCE = "def f(x):\n    return [y * 2 for y in range(x) if y % 3]\n\nclass A:\n    z = {1: (2, 3)}\n"


def test_parses_as_ast_does_from_many_threads_at_once() -> None:
    want = ast.dump(ast.parse(SOURCE))
    with ThreadPoolExecutor(max_workers=8) as pool:
        dumps = list(pool.map(lambda _: ast.dump(syntax.parse(SOURCE, "x.py")), range(400)))
    assert dumps == [want] * 400


def test_a_syntax_error_is_the_usual_one_with_the_file_name() -> None:
    with pytest.raises(SyntaxError) as caught:
        syntax.parse(b"def broken(:\n", "broken.py")
    assert caught.value.filename == "broken.py"

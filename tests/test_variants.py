"""Bug corpora and reference variants: malformed corpora are refused with the file and the bug named,
edits apply exactly once, parts are stubbed by name, and the contract checks say what to fix."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from autograder import contract
from autograder.errors import UsageError
from autograder.manifest import find
from autograder.variants import (
    Edit,
    apply_edits,
    bug_variant,
    depends_on,
    find_function,
    load_bugs,
    part_stubbed,
    stub_functions,
)

GOOD = '[[bug]]\nid = "x"\ndescription = "d"\n[[bug.edit]]\nfile = "toy/__init__.py"\nfind = "a"\nreplace = "b"\n'


@pytest.mark.parametrize(
    ("text", "words"),
    [
        ("[[bug]\n", "not valid TOML"),
        ('title = "x"\n', "a bug file holds only [[bug]] tables"),
        ("bug = [1]\n", "must be a table"),
        (GOOD.replace('id = "x"', 'id = "x"\ncolour = 1'), "unknown key 'colour'"),
        (GOOD.replace('id = "x"', 'id = "Not Kebab"'), "id must be kebab-case"),
        (GOOD.replace('description = "d"', 'description = ""'), "description must be one line"),
        (
            GOOD.replace('description = "d"', 'description = "d"\npart = "Q"'),
            "part 'Q' is not one of the lab's parts",
        ),
        ('[[bug]]\nid = "x"\ndescription = "d"\n', "needs at least one [[bug.edit]]"),
        (GOOD.replace('replace = "b"\n', ""), "each edit has exactly file, find and replace"),
        (GOOD.replace('find = "a"', 'find = ""'), "find non-empty"),
        (GOOD.replace('file = "toy/__init__.py"', 'file = "../x.py"'), "file must be relative to the target"),
        (GOOD + GOOD, "bug id 'x' is used twice"),
    ],
)
def test_a_malformed_corpus_is_refused_naming_file_and_bug(toy_copy: Path, text: str, words: str) -> None:
    (toy_copy / "grader" / "bugs" / "bugs.toml").write_text(text)
    with pytest.raises(UsageError) as caught:
        load_bugs(find("lab-90"))
    assert words in str(caught.value) and "bugs.toml" in str(caught.value)
    assert any(words in problem for problem in contract.check(find("lab-90")))


def test_edits_apply_exactly_once(tmp_path: Path) -> None:
    (tmp_path / "m.py").write_text("x = 1\nx = 1\ny = 2\n")
    apply_edits(tmp_path, [Edit("m.py", "y = 2", "y = 3")], "t")
    assert (tmp_path / "m.py").read_text().endswith("y = 3\n")
    for edit, words in (
        (Edit("m.py", "x = 1", "x = 2"), "occurs 2 times"),
        (Edit("m.py", "z = 9", ""), "does not occur"),
        (Edit("missing.py", "a", "b"), "does not exist in the reference"),
    ):
        with pytest.raises(UsageError, match=words):
            apply_edits(tmp_path, [edit], "t")


def test_variants_of_the_reference(grades: Path) -> None:
    lab = find("lab-90")
    bug = load_bugs(lab)[0]
    with bug_variant(lab, bug) as root:
        assert "a, b = 1, 1" in (root / "toy" / "__init__.py").read_text() and (root / "tests").is_dir()
    assert not root.exists(), "a variant is removed afterwards"
    part = lab.part("B")
    assert part is not None
    with part_stubbed(lab, part) as root:
        source = (root / "toy" / "__init__.py").read_text()
        assert (
            "raise NotImplementedError('fib' + ' (stubbed by verify)')" in source and "return a + b" in source
        )
    assert depends_on(lab, "B", "A") is False and depends_on(lab, "A", "A") is False


def test_stubbing_names_only_real_functions(tmp_path: Path) -> None:
    (tmp_path / "m.py").write_text(
        "class K:\n    def f(self):\n        return 1\n\n\ndef g():\n    return 2\n"
    )
    import ast

    tree = ast.parse((tmp_path / "m.py").read_text())
    assert find_function(tree, "K.f") is not None and find_function(tree, "K.h") is None
    assert find_function(tree, "Q.f") is None
    stub_functions(tmp_path, ["m.py:K.f", "m.py:g"], "t")
    assert (tmp_path / "m.py").read_text().count("raise NotImplementedError") == 2
    with pytest.raises(UsageError, match="is not a function of the reference"):
        stub_functions(tmp_path, ["m.py:nothing"], "t")
    with pytest.raises(UsageError, match="does not exist in the reference"):
        stub_functions(tmp_path, ["gone.py:g"], "t")


def test_the_contract_names_every_drift(toy_copy: Path) -> None:
    (toy_copy / "given" / "toy").mkdir(parents=True)
    (toy_copy / "given" / "toy" / "table.py").write_text("T = 1\n")
    (toy_copy / "toy" / "table.py").write_text("T = 2\n")
    shutil.copy(toy_copy / "given" / "toy" / "table.py", toy_copy / "solution" / "toy" / "table.py")
    (toy_copy / "solution" / "notes.md").write_text("x")
    manifest = toy_copy / "lab.toml"
    text = manifest.read_text().replace(
        "memory_mb = 1024", 'memory_mb = 1024\ngiven = ["toy/table.py", "toy/gone.py"]'
    )
    manifest.write_text(
        text.replace('api = ["toy/__init__.py:fib"]', 'api = ["toy/__init__.py:fibonacci", "toy/x.py:f"]')
    )
    shutil.rmtree(toy_copy / "grader" / "bugs")
    problems = contract.check(find("lab-90"))
    for words in (
        "given file toy/table.py: the copy in the stub has drifted from given/toy/table.py",
        "given file toy/table.py: remove the copy in solution/",
        "given file toy/gone.py has no canonical copy",
        "unexpected entry in solution/: notes.md",
        "part B: api toy/__init__.py:fibonacci is not a function of the reference",
        "part B: api file toy/x.py does not exist in the reference",
    ):
        assert any(words in problem for problem in problems), (words, problems)
    (toy_copy / "toy" / "__init__.py").write_text("def add(:\n")
    assert any("does not parse" in problem for problem in contract.check(find("lab-90")))
    shutil.rmtree(toy_copy / "tests")
    assert "the lab has no tests" in contract.check(find("lab-90"))


@pytest.mark.parametrize(
    ("feedback", "reason"),
    [
        ("assert 1 == 2\nmore detail", "assert 1 == 2"),
        ("6/7 cases passed; failed:\n  - plan sorts\n  - other", "6/7 cases passed; failed: - plan sorts"),
        ("\n\n", "(no message)"),
        ("x" * 300, "x" * 200),
    ],
)
def test_a_lost_test_is_reported_with_a_reason(feedback: str, reason: str) -> None:
    from autograder.verify import _reason

    assert _reason(feedback) == reason

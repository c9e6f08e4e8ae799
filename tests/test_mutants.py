"""Mutation testing of the graders: the operators make real, compiling one-spot changes with stable ids,
the sample is seeded, mutants.toml is validated in one line, and `labs verify --mutants` grades each
mutant of a scratch lab, reports the survivors and leaves the equivalent mutants out of the rate."""

from __future__ import annotations

import ast
import sys
from pathlib import Path

import pytest

from autograder import mutants
from autograder.cli import main
from autograder.errors import UsageError
from autograder.manifest import find
from autograder.mutants import generate, load_equivalents, mutated_files, part_of, problems, sample
from autograder.mutators import Mutant, mutants_of
from autograder.verify import verify_lab


def _changes(source: str) -> list[tuple[str, str, str]]:
    return [(m.operator, m.original, m.mutated) for m in mutants_of("m.py", source)]


@pytest.mark.parametrize(
    ("source", "expected"),
    [
        ("def f(a, b):\n    x = a < b\n", ("compare", "a < b", "a <= b")),
        ("def f(a, b):\n    x = a is not b\n", ("compare", "a is not b", "a is b")),
        ("def f(a, b):\n    x = a in b\n", ("compare", "a in b", "a not in b")),
        ("def f(a, b):\n    x = a // b\n", ("arith", "a // b", "a / b")),
        ("def f(a, b):\n    a <<= b\n", ("augassign", "a <<= b", "a >>= b")),
        ("def f(a, b):\n    x = a and b\n", ("boolop", "a and b", "a or b")),
        ("def f(a):\n    x = not a\n", ("not", "not a", "a")),
        ("def f(a):\n    x = -a\n", ("unary", "-a", "a")),
        ("def f():\n    x = -3\n", ("number", "-3", "-2")),
        ("def f():\n    x = 0.5\n", ("number", "0.5", "1.5")),
        ("def f():\n    x = True\n", ("bool", "True", "False")),
        ("def f(a, i):\n    x = a[i:]\n", ("slice", "i", "i - 1")),
        ("def f(a):\n    return a\n", ("return", "return a", "return None")),
        ("def f(a):\n    for _ in a:\n        break\n", ("loop", "break", "continue")),
    ],
)
def test_each_operator_makes_its_change(source: str, expected: tuple[str, str, str]) -> None:
    assert expected in _changes(source)


def test_a_mutant_is_one_compiling_change_and_the_rest_of_the_file_is_kept() -> None:
    source = 'def f(a, b):\n    """Docs\u2028\x0c."""\n    label = "é"; y = (a +  # keep me\n        b)\n    return y\n'
    mutants = mutants_of("m.py", source)
    assert mutants and all(m.apply(source) != source for m in mutants)
    plus = next(m for m in mutants if m.operator == "arith")
    mutated = plus.apply(source)
    assert "(a - b)" in mutated and mutated.startswith(
        'def f(a, b):\n    """Docs\u2028\x0c."""\n    label = "é"; y = '
    )
    assert mutated.endswith("\n    return y\n") and plus.line == 3
    for mutant in mutants:
        compile(mutant.apply(source), "m.py", "exec")
    assert ast.dump(ast.parse(mutated)) != ast.dump(ast.parse(source))


def test_code_that_does_not_run_or_is_text_is_not_mutated() -> None:
    source = (
        "from typing import TYPE_CHECKING\n"
        "if TYPE_CHECKING:\n    LIMIT = 1 + 2\n"
        "def f(a: int = 0) -> int:\n    x: int\n    return f'{a + 1}'\n"
        "if __name__ == '__main__':\n    f(1 < 2)\n"
    )
    assert _changes(source) == [
        ("number", "0", "1"),
        ("number", "0", "-1"),
        ("return", "return f'{a + 1}'", "return None"),
    ]
    assert mutants_of("m.py", "def broken(:\n") == []


def test_ids_name_the_scope_and_do_not_move_with_the_lines() -> None:
    source = "class K:\n    def m(self, a):\n        return a + 1 < 2\n\n\ndef g(a):\n    return a - 1\n"
    ids = [m.id for m in mutants_of("pkg/m.py", source)]
    assert "pkg/m.py:K.m:compare:1" in ids and "pkg/m.py:K.m:number:3" in ids and "pkg/m.py:g:arith:1" in ids
    assert len(ids) == len(set(ids))
    moved = "import os\n\n\ndef first():\n    return 7\n\n\n" + source
    assert set(ids) <= {m.id for m in mutants_of("pkg/m.py", moved)}


def test_the_sample_is_seeded_ordered_and_sized() -> None:
    mutants = mutants_of("m.py", "def f(a):\n" + "".join(f"    x{n} = a + {n}\n" for n in range(20)))
    first, again = sample(mutants, 10), sample(mutants, 10)
    assert first == again and len(first) == 10
    assert [mutants.index(m) for m in first] == sorted(mutants.index(m) for m in first)
    assert sample(mutants, 10, seed=1) != first
    assert sample(mutants, None) == mutants and sample(mutants, 10_000) == mutants


def test_only_the_learners_own_files_are_mutated(toy_copy: Path) -> None:
    package = toy_copy / "solution" / "toy"
    (package / "table.py").write_text("T = 1 + 1\n")
    (package / "given_one.py").write_text("G = 1 + 1\n")
    (toy_copy / "given" / "toy").mkdir(parents=True)
    (toy_copy / "given" / "toy" / "given_one.py").write_text("G = 1 + 1\n")
    manifest = toy_copy / "lab.toml"
    manifest.write_text(
        manifest.read_text().replace(
            "memory_mb = 1024",
            'memory_mb = 1024\ncoverage_omit = ["toy/table.py"]\ngiven = ["toy/given_one.py"]',
        )
    )
    lab = find("lab-90")
    assert mutated_files(lab) == ["toy/__init__.py"]
    assert {m.file for m in generate(lab)} == {"toy/__init__.py"}
    mul = next(m for m in generate(lab) if m.scope == "mul")
    assert (
        part_of(lab, mul) == "A"
        and part_of(lab, Mutant("toy/x.py", "mul", "arith", 1, 1, 0, 0, "", "", "")) == ""
    )


@pytest.mark.parametrize(
    ("text", "words"),
    [
        ("[[equivalent]\n", "not valid TOML"),
        ('note = "x"\n', "the file holds only [[equivalent]] tables"),
        (
            '[[equivalent]]\nid = "toy/__init__.py:add:arith:1"\n',
            "each [[equivalent]] has exactly id and reason",
        ),
        ('[[equivalent]]\nid = 3\nreason = "r"\n', "id and reason are strings"),
        ('[[equivalent]]\nid = "toy/__init__.py:add:arith:1"\nreason = " "\n', "reason must be one line"),
        (
            '[[equivalent]]\nid = "toy/__init__.py:add:arith:9"\nreason = "r"\n',
            "is not a mutant of the reference",
        ),
        ('[[equivalent]]\nid = "toy/__init__.py:add:arith:1"\nreason = "r"\n' * 2, "is listed twice"),
    ],
)
def test_a_malformed_mutants_file_is_one_clear_line(toy_copy: Path, text: str, words: str) -> None:
    (toy_copy / "grader" / "mutants.toml").write_text(text)
    lab = find("lab-90")
    with pytest.raises(UsageError) as caught:
        load_equivalents(lab, {m.id for m in generate(lab)})
    message = str(caught.value)
    assert words in message and "grader/mutants.toml" in message and "\n" not in message
    assert problems(lab) == [message]


FIB_NEGATIVE = "toy/__init__.py:fib:number:2"  # `n < 0` → `n < -1`: no grader calls fib with n < 0


def test_verify_grades_every_mutant_and_names_the_survivors(
    toy_copy: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    lab = find("lab-90")
    logged: list[str] = []
    with monkeypatch.context() as patch:
        patch.setattr(mutants, "KILL_TARGET", 95.0)  # the toy's graders kill 12 of 13: then verify fails
        verdict = verify_lab(lab, sys.executable, mutation=True, log=logged.append)
    generated = generate(lab)
    assert set(verdict.killed) == {m.id for m in generated}
    survivors = sorted(mutant_id for mutant_id, killers in verdict.killed.items() if not killers)
    assert survivors == [FIB_NEGATIVE], logged
    assert verdict.killed["toy/__init__.py:mul:arith:1"] == ["test_toy_grader.py::test_mul"]
    assert verdict.killed["toy/__init__.py:add:arith:1"] == ["test_toy_grader.py::test_add"]
    fact = next(f for f in verdict.facts if f.startswith("mutants:"))
    killed = len(generated) - len(survivors)
    assert f"{len(generated)} generated, all sampled, 0 equivalent (excluded), {killed} killed" in fact
    assert f"1 survived: kill rate {100 * killed / len(generated):.1f}%" in fact
    survivor_line = f"toy/__init__.py:13  0 → -1  [{FIB_NEGATIVE}]"
    assert any(line.strip() == f"survived {survivor_line}" for line in logged)
    failing = verdict.problems.index("the graders kill 92.3% of the mutants graded (target 95%); survivors:")
    assert verdict.problems[failing + 1].strip() == survivor_line

    (toy_copy / "grader" / "mutants.toml").write_text(
        f'[[equivalent]]\nid = "{FIB_NEGATIVE}"\nreason = "the lab defines fib only for n >= 0"\n'
    )
    assert main(["verify", "lab-90"]) == 0, capsys.readouterr().out  # a well-formed file: no problem
    assert main(["verify", "lab-90", "--mutants"]) == 0
    out = capsys.readouterr().out
    assert (
        f"{len(generated)} generated, all sampled, 1 equivalent (excluded), {killed} killed, 0 survived"
        in out
    )
    assert "kill rate 100.0%" in out and "verify: 1 of 1 labs OK" in out and "    survived " not in out
    assert main(["verify", "lab-90", "--mutants", "5"]) == 0
    out = capsys.readouterr().out
    graded = [line.split()[1] for line in out.splitlines() if line.lstrip().startswith("mutant ")]
    assert graded == [f"{n}/{len(graded)}" for n in range(1, len(graded) + 1)] and 4 <= len(graded) <= 5
    assert "5 sampled (seed 17)" in out


def test_the_mutants_option_wants_a_positive_count(grades: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["verify", "lab-90", "--mutants", "0"]) == 2
    assert "N must be a whole number of at least 1" in capsys.readouterr().err

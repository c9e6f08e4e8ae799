"""The child-side plugin, run in-process with pytester: orders in, authentic records out."""

from __future__ import annotations

import json
import os

import pytest

from autograder import protocol
from autograder.child.plugin import PartialCredit, points_of
from autograder.protocol import CHANNEL_ENV

GRADERS = '''
import pytest

@pytest.mark.points(2)
def test_ok():
    """Adds up."""
    assert 1 + 1 == 2

@pytest.mark.points(3)
def test_bad():
    assert False, "one is not two"

@pytest.mark.points(4)
def test_partial(partial_credit):
    partial_credit.total = 4
    for n in range(3):
        partial_credit.check(n != 1, f"case {n} failed")

@pytest.mark.points(3)
def test_partial_crash(partial_credit):
    for n in range(2):
        partial_credit.check(True, f"case {n} failed")
    raise ValueError("the learner's code raised")

@pytest.mark.points(1)
def test_skipped():
    pytest.skip("not today")

@pytest.fixture
def broken():
    raise RuntimeError("fixture exploded")

@pytest.mark.points(1)
def test_setup_error(broken):
    pass

def test_unmarked():
    pass
'''


def run_child(
    pytester: pytest.Pytester, monkeypatch: pytest.MonkeyPatch, orders: dict[str, object]
) -> list[dict[str, object]]:
    orders_read, orders_write = os.pipe()
    results_read, results_write = os.pipe()
    os.write(orders_write, json.dumps({"token": "t0k", **orders}).encode())
    os.close(orders_write)
    monkeypatch.setenv(CHANNEL_ENV, f"{orders_read},{results_write}")
    pytester.makepyfile(test_graders=GRADERS)
    pytester.runpytest_inprocess("-p", protocol.CHILD_PLUGIN, "--assert=plain", "-p", "no:cacheprovider")
    os.close(results_write)
    with os.fdopen(results_read, "rb") as pipe:
        lines = pipe.read().splitlines()
    for line in lines:  # every record is a valid message of the protocol
        protocol.parse(line, "t0k")
    return [json.loads(line) for line in lines]


def test_records_every_outcome_with_the_token(
    pytester: pytest.Pytester, monkeypatch: pytest.MonkeyPatch
) -> None:
    events = run_child(pytester, monkeypatch, {})
    assert all(event["token"] == "t0k" for event in events)
    collected = next(e for e in events if e["event"] == "collected")
    points = {t["nodeid"].split("::")[1]: t["points"] for t in collected["tests"]}  # type: ignore[index,union-attr]
    assert points == {
        "test_ok": 2,
        "test_bad": 3,
        "test_partial": 4,
        "test_partial_crash": 3,
        "test_skipped": 1,
        "test_setup_error": 1,
        "test_unmarked": None,
    }
    assert collected["tests"][0]["doc"] == "Adds up."  # type: ignore[index]
    results = {e["nodeid"].split("::")[1]: e for e in events if e["event"] == "result"}  # type: ignore[union-attr]
    assert results["test_ok"]["passed"] is True and results["test_ok"]["score"] == 2
    assert results["test_bad"]["passed"] is False and results["test_bad"]["feedback"] == "one is not two"
    assert results["test_partial"]["score"] == pytest.approx(2.0)
    assert "2/4 cases passed" in str(results["test_partial"]["feedback"])
    crash = results["test_partial_crash"]  # no total declared: the crash is one more failed case
    assert crash["passed"] is False and crash["score"] == pytest.approx(2.0)
    assert "2/3 cases passed; then the test stopped:" in str(crash["feedback"])
    assert "ValueError: the learner's code raised" in str(crash["feedback"])
    assert "skipped" in str(results["test_skipped"]["feedback"]) and results["test_skipped"]["score"] == 0
    assert results["test_setup_error"]["feedback"] == "(during test setup) RuntimeError: fixture exploded"
    assert events[-1]["event"] == "done"


def test_select_shuffle_and_collect_only(pytester: pytest.Pytester, monkeypatch: pytest.MonkeyPatch) -> None:
    events = run_child(
        pytester,
        monkeypatch,
        {"select": ["test_graders.py::test_ok", "test_graders.py::test_bad"], "shuffle_seed": 3},
    )
    started = [e["nodeid"] for e in events if e["event"] == "start"]
    assert sorted(started) == ["test_graders.py::test_bad", "test_graders.py::test_ok"]
    events = run_child(pytester, monkeypatch, {"collect_only": True})
    assert not [e for e in events if e["event"] == "start"]
    assert len(next(e for e in events if e["event"] == "collected")["tests"]) == 7  # type: ignore[arg-type]


def test_collection_errors_show_only_the_exception(
    pytester: pytest.Pytester, monkeypatch: pytest.MonkeyPatch
) -> None:
    pytester.makepyfile(test_broken="import no_such_module_here\n")
    events = run_child(pytester, monkeypatch, {})
    errors = [e for e in events if e["event"] == "collect_error"]
    assert len(errors) == 1 and "No module named 'no_such_module_here'" in str(errors[0]["feedback"])
    assert "import no_such_module_here\n" not in str(errors[0]["feedback"])


def test_partial_credit_accounting() -> None:
    credit = PartialCredit()
    assert credit.fraction() == 0.0
    assert credit.check(True, "a") and not credit.check(False, "b")
    assert not credit.check(1, "truthy but not a bool earns nothing")
    credit.total = 10
    assert credit.fraction() == pytest.approx(0.1)
    for n in range(7):
        credit.check(False, f"f{n}")
    assert "and 4 more" in credit.summary() and "1/10 cases passed" in credit.summary()
    assert credit.fraction(crashed=True) == pytest.approx(1 / 11), (
        "all 10 declared cases ran: the crash is an 11th"
    )
    unsized = PartialCredit()
    unsized.check(True, "a")
    assert unsized.fraction() == 1.0 and unsized.fraction(crashed=True) == 0.5
    numpy = pytest.importorskip("numpy")
    assert credit.check(numpy.bool_(True), "numpy booleans count")


def test_points_marker_validation(pytester: pytest.Pytester) -> None:
    items = pytester.getitems(
        "import pytest\n"
        "@pytest.mark.points(2)\ndef test_a(): pass\n"
        "@pytest.mark.points(0)\ndef test_b(): pass\n"
        "@pytest.mark.points('3')\ndef test_c(): pass\n"
        "@pytest.mark.points(True)\ndef test_d(): pass\n"
        "def test_e(): pass\n"
    )
    assert [points_of(item) for item in items] == [2.0, None, None, None, None]


# Each attack leaves every record honest (a lie in the result itself is the parent's to refuse): the
# child must still notice that its reporting path changed and fail the test that changed it.
ATTACKS = {
    "send wrapped on the channel": (
        "import gc\n"
        "for channel in [o for o in gc.get_objects() if type(o).__name__ == '_Channel']:\n"
        "    channel.send = lambda event, real=channel.send: real(event)\n"
    ),
    "the protocol's json wrapped": (
        "from autograder import protocol\nprotocol._dumps = lambda obj, real=protocol._dumps: real(obj)\n"
    ),
    "a message class patched": "from autograder import protocol\nprotocol.Result.__eq__ = lambda self, other: True\n",
}


@pytest.mark.parametrize("attack", ATTACKS.values(), ids=ATTACKS.keys())
def test_tampering_with_the_reporting_path_fails_the_test(
    pytester: pytest.Pytester, monkeypatch: pytest.MonkeyPatch, attack: str
) -> None:
    monkeypatch.setattr(protocol, "_dumps", protocol._dumps)  # restored after the in-process child
    monkeypatch.setattr(protocol.Result, "__eq__", protocol.Result.__eq__)
    body = "\n".join("    " + line for line in attack.splitlines())
    pytester.makepyfile(test_attack=f"import pytest\n\n@pytest.mark.points(1)\ndef test_it():\n{body}\n")
    events = run_child(pytester, monkeypatch, {"select": ["test_attack.py::test_it"]})
    (result,) = [e for e in events if e["event"] == "result"]
    assert result["passed"] is False and result["score"] == 0
    assert "the grading harness was modified" in str(result["feedback"])

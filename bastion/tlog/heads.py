"""Signed tree heads and the chain of signing keys.

A tree head commits to the log's identity, its size and root at a moment; it is signed
with Ed25519 over a fixed, line-based message (no JSON ambiguity)::

    bastion.audit.tree-head.v1\\n<log_id>\\n<size>\\n<root hex>\\n<time ms>\\n<key id>\\n

Keys rotate: each key is recorded with a statement signed by the key it replaces *and*
by itself, so trust flows both ways from any key a verifier pins - forwards to newer
keys and backwards to older ones - and nobody can splice in a key of their own.
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from bastion.crypto import IntegrityError, SigningKey, VerifyKey, key_id_of
from bastion.errors import AuditError

_HEAD_TAG = "bastion.audit.tree-head.v1"
_ROTATION_TAG = "bastion.audit.key-rotation.v1"
_HEX = re.compile(r"[0-9a-f]*")
_LOG_ID = re.compile(r"[0-9a-f]{32}")


class HeadError(AuditError):
    """A tree head or key record is malformed, unsigned or signed by an untrusted key."""


def _hex(value: object, what: str, size: int | None = None) -> bytes:
    if not isinstance(value, str) or _HEX.fullmatch(value) is None or len(value) % 2:
        raise HeadError(f"{what} is not lowercase hex")
    raw = bytes.fromhex(value)
    if size is not None and len(raw) != size:
        raise HeadError(f"{what} must be {size} bytes")
    return raw


def _int(value: object, what: str) -> int:
    if not isinstance(value, int) or isinstance(value, bool) or value < 0:
        raise HeadError(f"{what} must be a non-negative integer")
    return value


def _str(value: object, what: str) -> str:
    if not isinstance(value, str):
        raise HeadError(f"{what} must be a string")
    return value


@dataclass(frozen=True, slots=True)
class TreeHead:
    log_id: str
    size: int
    root: bytes
    time_ms: int
    key_id: str
    signature: bytes

    @staticmethod
    def message(log_id: str, size: int, root: bytes, time_ms: int, key_id: str) -> bytes:
        return f"{_HEAD_TAG}\n{log_id}\n{size}\n{root.hex()}\n{time_ms}\n{key_id}\n".encode()

    @classmethod
    def sign(
        cls, key: SigningKey, *, log_id: str, size: int, root: bytes, time_ms: int
    ) -> TreeHead:
        sig = key.sign(cls.message(log_id, size, root, time_ms, key.key_id))
        return cls(log_id, size, root, time_ms, key.key_id, sig)

    def verify_signature(self, key: VerifyKey) -> None:
        if key.key_id != self.key_id:
            raise HeadError(
                f"tree head of size {self.size} names key {self.key_id}, not {key.key_id}"
            )
        msg = self.message(self.log_id, self.size, self.root, self.time_ms, self.key_id)
        try:
            key.verify(self.signature, msg)
        except IntegrityError:
            raise HeadError(f"tree head of size {self.size}: signature does not verify") from None

    def to_dict(self) -> dict[str, Any]:
        return {
            "log_id": self.log_id,
            "size": self.size,
            "root": self.root.hex(),
            "time_ms": self.time_ms,
            "key_id": self.key_id,
            "signature": self.signature.hex(),
        }

    def to_json(self) -> str:
        return json.dumps(self.to_dict(), sort_keys=True, separators=(",", ":"))

    @classmethod
    def from_dict(cls, data: Mapping[str, Any]) -> TreeHead:
        if not isinstance(data, Mapping):
            raise HeadError("tree head must be a JSON object")
        log_id = _str(data.get("log_id"), "tree head log_id")
        if _LOG_ID.fullmatch(log_id) is None:
            raise HeadError("tree head log_id must be 32 hex characters")
        key_id = _str(data.get("key_id"), "tree head key_id")
        _hex(key_id, "tree head key_id", 8)
        return cls(
            log_id=log_id,
            size=_int(data.get("size"), "tree head size"),
            root=_hex(data.get("root"), "tree head root", 32),
            time_ms=_int(data.get("time_ms"), "tree head time_ms"),
            key_id=key_id,
            signature=_hex(data.get("signature"), "tree head signature", 64),
        )

    @classmethod
    def from_json(cls, text: str) -> TreeHead:
        try:
            data = json.loads(text)
        except ValueError:
            raise HeadError("tree head is not JSON") from None
        return cls.from_dict(data)


@dataclass(frozen=True, slots=True)
class KeyRecord:
    """One signing key of the log; ``previous_key_id`` is empty for the first key."""

    key_id: str
    public_key: str
    created_ms: int
    previous_key_id: str
    previous_signature: str
    signature: str

    @staticmethod
    def statement(log_id: str, previous_key_id: str, public_key: str, created_ms: int) -> bytes:
        return (
            f"{_ROTATION_TAG}\n{log_id}\n{previous_key_id}\n{public_key}\n{created_ms}\n".encode()
        )

    @classmethod
    def create(
        cls, log_id: str, new: SigningKey, created_ms: int, previous: SigningKey | None = None
    ) -> KeyRecord:
        prev_id = previous.key_id if previous else ""
        msg = cls.statement(log_id, prev_id, new.verify_key.to_hex(), created_ms)
        return cls(
            key_id=new.key_id,
            public_key=new.verify_key.to_hex(),
            created_ms=created_ms,
            previous_key_id=prev_id,
            previous_signature=previous.sign(msg).hex() if previous else "",
            signature=new.sign(msg).hex(),
        )

    @property
    def verify_key(self) -> VerifyKey:
        try:
            return VerifyKey.from_hex(self.public_key)
        except IntegrityError:
            raise HeadError(f"key {self.key_id}: public key is malformed") from None

    def to_dict(self) -> dict[str, Any]:
        return {
            "key_id": self.key_id,
            "public_key": self.public_key,
            "created_ms": self.created_ms,
            "previous_key_id": self.previous_key_id,
            "previous_signature": self.previous_signature,
            "signature": self.signature,
        }

    @classmethod
    def from_dict(cls, data: Mapping[str, Any]) -> KeyRecord:
        if not isinstance(data, Mapping):
            raise HeadError("key record must be a JSON object")
        return cls(
            key_id=_str(data.get("key_id"), "key_id"),
            public_key=_str(data.get("public_key"), "public_key"),
            created_ms=_int(data.get("created_ms"), "created_ms"),
            previous_key_id=_str(data.get("previous_key_id"), "previous_key_id"),
            previous_signature=_str(data.get("previous_signature"), "previous_signature"),
            signature=_str(data.get("signature"), "signature"),
        )


@dataclass(frozen=True)
class TrustedKeys:
    """The keys whose heads a verifier accepts, and whether a pinned key anchored them."""

    keys: Mapping[str, VerifyKey]
    pinned: bool

    def verify(self, head: TreeHead, log_id: str) -> None:
        if head.log_id != log_id:
            raise HeadError(f"tree head of size {head.size} belongs to another log")
        key = self.keys.get(head.key_id)
        if key is None:
            raise HeadError(f"tree head of size {head.size} is signed by unknown key {head.key_id}")
        head.verify_signature(key)


def check_key_chain(log_id: str, records: Sequence[KeyRecord]) -> None:
    """Each key is signed by itself and by the key before it, in order."""
    for i, rec in enumerate(records):
        vk = rec.verify_key
        if key_id_of(vk.raw) != rec.key_id:
            raise HeadError(f"key {rec.key_id}: key id does not match its public key")
        expected_prev = records[i - 1].key_id if i else ""
        if rec.previous_key_id != expected_prev:
            raise HeadError(f"key {rec.key_id}: breaks the rotation chain")
        msg = KeyRecord.statement(log_id, rec.previous_key_id, rec.public_key, rec.created_ms)
        try:
            vk.verify(_hex(rec.signature, "key signature", 64), msg)
            if i:
                prev = records[i - 1].verify_key
                prev.verify(_hex(rec.previous_signature, "key handover signature", 64), msg)
        except IntegrityError:
            raise HeadError(f"key {rec.key_id}: rotation statement does not verify") from None


def trusted_keys(
    log_id: str, records: Sequence[KeyRecord], pins: Iterable[VerifyKey]
) -> TrustedKeys:
    """Validate the chain; with pins, trust it only if a pinned key is part of it."""
    if not records:
        raise HeadError("the log records no signing key")
    check_key_chain(log_id, records)
    chain = {r.key_id: r.verify_key for r in records}
    pin_ids = {p.key_id for p in pins}
    if not pin_ids:
        return TrustedKeys(chain, pinned=False)
    if not pin_ids & set(chain):
        raise HeadError("none of the log's signing keys matches the pinned public key")
    return TrustedKeys(chain, pinned=True)

"""One audit entry, in the shape of OPA's decision log, that cannot carry raw text.

Every field is a hash, a count, an enum value or a short identifier checked against a
narrow pattern, so a caller who passes document text by mistake gets an error instead of
a leak. Error messages name the field and the rule, never the rejected value.

The leaf that enters the Merkle tree is the entry's canonical JSON: sorted keys, no
spaces, UTF-8, with a format version ``v``.

Format versions: ``v`` 2 adds ``caller_request_ref`` (the keyed digest of the caller's own
request id) and ``destinations`` (every destination a send reached), and its ``*_sha256``
fields are keyed digests (HMAC-SHA256 under the log's digest key, ``AuditLog.digest``),
so a short sensitive text cannot be recovered from its digest by guessing. Entries of
``v`` 1 (plain SHA-256, without those fields) still parse and verify byte for byte.
"""

from __future__ import annotations

import json
import math
import re
from collections.abc import Mapping
from dataclasses import dataclass, field, fields
from types import MappingProxyType
from typing import Any

from agent.domain import Category, EntityType
from bastion.errors import AuditError

FORMAT_VERSION = 2
FORMAT_VERSIONS = (1, 2)
V2_FIELDS = ("caller_request_ref", "destinations")

KINDS = frozenset(
    {"request", "section", "instruction", "egress_block", "cloud_call", "answer", "error", "review"}
)
CATEGORIES = frozenset({"", *(c.value for c in Category)})
ENTITY_TYPES = frozenset(e.value for e in EntityType)
DESTINATION_KEYS = ("jurisdiction", "name", "provider", "region")

_SHA256 = re.compile(r"[0-9a-f]{64}")
# Identifiers do not start with = + - @: besides keeping prose out, that keeps
# spreadsheet formulas out of CSV exports.
_NONEMPTY_IDENT = re.compile(r"[A-Za-z0-9_:.][A-Za-z0-9._:/+@=-]{0,127}")
_IDENT = re.compile(f"(?:{_NONEMPTY_IDENT.pattern})?")
_CALLER = re.compile(r"(?:[A-Za-z0-9_:.\[(][ -~]{0,255})?")  # printable ASCII, one line
_ACTION = re.compile(r"(?:[a-z][a-z_]{0,31})?")  # policy actions and pipeline verbs
_STATUS = re.compile(r"[A-Za-z_]{0,32}")
# A reason is a short line written by our code (or a policy author), never by a document:
# no line breaks, invisible or control characters, no '@' (addresses), no run of nine or
# more digits (card, account, phone and national numbers), at most 256 characters.
_REASON_MAX = 256
_LONG_NUMBER = re.compile(r"(?:\d[\s./-]?){9,}")
_MAX_LIST = 64


def _check_dest(name: str, d: object) -> None:
    if not isinstance(d, Mapping) or tuple(sorted(d)) != DESTINATION_KEYS:
        raise _fail(name, f"must have exactly the keys {list(DESTINATION_KEYS)}")
    for key in DESTINATION_KEYS:
        _check_str(f"{name}.{key}", d[key], _IDENT, _IDENT_RULE)


class InvalidAuditEntry(AuditError):
    """An entry field breaks its rule (the message names the field, never the value)."""


def _fail(name: str, rule: str) -> InvalidAuditEntry:
    return InvalidAuditEntry(f"audit entry field {name!r}: {rule}")


def _check_str(name: str, value: object, pattern: re.Pattern[str], rule: str) -> None:
    if not isinstance(value, str) or pattern.fullmatch(value) is None:
        raise _fail(name, rule)


def _check_int(name: str, value: object) -> None:
    if not isinstance(value, int) or isinstance(value, bool) or value < 0:
        raise _fail(name, "must be a non-negative integer")


def _check_float(name: str, value: object) -> None:
    ok = isinstance(value, int | float) and not isinstance(value, bool)
    if not ok or not math.isfinite(float(value)) or float(value) < 0:  # type: ignore[arg-type]
        raise _fail(name, "must be a finite non-negative number")


_IDENT_RULE = "must be an identifier ([A-Za-z0-9._:/+@=-], <= 128 chars, not starting with = + - @)"


@dataclass(frozen=True, slots=True)
class AuditEntry:
    """One decision or event. ``time`` is supplied by the caller (time is injected)."""

    kind: str
    decision_id: str
    time: float
    request_id: str = ""
    tenant: str = ""
    caller: str = ""
    document_sha256: str = ""
    section_index: int | None = None
    section_sha256: str = ""
    category: str = ""
    entity_counts: Mapping[str, int] = field(default_factory=dict)
    policy_version: str = ""
    rule_ids: tuple[str, ...] | list[str] = ()
    action: str = ""
    destination: Mapping[str, str] | None = None
    bytes_sent: int = 0
    sent_sha256: str = ""
    response_sha256: str = ""
    model_versions: tuple[str, ...] | list[str] = ()
    orchestration_mode: str = ""
    latency_ms: float = 0.0
    status: str = "ok"
    reason: str = ""
    caller_request_ref: str = ""  # v2: keyed digest of the caller's x-request-id
    destinations: tuple[Mapping[str, str], ...] | list[Mapping[str, str]] = ()  # v2
    v: int = FORMAT_VERSION

    def __post_init__(self) -> None:
        if self.kind not in KINDS:
            raise _fail("kind", f"must be one of {sorted(KINDS)}")
        _check_str("decision_id", self.decision_id, _NONEMPTY_IDENT, _IDENT_RULE)
        _check_str("caller", self.caller, _CALLER, "must be one line of printable ASCII")
        for name in ("request_id", "tenant", "policy_version", "orchestration_mode"):
            _check_str(name, getattr(self, name), _IDENT, _IDENT_RULE)
        if self.v not in FORMAT_VERSIONS:
            raise _fail("v", f"unsupported format version (expected one of {FORMAT_VERSIONS})")
        if self.v == 1 and (self.caller_request_ref or self.destinations):
            raise _fail("v", "format 1 has no caller_request_ref or destinations")
        for name in (
            "document_sha256",
            "section_sha256",
            "sent_sha256",
            "response_sha256",
            "caller_request_ref",
        ):
            value = getattr(self, name)
            if value != "":
                _check_str(name, value, _SHA256, "must be 64 lowercase hex characters or empty")
        _check_float("time", self.time)
        _check_float("latency_ms", self.latency_ms)
        _check_int("bytes_sent", self.bytes_sent)
        if self.section_index is not None:
            _check_int("section_index", self.section_index)
        if self.category not in CATEGORIES:
            raise _fail("category", "must be a section category or empty")
        _check_str("action", self.action, _ACTION, "must be a lowercase word ([a-z_], <= 32)")
        _check_str("status", self.status, _STATUS, "must be a status word ([A-Za-z_], <= 32)")
        self._check_reason()
        self._check_counts()
        self._check_lists()
        self._check_destination()
        # Freeze the containers so the hashed leaf cannot drift from the object, and
        # make the numbers floats so JSON and CSV round trips are exact.
        object.__setattr__(self, "time", float(self.time))
        object.__setattr__(self, "latency_ms", float(self.latency_ms))
        counts = dict(sorted(self.entity_counts.items()))
        object.__setattr__(self, "entity_counts", MappingProxyType(counts))
        object.__setattr__(self, "rule_ids", tuple(self.rule_ids))
        object.__setattr__(self, "model_versions", tuple(self.model_versions))
        if self.destination is not None:
            dest = dict(sorted(self.destination.items()))
            object.__setattr__(self, "destination", MappingProxyType(dest))
        object.__setattr__(
            self,
            "destinations",
            tuple(MappingProxyType(dict(sorted(d.items()))) for d in self.destinations),
        )

    def _check_reason(self) -> None:
        r = self.reason
        if not isinstance(r, str) or len(r) > _REASON_MAX:
            raise _fail("reason", f"must be a string of at most {_REASON_MAX} characters")
        if not r.isprintable() or "@" in r or r[:1] in ("=", "+", "-", " "):
            raise _fail("reason", "must be one printable line without '@' or a leading = + -")
        if _LONG_NUMBER.search(r):
            raise _fail("reason", "must not contain a number of nine or more digits")

    def _check_counts(self) -> None:
        if not isinstance(self.entity_counts, Mapping):
            raise _fail("entity_counts", "must be a mapping of entity type to count")
        for key, count in self.entity_counts.items():
            if key not in ENTITY_TYPES:
                raise _fail("entity_counts", "keys must be entity types")
            _check_int("entity_counts", count)

    def _check_lists(self) -> None:
        for name in ("rule_ids", "model_versions"):
            values = getattr(self, name)
            if isinstance(values, str) or not isinstance(values, tuple | list):
                raise _fail(name, "must be a list of identifiers")
            if len(values) > _MAX_LIST:
                raise _fail(name, f"at most {_MAX_LIST} items")
            for v in values:
                _check_str(name, v, _NONEMPTY_IDENT, _IDENT_RULE)

    def _check_destination(self) -> None:
        if self.destination is not None:
            _check_dest("destination", self.destination)
        values = self.destinations
        if isinstance(values, str | Mapping) or not isinstance(values, tuple | list):
            raise _fail("destinations", "must be a list of destinations")
        if len(values) > _MAX_LIST:
            raise _fail("destinations", f"at most {_MAX_LIST} items")
        for d in values:
            _check_dest("destinations", d)

    # -- serialisation -----------------------------------------------------------------
    def to_dict(self) -> dict[str, Any]:
        """Plain JSON types, keys in sorted order (containers were normalised at init);
        a format-1 entry gives exactly its format-1 keys."""
        d = self.destination
        out = {
            "action": self.action,
            "bytes_sent": self.bytes_sent,
            "caller": self.caller,
            "caller_request_ref": self.caller_request_ref,
            "category": self.category,
            "decision_id": self.decision_id,
            "destination": None if d is None else dict(d),
            "destinations": [dict(x) for x in self.destinations],
            "document_sha256": self.document_sha256,
            "entity_counts": dict(self.entity_counts),
            "kind": self.kind,
            "latency_ms": self.latency_ms,
            "model_versions": list(self.model_versions),
            "orchestration_mode": self.orchestration_mode,
            "policy_version": self.policy_version,
            "reason": self.reason,
            "request_id": self.request_id,
            "response_sha256": self.response_sha256,
            "rule_ids": list(self.rule_ids),
            "section_index": self.section_index,
            "section_sha256": self.section_sha256,
            "sent_sha256": self.sent_sha256,
            "status": self.status,
            "tenant": self.tenant,
            "time": self.time,
            "v": self.v,
        }
        if self.v == 1:
            for name in V2_FIELDS:
                del out[name]
        return out

    def canonical_bytes(self) -> bytes:
        """The exact bytes hashed into the Merkle leaf.

        ``to_dict`` already yields every level in sorted key order, so the hot path skips
        re-sorting; ``test_canonical_bytes_equal_a_sorted_dump`` pins that equivalence.
        """
        return _FAST_ENCODER.encode(self.to_dict()).encode("utf-8")

    @classmethod
    def from_dict(cls, data: Mapping[str, Any]) -> AuditEntry:
        if not isinstance(data, Mapping):
            raise InvalidAuditEntry("audit entry must be a JSON object")
        version = data.get("v", FORMAT_VERSION)
        if version not in FORMAT_VERSIONS or isinstance(version, bool):
            raise InvalidAuditEntry(f"unsupported audit entry format version {version!r}")
        names = {f.name for f in fields(cls)}
        if version == 1:
            names -= set(V2_FIELDS)
        unknown = sorted(set(data) - names)
        if unknown:
            raise InvalidAuditEntry(f"audit entry has unknown fields: {unknown}")
        try:
            return cls(**{**data, "v": version})
        except TypeError:
            raise InvalidAuditEntry("audit entry is missing required fields") from None

    @classmethod
    def from_canonical(cls, data: bytes) -> AuditEntry:
        """Parse a stored leaf and insist it is exactly the canonical form."""
        try:
            parsed = json.loads(data)
        except (ValueError, UnicodeDecodeError):
            raise InvalidAuditEntry("audit leaf is not JSON") from None
        entry = cls.from_dict(parsed)
        if entry.canonical_bytes() != data:
            raise InvalidAuditEntry("audit leaf is not in canonical form")
        return entry


_FAST_ENCODER = json.JSONEncoder(separators=(",", ":"), ensure_ascii=False, allow_nan=False)


_ADDRESS_TOKEN = re.compile(r"\S*@\S*")
_CONTROL = re.compile(r"[^\S ]|[\u200b-\u200f\u2028-\u202e\u2060-\u206f\ufeff]")


def safe_reason(text: str) -> str:
    """Make a message written by our code fit the ``reason`` rule (for error paths).

    Whitespace and invisible characters become spaces, a token containing ``@`` becomes
    ``[address]``, a number of nine or more digits ``[number]``, leading ``= + -`` and
    spaces go, and the result is cut to 256 characters. It is not a redactor: pass it
    our own messages (exception text from Bastion), never document text.
    """
    out = _CONTROL.sub(" ", text)
    out = "".join(c if c.isprintable() else " " for c in out)
    out = _ADDRESS_TOKEN.sub("[address]", out)
    out = _LONG_NUMBER.sub("[number] ", out)
    out = re.sub(r" {2,}", " ", out).lstrip("=+- ").rstrip()
    return out[:_REASON_MAX].rstrip()


def canonical_json(value: Any) -> bytes:
    return json.dumps(
        value, sort_keys=True, separators=(",", ":"), ensure_ascii=False, allow_nan=False
    ).encode("utf-8")

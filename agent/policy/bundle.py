"""Signed policy bundles: how a policy travels to many agents without being trusted blindly.

A bundle is one JSON file (``policy.bundle``)::

    {
      "format": "bastion-policy-bundle/1",
      "policy_yaml_b64": "<base64 of the exact policy YAML bytes>",
      "policy_version": "sha256:<hex of those bytes>",   # what every decision names
      "signed_at": "2026-11-23T11:00:00.000Z",
      "key_id": "<first 16 hex of sha256(signer public key)>",
      "signature": "<hex Ed25519 signature>"
    }

The signature covers a domain-separation prefix plus the canonical JSON (sorted keys, no
spaces) of every field except ``signature``, so the YAML bytes, their version, the time
and the key id cannot be changed or swapped independently. An agent accepts a bundle only
when its key id names one of its trusted public keys, the signature verifies, the version
is the hash of the YAML and the YAML is a valid policy.

``PolicyReloader`` keeps the last good policy: a refused update (unsigned, altered, signed
by an unknown key, invalid, or older than the loaded one - a rollback) never replaces it;
only the very first load fails hard, so an agent with a bad bundle refuses to start.
"""

from __future__ import annotations

import base64
import binascii
import json
import os
import threading
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from agent.metrics import AgentMetrics
from agent.policy.engine import PolicyEngine
from agent.policy.loader import check_policy_text, policy_version
from bastion.crypto import IntegrityError, SigningKey, VerifyKey
from bastion.errors import PolicyError

BUNDLE_FORMAT = "bastion-policy-bundle/1"
_SIGNING_PREFIX = b"bastion policy bundle v1\x00"
_FIELDS = ("format", "policy_yaml_b64", "policy_version", "signed_at", "key_id", "signature")
MAX_BUNDLE_BYTES = 4_000_000  # a policy is at most ~1 MB; base64 and JSON add a third


@dataclass(frozen=True)
class PolicyBundle:
    """A bundle whose signature has been checked against a trusted key."""

    policy_yaml: bytes
    policy_version: str
    signed_at: str
    key_id: str

    @property
    def signed_at_epoch(self) -> float:
        return _parse_time(self.signed_at)


def _iso(t: float) -> str:
    dt = datetime.fromtimestamp(t, UTC)
    return dt.isoformat(timespec="milliseconds").replace("+00:00", "Z")


def _parse_time(text: str) -> float:
    try:
        dt = datetime.fromisoformat(text.replace("Z", "+00:00"))
    except ValueError:
        raise PolicyError("policy bundle: signed_at is not an ISO 8601 time") from None
    if dt.tzinfo is None:
        raise PolicyError("policy bundle: signed_at has no time zone")
    return dt.timestamp()


def _signed_message(fields: dict[str, str]) -> bytes:
    body = {k: fields[k] for k in _FIELDS if k != "signature"}
    return _SIGNING_PREFIX + json.dumps(body, sort_keys=True, separators=(",", ":")).encode()


def sign_bundle(policy_yaml: bytes, key: SigningKey, signed_at: float) -> bytes:
    """The bundle file bytes for ``policy_yaml``; refuses a policy that does not validate.

    Signing an invalid policy would only move the failure to every agent at reload time.
    """
    policy, issues = check_policy_text(policy_yaml, "<policy>")
    if policy is None or issues:
        first = str(issues[0]) if issues else "invalid policy"
        raise PolicyError(f"refusing to sign an invalid policy: {first}")
    fields = {
        "format": BUNDLE_FORMAT,
        "policy_yaml_b64": base64.b64encode(policy_yaml).decode("ascii"),
        "policy_version": policy_version(policy_yaml),
        "signed_at": _iso(signed_at),
        "key_id": key.key_id,
    }
    fields["signature"] = key.sign(_signed_message(fields)).hex()
    return (json.dumps(fields, indent=2) + "\n").encode()


def parse_bundle(content: bytes, trusted: Sequence[VerifyKey], name: str) -> PolicyBundle:
    """Check ``content`` against ``trusted`` keys; ``PolicyError`` naming what is wrong.

    Messages name the file, field and key id - never policy content.
    """
    if not trusted:
        raise PolicyError(f"{name}: no trusted policy public keys configured")
    if len(content) > MAX_BUNDLE_BYTES:
        raise PolicyError(f"{name}: policy bundle is larger than {MAX_BUNDLE_BYTES} bytes")
    try:
        raw: Any = json.loads(content.decode("utf-8"))
    except (UnicodeDecodeError, ValueError):
        raise PolicyError(
            f"{name}: not a signed policy bundle (expected bundle JSON; "
            "a plain policy YAML is refused when a bundle is required)"
        ) from None
    if not isinstance(raw, dict):
        raise PolicyError(f"{name}: not a signed policy bundle (expected a JSON object)")
    if raw.get("format") != BUNDLE_FORMAT:
        raise PolicyError(f"{name}: unknown bundle format (expected {BUNDLE_FORMAT})")
    missing = [k for k in _FIELDS if not isinstance(raw.get(k), str)]
    if missing:
        raise PolicyError(f"{name}: unsigned or incomplete bundle (missing {', '.join(missing)})")
    extra = sorted(set(raw) - set(_FIELDS))
    if extra:
        raise PolicyError(f"{name}: unexpected bundle fields {extra}")
    fields: dict[str, str] = {k: raw[k] for k in _FIELDS}
    by_id = {k.key_id: k for k in trusted}
    key = by_id.get(fields["key_id"])
    if key is None:
        raise PolicyError(
            f"{name}: signed by key {fields['key_id']!r}, which is not a trusted policy key "
            f"(trusted: {', '.join(sorted(by_id))})"
        )
    try:
        signature = bytes.fromhex(fields["signature"])
        key.verify(signature, _signed_message(fields))
    except (ValueError, IntegrityError):
        raise PolicyError(
            f"{name}: signature does not verify with key {key.key_id} "
            "(bundle altered or wrongly signed)"
        ) from None
    try:
        policy_yaml = base64.b64decode(fields["policy_yaml_b64"], validate=True)
    except (binascii.Error, ValueError):
        raise PolicyError(f"{name}: policy_yaml_b64 is not base64") from None
    if policy_version(policy_yaml) != fields["policy_version"]:
        raise PolicyError(f"{name}: policy_version is not the hash of the bundled policy")
    _parse_time(fields["signed_at"])
    return PolicyBundle(policy_yaml, fields["policy_version"], fields["signed_at"], key.key_id)


def read_bundle(path: Path, trusted: Sequence[VerifyKey]) -> PolicyBundle:
    try:
        with path.open("rb") as fh:
            content = fh.read(MAX_BUNDLE_BYTES + 1)
    except FileNotFoundError:
        raise PolicyError(f"{path}: policy bundle not found") from None
    except OSError as exc:
        raise PolicyError(f"{path}: cannot read policy bundle ({type(exc).__name__})") from None
    return parse_bundle(content, trusted, str(path))


def engine_of(bundle: PolicyBundle, name: str) -> PolicyEngine:
    """The engine of a verified bundle; its version is the bundle's ``policy_version``."""
    policy, issues = check_policy_text(bundle.policy_yaml, f"{name} (bundled policy)")
    if policy is None or issues:
        first = str(issues[0]) if issues else "invalid policy"
        raise PolicyError(f"{name}: bundled policy is invalid: {first}")
    return PolicyEngine(policy, bundle.policy_version)


def load_bundle(path: Path | str, trusted_keys: Sequence[VerifyKey]) -> PolicyEngine:
    """Verify the bundle at ``path`` and return its policy engine (``PolicyError`` if not)."""
    p = Path(path)
    return engine_of(read_bundle(p, trusted_keys), str(p))


def parse_public_key(value: str, base_dir: Path | None = None) -> VerifyKey:
    """A 64-hex Ed25519 public key, or a file holding one (relative to ``base_dir``)."""
    text = value.strip()
    if len(text) == 64 and all(c in "0123456789abcdefABCDEF" for c in text):
        return VerifyKey.from_hex(text)
    path = Path(text)
    if base_dir is not None and not path.is_absolute():
        path = base_dir / path
    try:
        content = path.read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError):
        raise PolicyError("policy public key: neither a 64-hex key nor a readable file") from None
    try:
        return VerifyKey.from_hex(content.split()[0] if content.split() else "")
    except IntegrityError as exc:
        raise PolicyError(f"policy public key {path}: {exc}") from None


def trusted_keys(values: Iterable[str], base_dir: Path | None = None) -> list[VerifyKey]:
    keys = [parse_public_key(v, base_dir) for v in values]
    if not keys:
        raise PolicyError("no trusted policy public keys configured")
    return keys


@dataclass(frozen=True)
class ReloadOutcome:
    """What one reload did: ``changed`` (a new good policy is live) or ``refused``."""

    changed: bool
    version: str
    refused: str = ""  # the PolicyError message when the update was refused


@dataclass(frozen=True)
class _Verified:
    bundle: PolicyBundle
    engine: PolicyEngine


def _stamp(path: Path) -> tuple[int, int, int] | None:
    try:
        st = path.stat()
    except OSError:
        return None
    return (st.st_mtime_ns, st.st_size, st.st_ino)


class HighWaterMark:
    """The newest bundle this agent ever enforced, kept in a small file that survives
    restarts, so a rollback to an older (validly signed) bundle is refused after a restart
    too - not only while the process that saw the newer one runs.

    The file holds ``{"signed_at_epoch", "signed_at", "policy_version"}``; it is replaced
    atomically (temp file, fsync, rename). An unreadable file is a ``PolicyError``: the
    agent does not start rather than forget what it enforced."""

    def __init__(self, path: Path) -> None:
        self.path = path

    def read(self) -> tuple[float, str, str] | None:
        try:
            data = json.loads(self.path.read_text(encoding="utf-8"))
            return (
                float(data["signed_at_epoch"]),
                str(data["signed_at"]),
                str(data["policy_version"]),
            )
        except FileNotFoundError:
            return None
        except (OSError, ValueError, KeyError, TypeError):
            raise PolicyError(f"{self.path}: policy high-water mark is unreadable") from None

    def check(self, bundle: PolicyBundle, name: str) -> None:
        """``PolicyError`` if ``bundle`` is older than the newest one enforced."""
        mark = self.read()
        if mark is not None and bundle.signed_at_epoch < mark[0]:
            raise PolicyError(
                f"{name}: bundle signed at {bundle.signed_at} is older than one this agent "
                f"already enforced ({mark[1]}, {mark[2]}); rollback refused"
            )

    def raise_to(self, bundle: PolicyBundle) -> None:
        mark = self.read()
        if mark is not None and mark[0] >= bundle.signed_at_epoch:
            return
        body = json.dumps(
            {
                "signed_at_epoch": bundle.signed_at_epoch,
                "signed_at": bundle.signed_at,
                "policy_version": bundle.policy_version,
            }
        ).encode()
        self.path.parent.mkdir(parents=True, exist_ok=True)
        write_bundle(self.path, body)


class PolicyReloader:
    """The live policy of an agent fed by a signed bundle; keeps the last good one.

    With ``metrics``, every update applied or refused counts in
    ``bastion_agent_policy_reloads_total{outcome}`` (alerted on: a refused update means
    agents may be enforcing an older policy than the one published).

    Construction loads and verifies the bundle and raises ``PolicyError`` if it is bad
    (the agent must not start without a trusted policy). After that, ``reload()`` and
    ``poll()`` never raise for a bad bundle: they keep the current engine, remember the
    refusal in ``last_refusal`` and report it through ``on_refused``.
    """

    def __init__(
        self,
        path: Path | str,
        trusted: Sequence[VerifyKey],
        *,
        on_change: Callable[[PolicyEngine], None] | None = None,
        on_refused: Callable[[str], None] | None = None,
        high_water: HighWaterMark | None = None,
        metrics: AgentMetrics | None = None,
    ) -> None:
        self.path = Path(path)
        self.metrics = metrics
        self._trusted = tuple(trusted)
        self.on_change = on_change
        self.on_refused = on_refused
        self._high_water = high_water
        self._lock = threading.Lock()
        self._stamp = _stamp(self.path)
        self._bundle = read_bundle(self.path, self._trusted)
        if high_water is not None:
            high_water.check(self._bundle, str(self.path))
        self._engine = engine_of(self._bundle, str(self.path))
        if high_water is not None:
            high_water.raise_to(self._bundle)
        self.last_refusal = ""

    @property
    def engine(self) -> PolicyEngine:
        """The current good policy; read it once per request and use that snapshot."""
        return self._engine

    @property
    def bundle(self) -> PolicyBundle:
        return self._bundle

    def reload(self) -> ReloadOutcome:
        """Re-read the bundle now; swap the policy only if the new bundle is good and newer."""
        return self._apply(self._prepare())

    def poll(self) -> ReloadOutcome | None:
        """Reload if the file's mtime, size or inode changed since the last look."""
        if _stamp(self.path) == self._stamp:
            return None
        return self.reload()

    async def watch(self, interval_s: float = 5.0) -> None:
        """Poll until cancelled (run it as a task next to the server).

        Reading and verifying happen in a worker thread; the swap and the callbacks run on
        the event loop, so callbacks may touch loop-bound objects.
        """
        import asyncio

        while True:
            await asyncio.sleep(interval_s)
            if _stamp(self.path) != self._stamp:
                self._apply(await asyncio.to_thread(self._prepare))

    def _prepare(self) -> _Verified | PolicyError | None:
        """The verified new bundle and engine, the refusal, or None when unchanged."""
        self._stamp = _stamp(self.path)
        try:
            bundle = read_bundle(self.path, self._trusted)
            if bundle.policy_version == self._bundle.policy_version:
                return None
            return _Verified(bundle, engine_of(bundle, str(self.path)))
        except PolicyError as exc:
            return exc

    def _apply(self, prepared: _Verified | PolicyError | None) -> ReloadOutcome:
        with self._lock:
            if prepared is None:
                return ReloadOutcome(False, self._engine.version)
            if isinstance(prepared, _Verified) and (
                prepared.bundle.signed_at_epoch < self._bundle.signed_at_epoch
            ):
                prepared = PolicyError(
                    f"{self.path}: bundle signed at {prepared.bundle.signed_at} is older than the "
                    f"loaded one ({self._bundle.signed_at}); rollback refused"
                )
            if isinstance(prepared, _Verified) and self._high_water is not None:
                try:
                    self._high_water.check(prepared.bundle, str(self.path))
                    self._high_water.raise_to(prepared.bundle)
                except (PolicyError, OSError) as exc:
                    prepared = (
                        exc
                        if isinstance(exc, PolicyError)
                        else PolicyError(f"{self.path}: cannot record the new high-water mark")
                    )
            if isinstance(prepared, PolicyError):
                self.last_refusal = str(prepared)
                outcome = ReloadOutcome(False, self._engine.version, self.last_refusal)
            else:
                self._bundle, self._engine = prepared.bundle, prepared.engine
                self.last_refusal = ""
                outcome = ReloadOutcome(True, self._engine.version)
            engine = self._engine
        if self.metrics is not None and (outcome.changed or outcome.refused):
            self.metrics.policy_reloads.labels("applied" if outcome.changed else "refused").inc()
        if outcome.refused and self.on_refused is not None:
            self.on_refused(outcome.refused)
        if outcome.changed and self.on_change is not None:
            self.on_change(engine)
        return outcome


def write_bundle(path: Path, content: bytes) -> None:
    """Write atomically (temp file + rename) so a reloader never reads half a bundle."""
    tmp = path.with_name(f".{path.name}.tmp")
    fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o644)
    with os.fdopen(fd, "wb") as fh:
        fh.write(content)
        fh.flush()
        os.fsync(fh.fileno())
    os.replace(tmp, path)

"""Safe recipes over the hazardous primitives: the only module importing
``cryptography.hazmat``.

- Ed25519 signing keys (audit tree heads, policy bundles): ``SigningKey`` /
  ``VerifyKey``, stored as raw 32-byte keys in PEM-free files (hex), key id =
  first 16 hex chars of sha256(public key).
- AES-256-GCM sealing (the pseudonym vault): ``seal(key, plaintext, aad)`` /
  ``open_sealed(key, blob, aad)``; a 12-byte random nonce is prepended.
- TLS file checks for ``bastion agent check-config``: ``certificate_problems`` (PEM
  certificates that parse and are valid now) and ``key_pair_problem`` (a private key
  that parses and belongs to the certificate).

Every integrity failure collapses into one exception, ``IntegrityError``.
"""

from __future__ import annotations

import hashlib
import os
import secrets
from dataclasses import dataclass
from pathlib import Path

from cryptography.exceptions import InvalidSignature, InvalidTag
from cryptography.hazmat.primitives.asymmetric.ed25519 import (
    Ed25519PrivateKey,
    Ed25519PublicKey,
)
from cryptography.hazmat.primitives.ciphers.aead import AESGCM
from cryptography.hazmat.primitives.serialization import (
    Encoding,
    NoEncryption,
    PrivateFormat,
    PublicFormat,
    load_pem_private_key,
)

from bastion.errors import BastionError


class IntegrityError(BastionError):
    """A signature, tag or key did not verify."""


def key_id_of(public_raw: bytes) -> str:
    return hashlib.sha256(public_raw).hexdigest()[:16]


@dataclass(frozen=True)
class VerifyKey:
    raw: bytes

    @property
    def key_id(self) -> str:
        return key_id_of(self.raw)

    def verify(self, signature: bytes, message: bytes) -> None:
        try:
            Ed25519PublicKey.from_public_bytes(self.raw).verify(signature, message)
        except (InvalidSignature, ValueError):
            raise IntegrityError("signature does not verify") from None

    def to_hex(self) -> str:
        return self.raw.hex()

    @classmethod
    def from_hex(cls, text: str) -> VerifyKey:
        try:
            raw = bytes.fromhex(text.strip())
        except ValueError:
            raise IntegrityError("public key is not hex") from None
        if len(raw) != 32:
            raise IntegrityError("public key must be 32 bytes")
        return cls(raw)


class SigningKey:
    def __init__(self, private: Ed25519PrivateKey) -> None:
        self._private = private
        self.verify_key = VerifyKey(
            private.public_key().public_bytes(Encoding.Raw, PublicFormat.Raw)
        )

    @property
    def key_id(self) -> str:
        return self.verify_key.key_id

    def sign(self, message: bytes) -> bytes:
        return self._private.sign(message)

    @classmethod
    def generate(cls) -> SigningKey:
        return cls(Ed25519PrivateKey.generate())

    @classmethod
    def from_seed(cls, seed: bytes) -> SigningKey:
        if len(seed) != 32:
            raise IntegrityError("Ed25519 seed must be 32 bytes")
        return cls(Ed25519PrivateKey.from_private_bytes(seed))

    def seed(self) -> bytes:
        return self._private.private_bytes(Encoding.Raw, PrivateFormat.Raw, NoEncryption())

    @classmethod
    def load_or_create(cls, path: Path) -> SigningKey:
        """Load a hex seed from ``path``; create it (mode 0600) if it does not exist."""
        if path.exists():
            return cls.load(path)
        key = cls.generate()
        path.parent.mkdir(parents=True, exist_ok=True)
        fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
        with os.fdopen(fd, "w") as fh:
            fh.write(key.seed().hex() + "\n")
            fh.flush()
            os.fsync(fh.fileno())
        # The new name must survive a power loss too: the log will record this key.
        dir_fd = os.open(path.parent, os.O_RDONLY)
        try:
            os.fsync(dir_fd)
        finally:
            os.close(dir_fd)
        return key

    @classmethod
    def load(cls, path: Path) -> SigningKey:
        try:
            seed = bytes.fromhex(path.read_text().strip())
        except (OSError, ValueError):
            raise IntegrityError(f"cannot read signing key {path}") from None
        return cls.from_seed(seed)


AES_KEY_BYTES = 32
_NONCE = 12


def new_aes_key() -> bytes:
    return secrets.token_bytes(AES_KEY_BYTES)


def seal(key: bytes, plaintext: bytes, aad: bytes = b"") -> bytes:
    if len(key) != AES_KEY_BYTES:
        raise IntegrityError("AES key must be 32 bytes")
    nonce = secrets.token_bytes(_NONCE)
    return nonce + AESGCM(key).encrypt(nonce, plaintext, aad)


def open_sealed(key: bytes, blob: bytes, aad: bytes = b"") -> bytes:
    if len(key) != AES_KEY_BYTES:
        raise IntegrityError("AES key must be 32 bytes")
    if len(blob) < _NONCE + 16:
        raise IntegrityError("sealed blob is too short")
    try:
        return AESGCM(key).decrypt(blob[:_NONCE], blob[_NONCE:], aad)
    except InvalidTag:
        raise IntegrityError("sealed blob does not authenticate") from None


# -- TLS files (checks only; gRPC itself reads the PEM files) ----------------------------
_CLOCK_SKEW_S = 300  # a certificate issued a moment ago on a machine whose clock is ahead


def certificate_problems(pem: bytes, now: float) -> list[str]:
    """What is wrong with a PEM file of one or more certificates at time ``now``."""
    from datetime import UTC, datetime

    from cryptography import x509

    try:
        certs = x509.load_pem_x509_certificates(pem)
    except ValueError:
        return ["not a PEM certificate"]
    at = datetime.fromtimestamp(now, UTC)
    skewed = datetime.fromtimestamp(now + _CLOCK_SKEW_S, UTC)
    problems = []
    for i, cert in enumerate(certs):
        which = f"certificate {i + 1}" if len(certs) > 1 else "certificate"
        if skewed < cert.not_valid_before_utc:
            problems.append(f"{which} is not valid before {cert.not_valid_before_utc:%Y-%m-%d}")
        if at > cert.not_valid_after_utc:
            problems.append(f"{which} expired on {cert.not_valid_after_utc:%Y-%m-%d}")
    return problems


def key_pair_problem(cert_pem: bytes, key_pem: bytes) -> str | None:
    """None when ``key_pem`` is an unencrypted private key for ``cert_pem``'s first
    certificate; otherwise what is wrong (never the key material)."""
    from cryptography import x509

    try:
        cert = x509.load_pem_x509_certificates(cert_pem)[0]
    except ValueError:
        return "the certificate does not parse"
    try:
        key = load_pem_private_key(key_pem, password=None)
    except (ValueError, TypeError):
        return "not an unencrypted PEM private key"
    der = Encoding.DER
    spki = PublicFormat.SubjectPublicKeyInfo
    if key.public_key().public_bytes(der, spki) != cert.public_key().public_bytes(der, spki):
        return "the private key does not belong to the certificate"
    return None

"""C2SP signed notes (c2sp.org/signed-note) and tlog-checkpoints (c2sp.org/tlog-checkpoint).

The interoperable form of a signed tree head, readable by standard transparency-log
tooling (golang.org/x/mod/sumdb/note, transparency-dev witnesses)::

    bastion.invalid/audit/6f1c...e2          <- origin: names the log
    1024                                     <- tree size, decimal, no leading zeros
    CsUYapGGPo4dkMgIAUqom/Xajj7h2fB2MPA3j2jxq2I=   <- RFC 6962 root, standard base64
                                             <- blank line
    — bastion.invalid/audit/6f1c...e2 Az3g...   <- em dash, key name, base64(key ID || sig)

Rules implemented (the spec's words in capitals):
- a note is valid UTF-8 with no control character but newline; its text ends in a
  newline; the signatures follow the *last* blank line, one per line, each
  ``U+2014 U+0020 name U+0020 base64``, and the note ends in a newline;
- key names are non-empty with no Unicode space and no ``+``;
- a signature is base64 of 4+n bytes: the big-endian key ID, then the signature; for
  Ed25519 (type 0x01) the key ID is ``SHA-256(name || 0x0A || 0x01 || public key)[:4]``;
- verifiers MUST ignore signatures from unknown keys (name and ID not both matching),
  MUST verify those of known keys, reject the note when a known key's signature fails,
  and reject a note none of whose signatures is by a known key;
- a checkpoint's text is at least three non-empty lines: origin, tree size (ASCII
  decimal, no leading zeros), base64 root hash; further lines are extension lines,
  which must be non-empty.

Verifier keys (``vkey``) use the sumdb text form ``name+<key ID hex>+base64(0x01||pub)``.
Every failure is one ``NoteError``. Witness cosignatures (c2sp.org/tlog-cosignature,
type 0x04) are other keys' lines on the same note: ``open_note`` ignores them unless a
verifier for them is given (see docs/audit.md for how a witness cosigns).
"""

from __future__ import annotations

import base64
import binascii
import hashlib
import re
from collections.abc import Sequence
from dataclasses import dataclass

from bastion.crypto import IntegrityError, SigningKey, VerifyKey
from bastion.errors import AuditError

ED25519 = 0x01
EM_DASH = "\u2014"
MAX_SIGNATURES = 100  # the spec: accept at least 16
_SPACES = re.compile(r"\s", re.UNICODE)
_DECIMAL = re.compile(r"0|[1-9][0-9]*")


class NoteError(AuditError):
    """A signed note or checkpoint is malformed or does not verify."""


def check_key_name(name: str) -> str:
    if not name or _SPACES.search(name) or "+" in name:
        raise NoteError("note key name must be non-empty, without spaces or '+'")
    return name


def key_id(name: str, sig_type: int, public_key: bytes) -> int:
    """The 32-bit key ID: SHA-256(name || 0x0A || type || public key)[:4], big-endian."""
    digest = hashlib.sha256(name.encode() + b"\n" + bytes([sig_type]) + public_key).digest()
    return int.from_bytes(digest[:4], "big")


def _b64decode(text: str, what: str) -> bytes:
    try:
        return base64.b64decode(text.encode("ascii"), validate=True)
    except (binascii.Error, UnicodeEncodeError, ValueError):
        raise NoteError(f"{what} is not standard base64") from None


@dataclass(frozen=True, slots=True)
class NoteSignature:
    name: str
    key_id: int
    signature: bytes

    def line(self) -> str:
        blob = self.key_id.to_bytes(4, "big") + self.signature
        return f"{EM_DASH} {self.name} {base64.b64encode(blob).decode()}\n"


@dataclass(frozen=True, slots=True)
class NoteVerifier:
    """An Ed25519 note key: name plus public key (the key ID follows from both)."""

    name: str
    public_key: VerifyKey

    def __post_init__(self) -> None:
        check_key_name(self.name)

    @property
    def key_id(self) -> int:
        return key_id(self.name, ED25519, self.public_key.raw)

    def vkey(self) -> str:
        material = base64.b64encode(bytes([ED25519]) + self.public_key.raw).decode()
        return f"{self.name}+{self.key_id:08x}+{material}"

    @classmethod
    def from_vkey(cls, vkey: str) -> NoteVerifier:
        parts = vkey.strip().split("+", 2)
        if len(parts) != 3 or not re.fullmatch(r"[0-9a-f]{8}", parts[1]):
            raise NoteError("verifier key must be name+<8 hex key ID>+<base64 key>")
        name, hex_id, material = parts
        raw = _b64decode(material, "verifier key")
        if len(raw) != 33 or raw[0] != ED25519:
            raise NoteError("verifier key is not an Ed25519 (type 0x01) key")
        try:
            verifier = cls(name, VerifyKey(raw[1:]))
        except IntegrityError:
            raise NoteError("verifier key is malformed") from None
        if verifier.key_id != int(hex_id, 16):
            raise NoteError("verifier key ID does not match its name and key")
        return verifier

    def verify(self, text: bytes, signature: bytes) -> bool:
        try:
            self.public_key.verify(signature, text)
        except IntegrityError:
            return False
        return True


def _check_text(text: str) -> None:
    if not text.endswith("\n"):
        raise NoteError("note text must end with a newline")
    if any(ord(c) < 0x20 and c != "\n" for c in text):
        raise NoteError("note must not contain control characters other than newline")


def sign_note(text: str, name: str, key: SigningKey) -> str:
    """``text`` followed by a blank line and one Ed25519 signature line."""
    _check_text(text)
    verifier = NoteVerifier(name, key.verify_key)
    sig = NoteSignature(name, verifier.key_id, key.sign(text.encode("utf-8")))
    return text + "\n" + sig.line()


def parse_note(data: bytes | str) -> tuple[str, list[NoteSignature]]:
    """Split a note into its text and signatures, checking only the syntax."""
    try:
        note = data.decode("utf-8") if isinstance(data, bytes) else data
    except UnicodeDecodeError:
        raise NoteError("note is not valid UTF-8") from None
    if any(ord(c) < 0x20 and c != "\n" for c in note):
        raise NoteError("note must not contain control characters other than newline")
    cut = note.rfind("\n\n")
    if cut < 0 or not note.endswith("\n"):
        raise NoteError("note has no signature block")
    text, block = note[: cut + 1], note[cut + 2 :]
    lines = block.split("\n")[:-1]  # the note ends in a newline
    if not lines:
        raise NoteError("note has no signatures")
    if len(lines) > MAX_SIGNATURES:
        raise NoteError(f"note has more than {MAX_SIGNATURES} signatures")
    sigs = []
    for line in lines:
        prefix = f"{EM_DASH} "
        if not line.startswith(prefix):
            raise NoteError("note signature line must start with an em dash and a space")
        name, space, b64 = line[len(prefix) :].partition(" ")
        if not space or " " in b64:
            raise NoteError("note signature line must be: em dash, name, base64 signature")
        check_key_name(name)
        blob = _b64decode(b64, "note signature")
        if len(blob) < 5:
            raise NoteError("note signature is too short")
        sigs.append(NoteSignature(name, int.from_bytes(blob[:4], "big"), blob[4:]))
    return text, sigs


@dataclass(frozen=True)
class OpenedNote:
    text: str
    verified: tuple[NoteSignature, ...]
    unverified: tuple[NoteSignature, ...]


def open_note(data: bytes | str, verifiers: Sequence[NoteVerifier]) -> OpenedNote:
    """Verify a note: known keys' signatures must verify; at least one must be known."""
    text, sigs = parse_note(data)
    known: dict[tuple[str, int], NoteVerifier] = {}
    for v in verifiers:
        if (v.name, v.key_id) in known and known[(v.name, v.key_id)] != v:
            raise NoteError(f"ambiguous key {v.name}+{v.key_id:08x}")
        known[(v.name, v.key_id)] = v
    verified: list[NoteSignature] = []
    unverified: list[NoteSignature] = []
    raw = text.encode("utf-8")
    for sig in sigs:
        match = known.get((sig.name, sig.key_id))
        if match is None:
            unverified.append(sig)
            continue
        if not match.verify(raw, sig.signature):
            raise NoteError(f"invalid signature for key {sig.name}+{sig.key_id:08x}")
        if sig not in verified:
            verified.append(sig)
    if not verified:
        raise NoteError("note has no verifiable signatures")
    return OpenedNote(text, tuple(verified), tuple(unverified))


@dataclass(frozen=True, slots=True)
class Checkpoint:
    """The note text of a c2sp.org/tlog-checkpoint."""

    origin: str
    size: int
    root: bytes
    extensions: tuple[str, ...] = ()

    def __post_init__(self) -> None:
        if not self.origin or "\n" in self.origin:
            raise NoteError("checkpoint origin must be one non-empty line")
        if self.size < 0:
            raise NoteError("checkpoint tree size must be non-negative")
        if len(self.root) != 32:
            raise NoteError("checkpoint root hash must be 32 bytes")
        if any(not line or "\n" in line for line in self.extensions):
            raise NoteError("checkpoint extension lines must be non-empty single lines")

    def text(self) -> str:
        lines = [
            self.origin,
            str(self.size),
            base64.b64encode(self.root).decode(),
            *self.extensions,
        ]
        return "".join(line + "\n" for line in lines)

    @classmethod
    def parse(cls, text: str) -> Checkpoint:
        if not text.endswith("\n"):
            raise NoteError("checkpoint text must end with a newline")
        lines = text[:-1].split("\n")
        if len(lines) < 3 or any(not line for line in lines):
            raise NoteError("checkpoint needs at least three non-empty lines")
        origin, size, root, *ext = lines
        if not _DECIMAL.fullmatch(size):
            raise NoteError("checkpoint tree size must be decimal without leading zeros")
        return cls(origin, int(size), _b64decode(root, "checkpoint root hash"), tuple(ext))


def origin_for(log_id: str) -> str:
    """The origin (and key name) of a Bastion log: a schema-less URL under the reserved
    ``.invalid`` domain (RFC 2606), so it can never collide with a real log's origin."""
    return f"bastion.invalid/audit/{log_id}"


def sign_checkpoint(checkpoint: Checkpoint, key: SigningKey) -> str:
    """A signed checkpoint; the log's key name is its origin, as the spec recommends."""
    return sign_note(checkpoint.text(), checkpoint.origin, key)


def checkpoint_signature(checkpoint: Checkpoint, key: SigningKey) -> bytes:
    """Only the Ed25519 signature over the checkpoint text (to store beside a head)."""
    return key.sign(checkpoint.text().encode("utf-8"))


def assemble_checkpoint(checkpoint: Checkpoint, public_key: VerifyKey, signature: bytes) -> str:
    """The signed note of a checkpoint whose signature was stored earlier."""
    verifier = NoteVerifier(checkpoint.origin, public_key)
    sig = NoteSignature(checkpoint.origin, verifier.key_id, signature)
    return checkpoint.text() + "\n" + sig.line()


def verify_checkpoint(note: bytes | str, verifier: NoteVerifier) -> Checkpoint:
    """Open a signed checkpoint with the log's verifier; its origin must be the key name."""
    opened = open_note(note, [verifier])
    checkpoint = Checkpoint.parse(opened.text)
    if checkpoint.origin != verifier.name:
        raise NoteError("checkpoint origin does not match the log's key name")
    return checkpoint

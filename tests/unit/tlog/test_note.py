"""C2SP signed notes and checkpoints, against the published sumdb/note vectors and the
spec's rules (c2sp.org/signed-note, c2sp.org/tlog-checkpoint)."""

from __future__ import annotations

import base64
import hashlib
import json
from pathlib import Path
from typing import Any

import pytest

from bastion.crypto import SigningKey
from bastion.tlog.note import (
    Checkpoint,
    NoteError,
    NoteVerifier,
    assemble_checkpoint,
    checkpoint_signature,
    key_id,
    open_note,
    origin_for,
    parse_note,
    sign_checkpoint,
    sign_note,
    verify_checkpoint,
)

VECTORS: dict[str, Any] = json.loads(
    (Path(__file__).resolve().parents[2] / "vectors" / "tlog" / "signed_note.json").read_text()
)
TEXT: str = VECTORS["text"]
PETER_SIG: str = VECTORS["peter_sig"]
ENOCH_SIG: str = VECTORS["enoch_sig"]


def _signer() -> tuple[str, SigningKey]:
    """The sumdb signer key ``PRIVATE+KEY+<name>+<id>+base64(0x01 || seed)``."""
    parts = VECTORS["signer_key"].split("+", 4)
    raw = base64.b64decode(parts[4])
    assert raw[0] == 1
    return parts[2], SigningKey.from_seed(raw[1:])


def test_signing_reproduces_the_published_note_byte_for_byte() -> None:
    name, key = _signer()
    assert sign_note(TEXT, name, key) == TEXT + "\n" + PETER_SIG


def test_the_key_id_is_the_spec_hash_of_name_type_and_key() -> None:
    name, key = _signer()
    verifier = NoteVerifier(name, key.verify_key)
    assert verifier.key_id == 0xC74F20A3
    assert verifier.vkey() == VECTORS["peter_vkey"]
    digest = hashlib.sha256(name.encode() + b"\n\x01" + key.verify_key.raw).digest()
    assert key_id(name, 1, key.verify_key.raw) == int.from_bytes(digest[:4], "big")


def test_published_verifier_keys_parse_and_mangled_ones_do_not() -> None:
    assert NoteVerifier.from_vkey(VECTORS["peter_vkey"]).key_id == 0xC74F20A3
    vkey: str = VECTORS["peter_vkey"]
    for bad in [*VECTORS["bad_vkeys"], vkey[:-1], vkey[1:], vkey.replace("+c74f", "+c75f")]:
        with pytest.raises(NoteError):
            NoteVerifier.from_vkey(bad)


def test_a_note_verifies_with_a_known_key_and_ignores_unknown_ones() -> None:
    peter = NoteVerifier.from_vkey(VECTORS["peter_vkey"])
    enoch = NoteVerifier.from_vkey(VECTORS["enoch_vkey"])
    opened = open_note(TEXT + "\n" + PETER_SIG + ENOCH_SIG, [peter])
    assert opened.text == TEXT
    assert [s.name for s in opened.verified] == ["PeterNeumann"]
    assert [s.name for s in opened.unverified] == ["EnochRoot"]
    both = open_note(TEXT + "\n" + PETER_SIG + ENOCH_SIG, [peter, enoch])
    assert [s.name for s in both.verified] == ["PeterNeumann", "EnochRoot"]


def test_a_note_without_a_known_signature_is_rejected() -> None:
    with pytest.raises(NoteError, match="no verifiable signatures"):
        open_note(TEXT + "\n" + ENOCH_SIG, [NoteVerifier.from_vkey(VECTORS["peter_vkey"])])


def test_a_known_key_whose_signature_fails_rejects_the_whole_note() -> None:
    peter = NoteVerifier.from_vkey(VECTORS["peter_vkey"])
    corrupt = PETER_SIG[:60] + "ABCD" + PETER_SIG[60:]
    with pytest.raises(NoteError, match="invalid signature for key PeterNeumann\\+c74f20a3"):
        open_note(TEXT + "\n" + corrupt, [peter])
    with pytest.raises(NoteError):
        open_note(TEXT.replace("problem", "problems") + "\n" + PETER_SIG, [peter])


def test_a_signature_with_a_known_name_but_another_key_id_is_ignored() -> None:
    peter = NoteVerifier.from_vkey(VECTORS["peter_vkey"])
    wrong_id = PETER_SIG.replace("x08g", "xxxx")
    with pytest.raises(NoteError, match="no verifiable signatures"):
        open_note(TEXT + "\n" + wrong_id, [peter])


@pytest.mark.parametrize(
    "note",
    [
        TEXT.encode(),
        (TEXT + "\n").encode(),
        (TEXT + "\n" + PETER_SIG[:-1]).encode(),
        ("\x01" + TEXT + "\n" + PETER_SIG).encode(),
        b"\xff" + (TEXT + "\n" + PETER_SIG).encode(),
        (
            TEXT + "\n" + "\u2014 Bad Name x08go/ZJkuBS9UG/SffcvIAQxVBtiFupLLr8pAcElZInNIuGU=\n"
        ).encode(),
        (TEXT + "\n" + PETER_SIG + "Unexpected line.\n").encode(),
        (TEXT + "\n" + PETER_SIG * 101).encode(),
        (TEXT + "\n" + "- PeterNeumann x08go/ZJku=\n").encode(),
    ],
    ids=[
        "no-signatures",
        "blank-line-only",
        "no-final-newline",
        "control-char",
        "not-utf8",
        "space-in-name",
        "trailing-line",
        "too-many",
        "hyphen-not-em-dash",
    ],
)
def test_malformed_notes_are_rejected(note: bytes) -> None:
    with pytest.raises(NoteError):
        open_note(note, [NoteVerifier.from_vkey(VECTORS["peter_vkey"])])


def test_the_spec_checkpoint_example_parses() -> None:
    text, sigs = parse_note(VECTORS["checkpoint_example"])
    cp = Checkpoint.parse(text)
    assert (cp.origin, cp.size) == ("example.com/behind-the-sofa", 20852163)
    assert len(cp.root) == 32 and cp.extensions == ()
    assert cp.text() == text
    assert sigs[0].name == cp.origin


@pytest.mark.parametrize(
    "text",
    [
        "origin\n12\n",
        "origin\n012\n" + base64.b64encode(bytes(32)).decode() + "\n",
        "origin\n-1\n" + base64.b64encode(bytes(32)).decode() + "\n",
        "origin\n12\n" + base64.b64encode(bytes(31)).decode() + "\n",
        "origin\n12\nnot base64!\n",
        "origin\n12\n" + base64.b64encode(bytes(32)).decode() + "\n\nextension\n",
        "\n12\n" + base64.b64encode(bytes(32)).decode() + "\n",
        "origin\n12\n" + base64.b64encode(bytes(32)).decode(),
    ],
    ids=[
        "two-lines",
        "leading-zero",
        "negative",
        "short-root",
        "bad-base64",
        "empty-extension",
        "empty-origin",
        "no-newline",
    ],
)
def test_malformed_checkpoint_text_is_rejected(text: str) -> None:
    with pytest.raises(NoteError):
        Checkpoint.parse(text)


def test_a_signed_checkpoint_round_trips_and_binds_size_and_root() -> None:
    key = SigningKey.generate()
    cp = Checkpoint(origin_for("ab" * 16), 7, hashlib.sha256(b"root").digest())
    note = sign_checkpoint(cp, key)
    verifier = NoteVerifier(cp.origin, key.verify_key)
    assert verify_checkpoint(note, verifier) == cp
    assert note == assemble_checkpoint(cp, key.verify_key, checkpoint_signature(cp, key))
    for forged in (note.replace("\n7\n", "\n8\n"), note.replace(cp.origin, cp.origin + "x", 1)):
        with pytest.raises(NoteError):
            verify_checkpoint(forged, verifier)


def test_a_checkpoint_under_another_origin_is_refused_even_if_signed() -> None:
    key = SigningKey.generate()
    cp = Checkpoint("example.com/other", 1, bytes(32))
    note = sign_note(cp.text(), "bastion.invalid/audit/x", key)
    with pytest.raises(NoteError, match="origin"):
        verify_checkpoint(note, NoteVerifier("bastion.invalid/audit/x", key.verify_key))


def test_a_witness_cosignature_line_is_kept_as_unverified() -> None:
    key, witness = SigningKey.generate(), SigningKey.generate()
    cp = Checkpoint(origin_for("cd" * 16), 3, bytes(32))
    note = sign_checkpoint(cp, key)
    cosigned = note + sign_note(cp.text(), "witness.example/w1", witness).split("\n\n")[1]
    opened = open_note(cosigned, [NoteVerifier(cp.origin, key.verify_key)])
    assert [s.name for s in opened.unverified] == ["witness.example/w1"]

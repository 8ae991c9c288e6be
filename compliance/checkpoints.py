"""Read a log's signed heads as C2SP checkpoints (read-only; no key needed).

``latest_checkpoint(db)`` is what a witness or a monitor fetches: the newest head that
carries a checkpoint signature, as a signed note, and the log's verifier key (``vkey``)
to check it with.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from agent.audit import store
from bastion.errors import AuditError
from bastion.tlog.heads import HeadError
from bastion.tlog.note import Checkpoint, NoteVerifier, assemble_checkpoint, origin_for


@dataclass(frozen=True)
class PublishedCheckpoint:
    note: str
    vkey: str
    size: int
    key_id: str


def latest_checkpoint(db_path: Path) -> PublishedCheckpoint:
    db = store.connect(db_path, readonly=True)
    try:
        db.conn.execute("BEGIN")
        try:
            log_id = store.read_log_id(db)
            heads = store.read_heads(db, log_id)
            notes = store.read_note_signatures(db)
            keys = {k.key_id: k for k in store.read_keys(db)}
        finally:
            db.conn.execute("COMMIT")
    except HeadError as exc:
        raise AuditError(f"cannot read the log's checkpoints: {exc}") from None
    finally:
        db.conn.close()
    for hid, head in reversed(heads):
        sig = notes.get(hid)
        rec = keys.get(head.key_id)
        if sig is None or rec is None:
            continue
        origin = origin_for(log_id)
        key = rec.verify_key
        note = assemble_checkpoint(Checkpoint(origin, head.size, head.root), key, sig)
        return PublishedCheckpoint(note, NoteVerifier(origin, key).vkey(), head.size, head.key_id)
    raise AuditError("the log has no head with a checkpoint signature yet (sign a new head)")

"""The witness file: every signed tree head, one JSON line each, for copies off the machine.

Appends are fsync'd (and the directory too when the file is new). A partial last line
left by a crash in the middle of an append is cut off before the next append.
"""

from __future__ import annotations

import os
from collections.abc import Sequence
from pathlib import Path

from agent.audit.heads import HeadError, TreeHead
from bastion.errors import AuditError


def append_heads(path: Path, heads: Sequence[TreeHead]) -> None:
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        created = not path.exists()
        fd = os.open(path, os.O_WRONLY | os.O_APPEND | os.O_CREAT, 0o644)
        try:
            os.write(fd, "".join(h.to_json() + "\n" for h in heads).encode())
            os.fsync(fd)
        finally:
            os.close(fd)
        if created:  # make the new file's directory entry durable too
            dfd = os.open(path.parent, os.O_RDONLY)
            try:
                os.fsync(dfd)
            finally:
                os.close(dfd)
    except OSError as exc:
        raise AuditError(f"cannot write audit witness file {path} ({exc.strerror})") from None


def read_witness(path: Path) -> list[TreeHead]:
    """Every head in a witness file (one JSON object per line); errors name the line."""
    try:
        lines = path.read_text(encoding="utf-8").splitlines()
    except FileNotFoundError:
        raise AuditError(f"witness file {path} not found") from None
    except (OSError, UnicodeDecodeError) as exc:
        raise AuditError(f"cannot read witness file {path} ({type(exc).__name__})") from None
    heads = []
    for n, line in enumerate(lines, 1):
        if not line.strip():
            continue
        try:
            heads.append(TreeHead.from_json(line))
        except HeadError as exc:
            raise AuditError(f"witness file {path} line {n}: {exc}") from None
    return heads


def repair_torn_tail(path: Path) -> None:
    """Drop a partial last line left by a crash in the middle of a witness append."""
    try:
        with path.open("rb+") as fh:
            end = fh.seek(0, os.SEEK_END)
            if end == 0:
                return
            fh.seek(max(0, end - 4096))
            tail = fh.read()
            if tail.endswith(b"\n"):
                return
            cut = tail.rfind(b"\n")
            keep = end - len(tail) + cut + 1 if cut >= 0 else (0 if end <= 4096 else end)
            fh.truncate(keep)
            os.fsync(fh.fileno())
    except FileNotFoundError:
        return
    except OSError as exc:
        raise AuditError(f"cannot repair audit witness file {path} ({exc.strerror})") from None


def last_head(path: Path) -> TreeHead | None:
    if not path.exists():
        return None
    try:
        with path.open("rb") as fh:
            fh.seek(0, os.SEEK_END)
            end = fh.tell()
            fh.seek(max(0, end - 4096))
            tail = fh.read().decode("utf-8", "replace").splitlines()
    except OSError as exc:
        raise AuditError(f"cannot read audit witness file {path} ({exc.strerror})") from None
    for line in reversed(tail):
        if line.strip():
            try:
                return TreeHead.from_json(line)
            except HeadError:
                raise AuditError(f"audit witness file {path}: last line is not a head") from None
    return None

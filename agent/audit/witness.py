"""The witness file: every signed tree head, one JSON line each, for copies off the machine.

Appends are fsync'd (and the directory too when the file is new). A partial last line
left by a crash in the middle of an append is cut off before the next append.
"""

from __future__ import annotations

import fcntl
import os
from collections.abc import Sequence
from pathlib import Path

from bastion.errors import AuditError
from bastion.tlog.heads import HeadError, TreeHead

_TAIL = 8192  # a head line is about 300 bytes


def append_heads(path: Path, heads: Sequence[TreeHead]) -> None:
    """Append and fsync, holding the file's lock (the agent and the CLI may both append)."""
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        created = not path.exists()
        fd = os.open(path, os.O_WRONLY | os.O_APPEND | os.O_CREAT, 0o644)
        try:
            fcntl.flock(fd, fcntl.LOCK_EX)
            os.write(fd, "".join(h.to_json() + "\n" for h in heads).encode())
            os.fsync(fd)
        finally:
            os.close(fd)  # releases the lock
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


def repair_and_read_last(path: Path) -> TreeHead | None:
    """The newest head in the witness file, after cutting off a torn last line.

    Under the file's lock no append is in progress, so a last line without its newline
    can only be what a crash left behind.
    """
    try:
        fd = os.open(path, os.O_RDWR)
    except FileNotFoundError:
        return None
    except OSError as exc:
        raise AuditError(f"cannot open audit witness file {path} ({exc.strerror})") from None
    try:
        fcntl.flock(fd, fcntl.LOCK_EX)
        end = os.lseek(fd, 0, os.SEEK_END)
        start = max(0, end - _TAIL)
        os.lseek(fd, start, os.SEEK_SET)
        tail = os.read(fd, end - start)
        if tail and not tail.endswith(b"\n"):
            cut = tail.rfind(b"\n")
            if cut < 0 and start > 0:
                raise AuditError(f"audit witness file {path}: last line is not a head")
            os.ftruncate(fd, start + cut + 1)
            os.fsync(fd)
            tail = tail[: cut + 1]
    except OSError as exc:
        raise AuditError(f"cannot repair audit witness file {path} ({exc.strerror})") from None
    finally:
        os.close(fd)
    for line in reversed(tail.decode("utf-8", "replace").splitlines()):
        if line.strip():
            try:
                return TreeHead.from_json(line)
            except HeadError:
                raise AuditError(f"audit witness file {path}: last line is not a head") from None
    return None

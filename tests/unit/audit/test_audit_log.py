"""AuditLog: ids, group commit, signing cadence, witness, reopen, keys and rotation."""

from __future__ import annotations

import asyncio
import sqlite3
from collections.abc import Callable
from dataclasses import replace
from pathlib import Path

import pytest

from agent.audit import AuditConfig, AuditEntry, AuditLog
from agent.audit.log import rotate_key_file
from agent.audit.witness import read_witness
from bastion.crypto import SigningKey
from bastion.errors import AuditError
from bastion.tlog.merkle import MerkleTree, hash_leaf
from compliance.verify import verify_log
from tests.unit.audit.helpers import FakeClock, entries

OpenLog = Callable[..., AuditLog]


def test_append_returns_consecutive_ids_and_the_root_matches_the_leaves(
    open_log: OpenLog, config: AuditConfig
) -> None:
    log = open_log()
    batch = entries(7)
    assert log.append_sync(batch[:3]) == [0, 1, 2]
    assert log.append_sync(batch[3:]) == [3, 4, 5, 6]
    assert log.append_sync([]) == []
    want = MerkleTree([hash_leaf(e.canonical_bytes()) for e in batch]).root()
    assert log.root() == want


def test_schema_migrations_are_recorded_in_the_database(
    open_log: OpenLog, config: AuditConfig
) -> None:
    open_log().append_sync(entries(1))
    conn = sqlite3.connect(config.db_path, isolation_level=None)
    versions = [r[0] for r in conn.execute("SELECT version FROM migrations ORDER BY version")]
    assert versions == [1, 2, 3]
    assert conn.execute("PRAGMA journal_mode").fetchone()[0] == "wal"
    with pytest.raises(sqlite3.IntegrityError, match="append-only"):
        conn.execute("DELETE FROM entries")
    conn.close()


def test_a_head_is_signed_every_n_entries_and_written_to_the_witness(
    open_log: OpenLog, config: AuditConfig
) -> None:
    log = open_log()
    for i in range(25):
        log.append_sync(entries(1, start=i))
    head = log.latest_head()
    assert head is not None and head.size == 20
    assert [h.size for h in read_witness(config.witness_path)] == [10, 20]
    head.verify_signature(log.public_key)


def test_a_head_is_signed_after_sign_every_s_seconds(
    open_log: OpenLog, clock: FakeClock, config: AuditConfig
) -> None:
    log = open_log()
    log.append_sync(entries(1))
    assert log.latest_head() is None
    clock.advance(5.0)
    log.append_sync(entries(1, start=1))
    first = log.latest_head()
    assert first is not None and first.size == 2
    log.append_sync(entries(1, start=2))
    assert log.maybe_sign_head() is None  # not due yet
    clock.advance(6.0)
    idle = log.maybe_sign_head()  # an idle agent still signs what waits
    assert idle is not None and idle.size == 3


def test_close_signs_a_final_head_covering_everything(
    config: AuditConfig, clock: FakeClock
) -> None:
    log = AuditLog.open(config, clock=clock)
    log.append_sync(entries(3))
    log.close()
    log.close()  # idempotent
    heads = read_witness(config.witness_path)
    assert heads[-1].size == 3
    with pytest.raises(AuditError, match="closed"):
        log.append_sync(entries(1))


def test_reopen_continues_the_same_tree(config: AuditConfig, clock: FakeClock) -> None:
    with AuditLog.open(config, clock=clock) as log:
        log.append_sync(entries(13))
        log_id = log.log_id
    with AuditLog.open(config, clock=clock) as log:
        assert log.log_id == log_id
        assert log.size == 13
        assert log.append_sync(entries(4, start=13)) == [13, 14, 15, 16]
        want = MerkleTree([hash_leaf(e.canonical_bytes()) for e in entries(17)]).root()
        assert log.root() == want
    report = verify_log(config.db_path, witness_files=[config.witness_path])
    assert report.entries == 17 and report.uncovered == 0


async def test_concurrent_appends_share_commits_and_keep_their_own_ids(
    open_log: OpenLog, config: AuditConfig
) -> None:
    log = open_log(replace(config, sign_every_n=1000))
    batches = [entries(3, start=10 * i) for i in range(40)]
    results = await asyncio.gather(*(log.append(b) for b in batches))
    flat = sorted(i for r in results for i in r)
    assert flat == list(range(120))
    for r in results:
        assert r == list(range(r[0], r[0] + 3))
    conn = sqlite3.connect(config.db_path)
    for batch, ids in zip(batches, results, strict=True):
        for e, i in zip(batch, ids, strict=True):
            (leaf,) = conn.execute("SELECT leaf FROM entries WHERE id = ?", (i,)).fetchone()
            assert leaf == e.canonical_bytes()
    conn.close()
    # Group commit: far fewer transactions than callers (one head row would show each).
    assert log.size == 120


async def test_a_failed_group_commit_fails_every_caller(
    open_log: OpenLog, config: AuditConfig
) -> None:
    log = open_log()
    log.append_sync(entries(1))
    blocker = sqlite3.connect(config.db_path, timeout=0.1)
    blocker.execute("PRAGMA busy_timeout=0")
    blocker.execute("BEGIN EXCLUSIVE")
    log._db.conn.execute("PRAGMA busy_timeout=50")  # keep the test fast
    try:
        results = await asyncio.gather(
            log.append(entries(1, start=1)), log.append(entries(1, start=2)), return_exceptions=True
        )
    finally:
        blocker.rollback()
        blocker.close()
    assert all(isinstance(r, AuditError) for r in results)
    assert log.append_sync(entries(1, start=1)) == [1]  # state unchanged by the failure


def test_two_writers_on_one_database_stay_consistent(config: AuditConfig, clock: FakeClock) -> None:
    a = AuditLog.open(config, clock=clock)
    b = AuditLog.open(config, clock=clock)
    try:
        assert a.append_sync(entries(2)) == [0, 1]
        assert b.append_sync(entries(2, start=2)) == [2, 3]
        assert a.append_sync(entries(1, start=4)) == [4]
    finally:
        a.close()
        b.close()
    assert verify_log(config.db_path, witness_files=[config.witness_path]).entries == 5


def test_only_audit_entries_are_accepted(open_log: OpenLog) -> None:
    log = open_log()
    with pytest.raises(AuditError):
        log.append_sync(["not an entry"])  # type: ignore[list-item]


def test_a_swapped_key_file_is_refused(config: AuditConfig, clock: FakeClock) -> None:
    AuditLog.open(config, clock=clock).close()
    config.key_path.unlink()
    SigningKey.load_or_create(config.key_path)
    with pytest.raises(AuditError, match="does not know"):
        AuditLog.open(config, clock=clock)


def test_rotation_keeps_old_heads_verifying_and_new_heads_use_the_new_key(
    config: AuditConfig, clock: FakeClock, tmp_path: Path
) -> None:
    with AuditLog.open(config, clock=clock) as log:
        log.append_sync(entries(5))
        old_key = log.public_key
    rec = rotate_key_file(config, clock)
    assert rec.previous_key_id == old_key.key_id
    with AuditLog.open(config, clock=clock) as log:
        assert log.key_id == rec.key_id
        log.append_sync(entries(5, start=5))
    heads = read_witness(config.witness_path)
    assert {h.key_id for h in heads} == {old_key.key_id, rec.key_id}
    # Pinning either the old or the new key trusts the whole chain.
    new_key = SigningKey.load(config.key_path).verify_key
    for pin in (old_key, new_key):
        assert verify_log(config.db_path, witness_files=[config.witness_path], pins=[pin]).pinned
    stranger = SigningKey.generate().verify_key
    with pytest.raises(AuditError, match="pinned"):
        verify_log(config.db_path, pins=[stranger])
    # The retired key file can no longer sign for the log.
    retired = tmp_path / "retired.key"
    assert not retired.exists()


def test_an_interrupted_rotation_finishes_on_the_next_open(
    config: AuditConfig, clock: FakeClock
) -> None:
    with AuditLog.open(config, clock=clock) as log:
        log.append_sync(entries(2))
        new_key = SigningKey.generate()
        pending = config.key_path.with_name(config.key_path.name + ".new")
        pending.write_text(new_key.seed().hex() + "\n")
        log.rotate_key(new_key)  # recorded, but the key file was not yet replaced
    with AuditLog.open(config, clock=clock) as log:
        assert log.key_id == new_key.key_id
    assert not pending.exists()


def test_the_witness_catches_up_after_a_crash_between_commit_and_witness(
    config: AuditConfig, clock: FakeClock
) -> None:
    with AuditLog.open(config, clock=clock) as log:
        for i in range(20):
            log.append_sync(entries(1, start=i))
    lines = config.witness_path.read_text().splitlines()
    assert len(lines) == 2
    config.witness_path.write_text("\n".join(lines[:-1]) + "\n")  # lose the newest line
    AuditLog.open(config, clock=clock).close()
    assert config.witness_path.read_text().splitlines()[: len(lines)] == lines


def test_entries_are_stored_with_their_tenant_and_time(
    open_log: OpenLog, config: AuditConfig
) -> None:
    log = open_log()
    log.append_sync([*entries(2, tenant="acme"), *entries(1, start=2, tenant="globex")])
    conn = sqlite3.connect(config.db_path)
    rows = conn.execute("SELECT tenant, kind FROM entries ORDER BY id").fetchall()
    conn.close()
    assert [r[0] for r in rows] == ["acme", "acme", "globex"]


def test_audit_entry_is_exported_from_the_package() -> None:
    import agent.audit as pkg

    assert set(pkg.__all__) >= {"AuditLog", "AuditEntry", "AuditConfig"}
    assert pkg.AuditEntry is AuditEntry


def test_a_missing_key_file_is_not_silently_replaced(config: AuditConfig, clock: FakeClock) -> None:
    AuditLog.open(config, clock=clock).close()
    config.key_path.unlink()
    with pytest.raises(AuditError, match="missing but the log already has a key"):
        AuditLog.open(config, clock=clock)
    assert not config.key_path.exists()


def test_a_rolled_back_database_is_refused(
    config: AuditConfig, clock: FakeClock, tmp_path: Path
) -> None:
    import shutil

    with AuditLog.open(config, clock=clock) as log:
        log.append_sync(entries(10))
    backup = tmp_path / "backup.db"
    shutil.copy(config.db_path, backup)
    with AuditLog.open(config, clock=clock) as log:
        log.append_sync(entries(10, start=10))
    shutil.copy(backup, config.db_path)  # restore the older copy; the witness remembers
    with pytest.raises(AuditError, match="rolled back or replaced"):
        AuditLog.open(config, clock=clock)


def test_a_torn_witness_line_from_a_crash_is_repaired_on_open(
    config: AuditConfig, clock: FakeClock
) -> None:
    with AuditLog.open(config, clock=clock) as log:
        log.append_sync(entries(10))
    good = config.witness_path.read_text()
    with config.witness_path.open("a") as fh:
        fh.write('{"key_id":"ab')  # the crash hit mid-write
    AuditLog.open(config, clock=clock).close()
    assert config.witness_path.read_text() == good
    assert verify_log(config.db_path, witness_files=[config.witness_path]).entries == 10


async def test_sign_periodically_signs_while_idle_and_stops_at_close(
    config: AuditConfig,
) -> None:
    fast = replace(config, sign_every_s=0.05, sign_every_n=1000)
    log = AuditLog.open(fast)
    task = asyncio.create_task(log.sign_periodically())
    try:
        await log.append(entries(3))
        for _ in range(100):
            head = log.latest_head()
            if head is not None and head.size == 3:
                break
            await asyncio.sleep(0.02)
        head = log.latest_head()
        assert head is not None and head.size == 3
    finally:
        log.close()
        await asyncio.wait_for(task, timeout=2)
    assert task.done() and task.exception() is None


def test_verify_and_a_second_opener_see_consistent_snapshots_while_appending(
    config: AuditConfig,
) -> None:
    import threading

    log = AuditLog.open(replace(config, sign_every_n=7))
    stop = threading.Event()
    errors: list[BaseException] = []

    def writer() -> None:
        i = 0
        try:
            while not stop.is_set():
                log.append_sync(entries(3, start=i))
                i += 3
        except BaseException as exc:  # surfaced below
            errors.append(exc)

    log.append_sync(entries(7))  # the first head, so the witness file exists
    t = threading.Thread(target=writer)
    t.start()
    try:
        for _ in range(5):
            report = verify_log(config.db_path, witness_files=[config.witness_path])
            assert report.entries >= report.latest_head_size
            AuditLog.open(config).close()  # e.g. `bastion audit export` while the agent runs
    finally:
        stop.set()
        t.join()
        log.close()
    assert errors == []
    assert verify_log(config.db_path, witness_files=[config.witness_path]).uncovered == 0


def test_every_head_is_published_as_a_signed_c2sp_checkpoint(
    open_log: OpenLog, config: AuditConfig
) -> None:
    from bastion.tlog.note import NoteVerifier, origin_for, verify_checkpoint

    log = open_log()
    log.append_sync(entries(10))  # sign_every_n = 10: one head
    path = config.witness_path.with_name("checkpoint")
    verifier = NoteVerifier(origin_for(log.log_id), log.public_key)
    first = verify_checkpoint(path.read_text(), verifier)
    assert (first.size, first.root) == (10, log.root())
    log.append_sync(entries(3, start=10))
    log.sign_head()
    second = verify_checkpoint(path.read_text(), verifier)
    assert (second.size, second.root) == (13, log.root())
    assert log.latest_checkpoint() == path.read_text()
    assert not path.with_name("checkpoint.tmp").exists()

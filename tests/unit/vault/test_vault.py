"""The pseudonym vault: consistency, re-identification, sealing, isolation, expiry."""

from __future__ import annotations

import asyncio
import itertools
import shutil
import sqlite3
import threading
from pathlib import Path

import pytest
from hypothesis import HealthCheck, assume, given, settings
from hypothesis import strategies as st

from agent.domain import EntityType
from agent.vault import Vault, key_id, rotate_key
from agent.vault.vault import _PLACEHOLDER
from bastion.crypto import IntegrityError

# Every placeholder these tests could issue: re-identification restores only issued ones.
ISSUED = frozenset(f"<{t.value}_{n}>" for t in EntityType for n in range(1, 40))

KEY = bytes(range(32))
OTHER_KEY = bytes(range(1, 33))
P, EMAIL = EntityType.PERSON, EntityType.EMAIL_ADDRESS


class Clock:
    def __init__(self, now: float = 1_000_000.0) -> None:
        self.now = now

    def __call__(self) -> float:
        return self.now


def test_same_value_same_placeholder_and_types_numbered_separately(tmp_path: Path) -> None:
    p = Vault.open(tmp_path, KEY).for_document("acme", "doc-1")
    assert p.placeholder(P, "Jane Doe") == "<PERSON_1>"
    assert p.placeholder(P, "John Roe") == "<PERSON_2>"
    assert p.placeholder(P, "Jane Doe") == "<PERSON_1>"
    assert p.placeholder(EMAIL, "jane@example.com") == "<EMAIL_ADDRESS_1>"
    assert len(p) == 3


@pytest.mark.parametrize(
    "answer",
    [
        "<PERSON_1>",
        "<Person_1>",
        "PERSON_1",
        "[PERSON 1]",
        "[PERSON_1]",
        "{PERSON_1}",
        "< PERSON_1 >",
        "&lt;PERSON_1&gt;",
        "Person 1",
        "PERSON-1",
        "PERSON\\_1",
        "person_1",
    ],
)
def test_reidentify_restores_forms_models_write(tmp_path: Path, answer: str) -> None:
    p = Vault.open(tmp_path, KEY).for_document("acme", "doc-1")
    p.placeholder(P, "Jane Doe")
    assert p.reidentify(f"Dear {answer}, thanks.", issued=ISSUED) == "Dear Jane Doe, thanks."


def test_reidentify_multiword_types_and_leaves_unknown_alone(tmp_path: Path) -> None:
    p = Vault.open(tmp_path, KEY).for_document("acme", "doc-1")
    p.placeholder(EMAIL, "jane@example.com")
    p.placeholder(P, "Jane Doe")
    text = "Write to [EMAIL ADDRESS 1] or <EmailAddress_1>; <PERSON_2> and <PERSON> stay."
    assert p.reidentify(text, issued=ISSUED) == (
        "Write to jane@example.com or jane@example.com; <PERSON_2> and <PERSON> stay."
    )
    # Unpaired brackets belong to the prose; lower-case prose is not a placeholder.
    assert p.reidentify("(PERSON_1) said", issued=ISSUED) == "(Jane Doe) said"
    assert p.reidentify("each person 1 by 1", issued=ISSUED) == "each person 1 by 1"
    assert p.reidentify("<PERSON_10> PERSON_1a <PERSON:1abcdef0>", issued=ISSUED) == (
        "<PERSON_10> PERSON_1a <PERSON:1abcdef0>"
    )


_DOC_IDS = itertools.count()
_VAULTS: list[Vault] = []


def _shared_vault(factory: pytest.TempPathFactory) -> Vault:
    """One vault for all examples (a fresh document each): examples stay fast."""
    if not _VAULTS:
        _VAULTS.append(Vault.open(factory.mktemp("shared"), KEY))
    return _VAULTS[0]


_VALUES = st.text(
    alphabet=st.characters(blacklist_categories=("Cs",), blacklist_characters="<>[]{}_"),
    min_size=1,
    max_size=20,
)


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(
    parts=st.lists(
        st.tuples(st.sampled_from(list(EntityType)), _VALUES, st.text(max_size=10)),
        min_size=1,
        max_size=8,
    )
)
def test_reidentify_of_pseudonymised_text_is_the_original(
    tmp_path_factory: pytest.TempPathFactory,
    parts: list[tuple[EntityType, str, str]],
) -> None:
    p = _shared_vault(tmp_path_factory).for_document("t", f"d{next(_DOC_IDS)}")
    original = "".join(value + " " + glue for _, value, glue in parts)
    pseudonymised = "".join(p.placeholder(t, value) + " " + glue for t, value, glue in parts)
    # A document that already contains placeholder-like text ("Person 1") cannot be told
    # apart from our placeholders: a documented limitation, excluded here.
    assume(not _PLACEHOLDER.search(original))
    assert p.reidentify(pseudonymised, issued=ISSUED) == original


def test_saved_entries_restore_in_a_new_process(tmp_path: Path) -> None:
    p = Vault.open(tmp_path, KEY).for_document("acme", "doc-1")
    p.placeholder(P, "Jane Doe")
    p.save()
    del p
    q = Vault.open(tmp_path, KEY).for_document("acme", "doc-1")
    assert q.reidentify("<PERSON_1>", issued=ISSUED) == "Jane Doe"
    assert q.placeholder(P, "Jane Doe") == "<PERSON_1>"
    assert q.placeholder(P, "New Person") == "<PERSON_2>"


def test_nothing_readable_on_disk(tmp_path: Path) -> None:
    p = Vault.open(tmp_path, KEY).for_document("acme", "Jane Doe divorce.docx")
    p.placeholder(P, "Jane Doe")
    p.placeholder(EMAIL, "jane@example.com")
    p.save()
    blob = b"".join(f.read_bytes() for f in tmp_path.iterdir())
    for secret in (b"Jane", b"jane@example", b"divorce", b"acme"):
        assert secret not in blob


def test_another_tenant_never_reads_the_entries(tmp_path: Path) -> None:
    vault = Vault.open(tmp_path, KEY)
    p = vault.for_document("acme", "doc-1")
    p.placeholder(P, "Jane Doe")
    p.save()
    other = vault.for_document("globex", "doc-1")
    assert other.reidentify("<PERSON_1>", issued=ISSUED) == "<PERSON_1>"
    assert len(other) == 0


def test_a_tenant_file_copied_under_another_tenant_does_not_open(tmp_path: Path) -> None:
    vault = Vault.open(tmp_path, KEY)
    p = vault.for_document("acme", "doc-1")
    p.placeholder(P, "Jane Doe")
    p.save()
    vault.for_document("globex", "doc-0").save()  # create globex's file
    files = {f.name: f for f in tmp_path.glob("*.vault")}
    acme = next(f for f in files.values() if f.stat().st_size and _has_rows(f))
    globex = next(f for f in files.values() if f != acme)
    shutil.copy(acme, globex)
    with pytest.raises(IntegrityError):
        Vault.open(tmp_path, KEY).for_document("globex", "doc-1")


def _has_rows(path: Path) -> bool:
    with sqlite3.connect(path) as conn:
        return bool(conn.execute("SELECT count(*) FROM pseudonyms").fetchone()[0])


def _tamper(path: Path, sql: str) -> None:
    conn = sqlite3.connect(path)
    conn.execute(sql)
    conn.commit()
    conn.close()


@pytest.mark.parametrize(
    "sql",
    [
        "UPDATE pseudonyms SET sealed ="
        " CAST(substr(sealed, 1, 20) || x'00' || substr(sealed, 22) AS BLOB)",
        "UPDATE pseudonyms SET created_at = created_at + 1",
        "UPDATE pseudonyms SET placeholder = '<PERSON_9>'",
    ],
    ids=["flipped-byte", "extended-expiry", "renamed-placeholder"],
)
def test_tampered_entry_raises_and_restores_nothing(tmp_path: Path, sql: str) -> None:
    p = Vault.open(tmp_path, KEY).for_document("acme", "doc-1")
    p.placeholder(P, "Jane Doe")
    p.save()
    del p
    (path,) = tmp_path.glob("*.vault")
    _tamper(path, sql)
    with pytest.raises(IntegrityError):
        Vault.open(tmp_path, KEY).for_document("acme", "doc-1")


def test_wrong_key_is_refused_with_key_ids(tmp_path: Path) -> None:
    p = Vault.open(tmp_path, KEY).for_document("acme", "doc-1")
    p.placeholder(P, "Jane Doe")
    p.save()
    with pytest.raises(IntegrityError, match=key_id(OTHER_KEY)):
        Vault.open(tmp_path, OTHER_KEY).for_document("acme", "doc-1")


def test_rotation_reseals_under_the_new_key(tmp_path: Path) -> None:
    vault = Vault.open(tmp_path, KEY)
    for tenant in ("acme", "globex"):
        p = vault.for_document(tenant, "doc-1")
        p.placeholder(P, f"Person of {tenant}")
        p.save()
    del vault, p
    assert rotate_key(tmp_path, KEY, OTHER_KEY) == 2
    assert rotate_key(tmp_path, KEY, OTHER_KEY) == 0  # idempotent
    rotated = Vault.open(tmp_path, OTHER_KEY)
    assert (
        rotated.for_document("acme", "doc-1").reidentify("<PERSON_1>", issued=ISSUED)
        == "Person of acme"
    )
    with pytest.raises(IntegrityError):
        Vault.open(tmp_path, KEY).for_document("acme", "doc-1")


def test_entries_expire_after_ttl(tmp_path: Path) -> None:
    clock = Clock()
    vault = Vault.open(tmp_path, KEY, clock=clock, ttl_s=60)
    p = vault.for_document("acme", "doc-1")
    p.placeholder(P, "Jane Doe")
    p.save()
    del p
    clock.now += 61
    fresh = Vault.open(tmp_path, KEY, clock=clock, ttl_s=60)
    assert (
        fresh.for_document("acme", "doc-1").reidentify("<PERSON_1>", issued=ISSUED) == "<PERSON_1>"
    )
    assert fresh.purge_expired() == 1


def test_an_expired_placeholder_can_be_issued_again(tmp_path: Path) -> None:
    clock = Clock()
    p = Vault.open(tmp_path, KEY, clock=clock, ttl_s=60).for_document("acme", "doc-1")
    p.placeholder(P, "Jane Doe")
    p.save()
    del p
    clock.now += 61
    q = Vault.open(tmp_path, KEY, clock=clock, ttl_s=60).for_document("acme", "doc-1")
    assert q.placeholder(P, "John Roe") == "<PERSON_1>"
    q.save()  # the expired row goes, no conflict
    del q
    r = Vault.open(tmp_path, KEY, clock=clock, ttl_s=60).for_document("acme", "doc-1")
    assert r.reidentify("<PERSON_1>", issued=ISSUED) == "John Roe"


def test_bad_key_and_ttl_are_refused(tmp_path: Path) -> None:
    with pytest.raises(IntegrityError):
        Vault.open(tmp_path, b"short")
    with pytest.raises(ValueError):
        Vault.open(tmp_path, KEY, ttl_s=0)


def test_concurrent_threads_agree_on_placeholders(tmp_path: Path) -> None:
    vault = Vault.open(tmp_path, KEY)
    names = [f"Person {i}" for i in range(40)]
    results: dict[int, dict[str, str]] = {}

    def worker(n: int) -> None:
        p = vault.for_document("acme", "doc-1")
        results[n] = {name: p.placeholder(P, name) for name in names[n % 7 :] + names[: n % 7]}
        p.save()

    threads = [threading.Thread(target=worker, args=(n,)) for n in range(8)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    first = results[0]
    assert all(r == first for r in results.values())
    assert sorted(first.values()) == sorted(f"<PERSON_{i}>" for i in range(1, 41))
    reloaded = Vault.open(tmp_path, KEY).for_document("acme", "doc-1")
    assert len(reloaded) == 40


async def test_concurrent_asyncio_tasks_share_one_document(tmp_path: Path) -> None:
    vault = Vault.open(tmp_path, KEY)

    async def request(name: str) -> str:
        p = vault.for_document("acme", "doc-1")
        placeholder = p.placeholder(P, name)
        await asyncio.sleep(0)
        await asyncio.to_thread(p.save)
        return placeholder

    got = await asyncio.gather(*(request(n) for n in ["A Person", "B Person", "A Person"]))
    assert got[0] == got[2] != got[1]


_TENANTS = st.text(alphabet="abcdefghijklmnopqrstuvwxyz-", min_size=1, max_size=12)


@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(
    owner=_TENANTS,
    other=_TENANTS,
    values=st.lists(st.text(alphabet="ABCDEFGH abcdefgh", min_size=1), min_size=1, max_size=5),
)
def test_no_tenant_ever_restores_another_tenants_placeholders(
    tmp_path_factory: pytest.TempPathFactory, owner: str, other: str, values: list[str]
) -> None:
    assume(owner != other)
    vault = _shared_vault(tmp_path_factory)
    document = f"doc{next(_DOC_IDS)}"
    mine = vault.for_document(owner, document)
    answer = " ".join(mine.placeholder(P, v) for v in values)
    mine.save()
    theirs = vault.for_document(other, document)
    assert theirs.reidentify(answer, issued=ISSUED) == answer
    assert (
        Vault.open(vault.directory, KEY)
        .for_document(other, document)
        .reidentify(answer, issued=ISSUED)
        == answer
    )


def test_only_placeholders_issued_for_this_request_are_restored(tmp_path: Path) -> None:
    """The re-identification oracle: a second caller of the same tenant sends only
    placeholder-shaped text under the same document id and must get it back unchanged."""
    vault = Vault.open(tmp_path, KEY)
    first = vault.for_document("acme", "doc-1")
    first.placeholder(P, "Jane Doe")
    first.placeholder(EMAIL, "jane@example.com")
    first.save()
    second = vault.for_document("acme", "doc-1")
    probe = "<PERSON_1> (<EMAIL_ADDRESS_1>)"
    assert second.reidentify(probe, issued=frozenset()) == probe
    assert second.reidentify(probe, issued={"<PERSON_1>"}) == "Jane Doe (<EMAIL_ADDRESS_1>)"
    assert second.reidentify("[person 1]", issued={"<EMAIL_ADDRESS_1>"}) == "[person 1]"

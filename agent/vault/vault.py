"""Pseudonyms per document, kept in a per-tenant sealed vault and restored locally.

Within one document the same (type, value) always gets the same placeholder
(``<PERSON_1>``), so the cloud models can still tell people apart; the mapping never
leaves this machine. ``reidentify(text, issued=...)`` restores the placeholders in a
model's answer, including the forms models write back (``<Person_1>``, ``PERSON_1``,
``[PERSON 1]``, ``{EMAIL ADDRESS 2}``, ``&lt;PERSON_1&gt;``), but only those in ``issued``:
the placeholders this request itself wrote into what it sent. Anything else
placeholder-shaped - another request's placeholder, or one a caller typed to ask the
vault what it stands for - is left as it is.

Concurrency: ``Vault.for_document`` hands every caller in this process the same
``DocumentPseudonyms`` object for a (tenant, document) while it is in use, and that
object locks, so concurrent requests (threads or asyncio tasks) agree on the numbering.
One agent process should own a vault directory; a second process allocating the same
placeholder differently makes ``save`` raise ``IntegrityError`` rather than overwrite.
"""

from __future__ import annotations

import re
import threading
import time
import weakref
from collections.abc import Collection
from pathlib import Path

from agent.domain import EntityType
from agent.vault.store import Clock, Entry, TenantFile, check_key, key_id

DEFAULT_TTL_S = 86_400.0

_PAIRS = {"<": ">", "[": "]", "{": "}", "&lt;": "&gt;"}


def _type_pattern(t: EntityType) -> str:
    return r"[ _\-]?".join(re.escape(word) for word in t.value.split("_"))


_TYPES_BY_KEY = {re.sub(r"[ _\-]", "", t.value).upper(): t for t in EntityType}
_PLACEHOLDER = re.compile(
    r"(?:(?P<open>&lt;|[<\[{])\s?)?"
    r"(?<![A-Za-z0-9])(?P<type>" + "|".join(_type_pattern(t) for t in EntityType) + r")"
    r"(?P<sep>\\?_|[ \-#])?(?P<num>\d{1,6})(?![0-9A-Za-z])"
    r"(?:\s?(?P<close>&gt;|[>\]}]))?",
    re.IGNORECASE,
)


class DocumentPseudonyms:
    """The placeholders of one document of one tenant. Obtain via ``Vault.for_document``."""

    def __init__(
        self, store: TenantFile, document: str, entries: list[Entry], ttl_s: float, clock: Clock
    ) -> None:
        self._store = store
        self._document = document
        self._ttl_s = ttl_s
        self._clock = clock
        self._lock = threading.RLock()
        self._by_value: dict[tuple[EntityType, str], Entry] = {}
        self._by_index: dict[tuple[EntityType, int], Entry] = {}
        self._counters: dict[EntityType, int] = {}
        self._unsaved: list[Entry] = []
        for entry in entries:
            self._remember(entry)

    def _remember(self, entry: Entry) -> None:
        self._by_value[(entry.type, entry.value)] = entry
        self._by_index[(entry.type, entry.index)] = entry
        self._counters[entry.type] = max(self._counters.get(entry.type, 0), entry.index)

    def __len__(self) -> int:
        return len(self._by_index)

    def placeholder(self, entity_type: EntityType, value: str) -> str:
        """``<TYPE_n>`` for ``value``; the same value always gets the same placeholder."""
        if not value:
            raise ValueError("cannot pseudonymise an empty value")
        with self._lock:
            entry = self._by_value.get((entity_type, value))
            if entry is None:
                entry = Entry(entity_type, self._counters.get(entity_type, 0) + 1, value)
                self._remember(entry)
                self._unsaved.append(entry)
            return entry.placeholder

    def reidentify(self, text: str, *, issued: Collection[str]) -> str:
        """Restore the placeholders in ``issued`` (exact ``<TYPE_n>`` strings this request
        wrote), in the forms models write; nothing else."""
        with self._lock:
            known = {
                key: entry for key, entry in self._by_index.items() if entry.placeholder in issued
            }
        if not known:
            return text
        return _PLACEHOLDER.sub(lambda m: _restore(m, known), text)

    def save(self) -> None:
        """Persist new placeholders (sealed) in one transaction; drop expired entries."""
        with self._lock:
            pending = list(self._unsaved)
            now = self._clock()
            self._store.store(self._document, pending, now - self._ttl_s)
            del self._unsaved[: len(pending)]


def _restore(match: re.Match[str], known: dict[tuple[EntityType, int], Entry]) -> str:
    key = re.sub(r"[ _\-]", "", match["type"]).upper()
    entity_type = _TYPES_BY_KEY.get(key)
    entry = known.get((entity_type, int(match["num"]))) if entity_type else None
    if entry is None:
        return match[0]
    opened, closed = match["open"], match["close"]
    if opened and closed and _PAIRS.get(opened.lower()) == closed.lower():
        return entry.value
    if match["type"].islower() and "_" not in (match["sep"] or ""):
        return match[0]  # "person 1" in running prose is not a placeholder
    # Unpaired brackets belong to the surrounding text: keep them.
    return (opened or "") + entry.value + (closed or "")


class Vault:
    """Per-tenant pseudonym vaults under one directory, sealed with one master key."""

    def __init__(self, directory: Path, key: bytes, clock: Clock, ttl_s: float) -> None:
        self.directory = directory
        self._key = key
        self._clock = clock
        self._ttl_s = ttl_s
        self._lock = threading.Lock()
        self._tenants: dict[str, TenantFile] = {}
        self._open_docs: weakref.WeakValueDictionary[tuple[str, str], DocumentPseudonyms] = (
            weakref.WeakValueDictionary()
        )

    @classmethod
    def open(
        cls, directory: Path, key: bytes, clock: Clock = time.time, ttl_s: float = DEFAULT_TTL_S
    ) -> Vault:
        if ttl_s <= 0:
            raise ValueError("ttl_s must be positive")
        check_key(key)
        directory.mkdir(parents=True, exist_ok=True, mode=0o700)
        return cls(directory, key, clock, ttl_s)

    @property
    def key_id(self) -> str:
        return key_id(self._key)

    def _tenant(self, tenant: str) -> TenantFile:
        with self._lock:
            store = self._tenants.get(tenant)
            if store is None:
                store = TenantFile(self.directory, self._key, tenant, self._clock)
                self._tenants[tenant] = store
            return store

    def for_document(self, tenant: str, document_id: str) -> DocumentPseudonyms:
        """The pseudonyms of one document, loaded from the tenant's vault if present.

        Raises ``IntegrityError`` (nothing restored) if any stored entry fails to open.
        """
        if not tenant:
            raise ValueError("tenant must not be empty")
        store = self._tenant(tenant)
        with self._lock:
            current = self._open_docs.get((tenant, document_id))
            if current is not None:
                return current
        document = store.document_key(document_id)
        entries = store.load(document, self._clock() - self._ttl_s)
        with self._lock:
            current = self._open_docs.get((tenant, document_id))
            if current is None:
                current = DocumentPseudonyms(store, document, entries, self._ttl_s, self._clock)
                self._open_docs[(tenant, document_id)] = current
            return current

    def purge_expired(self) -> int:
        """Delete expired entries of every tenant this process has opened."""
        with self._lock:
            stores = list(self._tenants.values())
        cutoff = self._clock() - self._ttl_s
        return sum(store.purge(cutoff) for store in stores)

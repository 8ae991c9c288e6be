"""The pseudonym vault: per-tenant, per-document placeholders, AES-GCM sealed at rest.

``Vault.open(directory, key)`` -> ``vault.for_document(tenant, document_id)`` ->
``DocumentPseudonyms.placeholder / reidentify / save``. ``rotate_key`` re-seals a vault
directory with a new key. The vault is local state: nothing in it is ever sent.
"""

from agent.vault.store import key_id, rotate_key
from agent.vault.vault import DEFAULT_TTL_S, DocumentPseudonyms, Vault

__all__ = ["DEFAULT_TTL_S", "DocumentPseudonyms", "Vault", "key_id", "rotate_key"]

"""What the egress re-check reports: ``Finding`` (one rule's hit, never the value).

The re-check is built from two parts that share no code with detection
(``agent/recognize``, ``agent/detect``, ``agent/classify``, ``agent/redact``; a test
parses this package's imports to keep it so):

- ``IndependentScanner().scan(text) -> list[Finding]`` (``scanner.py``): simple rules
  with check digits, run on the exact outbound text;
- ``KnownValues.build([(type, value), ...]).find(text) -> list[Finding]``
  (``values.py``): every value detected anywhere in the document, in normalised forms.

``EgressChecker`` (``checker.py``) runs both over the serialized request and turns
findings into value-free ``EgressViolation``s.
"""

from __future__ import annotations

from dataclasses import dataclass

from agent.domain import EntityType


@dataclass(frozen=True, slots=True)
class Finding:
    """One hit: ``[start, end)`` in the scanned text (code points), the entity type, the
    rule that fired (``luhn``, ``iban_mod97``, ``known:compact`` ...) and, for a known
    value, its index in the list ``KnownValues`` was built from (``-1`` otherwise).
    ``entity_type`` is ``None`` only for a known value given without a type. Never the
    value itself: findings are logged and audited."""

    entity_type: EntityType | None
    start: int
    end: int
    rule: str
    value_index: int = -1

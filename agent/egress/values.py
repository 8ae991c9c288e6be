"""``KnownValues``: every value detected anywhere in the document, found again in the
outbound text in the forms it may take there.

    known = KnownValues.build([(EntityType.PERSON, "Jane Doe"), (EntityType.IBAN_CODE, ...)])
    known.find(text) -> list[Finding]      # offsets into text, never the value

Both the values and the text go through the fold of ``fold.py`` (escapes decoded,
invisible characters dropped, NFKD, other-script digits and look-alike letters folded),
and are then compared **compact**: lower-cased, with everything but letters and digits
removed. So one form covers case (``JANE DOE``), whitespace collapsed or removed
(``Jane   Doe``, ``JaneDoe``), hyphen and dot variants (``Jane-Doe``, ``jane.doe@``),
separators in numbers (``4111-1111 1111.1111``), full-width and zero-width disguises,
Cyrillic look-alikes, ``\\u004a``/``%4A``/``&#74;`` escapes.

A compact match counts only at a word edge of the folded text: a value starting with a
letter must not follow a letter, one starting with a digit must not follow a digit (and
the same at its end). ``Mark`` is not found in ``market``; ``4111111111111111`` is found
in ``refunds_4111111111111111.csv``.

Further forms:
- PERSON values of 2-5 words: every rotation of the words (``Doe, Jane``, ``Doe Jane``,
  ``van der Berg Sophie``) and the first initial with the last word, either order
  (``J. Doe``, ``Doe J``). A surname or first name alone is not derived (``Smith`` or
  ``Jordan`` alone would block ordinary words); if detection found it as a mention, it
  is a value of its own.
- base64 (standard and URL-safe) of the value's UTF-8 bytes, at each of the 3 byte
  alignments it can have inside a longer encoded string, matched case-sensitively on the
  text with whitespace removed (line-wrapped base64); only encoded forms of 8+
  characters (shorter ones occur by chance in any base64 blob).

Values whose compact form is shorter than ``MIN_CHARS`` (4) are ignored: ``Al``, ``Jo``
or ``12`` would match everywhere. Matching is one Aho-Corasick pass per view
(``pyahocorasick``): linear in the text, whatever the number of values.
"""

from __future__ import annotations

import base64
import re
from collections.abc import Iterable
from dataclasses import dataclass

import ahocorasick

from agent.domain import EntityType
from agent.egress.base import Finding
from agent.egress.fold import Folded, lower_same_length

MIN_CHARS = 4
MIN_BASE64_CHARS = 8
MAX_FINDINGS = 10_000
MAX_NAME_WORDS = 5

_ALNUM = re.compile(r"[^\W_]+")
_NOT_SPACE = re.compile(r"\S+")


@dataclass(frozen=True, slots=True)
class _Needle:
    value_index: int
    length: int
    rule: str
    edges: bool  # checked at word edges of the folded text


class KnownValues:
    """An immutable set of values to find; build once per request, ``find`` per payload."""

    def __init__(
        self,
        types: list[EntityType | None],
        compact: dict[str, list[_Needle]],
        encoded: dict[str, list[_Needle]],
        ignored: int,
    ) -> None:
        self._types = types
        self._compact = _automaton(compact)
        self._encoded = _automaton(encoded)
        #: how many values were too short to search (after normalisation)
        self.ignored = ignored
        self._searchable = len(types) - ignored

    @classmethod
    def build(
        cls, values: Iterable[tuple[EntityType | None, str]], *, min_chars: int = MIN_CHARS
    ) -> KnownValues:
        """From ``(entity type or None, value)`` pairs; the index of a pair in this
        sequence is the ``value_index`` of its findings."""
        types: list[EntityType | None] = []
        compact: dict[str, list[_Needle]] = {}
        encoded: dict[str, list[_Needle]] = {}
        ignored = 0
        for index, (entity_type, value) in enumerate(values):
            if entity_type is not None and not isinstance(entity_type, EntityType):
                raise TypeError("known value types must be EntityType or None")
            if not isinstance(value, str):
                raise TypeError("known values must be strings")
            types.append(entity_type)
            forms = _compact_forms(entity_type, value)
            if len(forms.get("known:compact", "")) < min_chars:
                ignored += 1
                continue
            for rule, form in forms.items():
                if len(form) >= min_chars:
                    compact.setdefault(form, []).append(_Needle(index, len(form), rule, True))
            for form in _base64_forms(value):
                encoded.setdefault(form, []).append(
                    _Needle(index, len(form), "known:base64", False)
                )
        return cls(types, compact, encoded, ignored)

    def __len__(self) -> int:
        """How many values are searched for."""
        return self._searchable

    def find(self, text: str) -> list[Finding]:
        return self.find_folded(Folded.of(text))

    def find_folded(self, view: Folded) -> list[Finding]:
        """``find`` on a view already folded (the checker folds once for both parts)."""
        if not self._searchable:
            return []
        found: dict[tuple[int, int], Finding] = {}
        if len(self._compact):
            compact = view.keep(_ALNUM, lower=True)
            self._search(self._compact, compact, view.text, found)
        if len(self._encoded) and len(found) < MAX_FINDINGS:
            self._search(self._encoded, view.keep(_NOT_SPACE), view.text, found)
        return sorted(found.values(), key=lambda f: (f.start, f.value_index))[:MAX_FINDINGS]

    def _search(
        self,
        automaton: ahocorasick.Automaton,
        sub: Folded,
        folded: str,
        found: dict[tuple[int, int], Finding],
    ) -> None:
        index = sub.parent_index
        assert index is not None  # (made by keep)
        for last, needles in automaton.iter(sub.text):
            for n in needles:
                first = last - n.length + 1
                if n.edges and not _at_edges(folded, index[first], index[last]):
                    continue
                start, end = sub.span(first, last + 1)
                key = (n.value_index, start)
                if key not in found:
                    found[key] = Finding(self._types[n.value_index], start, end, n.rule, key[0])
                    if len(found) >= MAX_FINDINGS:
                        return


def _automaton(needles: dict[str, list[_Needle]]) -> ahocorasick.Automaton:
    automaton = ahocorasick.Automaton()
    for key, entries in needles.items():
        automaton.add_word(key, tuple(entries))
    if needles:
        automaton.make_automaton()
    return automaton


def _same_class(a: str, b: str) -> bool:
    return (a.isalpha() and b.isalpha()) or (a.isdigit() and b.isdigit())


def _at_edges(folded: str, first: int, last: int) -> bool:
    """The match ``folded[first..last]`` neither continues a word of its first
    character's class before it nor one of its last character's class after it."""
    if first > 0 and _same_class(folded[first - 1], folded[first]):
        return False
    return not (last + 1 < len(folded) and _same_class(folded[last + 1], folded[last]))


def _compact(text: str) -> str:
    """``Folded.of(text).keep(_ALNUM, lower=True).text``, without the offset maps."""
    return lower_same_length("".join(_ALNUM.findall(Folded.fold_text(text))))


def _compact_forms(entity_type: EntityType | None, value: str) -> dict[str, str]:
    """Rule name -> compact form. ``known:compact`` is the value itself."""
    forms = {"known:compact": _compact(value)}
    if entity_type is not EntityType.PERSON:
        return forms
    words = [lower_same_length(w) for w in _ALNUM.findall(Folded.fold_text(value))]
    if not 2 <= len(words) <= MAX_NAME_WORDS:
        return forms
    for k in range(1, len(words)):
        forms[f"known:name_order_{k}"] = "".join(words[k:] + words[:k])
    first, last = words[0], words[-1]
    if len(first) > 1:  # (a name already written with an initial is its own form)
        forms["known:initial_first"] = first[0] + last
        forms["known:initial_last"] = last + first[0]
    return forms


def _base64_forms(value: str) -> set[str]:
    """The characters of base64(value) that do not depend on its neighbours, at each
    of the three byte alignments, standard and URL-safe alphabets."""
    raw = value.strip().encode("utf-8")
    forms: set[str] = set()
    for align in range(3):
        encoded = base64.b64encode(b"\0" * align + raw).decode("ascii")
        first = -(-8 * align // 6)  # the first character holding only the value's bits
        last = 8 * (align + len(raw)) // 6
        form = encoded[first:last]
        if len(form) >= MIN_BASE64_CHARS:
            forms.add(form)
            forms.add(form.replace("+", "-").replace("/", "_"))
    return forms

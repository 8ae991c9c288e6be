"""``IndependentScanner``: a second, deliberately simple scanner for the egress re-check.

It shares no code with detection, so that one blind spot cannot hide a value twice. It
runs on the folded view of ``fold.py`` (escapes decoded, invisible characters dropped,
full-width and other-script digits and look-alike letters folded) and reports findings at
the original offsets. Every rule is linear in the text: each rule either runs one regex
pass without nested repetition, or does bounded work per candidate.

Rules (rule name -> entity type):

- ``luhn`` (CREDIT_CARD): any run of digits, groups separated by one space, hyphen or
  dot, whatever surrounds it (``refunds_4111111111111111.csv``, ``x4111...y``). Inside a
  run every stretch of whole groups holding 13-19 digits is a candidate if its
  separators are all the same (``4111 1111 1111 1111``) or its groups are 4 digits but
  the last (``4111-1111 1111.1111``); a candidate that passes Luhn and is not one digit
  repeated is a finding. Digits inside a longer group (``004111111111111111``, 18 digits
  with no break) are not cut out: a number of 20+ digits is another identifier. Line
  breaks do not join groups (a column of numbers would become one run). Candidates
  inside a mod-97-valid IBAN are its account number, reported as the IBAN.
- ``iban_mod97`` (IBAN_CODE): an upper-case country code of the registry, two check
  digits, then exactly that country's length of letters and digits (single spaces or
  hyphens between any of them), mod 97 = 1.
- ``us_ssn`` (US_SSN): ``AAA-GG-SSSS`` or ``AAA GG SSSS`` (one separator, the same
  twice), area 001-899 but not 666, group not 00, serial not 0000; nine bare digits only
  right after ``SSN`` / ``social security (number|no)``.
- ``nhs_mod11`` (UK_NHS): ten digits as ``3 3 4`` (spaces or hyphens) or unbroken, not
  part of a longer digit run, mod-11 check digit, not one digit repeated.
- ``nino`` (UK_NINO): two prefix letters (not D F I Q U V; second not O; not BG GB KN NK
  NT TN ZZ), six digits (optionally in spaced pairs), suffix A-D.
- ``email`` (EMAIL_ADDRESS): ``local@domain.tld``, also with ``[at]`` ``(at)`` ``{at}``
  ``<at>`` ``(a)`` ``[@]`` and ``[dot]`` ``(dot)`` in several languages (at: at, arroba,
  arobase, chiocciola, klammeraffe, apenstaartje, malpa; dot: dot, punkt, point, punto,
  punt, ponto, kropka, piste), and the bare words (``jane at example dot com``) when the
  domain has at least one written-out dot: ``look at example.com`` is prose.
- ``private_key`` (SECRET): a ``-----BEGIN ... PRIVATE KEY-----`` block (to its END line,
  or the header alone).
- ``jwt`` (SECRET): ``eyJ<base64url>.eyJ<base64url>.<signature>``.
- ``high_entropy`` (SECRET): a token of 20+ characters of ``[A-Za-z0-9+/_-]`` (``=``
  padding allowed) whose character entropy is at least what random tokens of its length
  reach (see ``_entropy_floor``; calibrated on the project's documents, generated
  sections and realistic keys, docs/benchmarks.md). UUIDs (8-4-4-4-12 hex) are exempt;
  hex tokens of 32+ characters are findings, git commit ids and SHA-256 digests
  included: docs/policy.md says why.

The scanner knows nothing of placeholders or of what the policy allows: it reports every
hit, and the caller filters by type and by the spans it wrote itself.
"""

from __future__ import annotations

import itertools
import math
import re
from bisect import bisect_right
from collections.abc import Iterator
from dataclasses import dataclass

from agent.domain import EntityType
from agent.egress.base import Finding
from agent.egress.fold import Folded

CARD, IBAN, SSN = EntityType.CREDIT_CARD, EntityType.IBAN_CODE, EntityType.US_SSN
NHS, NINO, EMAIL, SECRET = (
    EntityType.UK_NHS,
    EntityType.UK_NINO,
    EntityType.EMAIL_ADDRESS,
    EntityType.SECRET,
)

# -- cards ------------------------------------------------------------------------------
_DIGIT_RUN = re.compile(r"[0-9]+(?:[ .\-][0-9]+)*")
_GROUP = re.compile(r"[0-9]+")
_CARD_MIN, _CARD_MAX = 13, 19
_DOUBLED = (0, 2, 4, 6, 8, 1, 3, 5, 7, 9)  # Luhn: 2d, minus 9 when two digits

# -- IBAN: the length of each country's IBAN (SWIFT IBAN registry) -----------------------
IBAN_LENGTHS: dict[str, int] = {
    "AD": 24, "AE": 23, "AL": 28, "AT": 20, "AZ": 28, "BA": 20, "BE": 16, "BG": 22,
    "BH": 22, "BR": 29, "BY": 28, "CH": 21, "CR": 22, "CY": 28, "CZ": 24, "DE": 22,
    "DK": 18, "DO": 28, "EE": 20, "EG": 29, "ES": 24, "FI": 18, "FO": 18, "FR": 27,
    "GB": 22, "GE": 22, "GI": 23, "GL": 18, "GR": 27, "GT": 28, "HR": 21, "HU": 28,
    "IE": 22, "IL": 23, "IQ": 23, "IS": 26, "IT": 27, "JO": 30, "KW": 30, "KZ": 20,
    "LB": 28, "LC": 32, "LI": 21, "LT": 20, "LU": 20, "LV": 21, "LY": 25, "MC": 27,
    "MD": 24, "ME": 22, "MK": 19, "MR": 27, "MT": 31, "MU": 30, "NL": 18, "NO": 15,
    "PK": 24, "PL": 28, "PS": 29, "PT": 25, "QA": 29, "RO": 24, "RS": 22, "RU": 33,
    "SA": 24, "SC": 31, "SD": 18, "SE": 24, "SI": 19, "SK": 24, "SM": 27, "ST": 25,
    "SV": 28, "TL": 23, "TN": 24, "TR": 26, "UA": 29, "VA": 22, "VG": 24, "XK": 20,
}  # fmt: skip
_IBAN_START = re.compile(r"(?=([A-Z]{2})[0-9]{2})")
_IBAN_BODY = {
    n: re.compile(rf"(?:[ \-]?[A-Za-z0-9]){{{n - 4}}}") for n in set(IBAN_LENGTHS.values())
}
_IBAN_DIGITS = str.maketrans({c: str(10 + i) for i, c in enumerate("ABCDEFGHIJKLMNOPQRSTUVWXYZ")})

# -- government numbers ----------------------------------------------------------------
_SSN = re.compile(r"(?<![0-9])([0-9]{3})([ \-])([0-9]{2})\2([0-9]{4})(?![0-9])")
_SSN_LABELLED = re.compile(
    r"(?i:\bssn|social[ \t]+security(?:[ \t]+(?:number|no\.?))?)[ \t]*(?:[:#=][ \t]*)?"
    r"([0-9]{9})(?![0-9])"
)
_NHS = re.compile(
    r"(?<![0-9])(?<![0-9][ \-.])([0-9]{3})([ \-]?)([0-9]{3})\2([0-9]{4})(?![0-9])(?![ \-.][0-9])"
)
_NINO = re.compile(
    r"(?<![A-Za-z0-9])([A-CEGHJ-PR-TW-Z][A-CEGHJ-NPR-TW-Z])"
    r" ?([0-9]{2}) ?([0-9]{2}) ?([0-9]{2}) ?[A-D](?![A-Za-z0-9])",
    re.IGNORECASE,
)
_NINO_BAD_PREFIXES = frozenset({"BG", "GB", "KN", "NK", "NT", "TN", "ZZ"})

# -- e-mail ----------------------------------------------------------------------------
_AT_WORDS = "at|arroba|arobase|chiocciola|klammeraffe|apenstaartje|malpa"
_DOT_WORDS = "dot|punkt|point|punto|punt|ponto|kropka|piste"
# A bracketed form is matched from its bracket (spaces around it are added after the
# match: a pattern starting with [ \t]* would retry a long run of spaces from every
# position in it); a bare word only right after a letter or digit.
_OBFUSCATED = re.compile(
    r"[\[\(\{<][ \t]*(?:(?P<bat>@|a|" + _AT_WORDS + r")|(?P<bdot>\.|" + _DOT_WORDS + r"))"
    r"[ \t]*[\]\)\}>]"
    r"|(?<=[A-Za-z0-9])[ \t]+(?:(?P<wat>" + _AT_WORDS + r")|(?P<wdot>" + _DOT_WORDS + r"))"
    r"[ \t]+(?=[A-Za-z0-9])",
    re.IGNORECASE,
)
_LOCAL_CHARS = frozenset("abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789._%+-'")
_DOMAIN = re.compile(r"[A-Za-z0-9\-]+(?:\.[A-Za-z0-9\-]+)+")
_TLD = re.compile(r"[A-Za-z]{2,24}")
_MAX_LOCAL = 64

# -- secrets ---------------------------------------------------------------------------
_PEM_BEGIN = re.compile(r"(?<!-)-{3,}[ \t]*BEGIN[ A-Z0-9]{0,40}PRIVATE KEY(?: BLOCK)?[ \t]*-{3,}")
_PEM_END = re.compile(r"(?<!-)-{3,}[ \t]*END[ A-Z0-9]{0,40}PRIVATE KEY(?: BLOCK)?[ \t]*-{3,}")
# from the start of a token only, without backtracking (possessive): "eyJeyJeyJ..." must
# not be retried from every "eyJ" inside one long run
_JWT = re.compile(
    r"(?<![A-Za-z0-9_\-])eyJ[A-Za-z0-9_\-]{8,}+\.eyJ[A-Za-z0-9_\-]{8,}+\.[A-Za-z0-9_\-]*+"
)
_TOKEN = re.compile(r"[A-Za-z0-9+/_\-]{20,}={0,2}")
_UUID = re.compile(r"[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}")
_HEX = re.compile(r"[0-9a-fA-F]+")
# keys whose issuer prefix says what they are (their random part may be short or
# digit-heavy: AWS key ids, Slack tokens)
_PREFIXED = re.compile(
    r"(?<![A-Za-z0-9])(?:(?:AKIA|ASIA|AGPA|AIDA|AROA|ANPA|ANVA|AIPA)[A-Z2-7]{16}"
    r"|xox[abprse]-[0-9A-Za-z\-]{10,}|gh[pousr]_[A-Za-z0-9]{36}|github_pat_[A-Za-z0-9_]{60,}"
    r"|[rs]k_(?:live|test)_[A-Za-z0-9]{16,}|AIza[0-9A-Za-z_\-]{35}|glpat-[0-9A-Za-z_\-]{20})"
)
# a hex token right after one of these words on its line is a digest, not a secret
# (git commit ids, SHA-256 checksums, build refs), unless a secret word is there too
_DIGEST_WORDS = re.compile(
    r"commit|sha|hash|digest|checksum|revision|\brev\b|revert|merge|cherry|fingerprint"
    r"|etag|md5|\bgit\b|build|ref\b",
    re.IGNORECASE,
)
_SECRET_WORDS = re.compile(r"key|token|secret|passw|pwd|auth|credential|private|signing", re.I)
_CONTEXT = 32
MIN_TOKEN = 20
MIN_HEX_TOKEN = 32
#: random base64/alphanumeric tokens reach at least this share of the entropy that
#: ``_entropy_floor`` expects for their length (calibrated, docs/benchmarks.md)
ENTROPY_SHARE = 0.85
#: ... and switch between lower case, upper case, digits and symbols at least this often
#: (random base62 switches at ~0.6 of positions; camelCase identifiers and paths at ~0.2)
MIN_SWITCH_RATE = 0.38
MAX_FINDINGS = 10_000


@dataclass(frozen=True, slots=True)
class _Hit:
    entity_type: EntityType
    start: int  # folded offsets
    end: int
    rule: str


class IndependentScanner:
    """``scan(text) -> list[Finding]``: every rule over the folded text, findings at the
    original offsets, sorted, overlapping hits of one type merged. Stateless and safe to
    share between threads."""

    def scan(self, text: str) -> list[Finding]:
        return self.scan_folded(Folded.of(text))

    def scan_folded(self, view: Folded) -> list[Finding]:
        """``scan`` on a view already folded (the checker folds once for both parts)."""
        text = view.text
        hits: list[_Hit] = []
        ibans = list(_ibans(text))
        hits += ibans
        hits += _cards(text, [(h.start, h.end) for h in ibans])
        for rule in (_ssns, _nhs_numbers, _ninos, _emails, _private_keys, _tokens):
            hits += rule(text)
            if len(hits) > MAX_FINDINGS:
                break
        return _merge(view, hits)


def _merge(view: Folded, hits: list[_Hit]) -> list[Finding]:
    out: list[Finding] = []
    last_end: dict[EntityType, int] = {}
    last_index: dict[EntityType, int] = {}
    for h in sorted(hits, key=lambda h: (h.start, -h.end)):
        if h.start < last_end.get(h.entity_type, -1):
            i = last_index[h.entity_type]
            if h.end > last_end[h.entity_type]:
                last_end[h.entity_type] = h.end
                prev = out[i]
                out[i] = Finding(
                    prev.entity_type, prev.start, view.span(h.start, h.end)[1], prev.rule
                )
            continue
        start, end = view.span(h.start, h.end)
        last_end[h.entity_type], last_index[h.entity_type] = h.end, len(out)
        out.append(Finding(h.entity_type, start, end, h.rule))
    return out[:MAX_FINDINGS]


# -- cards ------------------------------------------------------------------------------
def luhn_valid(digits: str) -> bool:
    """The Luhn check (for tests and callers; the scanner uses prefix sums)."""
    total = 0
    for i, ch in enumerate(reversed(digits)):
        d = ord(ch) - 48
        total += _DOUBLED[d] if i % 2 else d
    return total % 10 == 0


def _cards(text: str, inside: list[tuple[int, int]]) -> Iterator[_Hit]:
    iban_starts = [s for s, _ in inside]
    for run in _DIGIT_RUN.finditer(text):
        if run.end() - run.start() < _CARD_MIN:
            continue
        groups = [(g.start(), g.end()) for g in _GROUP.finditer(text, run.start(), run.end())]
        digits = "".join(text[s:e] for s, e in groups)
        if len(digits) < _CARD_MIN:
            continue
        # prefix sums with even positions doubled (p0) and with odd ones doubled (p1):
        # the Luhn sum of digits[a:b] doubles the positions of the other parity than b - 1
        p0, p1 = [0], [0]
        for i, ch in enumerate(digits):
            d = ord(ch) - 48
            p0.append(p0[-1] + (_DOUBLED[d] if i % 2 == 0 else d))
            p1.append(p1[-1] + (d if i % 2 == 0 else _DOUBLED[d]))
        first = [0]
        for s, e in groups:
            first.append(first[-1] + e - s)
        for i in range(len(groups)):
            same_sep = four = True
            for j in range(i, len(groups)):
                a, b = first[i], first[j + 1]
                if b - a > _CARD_MAX:
                    break
                if j > i:
                    same_sep = same_sep and text[groups[j][0] - 1] == text[groups[i][1]]
                    four = four and first[j] - first[j - 1] == 4
                if b - a < _CARD_MIN or not (same_sep or four):
                    continue
                sums = p0 if (b - 1) % 2 == 1 else p1
                if (sums[b] - sums[a]) % 10 or digits[a:b].count(digits[a]) == b - a:
                    continue
                start, end = groups[i][0], groups[j][1]
                k = bisect_right(iban_starts, start) - 1
                if k >= 0 and inside[k][1] >= end:
                    continue  # the account number inside an IBAN
                yield _Hit(CARD, start, end, "luhn")


# -- IBAN -------------------------------------------------------------------------------
def iban_valid(compact: str) -> bool:
    """Mod 97 of an IBAN without separators (any case)."""
    upper = compact.upper()
    rearranged = (upper[4:] + upper[:4]).translate(_IBAN_DIGITS)
    return rearranged.isdigit() and int(rearranged) % 97 == 1


def _ibans(text: str) -> Iterator[_Hit]:
    for m in _IBAN_START.finditer(text):
        length = IBAN_LENGTHS.get(m.group(1))
        if length is None:
            continue
        start = m.start()
        body = _IBAN_BODY[length].match(text, start + 4)
        if body is None:
            continue
        compact = text[start : start + 4] + body.group().replace(" ", "").replace("-", "")
        if iban_valid(compact):
            yield _Hit(IBAN, start, body.end(), "iban_mod97")


# -- government numbers -----------------------------------------------------------------
def ssn_valid(area: str, group: str, serial: str) -> bool:
    return area not in ("000", "666") and area < "900" and group != "00" and serial != "0000"


def _ssns(text: str) -> Iterator[_Hit]:
    for m in _SSN.finditer(text):
        if ssn_valid(m.group(1), m.group(3), m.group(4)):
            yield _Hit(SSN, m.start(), m.end(), "us_ssn")
    for m in _SSN_LABELLED.finditer(text):
        d = m.group(1)
        if ssn_valid(d[:3], d[3:5], d[5:]):
            yield _Hit(SSN, m.start(1), m.end(1), "us_ssn")


def nhs_valid(digits: str) -> bool:
    """Mod 11 with weights 10..2; a remainder giving 10 is never issued."""
    if len(digits) != 10 or not digits.isdigit() or digits.count(digits[0]) == 10:
        return False
    total = sum(int(d) * (10 - i) for i, d in enumerate(digits[:9]))
    check = 11 - total % 11
    if check == 11:
        check = 0
    return check != 10 and check == int(digits[9])


def _nhs_numbers(text: str) -> Iterator[_Hit]:
    for m in _NHS.finditer(text):
        if nhs_valid(m.group(1) + m.group(3) + m.group(4)):
            yield _Hit(NHS, m.start(), m.end(), "nhs_mod11")


def _ninos(text: str) -> Iterator[_Hit]:
    for m in _NINO.finditer(text):
        if m.group(1).upper() not in _NINO_BAD_PREFIXES:
            yield _Hit(NINO, m.start(), m.end(), "nino")


# -- e-mail -----------------------------------------------------------------------------
def _emails(text: str) -> Iterator[_Hit]:
    """``@`` found once per address, the local part walked back (at most 64 characters)
    and the domain matched forward, on a view with the written-out forms rewritten."""
    if "@" not in text and not _OBFUSCATED.search(text):
        return
    parts: list[str] = []
    piece_out: list[int] = []  # where each piece starts in the rewritten text
    piece_src: list[tuple[int, int, bool]] = []  # its folded [start, end), kept as is?
    worded_at: set[int] = set()
    spelled_dots: list[int] = []
    pos = length = 0
    for m in _OBFUSCATED.finditer(text):
        start, end = m.start(), m.end()
        if m.group("bat") is not None or m.group("bdot") is not None:
            while start > pos and text[start - 1] in " \t":
                start -= 1
            while end < len(text) and text[end] in " \t":
                end += 1
        if start > pos:
            parts.append(text[pos:start])
            piece_out.append(length)
            piece_src.append((pos, start, True))
            length += start - pos
        is_at = m.group("bat") is not None or m.group("wat") is not None
        if m.group("wat") is not None:
            worded_at.add(length)
        if not is_at:
            spelled_dots.append(length)
        parts.append("@" if is_at else ".")
        piece_out.append(length)
        piece_src.append((start, end, False))
        length += 1
        pos = end
    parts.append(text[pos:])
    piece_out.append(length)
    piece_src.append((pos, len(text), True))
    rewritten = "".join(parts)

    def to_folded(i: int, *, end: bool) -> int:
        k = bisect_right(piece_out, i) - 1
        start, stop, kept = piece_src[k]
        if kept:
            return start + i - piece_out[k] + (1 if end else 0)
        return stop if end else start

    at = rewritten.find("@")
    while at != -1:
        hit = _email_at(rewritten, at, worded_at, spelled_dots)
        if hit is not None:
            start, end = hit
            yield _Hit(EMAIL, to_folded(start, end=False), to_folded(end - 1, end=True), "email")
        at = rewritten.find("@", at + 1)


def _email_at(
    text: str, at: int, worded_at: set[int], spelled_dots: list[int]
) -> tuple[int, int] | None:
    start = at
    while start > 0 and at - start < _MAX_LOCAL and text[start - 1] in _LOCAL_CHARS:
        start -= 1
    while start < at and text[start] == ".":
        start += 1
    if start == at:
        return None
    domain = _DOMAIN.match(text, at + 1)
    if domain is None:
        return None
    end = domain.end()
    while text[end - 1] in ".-":
        end -= 1
    tld_at = text.rfind(".", at + 1, end)
    if tld_at == -1 or not _TLD.fullmatch(text, tld_at + 1, end):
        return None
    if at in worded_at:  # "jane at example dot com": needs a written-out dot too
        k = bisect_right(spelled_dots, at)
        if k == len(spelled_dots) or spelled_dots[k] >= end:
            return None
    return start, end


# -- secrets ----------------------------------------------------------------------------
def _private_keys(text: str) -> Iterator[_Hit]:
    if "PRIVATE KEY" not in text:
        return
    ends = [(m.start(), m.end()) for m in _PEM_END.finditer(text)]
    k = 0
    for m in _PEM_BEGIN.finditer(text):
        while k < len(ends) and ends[k][0] < m.end():
            k += 1
        yield _Hit(SECRET, m.start(), ends[k][1] if k < len(ends) else m.end(), "private_key")


def shannon_entropy(token: str) -> float:
    """Bits per character of the token's own character distribution."""
    n = len(token)
    counts: dict[str, int] = {}
    for c in token:
        counts[c] = counts.get(c, 0) + 1
    return -sum(k / n * math.log2(k / n) for k in counts.values())


def _entropy_floor(length: int, alphabet: int) -> float:
    """The entropy a random token of ``length`` characters from ``alphabet`` symbols is
    expected to show (its expected number of distinct symbols, each seen about equally
    often): short tokens cannot reach log2(alphabet)."""
    distinct = alphabet * (1 - (1 - 1 / alphabet) ** length)
    return math.log2(distinct)


def token_is_secret(token: str) -> bool:
    """The ``high_entropy`` rule on one token (no padding)."""
    body = token.rstrip("=")
    if len(body) < MIN_TOKEN or _UUID.fullmatch(body):
        return False
    if _HEX.fullmatch(body):
        return len(body) >= MIN_HEX_TOKEN and shannon_entropy(body) >= (
            ENTROPY_SHARE * _entropy_floor(len(body), 16)
        )
    if _looks_like_iban(body):
        return False  # an IBAN (valid or not) is the IBAN rule's business
    has_digit = any(c.isdigit() for c in body)
    has_upper = any(c.isupper() for c in body)
    has_lower = any(c.islower() for c in body)
    if not has_digit or not (has_upper or has_lower):
        return False  # words_joined_by_underscores, ALL_CAPS_NAMES
    alphabet = 64 if has_upper and has_lower else 36
    if switch_rate(body) < MIN_SWITCH_RATE:
        return False
    return shannon_entropy(body) >= ENTROPY_SHARE * _entropy_floor(len(body), alphabet)


def _char_class(c: str) -> int:
    return 0 if c.islower() else 1 if c.isupper() else 2 if c.isdigit() else 3


def switch_rate(token: str) -> float:
    """The share of neighbouring characters of different classes (lower, upper, digit,
    other)."""
    classes = [_char_class(c) for c in token]
    return sum(a != b for a, b in itertools.pairwise(classes)) / max(1, len(token) - 1)


def _looks_like_iban(token: str) -> bool:
    token = token.replace("-", "")
    return (
        IBAN_LENGTHS.get(token[:2]) == len(token)
        and token[2:4].isdigit()
        and token.isalnum()
        and not any(c.islower() for c in token)
    )


def _labelled_digest(text: str, start: int) -> bool:
    """Whether the words just before ``start`` on its line call the token a digest."""
    line_start = text.rfind("\n", max(0, start - _CONTEXT), start) + 1
    before = text[max(line_start, start - _CONTEXT) : start]
    return bool(_DIGEST_WORDS.search(before)) and not _SECRET_WORDS.search(before)


def _tokens(text: str) -> Iterator[_Hit]:
    for m in _JWT.finditer(text):
        yield _Hit(SECRET, m.start(), m.end(), "jwt")
    for m in _PREFIXED.finditer(text):
        yield _Hit(SECRET, m.start(), m.end(), "key_prefix")
    for m in _TOKEN.finditer(text):
        token = m.group()
        if token_is_secret(token):
            if _HEX.fullmatch(token) and _labelled_digest(text, m.start()):
                continue
            yield _Hit(SECRET, m.start(), m.end(), "high_entropy")

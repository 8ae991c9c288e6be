"""Text -> model inputs: tokens, case features and overlapping windows.

Training (``models/train``) and run time both call this module, so the model sees
exactly the same inputs in both places. Only the ``tokenizers`` package is used: no
torch, no transformers at run time.

The encoder is uncased (its tokenizer lowercases), which erases the strongest cue for
names. Each token therefore also carries a *case class* computed from the original
text under the token (lower, Title, UPPER, mixed, no letters, ...); the model adds a
learned case embedding to the word embeddings.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import numpy.typing as npt
from tokenizers import Encoding, Tokenizer

CLS_ID = 101
SEP_ID = 102
PAD_ID = 0

#: case classes; 0 is reserved for special and padding tokens
CASE_SPECIAL = 0
CASE_NO_LETTER = 1
CASE_LOWER = 2
CASE_TITLE = 3
CASE_UPPER = 4
CASE_MIXED = 5
CASE_DIGIT = 6
NUM_CASE_CLASSES = 7

#: tokens per window including [CLS] and [SEP], and the overlap between windows
WINDOW_TOKENS = 128
WINDOW_OVERLAP = 16

IntArray = npt.NDArray[np.int64]


def load_tokenizer(path: Path) -> Tokenizer:
    """The shipped tokenizer.json pads and truncates to 128: switch both off."""
    tok = Tokenizer.from_file(str(path))
    tok.no_padding()
    tok.no_truncation()
    return tok


def case_class(piece: str, word_start: bool) -> int:
    """The case class of the original characters under one token."""
    letters = [c for c in piece if c.isalpha()]
    if not letters:
        return CASE_DIGIT if any(c.isdigit() for c in piece) else CASE_NO_LETTER
    if all(c.islower() for c in letters):
        return CASE_LOWER
    if all(c.isupper() for c in letters):
        # a single capital at the start of a word reads as Title ("J" in "J. Smith")
        return CASE_TITLE if (len(letters) == 1 and word_start) else CASE_UPPER
    if letters[0].isupper() and all(c.islower() for c in letters[1:]):
        return CASE_TITLE
    return CASE_MIXED


@dataclass(frozen=True, slots=True)
class Encoded:
    """One text as tokens (no special tokens), with code-point offsets."""

    ids: IntArray
    cases: IntArray
    starts: IntArray
    ends: IntArray

    def __len__(self) -> int:
        return int(self.ids.shape[0])


def encode(tokenizer: Tokenizer, text: str) -> Encoded:
    """Tokenize ``text`` once; offsets are code points into ``text``."""
    return _encoded(text, tokenizer.encode(text, add_special_tokens=False))


def encode_many(tokenizer: Tokenizer, texts: Sequence[str]) -> list[Encoded]:
    """``encode`` for several texts; the tokenizer splits the batch over all cores."""
    batch = tokenizer.encode_batch(list(texts), add_special_tokens=False)
    return [_encoded(text, enc) for text, enc in zip(texts, batch, strict=True)]


def _encoded(text: str, enc: Encoding) -> Encoded:
    offsets = enc.offsets
    n = len(offsets)
    ids = np.asarray(enc.ids, dtype=np.int64).reshape(n)
    bounds = np.asarray(offsets, dtype=np.int64).reshape(n, 2)
    # the text's shape, one character per character, computed once (str.translate); the
    # key of a token is the shape of the character before it (whether it starts a word)
    # and its own, so a token costs one slice and one dict lookup
    shape = _TEXT_START + text.translate(_CHAR_SHAPES)
    classes = _CASE_CLASSES
    cases = np.fromiter((classes[shape[s : e + 1]] for s, e in offsets), dtype=np.int64, count=n)
    return Encoded(ids=ids, cases=cases, starts=bounds[:, 0].copy(), ends=bounds[:, 1].copy())


_CASELESS_LETTER = "\u65e5"  # a letter with no case (CJK), as "ª" or a CJK name character
_OTHER_ALNUM = "#"  # neither letter nor digit, yet alphanumeric ("½"): no letter, no word break
_NOT_ALNUM = "."
_TEXT_START = "^"


def _char_shape(c: str) -> str:
    """What ``case_class`` reads of one character (a letter and its case, a digit, other)
    and what a word boundary needs (whether it is alphanumeric)."""
    if c.isalpha():
        return "A" if c.isupper() else "a" if c.islower() else _CASELESS_LETTER
    if c.isdigit():
        return "0"
    return _OTHER_ALNUM if c.isalnum() else _NOT_ALNUM


class _CharShapes(dict[int, str]):
    """``str.translate`` table: code point -> ``_char_shape``. It fills as characters are
    met, up to a bound (single characters, never words of a text)."""

    def __missing__(self, code: int) -> str:
        shape = _char_shape(chr(code))
        if len(self) < 1 << 16:
            self[code] = shape
        return shape


class _CaseClasses(dict[str, int]):
    """Token key (shape of the character before + shape of the token) -> case class.

    Most token shapes repeat ("Aaaaa", "aaa", ","): classifying each distinct shape once
    made tokenisation 4x cheaper. Keys are shapes, never the text's own words: no name
    stays in memory after its request."""

    def __missing__(self, key: str) -> int:
        word_start = key[0] in (_NOT_ALNUM, _TEXT_START)
        value = case_class(key[1:], word_start)
        if len(self) < 1 << 14:
            self[key] = value
        return value


_CHAR_SHAPES = _CharShapes({c: _char_shape(chr(c)) for c in range(128)})
_CASE_CLASSES = _CaseClasses()


def window_bounds(
    n_tokens: int, window: int = WINDOW_TOKENS, overlap: int = WINDOW_OVERLAP
) -> list[tuple[int, int]]:
    """Token ranges ``[a, b)`` of the windows covering ``n_tokens`` (at least one)."""
    size = window - 2
    if n_tokens <= size:
        return [(0, n_tokens)]
    step = size - overlap
    bounds: list[tuple[int, int]] = []
    a = 0
    while True:
        b = min(a + size, n_tokens)
        bounds.append((a, b))
        if b >= n_tokens:
            return bounds
        a += step


@dataclass(frozen=True, slots=True)
class Batch:
    """Padded model inputs for several windows."""

    input_ids: IntArray
    attention_mask: IntArray
    case_ids: IntArray

    def inputs(self) -> dict[str, IntArray]:
        """The model's inputs by name (what the exported graph and both runtimes expect)."""
        return {
            "input_ids": self.input_ids,
            "attention_mask": self.attention_mask,
            "case_ids": self.case_ids,
        }


def padded_width(n_tokens: int, multiple: int = 1) -> int:
    """The batch width of a window of ``n_tokens``: plus [CLS]/[SEP], rounded up."""
    return -(-(n_tokens + 2) // multiple) * multiple


def make_batch(windows: Sequence[tuple[IntArray, IntArray]], multiple: int = 1) -> Batch:
    """Pad windows ``(ids, cases)`` (no special tokens) into one batch with [CLS]/[SEP].

    ``multiple`` rounds the width up: fewer distinct shapes let the runtimes reuse their
    per-shape plans instead of re-planning for every batch."""
    width = padded_width(max(len(ids) for ids, _ in windows), multiple)
    rows = len(windows)
    input_ids = np.full((rows, width), PAD_ID, dtype=np.int64)
    case_ids = np.full((rows, width), CASE_SPECIAL, dtype=np.int64)
    mask = np.zeros((rows, width), dtype=np.int64)
    for r, (ids, cases) in enumerate(windows):
        n = len(ids)
        input_ids[r, 0] = CLS_ID
        input_ids[r, 1 : n + 1] = ids
        input_ids[r, n + 1] = SEP_ID
        case_ids[r, 1 : n + 1] = cases
        mask[r, : n + 2] = 1
    return Batch(input_ids=input_ids, attention_mask=mask, case_ids=case_ids)

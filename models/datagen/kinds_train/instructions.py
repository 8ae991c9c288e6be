"""Task instructions as training samples: what a caller asks the cloud LLMs to do.

The agent governs the instruction as a unit of its own (detected, classified and decided
like a section; if it may not leave, nothing of the request leaves), but the section model
had only ever seen document sections and read short imperative requests as privileged,
hr or financial_personal ("Summarise." -> privileged) and sentence-initial verbs as names
("Summarise" -> LOCATION). These samples teach it the rule of the SPEC for an instruction:

* its category comes from its content. A generic request ("Summarise", "List the risks",
  "Translate this into French", "Compare clauses 3 and 4", "What is the deadline?") carries
  nothing sensitive and is ``internal``, also when it names a document of a sensitive kind
  ("Summarise the medical report", "Check the payslip") or a person or company without
  saying anything sensitive about them ("Draft a reply to Mr Okafor");
* a request that itself states sensitive content takes that content's category: a named
  person's clinical facts (health), banking or tax (financial_personal), pay, discipline
  or grievances (hr), deal terms, pricing, forecasts (confidential), legal advice and
  litigation strategy (privileged), wherever in the request it stands (the task, a
  question, a background sentence, one bullet of several);
* its entities are spans as everywhere else, and the verb that opens it (Summarise,
  Fasse ... zusammen, Résume, Vat ... samen, Resume, Riassumi) is not a name.

Shapes: one or two words, questions, imperatives with politeness, format and audience
tails, two chained tasks, bullet lists, role prompts and background sentences, from one
word to ~60; in English and the five other languages of the locales (a non-English
locale writes in its own language two times in three, else in English with its names).
The vocabulary lives in ``instr_<lang>.py``; nothing here is shared with the test split.
"""

from __future__ import annotations

from models.datagen.ctx import Ctx
from models.datagen.kinds_train import instr_de, instr_en, instr_es, instr_fr, instr_it, instr_nl
from models.datagen.kinds_train.instr_render import Table, render

TABLES: dict[str, Table] = {
    "en": instr_en.TABLE,
    "de": instr_de.TABLE,
    "fr": instr_fr.TABLE,
    "nl": instr_nl.TABLE,
    "es": instr_es.TABLE,
    "it": instr_it.TABLE,
}
LANG_OF_LOCALE = {
    "en_US": "en",
    "en_GB": "en",
    "de_DE": "de",
    "fr_FR": "fr",
    "nl_NL": "nl",
    "es_ES": "es",
    "it_IT": "it",
}
SENSITIVE = ("confidential", "financial_personal", "hr", "health", "privileged")
#: the categories an instruction sample is written for, in round-robin order: half are
#: generic requests (internal), half carry one of the five sensitive kinds of content
CATEGORY_CYCLE: tuple[str, ...] = ("internal",) * 5 + SENSITIVE


def language(c: Ctx) -> str:
    own = LANG_OF_LOCALE[c.locale]
    return own if own == "en" or c.chance(0.65) else "en"


class _Writer:
    """Writes one instruction through ``c``; ``lower`` marks a letter to lower-case once
    the piece after a prefix such as "Please |" is written."""

    def __init__(self, c: Ctx, lang: str) -> None:
        self.c = c
        self.lang = lang
        self.table = TABLES[lang]

    def r(self, template: str) -> None:
        render(self.c, self.lang, self.table, template)

    def pick(self, key: str) -> str:
        return self.c.choice(self.table[key])

    def lowered(self, template: str) -> None:
        """Render ``template`` with its first letter lower-cased (it continues a sentence)."""
        at = len(self.c.doc)
        self.r(template)
        self.c.doc.lower_at(at)

    def prefix(self, p: float) -> bool:
        """Maybe a politeness prefix; True when the next word continues its sentence."""
        if not self.c.chance(p):
            return False
        pre = self.pick("PRE")
        self.c.t(pre.rstrip("|"))
        return pre.endswith(("|", ", "))

    def task(self, key: str = "TASK", lower: bool = False) -> None:
        frame = self.pick(key)
        if lower:
            self.lowered(frame)
        else:
            self.r(frame)

    def tail(self, p_fmt: float = 0.3, p_post: float = 1.0) -> None:
        if self.c.chance(p_fmt) and not self.c.doc.text.rstrip().endswith("?"):
            self.r(self.pick("FMT"))
        if self.c.chance(p_post):
            post = self.pick("POST")
            text = self.c.doc.text
            if post.startswith(("?", ".", "!")) and text.endswith(("?", ".", "!")):
                post = post[1:]
            self.c.t(post)

    def end_sentence(self) -> None:
        text = self.c.doc.text.rstrip()
        if text and text[-1] not in ".?!:":
            self.c.t(".")

    def sep(self) -> None:
        self.c.t(self.c.choice((" ", " ", " ", "\n", "\n\n")))


def _single(w: _Writer) -> None:
    w.r(w.pick("SINGLE"))


def _question(w: _Writer) -> None:
    c = w.c
    if c.chance(0.2):
        w.r(w.pick("CTX"))
        w.sep()
    w.r(w.pick("Q"))
    if c.chance(0.15):
        w.c.t(" ")
        w.r(w.pick("CTX"))


def _imperative(w: _Writer, frame_key: str = "TASK") -> None:
    c = w.c
    if c.chance(0.1):
        w.r(w.pick("ROLE"))
    lower = w.prefix(0.35)
    w.task(frame_key, lower)
    w.tail(0.35)


def _chained(w: _Writer, first: str = "TASK", second: str = "TASK") -> None:
    lower = w.prefix(0.25)
    w.task(first, lower)
    if w.c.chance(0.3):
        w.r(w.pick("FMT"))
    w.c.t(w.pick("THEN"))
    w.task(second, lower=True)
    w.tail(0.2)


def _bullets(w: _Writer, sensitive_at: int | None = None, category: str = "") -> int:
    """A list of 2-4 tasks; with ``sensitive_at``, that item carries the sensitive content."""
    c = w.c
    head = w.pick("BULLET")
    if head:
        c.t(head).nl()
    n = c.rng.randint(2, 4)
    mark = c.choice(("- ", "* ", "• ", "1. ", ""))
    for i in range(n):
        if mark == "1. ":
            c.t(f"{i + 1}. ")
        else:
            c.t(mark)
        if sensitive_at is not None and i == sensitive_at % n:
            _sensitive_core(w, category, in_list=True)
        elif c.chance(0.15):
            w.r(w.pick("Q"))
        else:
            w.task(lower=c.chance(0.3))
            if c.chance(0.2):
                w.r(w.pick("FMT"))
        if c.chance(0.3):
            w.end_sentence()
        if i < n - 1:
            c.nl()
    return n


def _with_context(w: _Writer, ctx_key: str) -> None:
    """A task with one or two background sentences before or after it."""
    c = w.c
    before = c.chance(0.5)
    if before:
        w.r(w.pick(ctx_key))
        w.sep()
    _imperative(w)
    w.end_sentence()
    if not before or c.chance(0.3):
        c.t(" ")
        w.r(w.pick(ctx_key if not before else "CTX"))


def benign(c: Ctx, lang: str) -> None:
    w = _Writer(c, lang)
    r = c.rng.random()
    if r < 0.12:
        _single(w)
    elif r < 0.3:
        _question(w)
    elif r < 0.62:
        _imperative(w)
    elif r < 0.74:
        _chained(w)
    elif r < 0.84:
        _bullets(w)
    else:
        _with_context(w, "CTX")


def _statement(w: _Writer, key: str, questions: bool) -> str:
    options = [t for t in w.table[key] if questions or not t.rstrip().endswith("?")]
    return w.c.choice(options or list(w.table[key]))


def _sensitive_core(
    w: _Writer, category: str, in_list: bool = False, questions: bool = True
) -> None:
    """The part of a request that states the sensitive content (``questions=False``: not
    a question, because a prefix such as "Please" or a task before it needs an imperative)."""
    c = w.c
    frame_key = f"S_{category}"
    if c.chance(0.35):
        text = _statement(w, f"SS_{category}", questions)
        if in_list and c.chance(0.3):
            w.lowered(text)
        else:
            w.r(text)
        return
    frame = _statement(w, "SFRAME", questions)
    at = len(c.doc)
    head, _, rest = frame.partition("{S}")
    w.r(head)
    w.r(w.pick(frame_key))
    w.r(rest)
    if in_list and c.chance(0.3):
        c.doc.lower_at(at)


def sensitive(c: Ctx, lang: str, category: str) -> None:
    w = _Writer(c, lang)
    r = c.rng.random()
    if r < 0.5:
        if c.chance(0.1):
            w.r(w.pick("ROLE"))
        lower = w.prefix(0.3)
        at = len(c.doc)
        _sensitive_core(w, category, questions=not lower)
        if lower:
            c.doc.lower_at(at)
        w.tail(0.3)
        if c.chance(0.15):
            w.end_sentence()
            c.t(" ")
            w.r(w.pick("CTX"))
    elif r < 0.7:
        _with_context(w, f"SC_{category}")
    elif r < 0.82:
        _bullets(w, sensitive_at=c.rng.randrange(4), category=category)
    else:
        lower = w.prefix(0.2)
        if c.chance(0.5):
            at = len(c.doc)
            _sensitive_core(w, category, questions=False)
            if lower:
                c.doc.lower_at(at)
            c.t(w.pick("THEN"))
            w.task(lower=True)
        else:
            w.task(lower=lower)
            c.t(w.pick("THEN"))
            at = len(c.doc)
            _sensitive_core(w, category, questions=False)
            c.doc.lower_at(at)
        w.tail(0.2)


def instruction(c: Ctx, category: str) -> None:
    """One task instruction of ``category`` (``internal`` or one of ``SENSITIVE``)."""
    lang = language(c)
    c.casual = c.chance(0.12)
    if category == "internal":
        benign(c, lang)
    elif category in SENSITIVE:
        sensitive(c, lang, category)
    else:
        raise ValueError(f"no instruction of category {category!r}")
    if c.casual and c.chance(0.6):
        c.doc.lower_at(0)

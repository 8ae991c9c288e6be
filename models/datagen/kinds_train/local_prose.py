"""Noun-heavy prose in the locale's own language: hard negatives for names.

The held-out prose corpus measured 2,510 false PERSON, 801 LOCATION and 497 ORGANIZATION
predictions, and German was the locale with the lowest F1. The generator wrote only two
local-language sentences per locale and category before, so the model had seen little
ordinary German, Dutch, French, Spanish or Italian. These kinds write whole sections of
it, with the words that look like names and are not:

* German nouns, all capitalised (Vertrag, Kündigung, Rechnung, Abteilung, Lager, Frist);
* titles and roles, alone or in apposition to a name (Geschäftsführer, Rechtsanwältin,
  directeur financier, avocate, notaris, abogada, avvocato, Managing Director), the name
  a span and the role never;
* generic references to bodies (die Bank, das Finanzamt, le tribunal, el juzgado, il
  comune) beside named ones, which are organisations with their town inside the span
  (Amtsgericht Würzburg, Tribunal judiciaire de Lyon);
* headings and field labels (Betreff, Sachverhalt, Objet, Asunto, Oggetto, Betreft) and
  capitalised sentence openers (Laut, Gemäß, Selon, Según, Secondo, Volgens, Pursuant);
* product names where organisations also stand; English Title Case headings and job titles.

Two kinds share the vocabulary (``prose_*.py``): running prose (``noun_prose``) and a
notice or letter with heading, body and contact block (``roles_notice``). Every category
is written; a section's category is that of its most sensitive sentence, and sensitive
sentences name the person they are about.
"""

from __future__ import annotations

from models.datagen.ctx import Ctx
from models.datagen.kinds_train.instr_render import render
from models.datagen.kinds_train.prose_de import TABLE as DE
from models.datagen.kinds_train.prose_nl_en import EN, NL
from models.datagen.kinds_train.prose_romance import ES, FR, IT

TABLES = {"en": EN, "de": DE, "fr": FR, "nl": NL, "es": ES, "it": IT}
_LANG = {
    "en_US": "en",
    "en_GB": "en",
    "de_DE": "de",
    "fr_FR": "fr",
    "nl_NL": "nl",
    "es_ES": "es",
    "it_IT": "it",
}
_FILLER = {
    "public": ("public",),
    "internal": ("internal",),
    "confidential": ("internal",),
    "financial_personal": ("internal",),
    "hr": ("internal",),
    "health": ("internal",),
    "privileged": ("internal", "confidential"),
}


def _lang(c: Ctx) -> str:
    return _LANG[c.locale]


def sentence(c: Ctx, lang: str, category: str) -> None:
    """One sentence of ``category``: a subject and a predicate, or a whole sentence."""
    table = TABLES[lang]
    whole = [f for f in table[f"F_{category}"] if f not in c.used]
    if whole and c.chance(0.4):
        text = c.choice(whole)
        c.used.add(text)
        render(c, lang, table, text)
        return
    subject = c.choice(table["SUBJ"])
    if "{P1}" in subject and category in ("financial_personal", "hr", "health"):
        subject = c.choice([s for s in table["SUBJ"] if "{" not in s])
    render(c, lang, table, subject)
    if c.chance(0.15) and "{" in subject:
        c.t(", ")
        render(c, lang, table, c.choice(table["ROLE"]))
        c.t(",")
    c.t(" ")
    render(c, lang, table, c.choice(table[f"P_{category}"]))
    c.t(".")


def _body(c: Ctx, lang: str, category: str, n: int) -> None:
    own_at = c.rng.randrange(n)
    for i in range(n):
        if i:
            c.t("\n" if c.chance(0.2) else " ")
        cat = category if i == own_at or c.chance(0.4) else c.choice(_FILLER[category])
        sentence(c, lang, cat)


def noun_prose(c: Ctx, category: str) -> None:
    """Running prose, sometimes under a heading."""
    lang = _lang(c)
    table = TABLES[lang]
    if c.chance(0.5):
        render(c, lang, table, c.choice(table["HEAD"]))
        c.nl(c.choice((1, 2)))
    for p in range(c.rng.randint(1, 2)):
        if p:
            c.nl(2)
        _body(c, lang, category, c.rng.randint(3, 5))


def roles_notice(c: Ctx, category: str) -> None:
    """A notice, memo or letter: heading, labelled lines, body, a contact block with roles."""
    lang = _lang(c)
    table = TABLES[lang]
    render(c, lang, table, c.choice(table["HEAD"]))
    c.nl()
    if c.chance(0.5):
        render(c, lang, table, c.choice(table["HEAD"]))
        c.nl()
    c.nl()
    _body(c, lang, category, c.rng.randint(3, 6))
    c.nl(2)
    for _ in range(c.rng.randint(1, 2)):
        render(c, lang, table, c.choice(table["CONTACT"]))
        c.nl()

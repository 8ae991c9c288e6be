"""Entity-free sentences of real words in the section's own language (training only).

Measured on the test split: most false positives of the model were ordinary words read
as names, organisations or places - a sentence-initial pronoun ("He was dismissed"),
a capitalised German noun ("Umsatz"), a verb in a language the topic sentences rarely
use ("Besuchen Sie uns"), a lower-case clinical term. The topic sentences cover a few
hundred wordings, so the tagger learns "capitalised word in an unfamiliar sentence ->
name". These sentences show it thousands of ordinary words in every locale, capitalised
where the language capitalises them, in positions where names also occur, with no span.
The words come from Faker's per-locale word lists (real vocabulary, German nouns
capitalised); the order is random, so no wording repeats and nothing is shared with
the test pools.
"""

from __future__ import annotations

from functools import cache

from faker import Faker

from models.datagen.ctx import Ctx

#: sentence openers that are not names: pronouns, determiners, connectives
_OPENERS: dict[str, tuple[str, ...]] = {
    "en": (
        "He",
        "She",
        "They",
        "It",
        "We",
        "You",
        "This",
        "These",
        "Our",
        "His",
        "Her",
        "Their",
        "Its",
        "Then",
        "However",
        "Also",
        "Please",
        "Agent",
        "Customer",
        "Team",
    ),
    "de": (
        "Er",
        "Sie",
        "Wir",
        "Es",
        "Ihr",
        "Unser",
        "Dieser",
        "Diese",
        "Das",
        "Der",
        "Die",
        "Dann",
        "Bitte",
        "Besuchen Sie",
        "Kommen Sie",
        "Leider",
    ),
    "fr": (
        "Il",
        "Elle",
        "Nous",
        "Vous",
        "Ils",
        "Cette",
        "Notre",
        "Votre",
        "Le",
        "La",
        "Les",
        "Venez",
        "Merci",
        "Ensuite",
        "Selon",
    ),
    "nl": ("Hij", "Zij", "Wij", "Het", "Deze", "Onze", "Uw", "De", "Kom", "Dan", "Graag"),
    "es": (
        "Él",
        "Ella",
        "Nosotros",
        "Este",
        "Esta",
        "Nuestro",
        "Su",
        "El",
        "La",
        "Le",
        "Venga",
        "Luego",
        "Según",
    ),
    "it": (
        "Lui",
        "Lei",
        "Noi",
        "Questo",
        "Questa",
        "Nostro",
        "Il",
        "La",
        "Venite",
        "Poi",
        "Secondo",
    ),
}


#: courtesy titles sit in the English list; a title followed by a random word reads as a name
_TITLES = frozenset({"Mr", "Mrs", "Ms", "Dr"})


@cache
def _words(locale: str) -> tuple[str, ...]:
    # en_GB's word list is Latin lorem ipsum: use the US English one
    source = "en_US" if locale.startswith("en") else locale
    words = Faker(source).get_words_list()
    return tuple(
        sorted(
            {
                str(w)
                for w in words
                if str(w).isalpha() and len(str(w)) > 1 and str(w) not in _TITLES
            }
        )
    )


def _capitalised(word: str) -> str:
    """First letter upper, the rest as written (``str.capitalize`` would lower "iPhone")."""
    return word[:1].upper() + word[1:]


def babble(c: Ctx) -> None:
    """One sentence of 5-13 ordinary words of the locale, sometimes opened by a pronoun."""
    words = _words(c.locale)
    lang = c.locale[:2]
    picked = [c.choice(words) for _ in range(c.rng.randint(5, 13))]
    if c.chance(0.4):
        first = c.choice(_OPENERS.get(lang, _OPENERS["en"]))
    else:
        first = _capitalised(picked.pop(0))
    end = c.choice((".", ".", ".", "!", "?", ":"))
    c.t(" ".join([first, *picked]) + end)


def label_line(c: Ctx) -> None:
    """A form line under a label that is an ordinary word of the locale or a job title
    ("Befund: ...", "Fleischer - ...", "Contractor: Jane Doe"): the label is never a name,
    the value sometimes is."""
    job = c.chance(0.5)
    label = _capitalised(str(c.v.fake.job()).split(",")[0] if job else c.choice(_words(c.locale)))
    c.t(label + c.choice((": ", ": ", " - ", "\t", " ")))
    r = c.rng.random()
    if r < 0.25:
        c.person()
    elif r < 0.35:
        c.org()
    elif r < 0.45:
        c.loc()
    elif r < 0.55:
        c.x(c.neg.any_reference())
    else:
        words = _words(c.locale)
        c.t(" ".join(c.choice(words) for _ in range(c.rng.randint(1, 5))))
    c.nl()

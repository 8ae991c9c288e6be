"""Request verbs at the start of a clause are not names.

A task instruction opens with an imperative ("Summarise the key points", "Fasse den
Vertrag zusammen", "Riassumi il contratto"), capitalised, where a sentence-initial name
would also stand; the section model, trained on document sections, read such verbs as
PERSON, LOCATION or ORGANIZATION ("Summarise" -> LOCATION, so the LLM received
"<LOCATION_1> the key points"). A model-only name, place or organisation whose first word
is one of these verbs, standing at the start of the text, a line, a sentence, a clause
or a bullet (possibly after "please", "bitte", "svp", "por favor" ...), loses that word:
the span is dropped when nothing else is left, otherwise it starts after the verb
("Check John Roe" -> "John Roe"), so a name after the verb is still redacted. Verbs that
also begin real names often enough ("State Street", "Check Point" is the exception kept
in; ``AMBIGUOUS``: state, plan, focus, help ...) only drop a span that is the verb alone.

``IMPERATIVES`` is written by hand (English and the languages of the seven locales:
German, French, Dutch, Spanish, Italian; the forms used to address one person or
politely). A test checks that no word of a Faker first name, last name or city of those
locales, nor an English given name such as Mark, Will, Grant, Chase or Drew, is in it:
a name the generator can produce is never cut.
"""

from __future__ import annotations

import dataclasses
import re

from agent.domain import Entity

IMPERATIVES: frozenset[str] = frozenset(
    {
        # English
        "summarise", "summarize", "list", "draft", "translate", "compare", "explain", "check",
        "extract", "classify", "rewrite", "answer", "say", "give", "tell", "find", "write",
        "prepare", "review", "identify", "outline", "describe", "highlight", "flag",
        "proofread", "shorten", "simplify", "condense", "rephrase", "reword",
        "convert", "turn", "make", "create", "produce", "generate", "suggest", "recommend",
        "propose", "provide", "analyse", "analyze", "assess", "evaluate", "sort", "tag",
        "label", "pull", "fetch", "get", "show", "verify", "confirm", "update", "fill",
        "complete", "calculate", "compute", "estimate", "count", "quote", "cite", "search",
        "look", "spot", "point", "pick", "combine", "polish", "fix", "correct",
        "format", "reformat", "structure", "organise", "organize", "put", "add", "remove",
        "delete", "replace", "anonymise", "anonymize", "compose", "respond", "reply",
        "prioritise", "prioritize", "clarify", "interpret", "elaborate", "expand",
        "continue", "repeat", "transcribe", "paraphrase", "critique", "score", "rate",
        "schedule", "brainstorm", "consider", "imagine", "pretend", "ignore", "use",
        "keep", "focus", "include", "exclude", "avoid", "ensure", "state", "discuss",
        "justify", "predict", "map", "reconcile", "audit", "scan", "skim", "ask", "help",
        "assist", "tidy", "trim", "boil", "sum", "walk", "bullet", "itemise", "itemize",
        "enumerate", "tabulate", "visualise", "visualize", "contrast", "detail", "name",
        "determine", "decide", "recap", "redraft", "restate", "recast", "rank",
        # German (du, ihr and Sie forms)
        "fasse", "fass", "fassen", "fasst", "übersetze", "übersetz", "übersetzen", "übersetzt",
        "liste", "listen", "erstelle", "erstell", "erstellen", "entwirf", "entwerfen", "prüfe",
        "prüf", "prüfen", "vergleiche", "vergleich", "vergleichen", "erkläre", "erklär",
        "erklären", "nenne", "nenn", "nennen", "gib", "geben", "schreibe", "schreib",
        "schreiben", "formuliere", "formulieren", "extrahiere", "extrahieren", "markiere",
        "markieren", "beantworte", "beantworten", "kürze", "kürzen", "ordne", "ordnen",
        "klassifiziere", "klassifizieren", "korrigiere", "korrigieren", "überarbeite",
        "überarbeiten", "lest", "suche", "such", "suchen", "finde", "finden", "bewerte",
        "bewerten", "beschreibe", "beschreiben", "stelle", "stellen", "mach", "mache", "machen",
        "sag", "sage", "sagen", "zeige", "zeig", "zeigen", "analysiere", "analysieren",
        "identifiziere", "ergänze", "ergänzen", "verfasse", "verfassen", "bereite",
        "bereiten", "wandle", "wandeln", "schlage", "schlagen", "hilf", "helfen", "gliedere",
        "strukturiere", "zusammenfassen", "antworte", "antworten", "fertige",
        "erläutere", "erläutern", "skizziere", "überprüfe", "überprüfen", "kontrolliere",
        # French (tu and vous forms)
        "résume", "résumez", "résumer", "resume", "traduis", "traduisez", "traduire", "listez",
        "rédige", "rédigez", "rédiger", "comparez", "explique", "expliquez", "expliquer",
        "vérifie", "vérifiez", "vérifier", "extrais", "extrayez", "donne", "donnez", "indique",
        "indiquez", "relis", "relisez", "reformule", "reformulez", "corrige", "corrigez",
        "classez", "dresse", "dressez", "fais", "faites", "prépare", "préparez",
        "proposez", "analysez", "identifie", "identifiez", "écris", "écrivez",
        "simplifie", "simplifiez", "raccourcis", "raccourcissez", "transforme", "transformez",
        "réponds", "répondez", "dis", "dites", "signale", "signalez", "établis", "établissez",
        "mettez", "trouve", "trouvez", "cherche", "cherchez", "évalue", "évaluez",
        "synthétise", "synthétisez", "énumère", "énumérez", "souligne", "soulignez",
        "détaille", "détaillez", "reprends", "reprenez", "présente", "présentez",
        # Dutch
        "vat", "vertaal", "maak", "schrijf", "stel", "vergelijk", "leg", "controleer", "geef",
        "noem", "haal", "zet", "sorteer", "herschrijf", "beantwoord", "zeg", "markeer",
        "bedenk", "analyseer", "beoordeel", "beschrijf", "som", "zoek", "vind",
        "formuleer", "verbeter", "corrigeer", "vul", "samenvatten", "vertalen", "opsommen",
        "licht", "benoem", "inventariseer", "verwerk",
        # Spanish (tú and usted forms)
        "resuma", "resumid", "traduce", "traduzca", "enumera", "enumere", "redacta", "redacte",
        "compara", "explica", "revisa", "revise", "extrae", "extraiga", "indica",
        "deme", "haz", "haga", "escribe", "escriba", "propón", "proponga", "señala",
        "señale", "ordena", "ordene", "reescribe", "reescriba", "acorta", "acorte", "pasa",
        "simplifica", "simplifique", "responde", "responda", "busque", "identifica",
        "analiza", "analice", "evalúa", "evalúe", "elabora", "elabore", "prepara", "corrija",
        "clasifica", "lista", "comprueba", "compruebe", "verifica",
        "detalla", "menciona", "genera", "cree", "dime", "explícame",
        "explícale", "resúmeme", "tradúceme", "dígame", "díganos",
        # Italian (tu and Lei forms)
        "riassumi", "riassuma", "traduci", "traduca", "elenca", "elenchi", "scrivi", "scriva",
        "prepari", "redigi", "rediga", "confronta", "confronti", "spiega", "spieghi",
        "rileggi", "rilegga", "controlla", "controlli", "estrai", "estragga", "ordina",
        "riscrivi", "riscriva", "accorcia", "metti", "metta", "semplifica", "rispondi",
        "risponda", "dimmi", "dammi", "proponi", "segnala", "segnali", "faccia",
        "cerca", "cerchi", "trova", "trovi", "analizza", "analizzi", "valuta", "valuti",
        "correggi", "corregga", "descrivi", "descriva", "sintetizza", "evidenzia", "evidenzi",
        "dica", "indichi", "compila",
    }
)  # fmt: skip

#: verbs that also begin names of companies, places or people often enough ("State
#: Street", "Check Point", "Plan International", "Focus Group", "VAT Office"): a span that
#: is the verb alone is dropped, but a longer span opening with one is kept whole (cutting
#: it could leave the first word of a real name unredacted)
AMBIGUOUS: frozenset[str] = frozenset(
    {
        "state", "turn", "look", "show", "get", "use", "keep", "point", "spot", "pick", "walk",
        "count", "sum", "score", "rate", "tag", "label", "search", "map", "focus",
        "help", "name", "say", "tell", "give", "make", "put", "add", "fill", "fix",
        "format", "structure", "tidy", "trim", "boil", "bullet", "complete", "continue",
        "ask", "scan", "skim", "audit", "detail", "rank", "decide", "consider", "imagine",
        "include", "exclude", "avoid", "ensure", "discuss", "predict", "provide", "produce",
        "create", "generate", "update", "confirm", "correct", "polish", "combine", "remove",
        "delete", "replace", "compose", "respond", "reply", "schedule", "find", "write",
        "answer", "pull", "fetch", "sort", "flag", "cite", "quote", "assist", "critique",
        "expand", "repeat", "interpret", "justify", "recap", "restate", "recast",
        "determine", "pretend", "ignore", "contrast", "visualise", "visualize", "pass",
        "vat", "som", "vind", "leg", "zet", "licht", "stel", "lista", "liste",
        "pasa", "cree", "genera", "trova", "cerca", "dis", "donne",
    }
)  # fmt: skip

_FIRST_WORD = re.compile(r"[^\W\d_]+(?:['’][^\W\d_]*)?")
#: words that may stand between a clause boundary and the verb
_LEAD_INS = frozenset(
    {
        "please", "pls", "plz", "kindly", "now", "ok", "okay", "then", "and", "also", "just",
        "first", "next", "finally", "bitte", "dann", "und", "danach", "anschließend", "jetzt",
        "nun", "svp", "stp", "puis", "et", "ensuite", "maintenant", "graag", "en", "daarna",
        "vervolgens", "nu", "por", "favor", "y", "luego", "después", "ahora", "per", "favore",
        "e", "poi", "quindi", "ora", "hi", "hello", "hey", "hallo", "bonjour", "salut", "hoi",
        "hola", "ciao", "buongiorno", "s'il", "te", "vous", "plaît", "plait",
    }
)  # fmt: skip
_BOUNDARY = frozenset(".!?:;,\u2022-*)>([\"'“”«»")
_BULLET = re.compile(r"\s*(?:[-*\u2022>]|\d{1,3}[.)]|[a-zA-Z][.)])\s*$")


def is_imperative(word: str) -> bool:
    return word.lower() in IMPERATIVES


def clause_start(text: str, start: int) -> bool:
    """``start`` opens the text, a line, a sentence, a clause or a bullet, possibly after
    lead-in words ("please", "bitte", "and then", "hi")."""
    line_start = text.rfind("\n", 0, start) + 1
    before = text[line_start:start]
    while True:
        stripped = before.rstrip()
        if not stripped:
            return True
        if stripped[-1] in _BOUNDARY or _BULLET.fullmatch(stripped):
            return True
        words = stripped.split()
        last = words[-1].lower().strip(",")
        if last not in _LEAD_INS:
            return False
        before = stripped[: len(stripped) - len(words[-1])]


def without_leading_imperative(text: str, ent: Entity) -> Entity | None:
    """``ent`` without a request verb that opens it at a clause start: None when the verb
    was all of it, the span after the verb when the verb is never the start of a name
    (not ``AMBIGUOUS``), ``ent`` itself otherwise."""
    value = text[ent.start : ent.end]
    m = _FIRST_WORD.match(value)
    if m is None or not is_imperative(m.group(0)) or not clause_start(text, ent.start):
        return ent
    rest = value[m.end() :]
    kept = rest.lstrip(" \t,:;.-!?")
    if not any(ch.isalpha() for ch in kept):
        return None
    if m.group(0).lower() in AMBIGUOUS:
        return ent
    return dataclasses.replace(ent, start=ent.end - len(kept))

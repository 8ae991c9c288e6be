"""Test-split local-language sentences (phrased apart from the training split's)."""

from __future__ import annotations

from models.datagen.ctx import Ctx
from models.datagen.slots import render

LOCAL: dict[str, dict[str, tuple[str, ...]]] = {
    "de_DE": {
        "public": ("Besuchen Sie uns beim Tag der offenen Tür in {LOC}.",),
        "internal": ("Bitte den VPN-Zugang über {IP} nutzen, Zugangsdaten: admin / {PW}.",),
        "confidential": ("Interne Prognose: {ORG} verliert bis Jahresende {AMOUNT} Umsatz.",),
        "financial_personal": ("Überweisung von {P0} an {BANK}, Konto {IBAN}, Referenz {REF}.",),
        "hr": ("Gegen {P0} läuft ein Disziplinarverfahren; Anhörung am {DATE}.",),
        "health": ("Befund für {P0}, Geburtsdatum {DOB}: Verdacht auf Diabetes mellitus Typ 2.",),
        "privileged": ("Anwaltlich vertraulich: Wir raten {P1}, den Vergleich abzulehnen.",),
    },
    "fr_FR": {
        "public": ("Venez découvrir notre nouvelle boutique au {ADDR}.",),
        "internal": ("Accès au serveur {IP} avec le compte de service, mot de passe {PW}.",),
        "confidential": ("Document interne : {ORG} réduira ses effectifs à {LOC}.",),
        "financial_personal": ("Le prélèvement sur la carte {CARD} de {P0} a été rejeté.",),
        "hr": ("Le licenciement de {P0} pour faute grave a été confirmé.",),
        "health": ("Compte rendu pour {P0} (date de naissance {DOB}) : fracture du poignet.",),
        "privileged": ("Consultation juridique confidentielle pour {P1} concernant {ORG}.",),
    },
    "nl_NL": {
        "public": ("Kom langs op onze open dag in {LOC} op {DATE}.",),
        "internal": ("Inloggen op {IP} met gebruiker beheer en wachtwoord {PW}.",),
        "confidential": ("Intern: {ORG} sluit de vestiging in {LOC} volgend jaar.",),
        "financial_personal": ("Terugbetaling aan {P0} op rekening {IBAN} is mislukt.",),
        "hr": ("{P0} heeft een klacht ingediend over pesten door {P1}.",),
        "health": ("Uitslag voor {P0}, geboortedatum {DOB}: geen afwijkingen.",),
        "privileged": ("Advocaat-cliënt correspondentie: de kansen tegen {ORG} zijn klein.",),
    },
    "es_ES": {
        "public": ("Le esperamos en nuestra jornada de puertas abiertas en {LOC}.",),
        "internal": ("Acceso al servidor {IP} con el usuario soporte y la clave {PW}.",),
        "confidential": ("Documento interno: {ORG} cerrará la planta de {LOC}.",),
        "financial_personal": ("El cargo en la tarjeta {CARD} de {P0} fue rechazado.",),
        "hr": ("Se ha abierto un expediente disciplinario a {P0}.",),
        "health": ("Informe de {P0}, fecha de nacimiento {DOB}: fractura de cadera.",),
        "privileged": (
            "Asesoramiento jurídico confidencial para {P1} sobre el litigio con {ORG}.",
        ),
    },
    "it_IT": {
        "public": ("Vi aspettiamo all'open day presso la nostra sede di {LOC}.",),
        "internal": ("Accesso al server {IP} con utente tecnico e password {PW}.",),
        "confidential": ("Documento interno: {ORG} chiuderà lo stabilimento di {LOC}.",),
        "financial_personal": ("L'addebito sulla carta {CARD} di {P0} è stato respinto.",),
        "hr": ("È stato avviato un procedimento disciplinare nei confronti di {P0}.",),
        "health": ("Referto di {P0}, data di nascita {DOB}: frattura del femore.",),
        "privileged": ("Parere legale riservato per {P1} sulla causa contro {ORG}.",),
    },
}


def local_sentence(c: Ctx, category: str) -> bool:
    pool = LOCAL.get(c.locale)
    if pool is None:
        return False
    render(c, c.choice(pool[category]))
    return True

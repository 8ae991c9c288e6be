"""Training-split sentences in the local language of each non-English locale."""

from __future__ import annotations

from models.datagen.ctx import Ctx
from models.datagen.slots import render

LOCAL: dict[str, dict[str, tuple[str, ...]]] = {
    "de_DE": {
        "public": (
            "{ORG} eröffnet am {DATE} einen neuen Standort in {LOC}.",
            "Pressekontakt: {P2}, Telefon {PHONE}.",
        ),
        "internal": (
            "Der Server {IP} wird am {DATE} neu gestartet, Ticket {REF}.",
            "Das Passwort für das Testsystem lautet {PW}, bitte sofort ändern.",
        ),
        "confidential": (
            "{ORG} plant die Übernahme eines Wettbewerbers für {AMOUNT}.",
            "Vertraulich: Die Preise für {ORG} sinken im nächsten Quartal um {N} Prozent.",
        ),
        "financial_personal": (
            "Kontoinhaber {P0}, IBAN {IBAN}, geboren am {DOB}.",
            "{P0} hat die Karte {CARD} als gestohlen gemeldet.",
        ),
        "hr": (
            "{P0} erhielt eine Abmahnung wegen wiederholter Verspätung.",
            "Das Gehalt von {P0} wird ab {DATE} auf {AMOUNT} erhöht.",
        ),
        "health": (
            "{P0} (geb. {DOB}) wurde mit Verdacht auf Lungenentzündung aufgenommen.",
            "Patientennummer {MRN}; Entlassung nach Rücksprache mit {P1}.",
        ),
        "privileged": (
            "Nach unserer Einschätzung hat die Klage von {ORG} wenig Aussicht auf Erfolg.",
            "Bitte leiten Sie dieses anwaltliche Schreiben nicht an {P1} weiter.",
        ),
    },
    "fr_FR": {
        "public": (
            "{ORG} inaugure un nouveau site à {LOC} le {DATE}.",
            "Contact presse : {P2}, {EMAIL}.",
        ),
        "internal": (
            "Maintenance prévue sur le serveur {IP} le {DATE}.",
            "Le mot de passe provisoire du compte partagé est {PW}.",
        ),
        "confidential": (
            "{ORG} envisage de céder sa filiale de {LOC} pour {AMOUNT}.",
            "Strictement confidentiel : marge prévue de {N} % sur le contrat.",
        ),
        "financial_personal": (
            "Le client {P0}, né le {DOB}, demande un prêt immobilier.",
            "Virement à effectuer sur le compte {IBAN} au nom de {P0}.",
        ),
        "hr": (
            "{P0} a reçu un avertissement écrit pour absences répétées.",
            "L'entretien annuel de {P0} avec {P1} est reporté.",
        ),
        "health": (
            "{P0}, né le {DOB}, est hospitalisé pour une décompensation cardiaque.",
            "Numéro de dossier {MRN}, suivi par le Dr {P1}.",
        ),
        "privileged": (
            "À notre avis, la demande de {ORG} est prescrite.",
            "Note confidentielle de l'avocat à {P1} sur la stratégie contentieuse.",
        ),
    },
    "nl_NL": {
        "public": (
            "{ORG} opent op {DATE} een nieuw kantoor in {LOC}.",
            "Voor vragen kunt u bellen met {P2} op {PHONE}.",
        ),
        "internal": (
            "De printer op de tweede verdieping heeft nu adres {IP}.",
            "Tijdelijk wachtwoord voor de testomgeving: {PW}.",
        ),
        "confidential": (
            "{ORG} onderhandelt in het geheim over een fusie ter waarde van {AMOUNT}.",
            "Niet verspreiden: de omzetprognose daalt met {N} procent.",
        ),
        "financial_personal": (
            "Rekeninghouder {P0}, geboren op {DOB}, rekening {IBAN}.",
            "{P0} heeft een betalingsachterstand op de creditcard {CARD}.",
        ),
        "hr": (
            "{P0} is op staande voet ontslagen na het onderzoek.",
            "Het functioneringsgesprek van {P0} met {P1} was negatief.",
        ),
        "health": (
            "{P0} (geboren {DOB}) is opgenomen met een hersenschudding.",
            "Patiëntnummer {MRN}; behandelend arts {P1}.",
        ),
        "privileged": (
            "Ons juridisch advies is om de schikking met {ORG} te accepteren.",
            "Vertrouwelijk advies van de advocaat aan {P1}.",
        ),
    },
    "es_ES": {
        "public": (
            "{ORG} abrirá una nueva sede en {LOC} el {DATE}.",
            "Contacto de prensa: {P2}, teléfono {PHONE}.",
        ),
        "internal": (
            "El servidor {IP} se reiniciará el {DATE}.",
            "La contraseña temporal del buzón compartido es {PW}.",
        ),
        "confidential": (
            "{ORG} negocia en secreto la compra de un competidor por {AMOUNT}.",
            "Confidencial: el margen previsto es del {N} por ciento.",
        ),
        "financial_personal": (
            "El titular {P0}, nacido el {DOB}, solicita una hipoteca.",
            "Transferencia a la cuenta {IBAN} a nombre de {P0}.",
        ),
        "hr": (
            "{P0} recibió una amonestación por faltas de asistencia.",
            "La evaluación de desempeño de {P0} la realizará {P1}.",
        ),
        "health": (
            "{P0}, nacido el {DOB}, ingresó por una neumonía.",
            "Historia clínica {MRN}; médico responsable {P1}.",
        ),
        "privileged": (
            "En nuestra opinión jurídica, la demanda de {ORG} no prosperará.",
            "Comunicación confidencial entre el abogado y {P1}.",
        ),
    },
    "it_IT": {
        "public": (
            "{ORG} inaugura una nuova sede a {LOC} il {DATE}.",
            "Ufficio stampa: {P2}, {EMAIL}.",
        ),
        "internal": (
            "Il server {IP} sarà riavviato il {DATE}.",
            "La password provvisoria della casella condivisa è {PW}.",
        ),
        "confidential": (
            "{ORG} tratta in via riservata l'acquisizione di un concorrente per {AMOUNT}.",
            "Riservato: il margine previsto è del {N} per cento.",
        ),
        "financial_personal": (
            "Il correntista {P0}, nato il {DOB}, chiede un mutuo.",
            "Bonifico sul conto {IBAN} intestato a {P0}.",
        ),
        "hr": (
            "{P0} ha ricevuto un richiamo scritto per ritardi ripetuti.",
            "Il colloquio di valutazione di {P0} con {P1} è rinviato.",
        ),
        "health": (
            "{P0}, nato il {DOB}, è ricoverato per scompenso cardiaco.",
            "Cartella clinica {MRN}; medico curante {P1}.",
        ),
        "privileged": (
            "A nostro parere legale, la domanda di {ORG} è infondata.",
            "Parere riservato dell'avvocato per {P1}.",
        ),
    },
}


def local_sentence(c: Ctx, category: str) -> bool:
    """Write one local-language sentence; False when the locale is English."""
    pool = LOCAL.get(c.locale)
    if pool is None:
        return False
    render(c, c.choice(pool[category]))
    return True

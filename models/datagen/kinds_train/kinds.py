"""Training-split document kinds: the structure of a section around topical sentences.

Memos, letters, email threads with signature blocks, chat exports, tickets, config files,
pasted tables, minutes, forms, clinical notes and press releases. Each kind lists the
categories it can carry; the body comes from ``topics`` so structure and topic combine.
"""

from __future__ import annotations

from models.datagen.ctx import Ctx
from models.datagen.kind import Kind
from models.datagen.kinds_train.babble import babble, label_line
from models.datagen.kinds_train.kinds_more import calendar_invite, contract_clause, invoice
from models.datagen.kinds_train.local_prose import noun_prose, roles_notice
from models.datagen.kinds_train.plain import policy_excerpt
from models.datagen.kinds_train.round2 import KINDS as ROUND2_KINDS
from models.datagen.kinds_train.topics import filler, paragraph, say

ALL = ("public", "internal", "confidential", "financial_personal", "hr", "health", "privileged")


def _heading(c: Ctx, options: tuple[str, ...], p: float = 0.6) -> None:
    if c.chance(p):
        h = c.choice(options)
        c.t(h.upper() if c.chance(0.3) else h).nl(c.choice((1, 2)))


def _salutation(c: Ctx, index: int) -> None:
    greet = {
        "de_DE": ("Sehr geehrte Damen und Herren,", "Hallo "),
        "fr_FR": ("Madame, Monsieur,", "Bonjour "),
        "nl_NL": ("Geachte heer/mevrouw,", "Beste "),
        "es_ES": ("Estimado/a ", "Hola "),
        "it_IT": ("Gentile ", "Buongiorno "),
    }.get(c.locale, ("Dear ", "Hi "))
    g = c.choice(greet)
    if g.endswith(" "):
        c.t(g).person(index, short=c.chance(0.5)).t(",")
    else:
        c.t(g)
    c.nl(2)


_SIGNOFFS = {
    "de_DE": ("Mit freundlichen Grüßen", "Viele Grüße", "Beste Grüße"),
    "fr_FR": ("Cordialement", "Bien à vous", "Salutations distinguées"),
    "nl_NL": ("Met vriendelijke groet", "Groeten", "Hartelijke groet"),
    "es_ES": ("Atentamente", "Un saludo", "Saludos cordiales"),
    "it_IT": ("Cordiali saluti", "Distinti saluti", "Saluti"),
}
_EN_SIGNOFFS = ("Kind regards", "Best", "Regards", "Thanks", "Many thanks", "Best wishes")


def _signature(c: Ctx, index: int, org_index: int = 0, flavour: str = "any") -> None:
    local = _SIGNOFFS.get(c.locale)
    signoff = c.choice(local) if local and c.chance(0.7) else c.choice(_EN_SIGNOFFS)
    c.t(signoff + c.choice((",", ",", "", " -"))).nl()
    c.person(index).nl()
    if c.chance(0.7):
        c.t(
            c.choice(
                (
                    "Partner",
                    "Associate",
                    "Head of Operations",
                    "Relationship Manager",
                    "Consultant",
                    "HR Business Partner",
                    "IT Service Desk",
                )
            )
        ).t(c.choice((", ", " | ", "\n")))
        c.org(org_index, flavour).nl()
    if c.chance(0.7):
        c.t(c.choice(("T: ", "Tel ", "Phone: ", "M "))).phone().nl()
    if c.chance(0.7):
        c.t(c.choice(("E: ", "Email: ", ""))).email(index).nl()
    if c.chance(0.35):
        c.address_block()


def memo(c: Ctx, category: str) -> None:
    _heading(c, ("MEMORANDUM", "Internal memo", "File note", "Note to file"), 0.8)
    c.t("To: ").person(1).nl().t("From: ").person(2).nl()
    c.t("Date: ").x(c.neg.event_date()).nl()
    c.t("Re: ").t(c.choice(("Matter ", "File ", "Our ref "))).x(
        c.choice((c.neg.docket(), c.neg.ticket()))
    ).nl(2)
    for _ in range(c.rng.randint(1, 3)):
        paragraph(c, category, c.rng.randint(2, 4))
        c.nl(2)


def letter(c: Ctx, category: str) -> None:
    c.org(0, c.choice(("law", "hospital", "bank", "company"))).nl().address_block()
    c.nl().x(c.neg.event_date()).nl(2)
    if c.chance(0.6):
        c.person(0).nl().address_block().nl()
    _heading(
        c,
        (
            "Engagement letter",
            "Referral",
            "Re: your application",
            "Private and confidential",
            "Our reference " + c.neg.ticket(),
        ),
        0.7,
    )
    _salutation(c, 0)
    for _ in range(c.rng.randint(1, 3)):
        paragraph(c, category, c.rng.randint(2, 3))
        c.nl(2)
    _signature(c, 1, 0)


def email_thread(c: Ctx, category: str) -> None:
    for turn in range(c.rng.randint(1, 3)):
        sender = turn % 2
        if turn:
            c.nl()
            if c.chance(0.5):
                c.t("-----Original Message-----").nl()
            else:
                c.t("On ").x(c.neg.event_date()).t(", ").person(1 - sender).t(" wrote:").nl()
        c.t("From: ").person(sender).t(" <").email(sender).t(">").nl()
        c.t("To: ").person(1 - sender).t(" <").email(1 - sender).t(">").nl()
        if c.chance(0.3):
            c.t("Cc: ").email().nl()
        c.t("Subject: ").t(c.choice(("RE: ", "FW: ", ""))).t(
            c.choice(("update", "next steps", "urgent", "call tomorrow", "documents"))
        ).nl(2)
        _salutation(c, 1 - sender)
        paragraph(c, category, c.rng.randint(1, 3))
        c.nl(2)
        _signature(c, sender, sender)


def chat_export(c: Ctx, category: str) -> None:
    _heading(c, ("#general export", "Group chat", "Chat export", "#ops channel"), 0.5)
    names = [c.person_name(i) for i in range(c.rng.randint(2, 3))]
    c.casual = c.chance(0.5)
    nick = c.chance(0.4)  # "<name> text" as IRC and Slack exports write it
    for _ in range(c.rng.randint(3, 7)):
        i = c.rng.randrange(len(names))
        hh, mm = c.rng.randint(0, 23), c.rng.randint(0, 59)
        stamp = c.choice(
            (
                f"[{hh:02d}:{mm:02d}] ",
                f"{hh}:{mm:02d} - ",
                "",
                f"{hh:02d}h{mm:02d} ",
                f"({hh}:{mm:02d}) ",
            )
        )
        c.t(stamp)
        if nick:
            c.t("<").person(i).t("> ")
        else:
            c.person(i).t(": ")
        r = c.rng.random()
        if r < 0.6:
            say(c, category)
        elif r < 0.8:
            babble(c)
        else:
            c.t(c.choice(("ok", "thanks!", "will do", "can you call me?", "on it", "lol", "👍")))
        c.nl()


_TICKET_TITLES = {
    "internal": ("Credential exposure", "Access request", "Service outage", "Laptop issue"),
    "confidential": ("Pricing approval", "Deal desk request", "Forecast review"),
    "financial_personal": ("Customer complaint", "Card dispute", "Refund request"),
    "hr": ("Payroll query", "Leave request", "Employee relations case"),
}


def ticket(c: Ctx, category: str) -> None:
    c.t(c.choice(("Incident ", "Ticket ", "Case "))).x(c.neg.ticket()).t(c.choice((" - ", ": ")))
    c.t(c.choice(_TICKET_TITLES.get(category, ("Request", "Question", "Follow-up")))).nl()
    c.t("Reporter: ").person(0).t(" (").email(0).t(")").nl()
    c.t("Priority: ").t(c.choice(("P1", "P2", "High", "Low"))).nl(2)
    paragraph(c, category, c.rng.randint(2, 4))
    c.nl()
    if c.chance(0.5):
        c.t("Source host: ").ip().nl()
    if c.chance(0.5):
        c.t("Log excerpt:").nl().t("  auth failure user=").person(1).t(" src=").ip().nl()


def config_file(c: Ctx, category: str) -> None:
    style = c.choice(("env", "yaml", "json"))
    keys = [
        ("DB_PASSWORD", c.v.password()),
        ("AWS_ACCESS_KEY_ID", c.v.aws_access_key()),
        ("AWS_SECRET_ACCESS_KEY", c.v.aws_secret_key()),
        ("GITHUB_TOKEN", c.v.github_token()),
        ("API_KEY", c.v.api_key()),
        ("JWT", c.v.jwt()),
        ("SMTP_PASS", c.v.password()),
    ]
    plain = [
        ("LOG_LEVEL", c.choice(("info", "debug", "warn"))),
        ("APP_VERSION", c.neg.version()),
        ("BUILD_SHA", c.neg.commit_hash()),
        ("REQUEST_ID", c.neg.uuid()),
        ("PORT", str(c.rng.randint(1024, 9999))),
    ]
    chosen = c.rng.sample(keys, c.rng.randint(1, 3)) + c.rng.sample(plain, c.rng.randint(2, 4))
    c.rng.shuffle(chosen)
    if style == "env":
        c.t(c.choice(("# .env", "# production settings", "# copied from server"))).nl()
        c.t("DB_HOST=").ip().nl()
        for k, val in chosen:
            c.t(f"{k}=")
            c.secret(val) if (k, val) in keys else c.x(val)
            c.nl()
        c.t("ADMIN_EMAIL=").email().nl()
    elif style == "yaml":
        c.t(c.choice(("# config.yaml", "services:", "app:"))).nl()
        c.t("  host: ").ip().nl()
        for k, val in chosen:
            c.t(f"  {k.lower()}: ")
            c.secret(val) if (k, val) in keys else c.x(val)
            c.nl()
        c.t("  owner: ").email().nl()
    else:
        c.t("{").nl().t('  "host": "').ip().t('",').nl()
        for k, val in chosen:
            c.t(f'  "{k.lower()}": "')
            c.secret(val) if (k, val) in keys else c.x(val)
            c.t('",').nl()
        c.t('  "contact": "').email().t('"').nl().t("}")
    if c.chance(0.25):
        c.nl().t("# deploy key").nl().secret(c.v.private_key_block()).nl()


_TABLES: dict[str, tuple[tuple[str, ...], tuple[str, ...]]] = {
    # category -> (titles, columns after the name column)
    "financial_personal": (
        ("Customer list", "Accounts", "Arrears report", "Card holders"),
        ("IBAN", "Card", "Phone", "Address", "DOB", "Balance"),
    ),
    "hr": (
        ("Staff list", "Payroll export", "Headcount", "Leavers"),
        ("DOB", "NI/SSN", "Salary", "Address", "Start date", "IBAN"),
    ),
    "health": (
        ("Patient list", "Ward list", "Clinic schedule", "Referrals"),
        ("MRN", "DOB", "Ward", "NHS", "Phone"),
    ),
    "internal": (
        ("Export", "Directory", "On-call rota", "Asset register"),
        ("Email", "Office", "Ext.", "IP", "Phone"),
    ),
}


def table(c: Ctx, category: str) -> None:
    titles, columns = _TABLES.get(category, _TABLES["internal"])
    _heading(c, titles, 0.7)
    name_col = {"health": "Patient", "hr": "Employee"}.get(category, "Name")
    cols = [name_col, *c.rng.sample(columns, c.rng.randint(2, min(4, len(columns))))]
    cells = {
        "IBAN": c.iban,
        "Card": c.card,
        "Phone": c.phone,
        "DOB": c.dob,
        "NI/SSN": c.national_id,
        "MRN": c.mrn,
        "NHS": c.nhs,
        "Email": c.email,
        "Office": c.loc,
        "Address": c.address,
        "IP": c.ip,
    }
    style = c.choice(("pipe", "markdown", "tab", "comma", "spaces"))
    sep = {"pipe": " | ", "markdown": " | ", "tab": "\t", "comma": ", ", "spaces": "  "}[style]
    edge = "| " if style == "markdown" else ""
    c.t(edge + sep.join(cols) + (" |" if edge else "")).nl()
    if style == "markdown":
        c.t("|" + "---|" * len(cols)).nl()
    for _ in range(c.rng.randint(2, 6)):
        c.t(edge).person()
        for col in cols[1:]:
            c.t(sep)
            fill = cells.get(col)
            if fill is not None:
                fill()
            else:
                c.x(
                    c.choice(
                        (
                            c.neg.amount(),
                            c.neg.event_date(),
                            "4B",
                            "ICU",
                            "x" + str(c.rng.randint(100, 999)),
                        )
                    )
                )
        c.t(" |" if edge else "").nl()
    if c.chance(0.5):
        c.nl()
        paragraph(c, category, 1)


def minutes(c: Ctx, category: str) -> None:
    _heading(
        c, ("Minutes of the Board meeting", "Board minutes", "Steering committee minutes"), 0.9
    )
    c.t("Present: ").person(1).t(", ").person(2).t(", ").person(3).nl()
    c.t("Held at ").address().t(" on ").x(c.neg.event_date()).nl(2)
    for item in range(1, c.rng.randint(2, 4)):
        c.t(f"{item}. ")
        if category in ("hr", "privileged", "health") and item > 1 and c.chance(0.6):
            say(c, category)
        else:
            say(c, category if item == 1 else c.choice(("confidential", "internal", category)))
            if category in ("hr", "privileged", "health", "financial_personal"):
                c.t(" ")
                say(c, category)
        c.nl()


_FORM_TITLES = {
    "financial_personal": (
        "KYC file", "Loan application", "Account opening form", "Customer due diligence",
        "Credit card application",
    ),
    "health": ("Patient registration", "Admission form", "New patient questionnaire"),
    "hr": ("New starter form", "Employee details", "Payroll set-up"),
}  # fmt: skip


def form(c: Ctx, category: str) -> None:
    _heading(c, _FORM_TITLES.get(category, _FORM_TITLES["financial_personal"]), 0.9)
    sep = c.choice((": ", " - ", "\t"))
    c.t("Name" + sep).person(0).nl()
    c.t(c.choice(("Date of birth", "DOB", "Born", "Birth date")) + sep).dob().nl()
    c.t("Address" + sep).address().nl()
    c.t("Phone" + sep).phone().nl()
    c.t("Email" + sep).email(0).nl()
    if category == "health":
        c.t("MRN" + sep).mrn().nl()
        if c.chance(0.6):
            c.t("NHS number" + sep).nhs().nl()
    elif category == "hr":
        c.t("NI number" + sep if c.locale == "en_GB" else "SSN" + sep).national_id().nl()
        c.t("Bank" + sep).iban().nl()
    else:
        c.t(c.choice(("Passport", "ID document", "Passport no.")) + sep).passport().nl()
        c.t("IBAN" + sep).iban().nl()
        if c.chance(0.5):
            c.t("Card on file" + sep).card().nl()
        if c.locale == "en_US":
            c.t("SSN" + sep).ssn().nl()
    c.t("Reference" + sep).x(c.neg.order_number()).nl()
    for _ in range(c.rng.randint(0, 3)):
        label_line(c)
    c.nl()
    paragraph(c, category, c.rng.randint(1, 3))


def clinical_note(c: Ctx, category: str) -> None:
    _heading(c, ("Discharge summary", "Clinic letter", "Ward round note", "A&E attendance"), 0.9)
    opener = c.choice(("  DOB: ", ", born ", " (DOB "))
    c.t("Patient: ").person(0).t(opener).dob().t(")" if "(" in opener else "").nl()
    c.t(c.choice(("Hospital no: ", "MRN: ", "Record: "))).mrn().nl()
    if c.locale == "en_GB" or c.chance(0.5):
        c.t("NHS: ").nhs().nl()
    c.t("Consultant: ").person(1).t(", ").org(0, "hospital").nl()
    for _ in range(c.rng.randint(0, 2)):
        label_line(c)
    c.nl()
    paragraph(c, category, c.rng.randint(2, 5))
    c.nl()


def press_release(c: Ctx, category: str) -> None:
    c.t(c.choice(("FOR IMMEDIATE RELEASE", "Press release", "News"))).nl()
    c.loc().t(", ").x(c.neg.event_date()).t(" - ")
    paragraph(c, category, c.rng.randint(2, 4), mix=0.0)
    c.nl(2)
    if c.chance(0.6):
        c.t("About ").org(0, "company").nl().t(c.choice(("Founded in 1998, ", "Headquartered in ")))
        c.loc().t(
            c.choice(
                (", it employs 2,000 people.", ", the company serves clients in 40 countries.")
            )
        )
        c.nl()


def case_note(c: Ctx, category: str) -> None:
    titles, subject = {
        "financial_personal": (
            ("Customer case note", "Account review", "Collections log"),
            "Customer",
        ),
        "health": (("Occupational health note", "Case file", "Clinical contact log"), "Employee"),
    }.get(
        category,
        (("HR case note", "Case file", "Employee relations log", "Payroll ticket"), "Employee"),
    )
    _heading(c, titles, 0.9)
    c.t(f"{subject}: ").person(0).t(c.choice(("  ID ", " #"))).x(
        str(c.rng.randint(10000, 99999))
    ).nl()
    c.t("Handler: ").person(1).nl(2)
    for _ in range(c.rng.randint(1, 3)):
        c.x(c.neg.event_date()).t(" - ")
        paragraph(c, category, c.rng.randint(1, 3))
        c.nl()
    if c.chance(0.3):
        filler(c, category)


KINDS: tuple[Kind, ...] = (
    Kind(
        "train.memo", ("internal", "confidential", "privileged", "hr", "financial_personal"), memo
    ),
    Kind("train.letter", ("privileged", "health", "financial_personal", "hr", "public"), letter),
    Kind("train.email_thread", ALL, email_thread),
    Kind("train.chat_export", ALL, chat_export),
    Kind("train.ticket", ("internal", "confidential", "financial_personal", "hr"), ticket),
    Kind("train.config_file", ("internal",), config_file),
    Kind("train.table", ("internal", "financial_personal", "hr", "health"), table),
    Kind("train.minutes", ("confidential", "hr", "privileged", "internal"), minutes),
    Kind("train.form", ("financial_personal", "health", "hr"), form),
    Kind("train.clinical_note", ("health",), clinical_note),
    Kind("train.press_release", ("public",), press_release),
    Kind("train.case_note", ("hr", "health", "financial_personal"), case_note),
    Kind("train.policy_excerpt", ALL, policy_excerpt),
    Kind("train.invoice", ("internal", "confidential", "financial_personal"), invoice),
    Kind("train.calendar_invite", ALL, calendar_invite),
    Kind("train.contract_clause", ("confidential", "privileged"), contract_clause),
)
KINDS += ROUND2_KINDS
KINDS += (
    Kind("train.noun_prose", ALL, noun_prose),
    Kind("train.roles_notice", ALL, roles_notice),
)

"""Training kinds written for detection round 2 (issue 18): the error classes measured on
text the generator never produced.

* people named by a first name alone: lower-case in chat exports ("this is priya from
  finance", "thanks tom"), a first name opening a sentence as an action owner ("Priya
  will send the deck"), @-mentions; given names from many cultures, not only the
  locale's Faker list;
* product and brand names (software, devices, drugs, consumer brands) in the positions
  where organisations also stand, without a span: they are not organisations;
* reference numbers next to clinical and insurance words (claim, lot, ward, invoice,
  appointment references, ICD codes) without a span: only a patient's record number is
  a MEDICAL_RECORD_NUMBER;
* secret look-alikes without a span: placeholders, variable references, masked values,
  key ids, hashes, and prose about passwords;
* public sections that talk about health, money, employment and law in general terms
  (a public FAQ, a job advert, a health campaign, a published notice), so that the topic
  words alone do not make a section sensitive;
* financial_personal sections that mention an employer and a salary (a mortgage file)
  and privileged advice about an employment dispute, the two confusions with hr;
* obfuscated forms the generic obfuscator does not write: a date of birth in full-width
  digits, a phone number broken across a line, an e-mail address whose domain was
  scrubbed (only the local part is left to redact).
"""

from __future__ import annotations

from models.datagen.adversarial import fullwidth_digits
from models.datagen.ctx import Ctx, given_name
from models.datagen.kind import Kind
from models.datagen.kinds_train.topics import paragraph, say

#: given names from many cultures (the Faker lists of the seven locales are mostly
#: European): the model must read a first name from its position, not from a list
_WORLD_NAMES = (
    "Priya", "Aisha", "Wei", "Arjun", "Fatima", "Kenji", "Oluwaseun", "Mei", "Rajesh",
    "Chen", "Nkechi", "Siobhan", "Tariq", "Yusuf", "Ananya", "Diego", "Ingrid", "Bongani",
    "Hiroshi", "Leila", "Mohammed", "Nadia", "Olga", "Pawel", "Quentin", "Rohan", "Sakura",
    "Thabo", "Uma", "Vikram", "Ximena", "Yara", "Zainab", "Aoife", "Bjorn", "Chiara",
    "Dmitri", "Emeka", "Farah", "Gustavo", "Hana", "Ivan", "Jun", "Kofi", "Lakshmi", "Malik",
    "Nikhil", "Oksana", "Pedro", "Rania", "Sanjay", "Tomasz", "Ugo", "Valentina", "Wanjiru",
    "Xavier", "Yuki", "Zeynep", "Amara", "Bilal", "Camila", "Deepa", "Elif", "Femi", "Gita",
    "Hamza", "Imani", "Jia", "Kwame", "Layla", "Mateo", "Noor", "Omar", "Parisa", "Ravi",
    "Sofia", "Tendai", "Ulla", "Vusi", "Wen", "Yasmin", "Zara", "Anil", "Bea", "Cormac",
    "Dara", "Eun-ji", "Fionn", "Grace", "Hugo", "Isla", "Joon", "Kai", "Lina", "Milan",
    "Niamh", "Ola", "Pia", "Rosa", "Sven", "Tess", "Uri", "Vera", "Will", "Mark", "Jo",
)  # fmt: skip

#: software, devices, drugs and consumer brands: names, but never organisations here
_PRODUCTS = (
    "Slack", "Microsoft Teams", "Teams", "Zoom", "Excel", "PowerPoint", "Outlook",
    "SharePoint", "OneDrive", "Google Sheets", "Google Docs", "Gmail", "Salesforce",
    "HubSpot", "Jira", "Confluence", "Trello", "Asana", "Notion", "Figma", "Miro", "Tableau",
    "Power BI", "Workday", "SAP Concur", "DocuSign", "Dropbox", "WhatsApp", "Signal",
    "iPhone 14", "iPad Air", "MacBook Pro", "ThinkPad T14", "Kindle", "PlayStation 5",
    "Xbox", "Nespresso", "Coca-Cola", "Red Bull", "Nike Air Max", "Tesla Model 3",
    "Volvo XC60", "Golf GTI", "Vespa", "Lego", "Dyson V15", "Fitbit", "Apple Watch",
    "AirPods", "Windows 11", "macOS Sonoma", "Android", "Chrome", "Firefox", "ChatGPT",
    "Copilot", "GitHub Actions", "Docker", "Terraform", "Snowflake", "Databricks",
    "PayPal", "Revolut", "Uber", "Airbnb", "Spotify", "Netflix", "Amazon Prime",
    "Deliveroo", "EMIS Web", "SystmOne", "Ventolin", "Nurofen", "Panadol", "Lipitor",
    "Ozempic", "Humira", "Calpol", "Voltaren", "Aspirin", "Zoom Rooms", "Webex", "Okta",
    "1Password", "LastPass", "Bitwarden", "Grafana", "Datadog", "PagerDuty", "ServiceNow",
    "Zendesk", "Intercom", "Mailchimp", "Canva", "Photoshop", "Acrobat", "QuickBooks",
    "Xero", "Sage 50", "Stripe", "Klarna", "Monzo", "Visa Infinite", "Amex Gold",
    "Nimbus Pro", "Orion Suite", "ClearView 4", "Atlas CRM", "Helix Portal", "Beacon 2",
)  # fmt: skip

_TEAMS = (
    "finance", "legal", "payroll", "it", "the service desk", "marketing", "ops",
    "procurement", "compliance", "the data team", "hr", "sales", "the front desk",
)  # fmt: skip


def product(c: Ctx) -> str:
    name = c.choice(_PRODUCTS)
    return name.lower() if c.casual and c.chance(0.4) else name


def world_or_local_first(c: Ctx) -> str:
    if c.chance(0.45):
        return c.choice(_WORLD_NAMES)
    name = c.v.first_name()
    return name.split()[0] if " " in name else name


def first_names(c: Ctx, n: int) -> list[str]:
    """``n`` distinct given names for this section's cast."""
    out: list[str] = []
    while len(out) < n:
        name = world_or_local_first(c)
        if name not in out:
            out.append(name)
    return out


def named(c: Ctx, name: str, lower: bool = False) -> Ctx:
    return c.e("PERSON", name.lower() if lower else name)


# ---------------------------------------------------------------- negatives


def reference(c: Ctx) -> tuple[str, str]:
    """A labelled reference number that is not a patient's record number."""
    rng = c.rng
    d = rng.randint
    return c.choice(
        (
            ("claim ref", f"CLM-{d(2019, 2026)}-{d(1000, 99999)}"),
            ("claim no.", f"{d(10000000, 99999999)}"),
            ("invoice", f"INV {d(100000, 999999)}"),
            ("lot", f"{c.choice('ABKLMX')}{d(1000, 9999)}{c.choice('ABCDEF')}"),
            ("batch", f"{d(10, 99)}{c.choice('KLMNP')}{d(100, 999)}"),
            ("ward", f"{d(1, 12)}{c.choice('ABCD')}"),
            ("bed", str(d(1, 40))),
            ("room", f"{d(1, 5)}.{d(10, 60)}"),
            ("appointment ref", f"APT-{d(100000, 999999)}"),
            ("booking reference", f"{d(100, 999)}-{d(100, 999)}-{d(100, 999)}"),
            ("ICD-10", c.choice(("J45.909", "E11.9", "I10", "F32.1", "M54.5", "K21.0"))),
            ("SNOMED", str(d(10000000, 999999999))),
            ("policy no.", f"POL{d(1000000, 9999999)}"),
            ("order", f"{d(10, 99)}-{d(100000, 999999)}"),
            ("lab order", f"LO{d(1000000, 9999999)}"),
            ("form", c.choice(("FP10", "MED3", "P45", "SA302", "W-2", "HR-17"))),
            ("PO", f"{d(4500000000, 4599999999)}"),
            ("tracking no.", f"1Z{d(100, 999)}AA{d(10000000, 99999999)}"),
            ("ticket", f"#{d(10000, 999999)}"),
            ("extension", str(d(2000, 7999))),
            ("bleep", str(d(1000, 9999))),
            ("SKU", f"{d(1000, 9999)}-{c.choice(('BL', 'RD', 'XL', 'GR'))}"),
        )
    )


def secret_lookalike(c: Ctx) -> str:
    """A value in a secret's position that grants nothing (placeholder, reference, mask)."""
    rng = c.rng
    return c.choice(
        (
            "<your-api-key>",
            "YOUR_API_KEY_HERE",
            "${DB_PASSWORD}",
            "{{ vault.smtp_password }}",
            "********",
            "[REDACTED]",
            "<set in vault>",
            "env:API_TOKEN",
            "see 1Password",
            "(stored in the key vault)",
            f"key-id {rng.randint(1000, 9999)}",
            "xxxxxxxxxxxxxxxx",
            "null",
        )
    )


# ---------------------------------------------------------------- chat


_CHAT_OPENERS = (
    "hey {n}", "hi {n}", "morning {n}", "thanks {n}", "thanks {n}!", "thank you {n}",
    "cheers {n}", "ty {n}", "ok {n}", "sure {n}", "sorry {n}", "yes {n}", "no worries {n}",
    "+1 to {n}", "good point {n}", "{n} can you check", "@{n}", "cc {n}", "ping {n}",
)  # fmt: skip


def chat_line(c: Ctx, cast: list[str], speaker: int, category: str) -> None:
    lower = c.casual and c.chance(0.7)
    other = cast[(speaker + 1 + c.rng.randrange(max(1, len(cast) - 1))) % len(cast)]
    r = c.rng.random()
    if r < 0.3:
        opener = c.choice(_CHAT_OPENERS)
        head, _, tail = opener.partition("{n}")
        c.t(head)
        named(c, other, lower)
        c.t(tail)
        c.t(c.choice((" ", ", ", " - ")))
        if c.chance(0.5):
            say(c, category)
        else:
            c.t(c.choice(("the ", "did the ", "is the "))).x(product(c)).t(
                c.choice((" link works now", " invite is out", " thing fixed?", " export ok?"))
            )
    elif r < 0.45:
        c.t(c.choice(("this is ", "it's ", "hi all, this is ", "hello, ")))
        named(c, cast[speaker], lower)
        c.t(c.choice((" from ", " in ", " with "))).t(c.choice(_TEAMS))
        c.t(c.choice((" - ", ", ", ". "))).t(
            c.choice(("quick question", "can someone help", "following up", "about the ticket"))
        )
    elif r < 0.6:
        named(c, other, lower)
        c.t(c.choice((" will ", " to ", " is going to ", " said she'd ", " said he'd ")))
        c.t(
            c.choice(
                (
                    "send the deck",
                    "share the numbers",
                    "update the sheet",
                    "call the client",
                    "book the room",
                    "chase legal",
                    "fix the export",
                )
            )
        )
        c.t(c.choice((" tomorrow", " by friday", " after lunch", "", " asap")))
    elif r < 0.75:
        c.t(c.choice(("moved it to ", "can we use ", "posted in ", "the ", "shared via ")))
        c.x(product(c)).t(c.choice((" instead", " channel", " doc", " - check it", "")))
    else:
        say(c, category)


def team_chat(c: Ctx, category: str) -> None:
    """A chat export whose people are mostly first names, often typed in lower case."""
    if c.chance(0.5):
        c.t(c.choice(("#", "# "))).t(c.choice(("team", "ops-chat", "deal-room", "general")))
        c.t(c.choice((" - exported", " (export)", ""))).nl()
    cast = first_names(c, c.rng.randint(2, 4))
    c.casual = c.chance(0.7)
    style = c.choice(("colon", "nick", "stamp"))
    for _ in range(c.rng.randint(4, 8)):
        i = c.rng.randrange(len(cast))
        lower = c.casual and c.chance(0.6)
        if style == "nick":
            c.t("<")
            named(c, cast[i], lower)
            c.t("> ")
        elif style == "stamp":
            c.t(f"[{c.rng.randint(7, 19):02d}:{c.rng.randint(0, 59):02d}] ")
            named(c, cast[i], lower)
            c.t(": ")
        else:
            named(c, cast[i], lower)
            c.t(": ")
        chat_line(c, cast, i, category)
        c.nl()


# ---------------------------------------------------------------- action items


_ACTIONS = (
    "will send the deck to the client",
    "will circulate the revised draft",
    "to confirm the numbers with finance",
    "owns the migration plan",
    "will follow up with the supplier",
    "to book a call with the auditors",
    "is taking the minutes next time",
    "agreed to review the contract",
    "will chase the missing invoices",
    "to update the risk register",
    "has the action on the rota",
    "will present the results on Thursday",
)


def action_items(c: Ctx, category: str) -> None:
    """Meeting notes whose actions are owned by people named by first name only."""
    c.t(c.choice(("Actions", "Action items", "Next steps", "AOB", "Follow-ups")))
    c.t(c.choice((":", "", " -"))).nl()
    cast = first_names(c, c.rng.randint(2, 4))
    bullet = c.choice(("- ", "* ", "• ", ""))
    for k in range(c.rng.randint(2, 5)):
        name = cast[k % len(cast)]
        c.t(bullet)
        if c.chance(0.3):
            c.t(c.choice(("Then ", "Also: ", "And ")))
        named(c, name, lower=c.chance(0.1))
        if c.chance(0.25):
            c.t(" and ")
            named(c, cast[(k + 1) % len(cast)])
        c.t(" " + c.choice(_ACTIONS))
        if c.chance(0.3):
            c.t(" in ").x(product(c))
        c.t(c.choice((".", "", " by Friday.", " before the board.")))
        c.nl()
    c.nl()
    paragraph(c, category, c.rng.randint(1, 3))
    if c.chance(0.5):
        c.nl().t(c.choice(("Priority: ", "Thanks ", "Next meeting: ")))
        if c.chance(0.5):
            named(c, c.choice(cast)).t(".")
        else:
            c.x(c.neg.event_date())


# ---------------------------------------------------------------- products and references


def product_sentence(c: Ctx) -> None:
    p = product(c)
    c.t(
        c.choice(
            (
                "We moved the team from ",
                "The rollout of ",
                "Please stop using ",
                "Licences for ",
                "The ",
                "Our subscription to ",
                "Support for ",
            )
        )
    )
    c.x(p)
    c.t(
        c.choice(
            (
                " ends next month.",
                " is complete for all offices.",
                " renews in the spring.",
                " integration is broken again.",
                " works on the new laptops.",
                " costs more than budgeted.",
            )
        )
    )


def reference_sentence(c: Ctx, category: str) -> None:
    label, value = reference(c)
    lead = c.choice(("Please quote ", "Re ", "See ", "Logged under ", "Filed as ", ""))
    c.t(lead + (label.capitalize() if not lead else label) + c.choice((" ", ": ", " no. ")))
    c.x(value)
    c.t(
        c.choice(
            (
                " for all follow-ups.",
                ".",
                " - no further action.",
                " (attached).",
                " when you call back.",
            )
        )
    )


def tools_note(c: Ctx, category: str) -> None:
    """Internal or public text about products, tools and brands, with references."""
    if c.chance(0.6):
        c.t(c.choice(("IT update", "Tools", "What changed", "Release notes", "Facilities")))
        c.nl(c.choice((1, 2)))
    for i in range(c.rng.randint(3, 6)):
        c.t(" " if i and c.chance(0.6) else ("\n" if i else ""))
        r = c.rng.random()
        if r < 0.45:
            product_sentence(c)
        elif r < 0.65:
            reference_sentence(c, category)
        else:
            say(c, category)


# ---------------------------------------------------------------- public sections


_PUBLIC_LINES = (
    "Our clinics are open to everyone; no referral is needed for the flu vaccine.",
    "Eligible applicants can borrow up to four times their annual income.",
    "The role offers a competitive salary, 28 days of leave and a pension scheme.",
    "This notice is published under the data protection regulations.",
    "Anyone can request a copy of the judgment from the court office.",
    "If you think you have diabetes, speak to your pharmacist or family doctor.",
    "We never ask for your card PIN or online banking password by phone or email.",
    "Employees of all our branches are invited to the open day.",
    "Our lawyers regularly publish guides to the new consumer rules.",
    "Results of the clinical trial were published in a peer-reviewed journal.",
    "Interest rates on our savings accounts rise from next week.",
    "Applications for the graduate programme close at the end of the month.",
    "Visitors to the hospital must wear a mask on the wards this winter.",
    "The tribunal's decision in this case is public and may be quoted.",
    "Keep your medicines out of the reach of children.",
    "The annual general meeting is open to all shareholders.",
    "Find out how to dispute a transaction in the help centre.",
    "We are hiring nurses, pharmacists and support staff across the region.",
    "Please do not include personal details when you contact us through this form.",
    "Frequently asked questions about your pension are answered below.",
)


def public_page(c: Ctx, category: str) -> None:
    """Published web copy, FAQs, job adverts and notices: public text that uses the words
    of health, money, employment and law in general terms."""
    c.t(
        c.choice(
            (
                "FAQ",
                "Careers",
                "Public notice",
                "Help centre",
                "Health advice",
                "News",
                "Your questions answered",
                "Job advert",
                "Patient information leaflet",
            )
        )
    )
    c.nl(c.choice((1, 2)))
    for i in range(c.rng.randint(3, 6)):
        if i:
            c.t(c.choice((" ", "\n", "\n\n")))
        r = c.rng.random()
        if r < 0.5:
            line = c.choice(_PUBLIC_LINES)
            if line in c.used:
                line = c.choice(_PUBLIC_LINES)
            c.used.add(line)
            c.t(line)
        elif r < 0.65:
            c.t(c.choice(("Download the ", "Now on ", "Available for ", "Works with ")))
            c.x(product(c)).t(".")
        elif r < 0.8:
            c.t(c.choice(("Questions? Email ", "Contact our press office at ", "Write to ")))
            if c.chance(0.6):
                c.e("EMAIL_ADDRESS", c.choice(("info@", "press@", "careers@")) + "example.org")
                c.t(".")
            else:
                c.org(None, "company").t(", ").address().t(".")
        else:
            say(c, "public")


# ---------------------------------------------------------------- confusable categories


def mortgage_file(c: Ctx, category: str) -> None:
    """financial_personal: an individual's loan file, which names an employer and a salary."""
    c.t(c.choice(("Mortgage application", "Affordability check", "Loan file"))).nl()
    c.t("Applicant: ").person(0).nl()
    c.t("Employer: ").org(None, "company").t(c.choice((" (permanent)", "", " since 2017"))).nl()
    c.t(c.choice(("Gross salary: ", "Declared income: ", "Basic pay: "))).x(c.neg.amount()).nl()
    c.t("Account: ").iban().nl()
    c.t(
        c.choice(
            (
                "Payslips for the last three months confirm the income; the bank statements "
                "show regular gambling transactions.",
                "The applicant's credit file shows a default from 2021 and two late payments.",
                "Monthly repayments would take 46% of net income; we recommend a lower loan.",
                "The salary is paid into the joint account held with the applicant's partner.",
            )
        )
    )
    c.nl()
    if c.chance(0.6):
        paragraph(c, "financial_personal", c.rng.randint(1, 2))


def employment_advice(c: Ctx, category: str) -> None:
    """privileged: counsel's advice on an employment dispute (not an hr record)."""
    c.t(c.choice(("Privileged & confidential", "Legal advice", "Advice note"))).nl()
    c.t("To: ").person(0).t(c.choice((", General Counsel", ", HR Director", ""))).nl()
    c.t("From: ").person(1).t(", ").org(None, "law").nl(2)
    c.t("You asked whether the dismissal of ").person(2).t(
        c.choice(
            (
                " would survive an unfair dismissal claim. In our view the procedure was "
                "flawed and the tribunal is likely to find against the company.",
                " exposes the company to a discrimination claim. We advise settling before "
                "the preliminary hearing.",
                " can be defended. The disciplinary record helps, but the grievance was not "
                "investigated and that weakens the defence.",
            )
        )
    )
    c.nl()
    paragraph(c, "privileged", c.rng.randint(1, 2))


# ---------------------------------------------------------------- obfuscated forms


def odd_forms(c: Ctx, category: str) -> None:
    """Forms the generic obfuscator does not write, inside a short record."""
    c.t(c.choice(("Record", "Contact details", "Patient details", "Customer details"))).nl()
    c.t("Name: ").person(0).nl()
    if c.chance(0.6):
        c.t(c.choice(("DOB: ", "Date of birth: ", "born ")))
        c.doc.e(fullwidth_digits(c.v.dob()), "DATE_OF_BIRTH")
        c.nl()
    else:
        c.t("Date of birth: ").dob().nl()
    if c.chance(0.6):
        phone = c.v.phone()
        cut = [i for i, ch in enumerate(phone) if ch == " " and 2 < i < len(phone) - 2]
        if cut:
            i = c.choice(cut)
            phone = phone[:i] + c.choice(("\n", " \n")) + phone[i + 1 :]
        c.t(c.choice(("Phone: ", "Tel: ", "Call on ")))
        c.doc.e(phone, "PHONE_NUMBER")
        c.nl()
    if c.chance(0.7):
        name = c.person_name(0)
        given = given_name(name) or "user"
        local = c.v.email(name).partition("@")[0]
        scrub = c.choice(("@[redacted]", "@***", "@…", "@<domain removed>", " at [removed]"))
        c.t(c.choice(("Email: ", "Mail: ", "Contact ")))
        c.doc.e(local, "EMAIL_ADDRESS")
        c.t(scrub).nl()
        if c.chance(0.3):
            c.t("Ask for ").person(0, short=True).t(" or ").e("PERSON", given).t(".").nl()
    c.nl()
    paragraph(c, category, c.rng.randint(1, 2))


def config_template(c: Ctx, category: str) -> None:
    """Configuration with placeholders, variable references and masked values (no span)
    beside the odd real secret: only a value that grants access is a SECRET."""
    c.t(c.choice(("# settings.example", "# deploy/values.yaml", "# README: configuration")))
    c.nl()
    keys = ("DB_PASSWORD", "API_KEY", "SMTP_PASSWORD", "AUTH_TOKEN", "CLIENT_SECRET")
    for _ in range(c.rng.randint(3, 6)):
        key = c.choice(keys)
        lead = c.choice((f"{key}=", f"{key.lower()}: ", f'"{key.lower()}": "'))
        c.t(lead)
        if c.chance(0.2):
            c.secret(c.choice((c.v.password(), c.v.api_key())))
        else:
            c.x(secret_lookalike(c))
        c.t('",' if lead.startswith('"') else "").nl()
    c.t(
        c.choice(
            (
                "Never commit real passwords; the values above are placeholders.",
                "Rotate the API key every 90 days and store it in the vault.",
                "The password policy requires twelve characters and a second factor.",
                "Tokens are issued by the identity provider and expire after an hour.",
            )
        )
    )
    c.nl()


KINDS: tuple[Kind, ...] = (
    Kind(
        "train.team_chat",
        ("internal", "confidential", "financial_personal", "hr", "health", "privileged"),
        team_chat,
    ),
    Kind(
        "train.action_items",
        ("internal", "confidential", "hr", "privileged", "health"),
        action_items,
    ),
    Kind("train.tools_note", ("internal", "public", "confidential"), tools_note),
    Kind("train.public_page", ("public",), public_page),
    Kind("train.mortgage_file", ("financial_personal",), mortgage_file),
    Kind("train.employment_advice", ("privileged",), employment_advice),
    Kind("train.odd_forms", ("health", "financial_personal", "hr"), odd_forms),
    Kind("train.config_template", ("internal",), config_template),
)

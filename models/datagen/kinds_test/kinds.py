"""Test-split document kinds: structures the training split never produces.

Court filings, witness statements, insurance claims, lab/radiology reports, review forms,
CSV exports, investor updates, notices, incident post-mortems, docker-compose / INI /
Kubernetes secrets / tfvars files, IRC-style logs, support call transcripts, wire
instructions and prescriptions.
"""

from __future__ import annotations

import base64

from models.datagen.ctx import Ctx
from models.datagen.kind import Kind
from models.datagen.kinds_test.plain import bulletin
from models.datagen.kinds_test.topics import block, say

EVERY = ("public", "internal", "confidential", "financial_personal", "hr", "health", "privileged")


def _title(c: Ctx, options: tuple[str, ...], p: float = 0.7) -> None:
    if c.chance(p):
        c.t(c.choice(("== ", "## ", "", "", "*** "))).t(c.choice(options)).nl()


def court_filing(c: Ctx, category: str) -> None:
    c.t("IN THE ").t(c.choice(("HIGH COURT OF JUSTICE", "DISTRICT COURT", "COMMERCIAL COURT"))).t(
        " AT "
    ).loc().nl()
    c.t(c.choice(("Claim no. ", "Docket "))).x(c.neg.docket()).nl()
    c.t("BETWEEN ").org(0, "company").t(" (Claimant) and ").person(0).t(" (Defendant)").nl(2)
    for n in range(1, c.rng.randint(3, 5)):
        c.t(f"{n}. ")
        say(c, category)
        c.nl()


def witness_statement(c: Ctx, category: str) -> None:
    c.t("WITNESS STATEMENT OF ").person(0).nl()
    c.t("I, ").person(0).t(", of ").address().t(", say as follows:").nl(2)
    for n in range(1, c.rng.randint(3, 6)):
        c.t(f"({n}) ")
        say(c, category)
        c.nl()
    c.t("Statement of truth signed on ").x(c.neg.event_date()).t(".")


def insurance_claim(c: Ctx, category: str) -> None:
    _title(c, ("Claim notification", "First notice of loss"))
    c.t("Policyholder ..... ").person(0).nl()
    c.t("Policy no. ....... ").x(c.neg.order_number()).nl()
    c.t("Contact .......... ").phone().t(" / ").email(0).nl()
    c.t("Loss address ..... ").address().nl()
    c.t("Date of loss ..... ").x(c.neg.event_date()).nl(2)
    block(c, category, c.rng.randint(2, 4))


def lab_report(c: Ctx, category: str) -> None:
    _title(c, ("LABORATORY REPORT", "Radiology report", "Pathology"), 0.9)
    c.t("Name: ").person(0).t("    Hosp No: ").mrn().nl()
    c.t("D.O.B.: ").dob().t("    Requested by: ").person(1).nl()
    c.t("Site: ").org(0, "hospital").nl()
    c.t("-" * c.rng.randint(20, 40)).nl()
    block(c, category, c.rng.randint(2, 4))


def review_form(c: Ctx, category: str) -> None:
    _title(c, ("Annual review", "Probation review", "Investigation report"), 0.9)
    c.t("[Employee] ").person(0).nl().t("[Reviewer] ").person(1).nl().t("[Location] ").loc().nl(2)
    for q in ("Summary", "Concerns", "Outcome"):
        c.t(f"{q}:").nl()
        block(c, category, c.rng.randint(1, 2))
        c.nl()


def csv_export(c: Ctx, category: str) -> None:
    fields = {
        "financial_personal": ("full_name", "iban", "card_number", "city"),
        "hr": ("employee", "birth_date", "national_id", "home_address"),
        "health": ("patient_name", "hospital_number", "birth_date", "gp_phone"),
        "internal": ("user", "email", "last_login_ip", "team"),
        "public": ("speaker", "organisation", "city", "session"),
    }[category]
    q = c.choice(('"', ""))
    c.t(",".join(fields)).nl()
    for _ in range(c.rng.randint(3, 7)):
        for j, f in enumerate(fields):
            if j:
                c.t(",")
            c.t(q)
            {
                "full_name": c.person,
                "employee": c.person,
                "patient_name": c.person,
                "user": c.person,
                "speaker": c.person,
                "iban": c.iban,
                "card_number": c.card,
                "city": c.loc,
                "birth_date": c.dob,
                "national_id": c.national_id,
                "home_address": c.address,
                "hospital_number": c.mrn,
                "gp_phone": c.phone,
                "email": c.email,
                "last_login_ip": c.ip,
                "organisation": c.org,
            }.get(f, lambda: c.x(c.choice(("infra", "legal", "keynote", "panel", "data"))))()
            c.t(q)
        c.nl()


def investor_update(c: Ctx, category: str) -> None:
    _title(c, ("Investor update", "Letter to shareholders", "Quarterly note"))
    c.t(c.choice(("Dear shareholders,", "To our investors,", "Team,"))).nl(2)
    block(c, category, c.rng.randint(3, 5), mix=0.0)
    c.nl(2).t("- ").person(1).t(", ").org(0, "company")


def notice(c: Ctx, category: str) -> None:
    c.t(c.choice(("NOTICE", "Announcement", "Public notice", "Bulletin"))).t(" - ").loc().nl(2)
    block(c, category, c.rng.randint(2, 4), mix=0.0)


def postmortem(c: Ctx, category: str) -> None:
    _title(c, ("Post-incident review", "Postmortem", "Security incident report"), 0.9)
    c.t("Incident commander: ").person(0).t(" <").email(0).t(">").nl()
    c.t("Timeline (UTC)").nl()
    for _ in range(c.rng.randint(2, 4)):
        c.t(f"  {c.rng.randint(0, 23):02d}:{c.rng.randint(0, 59):02d}  ")
        say(c, category)
        c.nl()
    c.t("Affected hosts: ").ip().t(c.choice((", ", " and "))).ip().nl()


def compose_file(c: Ctx, category: str) -> None:
    style = c.choice(("compose", "ini", "k8s", "tfvars"))
    if style == "compose":
        c.t("services:").nl().t("  api:").nl().t("    image: registry.local/api:").x(
            c.neg.version()
        ).nl()
        c.t("    environment:").nl()
        c.t("      - POSTGRES_PASSWORD=").secret(c.v.password()).nl()
        c.t("      - STRIPE_KEY=").secret(c.v.api_key()).nl()
        c.t("      - GIT_SHA=").x(c.neg.commit_hash()).nl()
        c.t("    extra_hosts:").nl().t('      - "db:').ip().t('"').nl()
    elif style == "ini":
        c.t("[database]").nl().t("host = ").ip().nl().t("user = reporting").nl()
        c.t("password = ").secret(c.v.password()).nl().t("[mail]").nl().t("from = ").email().nl()
        c.t("[build]").nl().t("checksum = ").x(c.neg.sha256()).nl()
    elif style == "k8s":
        token = c.v.github_token()
        c.t("apiVersion: v1").nl().t("kind: Secret").nl().t("metadata:").nl()
        c.t("  name: ci-credentials").nl().t("  uid: ").x(c.neg.uuid()).nl().t("stringData:").nl()
        c.t("  token: ").secret(token).nl()
        c.t("  aws_key: ").secret(c.v.aws_access_key()).nl()
        c.t("  aws_secret: ").secret(c.v.aws_secret_key()).nl()
        if c.chance(0.4):
            blob = base64.b64encode(c.v.password().encode()).decode()
            c.t("data:").nl().t("  password: ").secret(blob).nl()
    else:
        c.t('region        = "eu-west-1"').nl().t('admin_cidr    = "').ip().t('/32"').nl()
        c.t('db_password   = "').secret(c.v.password()).t('"').nl()
        c.t('owner_email   = "').email().t('"').nl()
        c.t('module_ref    = "').x(c.neg.commit_hash()).t('"').nl()
    if c.chance(0.3):
        c.t("# TODO remove:").nl().secret(c.v.private_key_block()).nl()


def irc_log(c: Ctx, category: str) -> None:
    nicks = [c.person_name(i) for i in range(c.rng.randint(2, 4))]
    c.casual = c.chance(0.3)
    c.t(f"--- Log opened {c.neg.event_date()}").nl()
    for _ in range(c.rng.randint(3, 8)):
        i = c.rng.randrange(len(nicks))
        c.t(f"{c.rng.randint(0, 23):02d}{c.choice((':', 'h'))}{c.rng.randint(0, 59):02d} <").person(
            i
        ).t("> ")
        if c.chance(0.7):
            say(c, category)
        else:
            c.t(c.choice(("brb", "+1", "agreed", "sending now", "who owns this?", "?")))
        c.nl()


def support_call(c: Ctx, category: str) -> None:
    _title(c, ("Call transcript", "Support chat transcript", "Voicemail transcription"))
    c.t("Agent: Thank you for calling ").org(0).t(", may I have your full name?").nl()
    c.t("Caller: It's ").person(0).t(".").nl()
    c.t("Agent: And the best number to reach you?").nl().t("Caller: ").phone().nl()
    for _ in range(c.rng.randint(1, 3)):
        c.t(c.choice(("Caller: ", "Agent: ")))
        say(c, category)
        c.nl()


def wire_instruction(c: Ctx, category: str) -> None:
    _title(c, ("Payment instruction", "Wire transfer request", "SEPA credit transfer"), 0.9)
    c.t("Ordering customer: ").person(0).t(", ").address().nl()
    c.t("Debit account: ").iban().nl()
    c.t("Beneficiary bank: ").org(None, "bank").nl()
    c.t("Value date: ").x(c.neg.event_date()).t("   Invoice: ").x(c.neg.order_number()).nl(2)
    block(c, category, c.rng.randint(1, 3))


def prescription(c: Ctx, category: str) -> None:
    c.org(0, "hospital").t(" - outpatient pharmacy").nl()
    c.t("Patient: ").person(0).t(" | born ").dob().t(" | ").mrn().nl()
    if c.locale == "en_GB" or c.chance(0.5):
        c.t("NHS No ").nhs().nl()
    c.t("Prescriber: ").person(1).nl(2)
    block(c, category, c.rng.randint(2, 4))


KINDS: tuple[Kind, ...] = (
    Kind("test.court_filing", ("privileged",), court_filing),
    Kind("test.witness_statement", ("privileged",), witness_statement),
    Kind("test.insurance_claim", ("financial_personal", "health"), insurance_claim),
    Kind("test.lab_report", ("health",), lab_report),
    Kind("test.review_form", ("hr",), review_form),
    Kind(
        "test.csv_export", ("financial_personal", "hr", "health", "internal", "public"), csv_export
    ),
    Kind("test.investor_update", ("confidential", "public"), investor_update),
    Kind("test.notice", ("public", "internal"), notice),
    Kind("test.postmortem", ("internal", "confidential"), postmortem),
    Kind("test.compose_file", ("internal",), compose_file),
    Kind("test.irc_log", EVERY, irc_log),
    Kind("test.support_call", ("financial_personal", "health", "internal"), support_call),
    Kind("test.wire_instruction", ("financial_personal",), wire_instruction),
    Kind("test.prescription", ("health",), prescription),
    Kind("test.bulletin", EVERY, bulletin),
)

"""More training-split document kinds: invoices, calendar invites and contract clauses."""

from __future__ import annotations

from models.datagen.ctx import Ctx
from models.datagen.kinds_train.topics import paragraph, say


def invoice(c: Ctx, category: str) -> None:
    c.t(c.choice(("INVOICE", "Invoice", "Tax invoice", "Rechnung", "Facture"))).nl()
    c.org(0, "company").nl().address_block()
    c.t("VAT no. ").x(c.rng.choice(("GB", "DE", "FR", "NL")) + str(c.rng.randint(10**8, 10**9)))
    c.nl(2)
    c.t("Bill to: ")
    if category == "financial_personal":
        c.person(0).nl().address_block()
    else:
        c.org(1, "company").nl().t("Attn: ").person(0).nl()
    c.t("Invoice no. ").x(c.neg.order_number()).t("   Date: ").x(c.neg.event_date()).nl(2)
    for _ in range(c.rng.randint(1, 4)):
        c.t(f"{c.rng.randint(1, 20)} x ").x(c.neg.product()).t("  ").x(c.neg.amount()).nl()
    c.t("Total due: ").x(c.neg.amount()).nl()
    c.t("Pay to IBAN ").iban().t(c.choice((" quoting the invoice number.", "."))).nl()
    if c.chance(0.5):
        c.t("Questions: ").email(2).t(" / ").phone().nl()
    if c.chance(0.6):
        c.nl()
        paragraph(c, category, c.rng.randint(1, 2))


def calendar_invite(c: Ctx, category: str) -> None:
    c.t(c.choice(("Meeting: ", "Invitation: ", "Updated invitation: ")))
    c.t(c.choice(("quarterly review", "case discussion", "1:1", "project sync", "board prep"))).nl()
    c.t("When: ").x(c.neg.event_date()).t(
        f" {c.rng.randint(8, 17):02d}:00-{c.rng.randint(9, 18):02d}:30"
    )
    c.nl().t("Where: ")
    if c.chance(0.5):
        c.address()
    else:
        c.t("video call, dial-in ").phone()
    c.nl().t("Organizer: ").person(0).t(" <").email(0).t(">").nl()
    c.t("Attendees: ").person(1).t("; ").person(2)
    if c.chance(0.5):
        c.t("; ").email()
    c.nl(2).t(c.choice(("Agenda:", "Notes:", "Purpose:"))).nl()
    for _ in range(c.rng.randint(1, 3)):
        c.t("- ")
        say(c, category)
        c.nl()


def contract_clause(c: Ctx, category: str) -> None:
    clause = c.rng.randint(2, 24)
    c.t(f"{clause}. ").t(c.choice(("CONFIDENTIALITY", "TERMINATION", "INDEMNITY", "PAYMENT"))).nl()
    c.t(f"{clause}.1 ").t("This agreement is made between ").org(0, "company").t(" of ").address()
    c.t(" and ").org(1, "company").t(".").nl()
    c.t(f"{clause}.2 ")
    paragraph(c, category, c.rng.randint(1, 3))
    c.nl(2)
    c.t("Signed for and on behalf of ").org(0).t(": ").person(1).nl()
    c.t("Signed for and on behalf of ").org(1).t(": ").person(2).nl()
    c.t("Date: ").x(c.neg.event_date())

"""More training-split sentence generators (same contract as ``topics``), written with
optional clauses so that no two renderings share one fixed frame."""

from __future__ import annotations

from models.datagen.ctx import Ctx
from models.datagen.kind import SentenceGen


def _maybe(c: Ctx, p: float, text: str) -> None:
    if c.chance(p):
        c.t(text)


# ---------------------------------------------------------------- public


def pub_appointment(c: Ctx) -> None:
    c.org(0).t(c.choice((" has appointed ", " announces the appointment of ", " welcomes ")))
    c.person(1).t(
        c.choice((" as Chief Financial Officer", " to its board", " as managing partner"))
    )
    _maybe(c, 0.5, ", effective immediately")
    c.t(".")


def pub_sponsor(c: Ctx) -> None:
    c.t(c.choice(("This year we are proud to sponsor ", "Our staff raised funds for ")))
    c.org(None, c.choice(("company", "hospital"))).t(" in ").loc().t(".")
    _maybe(c, 0.4, " Thank you to everyone who took part.")


def pub_website(c: Ctx) -> None:
    c.t(
        c.choice(
            (
                "The full report is available on our website.",
                "Follow us for updates.",
                "Shares are listed on the main market.",
                "Terms and conditions apply.",
            )
        )
    )


def pub_opening_hours(c: Ctx) -> None:
    c.t("Visitors are welcome at ").org(0).t(", ").address()
    c.t(c.choice((", from 9:00 to 17:00 on weekdays.", ", except on public holidays.")))


# ---------------------------------------------------------------- internal


def int_new_laptop(c: Ctx) -> None:
    c.t("Your new ").x(c.neg.product()).t(
        c.choice((" is ready for collection", " has been shipped"))
    )
    c.t("; asset tag ").x(c.neg.order_number()).t(c.choice((".", ", serial on the box.")))


def int_access(c: Ctx) -> None:
    c.person().t(
        c.choice((" needs read access to", " asked for admin rights on", " lost access to "))
    )
    c.t(" the ").t(c.choice(("finance share", "CRM", "build server", "HR portal"))).t(
        " - approved by "
    )
    c.person().t(".")


def int_oncall(c: Ctx) -> None:
    opener = c.choice((" (", ", mobile "))
    c.t("On call this week: ").person().t(opener).phone().t(")" if "(" in opener else "")
    c.t(". Escalate to ").email().t(" if no answer within 15 minutes.")


def int_vpn(c: Ctx) -> None:
    c.t(c.choice(("VPN gateway moved to ", "New proxy: ", "DNS now points at "))).ip()
    _maybe(c, 0.5, "; the old address is decommissioned")
    c.t(".")


def int_token_ticket(c: Ctx) -> None:
    token = c.v.github_token() if c.chance(0.5) else c.v.api_key()
    style = c.rng.randrange(3)
    if style == 0:
        c.t("Attached curl for repro: curl -H 'Authorization: token ").secret(token)
        c.t("' https://api.example.invalid/v1/items")
    elif style == 1:
        c.t("repro: export GH_TOKEN=").secret(token).t(" && ./run.sh")
    else:
        c.t("Header used: X-Api-Key: ").secret(token)


def int_invoice(c: Ctx) -> None:
    c.t("Supplier invoice ").x(c.neg.order_number()).t(" dated ").x(c.neg.event_date())
    c.t(c.choice((" quotes card reference ", " lists account "))).x(
        c.neg.bad_luhn() if c.chance(0.5) else c.neg.bad_iban()
    )
    c.t(c.choice((" - finance says it is a batch id.", ", which fails validation.")))


# ---------------------------------------------------------------- confidential


def conf_board(c: Ctx) -> None:
    c.t("The board approved the sale of the ").loc().t(" subsidiary to ").org(1)
    _maybe(c, 0.5, ", subject to regulatory clearance")
    c.t(c.choice((". Announcement planned for next month.", ". Keep strictly confidential.")))


def conf_churn(c: Ctx) -> None:
    c.t("Our largest client, ").org(1).t(
        c.choice((", has given notice", ", is evaluating competitors"))
    )
    c.t("; this would cut revenue by ").t(str(c.rng.randint(3, 25))).t("%.")


def conf_tender(c: Ctx) -> None:
    c.t("Tender ").x(c.neg.order_number()).t(": our price of ").x(c.neg.amount())
    c.t(" undercuts ").org(1, "company").t(
        c.choice((" by about 8%.", " if they keep last year's rates."))
    )


def conf_patent(c: Ctx) -> None:
    c.t("The formulation behind ").x(c.neg.product()).t(" remains a trade secret; only ")
    c.person().t(" and ").person().t(" hold the full recipe.")


# ---------------------------------------------------------------- financial_personal


def fin_statement(c: Ctx) -> None:
    c.t("Statement for ").person(0).t(c.choice((": closing balance ", ": available credit ")))
    c.x(c.neg.amount()).t(", card ").card().t(".")


def fin_address_change(c: Ctx) -> None:
    c.person(0).t(c.choice((" moved to ", " updated their correspondence address to ")))
    c.address().t("; new mobile ").phone().t(".")


def fin_fraud(c: Ctx) -> None:
    c.t("Possible fraud: card ").card().t(c.choice((" used in ", " declined twice in "))).loc()
    c.t(" while ").person(0, short=True).t(" was at home.")


def fin_mortgage(c: Ctx) -> None:
    c.t("Mortgage offer for ").person(0).t(" on ").address().t(": ").x(c.neg.amount())
    c.t(" over ").t(str(c.rng.choice((15, 20, 25, 30)))).t(" years.")


def fin_dd(c: Ctx) -> None:
    c.t("Source of funds for ").person(0).t(" (born ").dob().t(") confirmed by statements from ")
    c.org(None, "bank").t(".")


# ---------------------------------------------------------------- hr


def hr_sickness(c: Ctx) -> None:
    c.person(0).t(" has been absent for ").t(str(c.rng.randint(3, 40))).t(" days this year")
    c.t(c.choice(("; a return-to-work meeting is booked.", ", triggering a stage 1 review.")))


def hr_relocation(c: Ctx) -> None:
    c.person(0).t(" relocates to the ").loc().t(" office; relocation allowance ").x(c.neg.amount())
    c.t(", new home address ").address().t(".")


def hr_reference(c: Ctx) -> None:
    c.t("Reference request for former employee ").person(0).t(
        ": dismissed for gross misconduct on "
    )
    c.x(c.neg.event_date()).t(".")


def hr_maternity(c: Ctx) -> None:
    c.person(0).t(c.choice((" starts parental leave", " returns from parental leave")))
    c.t(" next month; cover arranged with ").person(1).t(".")


def hr_pay_gap(c: Ctx) -> None:
    c.t("Pay review: ").person(0).t(" earns ").x(c.neg.amount()).t(" less than ").person(1)
    c.t(" in the same role.")


# ---------------------------------------------------------------- health


def hea_history(c: Ctx) -> None:
    c.t("Past medical history: ").t(
        c.choice(
            (
                "hypertension, asthma",
                "epilepsy since childhood",
                "breast cancer in remission",
                "alcohol dependence",
            )
        )
    )
    c.t(c.choice((". Lives with partner at ", ". Lives alone at ", ". Lives with daughter at ")))
    c.address().t(".")


def hea_plan(c: Ctx) -> None:
    c.t("Plan: ").t(
        c.choice(
            (
                "repeat bloods in 2 weeks",
                "refer to cardiology",
                "MRI spine",
                "increase dose, review in clinic",
            )
        )
    )
    c.t("; GP ").person(1).t(" informed by letter.")


def hea_triage(c: Ctx) -> None:
    c.person(0).t(", ").t(str(c.rng.randint(18, 95))).t(c.choice(("F", "M", "y/o")))
    c.t(", brought in by ambulance after a fall; GCS 14. MRN ").mrn().t(".")


def hea_vaccine(c: Ctx) -> None:
    c.t("Immunisation record for ").person(0).t(" (DOB ").dob().t("): ")
    c.t(c.choice(("influenza, COVID-19 booster", "hepatitis B course complete", "MMR dose 2")))
    c.t(".")


# ---------------------------------------------------------------- privileged


def priv_contract(c: Ctx) -> None:
    c.t("Clause 14 of the agreement with ").org(1).t(
        c.choice((" is probably unenforceable", " gives us a right to terminate"))
    )
    c.t("; we recommend you do not rely on it without further advice.")


def priv_employment_claim(c: Ctx) -> None:
    c.t("The unfair dismissal claim by ").person(0).t(
        c.choice((" has merit on procedure", " is likely to fail"))
    )
    c.t("; our fee estimate to a hearing is ").x(c.neg.amount()).t(".")


def priv_counsel_call(c: Ctx) -> None:
    c.t("Note of call with counsel (").person(1).t(c.choice((", KC", ", barrister", "")))
    c.t("): prospects at trial no better than 40%.")


def priv_disclosure(c: Ctx) -> None:
    c.t("Documents held by ").org(0).t(" in ").loc().t(" may be disclosable in ").x(c.neg.docket())
    c.t("; do not destroy anything.")


EXTRA: dict[str, tuple[SentenceGen, ...]] = {
    "public": (pub_appointment, pub_sponsor, pub_website, pub_opening_hours),
    "internal": (int_new_laptop, int_access, int_oncall, int_vpn, int_token_ticket, int_invoice),
    "confidential": (conf_board, conf_churn, conf_tender, conf_patent),
    "financial_personal": (fin_statement, fin_address_change, fin_fraud, fin_mortgage, fin_dd),
    "hr": (hr_sickness, hr_relocation, hr_reference, hr_maternity, hr_pay_gap),
    "health": (hea_history, hea_plan, hea_triage, hea_vaccine),
    "privileged": (priv_contract, priv_employment_claim, priv_counsel_call, priv_disclosure),
}

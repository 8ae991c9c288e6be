"""Training-split sentence generators, grouped by the section category they signal.

Each generator writes one or two sentences through the ``Ctx`` (entities via its typed
methods, look-alikes via ``x``). Kinds draw from these pools; the test split has its own,
separately worded pools in ``kinds_test``.
"""

from __future__ import annotations

from models.datagen.ctx import Ctx
from models.datagen.kind import SentenceGen
from models.datagen.kinds_train.babble import babble
from models.datagen.kinds_train.local import local_sentence
from models.datagen.kinds_train.topics_extra import EXTRA
from models.datagen.sample import CATEGORIES

# ---------------------------------------------------------------- public


def pub_launch(c: Ctx) -> None:
    c.org(0, "company").t(" today announced the general availability of ").x(c.neg.product())
    c.t(c.choice((", priced from ", ", starting at ", " at a list price of "))).x(c.neg.amount()).t(
        "."
    )


def pub_office(c: Ctx) -> None:
    c.t(
        c.choice(
            (
                "The firm has opened a new office in ",
                "We are pleased to open our new hub in ",
                "A regional centre opens this spring in ",
            )
        )
    )
    c.loc().t(", at ").address().t(".")


def pub_quote(c: Ctx) -> None:
    c.t('"').t(
        c.choice(
            (
                "This milestone reflects years of work by our teams",
                "We are proud to serve our clients in new markets",
                "Our customers asked for this and we delivered",
            )
        )
    )
    c.t(c.choice(('," said ', '," says ', '," commented '))).person(1)
    c.t(
        c.choice((", Chief Executive Officer of ", ", head of communications at ", ", founder of "))
    )
    c.org(0, "company").t(".")


def pub_media(c: Ctx) -> None:
    c.t(c.choice(("Media contact: ", "Press enquiries: ", "For more information contact "))).person(
        2
    )
    c.t(c.choice((", ", " - ", " | "))).email(2).t(c.choice((", ", " / ", ", tel. "))).phone().t(
        "."
    )


def pub_award(c: Ctx) -> None:
    c.org(0).t(c.choice((" was named ", " has been recognised as ", " received the award for ")))
    c.t(c.choice(("Employer of the Year", "a top-tier adviser", "best regional bank")))
    c.t(" at a ceremony in ").loc().t(" on ").x(c.neg.event_date()).t(".")


def pub_event(c: Ctx) -> None:
    c.t("Join us at ").loc().t(
        c.choice(
            (" for our annual client seminar", " for an open day", " for the launch of our report")
        )
    )
    c.t(" on ").x(c.neg.event_date()).t(". Registration is free and open to the public.")


def pub_results(c: Ctx) -> None:
    c.t("In its published annual report, ").org(0, "company").t(" reported revenue of ")
    c.x(c.neg.amount()).t(
        c.choice((", up 4% year on year.", " for the financial year.", ", in line with guidance."))
    )


def pub_job(c: Ctx) -> None:
    c.t(c.choice(("We are hiring: ", "Vacancy: ", "Open position: ")))
    c.t(c.choice(("Senior Paralegal", "Data Engineer", "Staff Nurse", "Compliance Analyst")))
    c.t(" based in ").loc().t(". Apply by ").x(c.neg.event_date()).t(" via our careers page.")


# ---------------------------------------------------------------- internal


def int_maint(c: Ctx) -> None:
    c.t(c.choice(("Planned maintenance: ", "Heads-up: ", "Reminder: ")))
    c.t("the file server at ").ip().t(
        c.choice((" will be offline", " is being patched", " reboots"))
    )
    c.t(" on ").x(c.neg.event_date()).t(" (change ").x(c.neg.ticket()).t(").")


def int_leak(c: Ctx) -> None:
    c.t(
        c.choice(
            (
                "While debugging I pasted the deploy key by mistake: ",
                "Found this in the build log: ",
                "The old token is still in the wiki page: ",
            )
        )
    )
    c.secret().t(c.choice((" - please rotate it.", ". Rotating now.", " (revoked?)")))


def int_password(c: Ctx) -> None:
    c.t(
        c.choice(
            (
                "Temporary password for the shared mailbox is ",
                "The admin console login is admin / ",
                "VPN fallback credentials: svc_backup / ",
            )
        )
    )
    c.secret(c.v.password()).t(c.choice((".", " - change on first login.", "")))


def int_url_creds(c: Ctx) -> None:
    user = c.choice(("app", "svc_etl", "readonly", "admin", "postgres"))
    host = c.choice(("db01.internal", "10.2.0.15", "reports.corp.local", "pg-prod"))
    c.t(c.choice(("Connection string used by the nightly job: ", "DSN in the cron file: ", "Use ")))
    c.t(f"{c.choice(('postgres', 'mysql', 'mongodb', 'https', 'amqp'))}://{user}:")
    c.secret(c.v.password().replace("@", "#").replace("/", "!")).t(f"@{host}/main")
    c.t(c.choice((" - needs moving to the vault.", ".", " (do not share)")))


def int_ip_list(c: Ctx) -> None:
    c.t("Blocked after repeated failed logins: ").ip().t(", ").ip().t(
        c.choice((" and ", ", "))
    ).ip().t(".")


def int_meeting(c: Ctx) -> None:
    c.t(
        c.choice(
            (
                "The team offsite is booked at ",
                "Monthly all-hands moves to ",
                "Training takes place at ",
            )
        )
    )
    c.address().t(". Contact ").person().t(" (").email().t(") with dietary requirements.")


def int_release(c: Ctx) -> None:
    c.t("Release ").x(c.neg.version()).t(" shipped from commit ").x(c.neg.commit_hash())
    c.t("; the artifact digest is ").x(c.neg.sha256()).t(".")


def int_policy(c: Ctx) -> None:
    c.t(
        c.choice(
            (
                "Please remember to lock your screen when leaving your desk.",
                "Expense claims must be filed within 30 days.",
                "The cafeteria on level 2 is closed for refurbishment.",
                "Laptops must run the latest OS patches by Friday.",
            )
        )
    )


def int_ticket(c: Ctx) -> None:
    c.t("Ticket ").x(c.neg.ticket()).t(" assigned to ").person().t("; request id ").x(
        c.neg.uuid()
    ).t(".")


# ---------------------------------------------------------------- confidential


def conf_deal(c: Ctx) -> None:
    c.org(0, "company").t(
        c.choice(
            (
                " has agreed in principle to acquire ",
                " is in exclusive talks to buy ",
                " will merge with ",
            )
        )
    )
    c.org(1, "company").t(" for ").x(c.neg.amount()).t(
        c.choice((" in cash.", ", subject to due diligence.", " plus an earn-out."))
    )


def conf_forecast(c: Ctx) -> None:
    c.t(
        c.choice(
            ("Q3 forecast (not for distribution): ", "Draft budget: ", "Board-only projection: ")
        )
    )
    c.t("revenue ").x(c.neg.amount()).t(", EBITDA margin ").t(str(c.rng.randint(8, 35))).t("%.")


def conf_pricing(c: Ctx) -> None:
    c.t("We will offer ").org(1, "company").t(c.choice((" a discount of ", " a rebate of ")))
    c.t(f"{c.rng.randint(5, 40)}% ").t("on ").x(c.neg.product()).t(" if they sign before ").x(
        c.neg.event_date()
    ).t(".")


def conf_strategy(c: Ctx) -> None:
    c.t(c.choice(("Project ", "Codename ", "Initiative "))).t(
        c.choice(("Falcon", "Bluebird", "Granite", "Aurora"))
    )
    c.t(": we plan to exit the ").loc().t(" market and consolidate operations in ").loc().t(".")


def conf_nda(c: Ctx) -> None:
    c.t("Under the NDA with ").org(1).t(", the term sheet stays with ").person().t(
        " and the deal team only."
    )


def conf_supplier(c: Ctx) -> None:
    c.t("Our margin on the ").org(1, "company").t(" contract is thin; negotiation lead ").person()
    c.t(" will push for ").x(c.neg.amount()).t(" per unit.")


# ---------------------------------------------------------------- financial_personal


def fin_card(c: Ctx) -> None:
    c.t(c.choice(("The customer ", "Cardholder ", "Our client "))).person(0)
    c.t(c.choice((" disputed a charge on card ", " reported card ", " asked us to block card ")))
    expiry = f"{c.rng.randint(1, 12):02d}/{c.rng.randint(26, 31)}"
    c.card().t(c.choice((f" (exp. {expiry}).", f", expiry {expiry}.", ".")))


def fin_iban(c: Ctx) -> None:
    c.t(
        c.choice(
            ("Please transfer the refund to ", "Salary account of ", "Direct debit mandate for ")
        )
    )
    c.person(0).t(", IBAN ").iban().t(c.choice((", at ", ", held with "))).org(None, "bank").t(".")


def fin_kyc(c: Ctx) -> None:
    c.t("KYC check: ").person(0).t(", born ").dob().t(", passport ").passport()
    c.t(
        c.choice(
            (", verified against the registry.", " - documents certified.", ", pending review.")
        )
    )


def fin_ssn(c: Ctx) -> None:
    if c.locale == "en_GB":
        c.t("National Insurance number ").nino().t(" supplied for the ISA application of ")
        c.person(0).t(".")
    elif c.locale == "en_US":
        c.t("The applicant ").person(0).t(" gave SSN ").ssn().t(" for the credit check.")
    else:
        c.t("The applicant ").person(0).t(c.choice((" showed passport ", " gave ID document ")))
        c.passport().t(" for the credit check.")


def fin_loan(c: Ctx) -> None:
    c.person(0, short=c.chance(0.5)).t(
        c.choice((" applied for a mortgage of ", " requests a personal loan of "))
    )
    c.x(c.neg.amount()).t("; declared income ").x(c.neg.amount()).t(" and existing debts of ").x(
        c.neg.amount()
    ).t(".")


def fin_tax(c: Ctx) -> None:
    c.t("Tax residency self-certification for ").person(0).t(", resident at ").address().t(".")


def fin_overdraft(c: Ctx) -> None:
    c.t("Account ending ").t(str(c.rng.randint(1000, 9999))).t(" of ").person(0)
    c.t(
        c.choice(
            (
                " has been overdrawn for 60 days.",
                " missed two repayments.",
                " was flagged for arrears.",
            )
        )
    )
    c.t(" Call the customer on ").phone().t(".")


def fin_negative(c: Ctx) -> None:
    c.t("Note: reference ").x(c.neg.bad_luhn()).t(
        " on the statement is the merchant batch number, and "
    )
    c.x(c.neg.bad_iban()).t(" was rejected as invalid.")


# ---------------------------------------------------------------- hr


def hr_discipline(c: Ctx) -> None:
    c.person(0).t(
        c.choice(
            (
                " received a final written warning for ",
                " is subject to a disciplinary hearing about ",
                " was suspended pending investigation into ",
            )
        )
    )
    c.t(
        c.choice(
            ("repeated lateness.", "misuse of the expense system.", "conduct towards a colleague.")
        )
    )


def hr_perf(c: Ctx) -> None:
    c.t("Performance review: ").person(0, short=c.chance(0.3)).t(
        c.choice((" did not meet ", " exceeded "))
    )
    c.t("objectives this year; rating ").t(c.choice(("2/5", "4/5", "needs improvement"))).t(
        ". Line manager: "
    ).person(1).t(".")


def hr_pay(c: Ctx) -> None:
    c.t("Salary change for ").person(0).t(": new base ").x(c.neg.amount()).t(" from ").x(
        c.neg.event_date()
    )
    c.t(", paid to ").iban().t(".")


def hr_grievance(c: Ctx) -> None:
    c.person(0).t(" raised a formal grievance against ").person(1).t(
        c.choice((" alleging bullying.", " about unequal pay.", " citing harassment."))
    )


def hr_personal(c: Ctx) -> None:
    c.t("Employee record: ").person(0).t(", date of birth ").dob().t(", home address ").address().t(
        "."
    )


def hr_ni(c: Ctx) -> None:
    if c.locale == "en_US":
        c.t("W-4 on file for ").person(0).t(", SSN ").ssn().t(".")
    else:
        c.t("Payroll needs the NI number of ").person(0).t(": ").nino().t(".")


def hr_exit(c: Ctx) -> None:
    c.t("Settlement agreement offered to ").person(0).t(": ").x(c.neg.amount())
    c.t(c.choice((" plus garden leave.", " and an agreed reference.", " net of tax.")))


# ---------------------------------------------------------------- health


def hea_dx(c: Ctx) -> None:
    c.t(c.choice(("Patient ", "Our patient ", ""))).person(0).t(
        c.choice((" was admitted with ", " presented with ", " was diagnosed with "))
    )
    c.t(
        c.choice(
            (
                "community-acquired pneumonia.",
                "an acute exacerbation of COPD.",
                "type 2 diabetes.",
                "a non-ST elevation myocardial infarction.",
                "major depressive disorder.",
            )
        )
    )


def hea_ids(c: Ctx) -> None:
    c.t("MRN ").mrn().t(c.choice((", DOB ", ", born ", ", date of birth "))).dob()
    if c.locale == "en_GB" or c.chance(0.5):
        c.t(", NHS no. ").nhs()
    c.t(".")


def hea_meds(c: Ctx) -> None:
    c.t("Discharge medication: ").t(
        c.choice(
            (
                "metformin 500 mg twice daily",
                "ramipril 5 mg once daily",
                "sertraline 50 mg",
                "apixaban 5 mg bd",
            )
        )
    )
    c.t("; follow-up with ").t(c.choice(("Dr ", "Dr. ", "Prof. "))).person(1).t(" at ").org(
        None, "hospital"
    ).t(".")


def hea_referral(c: Ctx) -> None:
    c.t("I would be grateful if you could see ").person(0, short=c.chance(0.4))
    c.t(
        c.choice(
            (
                " regarding worsening chest pain.",
                " for assessment of a breast lump.",
                " about recurrent falls.",
            )
        )
    )


def hea_contact(c: Ctx) -> None:
    c.t("Next of kin: ").person().t(", ").phone()
    if c.chance(0.5):
        c.t("; lives at ").address()
    c.t(".")


def hea_labs(c: Ctx) -> None:
    c.t(
        c.choice(
            ("HbA1c 64 mmol/mol, eGFR 52.", "Troponin peaked at 340 ng/L.", "CRP 180, WCC 15.2.")
        )
    )
    c.t(" Reviewed by ").person(1).t(" on ").x(c.neg.event_date()).t(".")


def hea_sick(c: Ctx) -> None:
    c.t("Fit note: ").person(0).t(" is unfit for work owing to ").t(
        c.choice(("lumbar disc prolapse", "post-operative recovery", "anxiety and depression"))
    )
    c.t(" until ").x(c.neg.event_date()).t(".")


# ---------------------------------------------------------------- privileged


def priv_advice(c: Ctx) -> None:
    c.t(c.choice(("Our advice is that ", "In our view, ", "Counsel's opinion is that "))).org(
        0, "company"
    )
    c.t(
        c.choice(
            (
                " has a strong defence to the claim brought by ",
                " is likely liable to ",
                " should settle with ",
            )
        )
    ).org(1).t(".")


def priv_strategy(c: Ctx) -> None:
    c.t("Litigation strategy: we should not disclose the emails of ").person(0)
    c.t(" before the hearing on ").x(c.neg.event_date()).t(" in ").x(c.neg.docket()).t(".")


def priv_privilege(c: Ctx) -> None:
    c.t(
        c.choice(
            (
                "PRIVILEGED & CONFIDENTIAL - ATTORNEY-CLIENT COMMUNICATION.",
                "Legally privileged: prepared in contemplation of litigation.",
                "Subject to legal professional privilege.",
            )
        )
    )


def priv_witness(c: Ctx) -> None:
    c.t("The witness ").person(1).t(
        c.choice(
            (
                " is unreliable on the timeline",
                " will support our account",
                " may be cross-examined on the board minutes",
            )
        )
    )
    c.t("; ").person(2).t(" of ").org(None, "law").t(" agrees.")


def priv_settle(c: Ctx) -> None:
    c.t("We recommend a without-prejudice offer of ").x(c.neg.amount()).t(" to ").person(0)
    c.t(c.choice((" to avoid trial in ", " before the court in "))).loc().t(".")


def priv_risk(c: Ctx) -> None:
    c.t("The regulator's inquiry into ").org(0).t(
        c.choice((" exposes the directors to fines;", " is weak on causation;"))
    )
    c.t(" we advise ").person(1).t(" not to comment publicly.")


TOPICS: dict[str, tuple[SentenceGen, ...]] = {
    "public": (
        pub_launch,
        pub_office,
        pub_quote,
        pub_media,
        pub_award,
        pub_event,
        pub_results,
        pub_job,
    ),
    "internal": (
        int_maint,
        int_leak,
        int_password,
        int_url_creds,
        int_ip_list,
        int_meeting,
        int_release,
        int_policy,
        int_ticket,
    ),
    "confidential": (
        conf_deal,
        conf_forecast,
        conf_pricing,
        conf_strategy,
        conf_nda,
        conf_supplier,
    ),
    "financial_personal": (
        fin_card,
        fin_iban,
        fin_kyc,
        fin_ssn,
        fin_loan,
        fin_tax,
        fin_overdraft,
        fin_negative,
    ),
    "hr": (hr_discipline, hr_perf, hr_pay, hr_grievance, hr_personal, hr_ni, hr_exit),
    "health": (hea_dx, hea_ids, hea_meds, hea_referral, hea_contact, hea_labs, hea_sick),
    "privileged": (
        priv_advice,
        priv_strategy,
        priv_privilege,
        priv_witness,
        priv_settle,
        priv_risk,
    ),
}
TOPICS = {cat: gens + EXTRA[cat] for cat, gens in TOPICS.items()}
assert set(TOPICS) == set(CATEGORIES)


def say(c: Ctx, category: str) -> None:
    """One topical sentence for ``category`` (sometimes in the locale's own language)."""
    if c.chance(0.2) and local_sentence(c, category):
        return
    c.pick_fresh(TOPICS[category])(c)


def filler(c: Ctx, category: str) -> None:
    """A sentence from a less sensitive category (mixed sections keep the top label)."""
    rank = CATEGORIES.index(category)
    lower = [cat for cat in CATEGORIES[:rank] if cat != "public" or rank < 3]
    if lower:
        say(c, c.choice(lower))


def paragraph(c: Ctx, category: str, sentences: int, mix: float = 0.25) -> None:
    """Several sentences of ``category`` with occasional less-sensitive filler."""
    for i in range(sentences):
        if i and c.chance(mix):
            c.t(" ")
            filler(c, category)
        c.t(" " if i else "")
        if c.chance(0.12):
            babble(c)
            c.t(" ")
        say(c, category)

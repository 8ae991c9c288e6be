"""Test-split sentence generators, worded independently of ``kinds_train.topics``.

Nothing here is imported by the training split: the benchmark measures how detection
generalises to phrasing and document structure it has not seen.
"""

from __future__ import annotations

from models.datagen.ctx import Ctx
from models.datagen.kind import SentenceGen
from models.datagen.kinds_test.local import local_sentence
from models.datagen.kinds_test.topics_extra import EXTRA
from models.datagen.sample import CATEGORIES

# ---------------------------------------------------------------- public


def pub_partnership(c: Ctx) -> None:
    c.org(0, "company").t(" and ").org(1, "company").t(
        c.choice(
            (" have signed a distribution partnership", " unveiled a joint research programme")
        )
    )
    c.t(" covering ").loc(c.v.country_name()).t(" and neighbouring markets.")


def pub_recall(c: Ctx) -> None:
    c.t("Customers who bought the ").x(c.neg.product()).t(" (firmware ").x(c.neg.version())
    c.t(
        c.choice(
            (
                ") may return it to any store for a full refund.",
                ") should install the update today.",
            )
        )
    )


def pub_spokesperson(c: Ctx) -> None:
    c.t("Speaking at the conference in ").loc().t(", ").person(1).t(
        c.choice((" told reporters", " said"))
    )
    c.t(" the company expects to double its workforce by ").t(str(c.rng.randint(2027, 2030))).t(".")


def pub_community(c: Ctx) -> None:
    c.t("Volunteers from ").org(0).t(" planted 2,000 trees along ").address().t(
        c.choice((" last weekend.", "."))
    )


def pub_contact(c: Ctx) -> None:
    c.t(c.choice(("Journalists can reach ", "Questions? Write to "))).person(2).t(" at ").email(2)
    if c.chance(0.6):
        c.t(" or call ").phone()
    c.t(".")


def pub_hours(c: Ctx) -> None:
    c.t(c.choice(("Our branch at ", "The visitor centre at "))).address()
    c.t(c.choice((" is open Monday to Saturday, 9am to 5pm.", " reopens after the holidays.")))


# ---------------------------------------------------------------- internal


def int_onboarding(c: Ctx) -> None:
    c.t("New joiners get their laptop from the service desk; for access issues ping ").person().t(
        " on "
    ).phone().t(".")


def int_token_in_log(c: Ctx) -> None:
    c.t(c.choice(("The CI output printed ", "Someone committed ", "Grep found "))).t(
        "Authorization: Bearer "
    )
    c.secret(c.v.jwt() if c.chance(0.5) else c.v.api_key())
    c.t(c.choice((" in plain text.", " to the public repo.", " inside a support bundle.")))


def int_key_leak(c: Ctx) -> None:
    c.t("Leaked pair detected by the scanner: access key ").secret(c.v.aws_access_key())
    c.t(" with secret ").secret(c.v.aws_secret_key()).t(".")


def int_firewall(c: Ctx) -> None:
    c.t("Allow-list request: open 443 from ").ip().t(" to ").ip().t(
        c.choice((" for the reporting VM.", " until the migration completes."))
    )


def int_credentials_chat(c: Ctx) -> None:
    c.t(c.choice(("pw for the test tenant is ", "login is qa_user, password ", "the wifi key is ")))
    c.secret(c.v.password())


def int_git(c: Ctx) -> None:
    c.t("Reverted ").x(c.neg.commit_hash()).t(" which broke ").x(c.neg.product()).t(
        " integration; see "
    )
    c.x(c.neg.ticket()).t(".")


def int_canteen(c: Ctx) -> None:
    c.t(
        c.choice(
            (
                "Fire drill on Thursday at 11:00, please use the stairs.",
                "The printer on floor 3 has been replaced.",
                "Parking permits for next quarter are now available at reception.",
            )
        )
    )


def int_dsn(c: Ctx) -> None:
    user = c.choice(("etl", "grafana", "jenkins", "sa"))
    c.t("Old DSN still in the runbook: ").t(
        f"{c.choice(('redis', 'postgresql', 'sqlserver'))}://{user}:"
    )
    c.secret(c.v.password().replace("@", "%").replace("/", "_")).t(
        f"@{c.v.ip()}:{c.rng.randint(1000, 9999)}"
    ).t(".")


# ---------------------------------------------------------------- confidential


def conf_bid(c: Ctx) -> None:
    c.t("Our sealed bid for the ").loc().t(" site is ").x(c.neg.amount()).t("; ").org(1, "company")
    c.t(" is believed to be bidding lower.")


def conf_layoffs(c: Ctx) -> None:
    c.t("Not yet announced: the plant in ").loc().t(
        c.choice((" will close next year", " will be sold"))
    )
    c.t(", saving ").x(c.neg.amount()).t(" annually.")


def conf_roadmap(c: Ctx) -> None:
    c.t("The unreleased ").x(c.neg.product()).t(" successor uses a supplier we have kept secret: ")
    c.org(1, "company").t(".")


def conf_valuation(c: Ctx) -> None:
    c.t("Advisers at ").org(None, "bank").t(" value ").org(1, "company").t(" at ")
    c.x(c.neg.amount()).t(c.choice((" - we should open at 80% of that.", ", before synergies.")))


def conf_margin(c: Ctx) -> None:
    c.t("Gross margin on the ").org(1).t(" account fell to ").t(str(c.rng.randint(3, 19)))
    c.t("%; ").person().t(" wants to renegotiate before renewal.")


# ---------------------------------------------------------------- financial_personal


def fin_wire(c: Ctx) -> None:
    c.t("Beneficiary: ").person(0).t(c.choice((". Account: ", "; IBAN: "))).iban()
    c.t(". Amount: ").x(c.neg.amount()).t(". Reference: ").x(c.neg.order_number()).t(".")


def fin_chargeback(c: Ctx) -> None:
    c.t("Chargeback raised by ").person(0).t(" for a payment made with ").card()
    c.t(c.choice((" at a hotel in ", " to a merchant in "))).loc().t(".")


def fin_credit(c: Ctx) -> None:
    c.t("Credit file for ").person(0).t(" shows two defaults and a county court judgment; score ")
    c.t(str(c.rng.randint(300, 850))).t(".")


def fin_identity(c: Ctx) -> None:
    c.t("Identity confirmed: ").person(0).t(c.choice((" (date of birth ", " (born "))).dob().t(
        "), "
    )
    if c.locale == "en_US":
        c.t("social security number ").ssn()
    elif c.locale == "en_GB":
        c.t("national insurance ").nino()
    else:
        c.t("travel document ").passport()
    c.t(".")


def fin_debt(c: Ctx) -> None:
    c.t("Repayment plan agreed with ").person(0, short=True).t(": ").x(c.neg.amount())
    c.t(" per month from the account ").iban().t(".")


def fin_pension(c: Ctx) -> None:
    c.person(0).t(" asked to transfer their pension pot to ").org(None, "bank").t(
        "; current address "
    )
    c.address().t(".")


def fin_lookalike(c: Ctx) -> None:
    c.t("The number ").x(c.neg.bad_luhn()).t(" in the claim form fails the card checksum and ")
    c.x(c.neg.bad_iban()).t(" is not a valid account; please ask the customer again.")


# ---------------------------------------------------------------- hr


def hr_absence(c: Ctx) -> None:
    c.person(0).t(" has had ").t(str(c.rng.randint(4, 19))).t(
        " unauthorised absences this quarter; "
    )
    c.person(1, short=True).t(" will hold a capability meeting.")


def hr_bonus(c: Ctx) -> None:
    c.t("Bonus pool allocation: ").person(0).t(" ").x(c.neg.amount()).t(", ").person(1).t(" ")
    c.x(c.neg.amount()).t(".")


def hr_complaint(c: Ctx) -> None:
    c.t("A colleague alleges that ").person(0).t(
        c.choice((" made discriminatory remarks", " shared confidential pay data"))
    )
    c.t(" during the offsite in ").loc().t(".")


def hr_promotion(c: Ctx) -> None:
    c.person(0).t(c.choice((" is promoted to Senior Manager", " will not be promoted this cycle")))
    c.t(c.choice((" after a strong year.", " due to conduct concerns.")))


def hr_starter(c: Ctx) -> None:
    c.t("New hire ").person(0).t(" (birth date ").dob().t(") starts on ").x(c.neg.event_date())
    c.t("; salary to ").iban().t(".")


def hr_payslip(c: Ctx) -> None:
    c.t("Payslip query from ").person(0).t(": tax code wrong")
    if c.locale == "en_GB":
        c.t(", NINO ").nino()
    elif c.locale == "en_US":
        c.t(", SSN ").ssn()
    c.t(".")


# ---------------------------------------------------------------- health


def hea_imaging(c: Ctx) -> None:
    c.t("CT abdomen for ").person(0).t(
        c.choice((" shows a 3 cm hepatic lesion", " is unremarkable", " confirms appendicitis"))
    )
    c.t("; reported by ").person(1).t(".")


def hea_prescription(c: Ctx) -> None:
    c.t("Rx: ").t(
        c.choice(
            (
                "amoxicillin 500 mg tds x 7 days",
                "levothyroxine 75 mcg od",
                "insulin glargine 20 units nocte",
            )
        )
    )
    c.t(" for ").person(0).t(", hospital number ").mrn().t(".")


def hea_mental(c: Ctx) -> None:
    c.person(0).t(
        c.choice(
            (" disclosed suicidal thoughts at the last appointment", " is attending CBT for PTSD")
        )
    )
    c.t("; risk reviewed by the crisis team at ").org(None, "hospital").t(".")


def hea_identifiers(c: Ctx) -> None:
    c.t(c.choice(("Patient identifiers - ", "Identifiers: "))).t("hosp. no. ").mrn()
    c.t(", d.o.b. ").dob()
    if c.locale == "en_GB" or c.chance(0.5):
        c.t(", NHS ").nhs()
    c.t(".")


def hea_allergy(c: Ctx) -> None:
    c.t("Allergic to penicillin (anaphylaxis). ").person(0, short=True)
    c.t(c.choice((" is pregnant, 24 weeks.", " is HIV positive, on ART.", " has stage 3 CKD.")))


def hea_gp(c: Ctx) -> None:
    c.t("GP: ").person(1).t(", ").address().t(", tel ").phone().t(".")


# ---------------------------------------------------------------- privileged


def priv_counsel(c: Ctx) -> None:
    c.t("As your solicitors, we consider the indemnity claim against ").org(1)
    c.t(
        c.choice(
            (" to be time-barred.", " has reasonable prospects.", " unlikely to succeed at trial.")
        )
    )


def priv_discovery(c: Ctx) -> None:
    c.t("Before disclosure in ").x(c.neg.docket()).t(
        " we must review the messages between "
    ).person(0)
    c.t(" and ").person(1).t(" for privilege.")


def priv_marking(c: Ctx) -> None:
    c.t(
        c.choice(
            (
                "Attorney work product - do not forward.",
                "Confidential legal advice; privilege is not waived by sharing with the board.",
                "Prepared at the request of counsel for the purpose of obtaining legal advice.",
            )
        )
    )


def priv_exposure(c: Ctx) -> None:
    c.t("Worst case the tribunal in ").loc().t(" awards ").x(c.neg.amount()).t(" to ").person(0)
    c.t("; we will argue contributory fault.")


def priv_regulator(c: Ctx) -> None:
    c.t("Our recommendation to ").person(1).t(
        " is to self-report the breach to the regulator before "
    )
    c.x(c.neg.event_date()).t(" to limit penalties.")


TOPICS: dict[str, tuple[SentenceGen, ...]] = {
    "public": (
        pub_partnership,
        pub_recall,
        pub_spokesperson,
        pub_community,
        pub_contact,
        pub_hours,
    ),
    "internal": (
        int_onboarding,
        int_token_in_log,
        int_key_leak,
        int_firewall,
        int_credentials_chat,
        int_git,
        int_canteen,
        int_dsn,
    ),
    "confidential": (conf_bid, conf_layoffs, conf_roadmap, conf_valuation, conf_margin),
    "financial_personal": (
        fin_wire,
        fin_chargeback,
        fin_credit,
        fin_identity,
        fin_debt,
        fin_pension,
        fin_lookalike,
    ),
    "hr": (hr_absence, hr_bonus, hr_complaint, hr_promotion, hr_starter, hr_payslip),
    "health": (hea_imaging, hea_prescription, hea_mental, hea_identifiers, hea_allergy, hea_gp),
    "privileged": (priv_counsel, priv_discovery, priv_marking, priv_exposure, priv_regulator),
}
TOPICS = {cat: gens + EXTRA[cat] for cat, gens in TOPICS.items()}
assert set(TOPICS) == set(CATEGORIES)


def say(c: Ctx, category: str) -> None:
    if c.chance(0.15) and local_sentence(c, category):
        return
    c.pick_fresh(TOPICS[category])(c)


def block(c: Ctx, category: str, sentences: int, mix: float = 0.2) -> None:
    """Sentences of ``category``, sometimes interleaved with a less sensitive one."""
    rank = CATEGORIES.index(category)
    for i in range(sentences):
        c.t(" " if i else "")
        if i and rank > 1 and c.chance(mix):
            say(c, c.choice(CATEGORIES[1:rank]))
            c.t(" ")
        say(c, category)

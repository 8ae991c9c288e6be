"""More test-split sentence generators (worded independently of the training split)."""

from __future__ import annotations

from models.datagen.ctx import Ctx
from models.datagen.kind import SentenceGen


def pub_milestone(c: Ctx) -> None:
    c.org(0).t(c.choice((" celebrates 50 years", " crossed one million customers", " turns ten")))
    c.t(c.choice((" this month", " this week", ""))).t("; a celebration is planned in ").loc().t(
        "."
    )


def pub_scholarship(c: Ctx) -> None:
    c.t("Applications for the ").org(0).t(" scholarship close soon; last year's winner, ")
    c.person(1).t(", now studies in ").loc().t(".")


def int_desk_move(c: Ctx) -> None:
    c.t("Desk moves: the analytics team relocates to the fourth floor; ").person()
    c.t(" coordinates keys and badges.")


def int_backup(c: Ctx) -> None:
    c.t("Backup job failed on ").ip().t(" with exit code ").t(str(c.rng.randint(1, 255)))
    c.t("; rerun scheduled, see ").x(c.neg.ticket()).t(".")


def int_slack_token(c: Ctx) -> None:
    c.t("Bot config copied into the channel by mistake - token ")
    c.secret(c.v.api_key()).t(", please regenerate.")


def conf_hiring_freeze(c: Ctx) -> None:
    c.t("Leadership will freeze hiring in ").loc().t(
        " until margins recover; do not share with staff."
    )


def conf_pricing_floor(c: Ctx) -> None:
    c.t("Floor price for ").org(1).t(" renewal: ").x(c.neg.amount()).t(". Walk away below that.")


def fin_loan_arrears(c: Ctx) -> None:
    c.t("Arrears letter sent to ").person(0).t(" at ").address().t(" regarding loan ")
    c.x(c.neg.order_number()).t(".")


def fin_card_replace(c: Ctx) -> None:
    c.t("Replacement card ").card().t(" dispatched to ").person(0, short=True).t(".")


def hr_probation(c: Ctx) -> None:
    c.t("Probation extended for ").person(0).t(
        " by three months; attendance and accuracy concerns."
    )


def hr_whistle(c: Ctx) -> None:
    c.person(0).t(" filed a whistleblowing report naming ").person(1).t(
        "; interviews start Monday."
    )


def hea_discharge(c: Ctx) -> None:
    c.t("Discharged home on ").x(c.neg.event_date()).t(" with district nurse visits; ")
    c.person(0, short=True).t(
        c.choice((" remains oxygen dependent.", " is mobilising with a frame."))
    )


def hea_oncology(c: Ctx) -> None:
    c.t("MDT outcome for ").person(0).t(": stage II colorectal carcinoma, for surgery at ")
    c.org(None, "hospital").t(".")


def priv_privilege_log(c: Ctx) -> None:
    c.t("Privilege log entry: email from ").person(1).t(" (in-house counsel) to ").person(0)
    c.t(" - withheld, legal advice privilege.")


def priv_settlement_range(c: Ctx) -> None:
    c.t("Authority to settle with ").org(1).t(" up to ").x(c.neg.amount())
    c.t("; do not reveal this figure in negotiations.")


EXTRA: dict[str, tuple[SentenceGen, ...]] = {
    "public": (pub_milestone, pub_scholarship),
    "internal": (int_desk_move, int_backup, int_slack_token),
    "confidential": (conf_hiring_freeze, conf_pricing_floor),
    "financial_personal": (fin_loan_arrears, fin_card_replace),
    "hr": (hr_probation, hr_whistle),
    "health": (hea_discharge, hea_oncology),
    "privileged": (priv_privilege_log, priv_settlement_range),
}

"""Test-split entity-free sentences (worded independently of the training split)."""

from __future__ import annotations

from models.datagen.ctx import Ctx

PLAIN: dict[str, tuple[str, ...]] = {
    "public": (
        "Tickets for the open day go on sale next week.",
        "The museum shop stocks a range of locally made gifts.",
        "Our helpline is free to call from any landline.",
        "Results for the full year are in line with the guidance we gave in {n} markets.",
    ),
    "internal": (
        "Coffee machines on every floor are being replaced this month.",
        "Badge readers will be upgraded over the weekend.",
        "Use the new template for all expense reports from now on.",
        "Team leads should confirm headcount for the summer event by Thursday.",
    ),
    "confidential": (
        "The board has not yet been told that the launch will slip by {n} months.",
        "Our bid assumes synergies that the target's management has not seen.",
        "Unit costs rise sharply if the second supplier walks away.",
        "Only the deal team may open the data room index.",
    ),
    "financial_personal": (
        "Her mortgage payments have been late for {n} consecutive months.",
        "His credit score dropped after the default was registered.",
        "The joint account holders disagree about closing the savings account.",
        "The refund will be credited to the card used for the purchase.",
    ),
    "hr": (
        "He was dismissed at the end of his probation period.",
        "She has asked for flexible working after returning from leave.",
        "The investigation found the bullying allegations substantiated.",
        "His bonus was withheld pending the outcome of the conduct review.",
    ),
    "health": (
        "She was admitted overnight for observation after a seizure.",
        "He is awaiting a hip replacement and uses a walking stick.",
        "Chemotherapy cycle {n} was delayed because of neutropenia.",
        "The scan shows no change since the previous study.",
    ),
    "privileged": (
        "Please do not circulate this note outside the legal team.",
        "The claim is vulnerable on causation, and the other side knows it.",
        "We have asked counsel for a written opinion before mediation.",
        "Our assessment of liability is set out for the client's eyes only.",
    ),
}


def plain(c: Ctx, category: str) -> None:
    fresh = [x for x in PLAIN[category] if x not in c.used] or list(PLAIN[category])
    sentence = c.choice(fresh)
    c.used.add(sentence)
    c.t(sentence.replace("{n}", str(c.rng.randint(2, 12))))


def bulletin(c: Ctx, category: str) -> None:
    """Running text without entities: bulletins, Q&A, short summaries."""
    style = c.choice(("qa", "prose", "bullets"))
    for i in range(c.rng.randint(3, 5)):
        if style == "qa":
            c.t("Q: " if i % 2 == 0 else "A: ")
        elif style == "bullets":
            c.t("* ")
        plain(c, category)
        c.nl() if style != "prose" else c.t(" ")
    if c.chance(0.3):
        c.t("(").x(c.neg.any_reference()).t(")")

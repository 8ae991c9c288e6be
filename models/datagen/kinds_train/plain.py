"""Training-split sentences that carry a category but no entity: sections without any
span teach the tagger restraint (precision) and the classifier content over names."""

from __future__ import annotations

from models.datagen.ctx import Ctx

PLAIN: dict[str, tuple[str, ...]] = {
    "public": (
        "Our products are now available in more than {n} countries.",
        "The annual report will be published on our website next month.",
        "Customers can track deliveries online at any time.",
        "We remain committed to reducing emissions by {n}% before 2030.",
        "The new service launches with support in seven languages.",
        "Opening hours are extended during the holiday season.",
    ),
    "internal": (
        "All staff must complete the security awareness course by the end of the quarter.",
        "Meeting rooms on the third floor are closed for cleaning on Friday.",
        "Please submit timesheets before noon on the last working day.",
        "The intranet will be read-only during the migration window.",
        "Remember to use the shared calendar when booking leave.",
        "Printer credits reset on the first day of each month.",
    ),
    "confidential": (
        "The proposed acquisition values the target at {n} times EBITDA.",
        "Do not forward: the pricing model assumes a {n}% volume discount.",
        "Margins in the northern region fell for the third consecutive quarter.",
        "The draft merger agreement includes a break fee and a non-solicit clause.",
        "We expect to announce the restructuring only after the year-end audit.",
        "The forecast assumes the largest contract is renewed at current rates.",
    ),
    "financial_personal": (
        "The customer's account shows {n} missed payments and an unarranged overdraft.",
        "The applicant's declared income does not cover the requested repayments.",
        "The cardholder disputes a recurring charge from an online subscription.",
        "The client asked to increase the credit limit on the joint account.",
        "Tax statements for the last two years are still missing from the file.",
        "The direct debit was returned unpaid for lack of funds.",
    ),
    "hr": (
        "The employee was given a final written warning after the disciplinary hearing.",
        "The grievance about the manager's conduct was partly upheld.",
        "The performance improvement plan runs for {n} weeks with fortnightly reviews.",
        "The salary adjustment applies from the next payroll run.",
        "The settlement includes an agreed reference and a confidentiality clause.",
        "Absence this year has exceeded the trigger point under the attendance policy.",
    ),
    "health": (
        "The patient was started on intravenous antibiotics for suspected sepsis.",
        "Blood pressure remains poorly controlled despite two agents.",
        "The biopsy confirmed a benign lesion; no further treatment is needed.",
        "The patient reports low mood and poor sleep for {n} weeks.",
        "Wound healing is satisfactory; sutures to be removed in ten days.",
        "Insulin doses were adjusted after repeated nocturnal hypoglycaemia.",
    ),
    "privileged": (
        "In our opinion the limitation period expired before the claim was issued.",
        "This advice is confidential and subject to legal professional privilege.",
        "We consider the indemnity unlikely to cover the regulator's fine.",
        "Counsel recommends that we apply to strike out the second claim.",
        "On the present evidence the prospects of success are below {n}%.",
        "The without-prejudice correspondence must not be shown to the court.",
    ),
}


def plain(c: Ctx, category: str) -> None:
    """One entity-free sentence of ``category``."""
    fresh = [x for x in PLAIN[category] if x not in c.used] or list(PLAIN[category])
    sentence = c.choice(fresh)
    c.used.add(sentence)
    c.t(sentence.replace("{n}", str(c.rng.randint(2, 40))))


def policy_excerpt(c: Ctx, category: str) -> None:
    """A section of running text with no entity at all (policies, notes, summaries)."""
    if c.chance(0.6):
        c.t(c.choice(("Summary", "Background", "Notes", "Section 3", "Update", "Key points")))
        c.nl(c.choice((1, 2)))
    for i in range(c.rng.randint(3, 6)):
        c.t(c.choice((" ", " ", "\n- ")) if i else "")
        plain(c, category)
    if c.chance(0.3):
        c.t(" Ref. ").x(c.neg.any_reference()).t(".")

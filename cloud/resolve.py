"""Resolution strategies: turn several models' answers into one, and say how sure we are.

Inputs are the mode's *candidates* (the answers that count as votes) and, where the mode
has one, its *synthesis* (the judge's, merger's or final drafter's output, produced by the
strongest eligible model).

- MAJORITY_VOTE: the most frequent normalised label wins; a tie goes to HIERARCHICAL.
- CONFIDENCE_WEIGHTED: labels weighted by each model's confidence (stated, else logprobs);
  a tie goes to HIERARCHICAL.
- HIERARCHICAL: the stronger model decides - the synthesis if there is one, else the
  strongest candidate (among the tied labels when breaking a tie).
- HUMAN_ARBITRATION: the automatic answer is kept, but marked ``needs_review`` with the
  disagreement laid out; a person decides.
- DEFAULT: majority vote when the answers are label-like, else hierarchical.

Where the mode's candidates are not independent votes - stages of one chain (sequential,
red team) or distinct threads (research) - the final stage decides, the strategy reported
is HIERARCHICAL, and agreement is the candidates' mean agreement with that final answer
(how much of the draft survived, how much of each thread the merge kept). Human
arbitration still marks the answer for review.

Answers are label-like when most of them are short labels (<= 5 words). Agreement is
the winning label's share of votes (or of weight) for label-like answers, and the mean
pairwise word overlap for free text.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from itertools import combinations

from cloud.answers import is_label, normalise_label, parse_answer, similarity
from cloud.domain import ModelCall, Strategy
from cloud.errors import ProviderFailed

_DISAGREEMENT_EXCERPT = 240


@dataclass(frozen=True)
class Candidate:
    call: ModelCall
    answer: str
    label: str

    @classmethod
    def of(cls, call: ModelCall) -> Candidate:
        answer = parse_answer(call.output)
        return cls(call=call, answer=answer, label=normalise_label(answer))


@dataclass(frozen=True)
class Resolved:
    answer: str
    strategy: Strategy
    agreement: float
    needs_review: bool
    disagreement: str


def _tally(candidates: Sequence[Candidate], weighted: bool) -> dict[str, float]:
    scores: dict[str, float] = {}
    for c in candidates:
        scores[c.label] = scores.get(c.label, 0.0) + (c.call.confidence if weighted else 1.0)
    return scores


def _agreement(
    candidates: Sequence[Candidate], scores: dict[str, float], label_like: bool
) -> float:
    if len(candidates) == 1:
        return 1.0
    if label_like:
        total = sum(scores.values())
        return max(scores.values()) / total if total > 0 else 0.0
    pairs = list(combinations(candidates, 2))
    return sum(similarity(a.answer, b.answer) for a, b in pairs) / len(pairs)


def _agreement_with(candidates: Sequence[Candidate], final: Candidate, label_like: bool) -> float:
    others = [c for c in candidates if c.call is not final.call] or list(candidates)
    if label_like and is_label(final.label):
        return sum(c.label == final.label for c in others) / len(others)
    return sum(similarity(c.answer, final.answer) for c in others) / len(others)


def _strongest(candidates: Sequence[Candidate]) -> Candidate:
    return max(candidates, key=lambda c: c.call.strength)


def _hierarchical(
    candidates: Sequence[Candidate], synthesis: Candidate | None, among: set[str] | None
) -> str:
    if synthesis is not None and (among is None or synthesis.label in among):
        return synthesis.answer
    pool = [c for c in candidates if among is None or c.label in among]
    return _strongest(pool).answer


def _vote(
    candidates: Sequence[Candidate], synthesis: Candidate | None, scores: dict[str, float]
) -> tuple[str, bool]:
    """The winning answer, and whether a tie had to be broken hierarchically."""
    best = max(scores.values())
    tied = {label for label, score in scores.items() if abs(score - best) < 1e-9}
    if len(tied) == 1:
        (label,) = tied
        return next(c.answer for c in candidates if c.label == label), False
    return _hierarchical(candidates, synthesis, tied), True


def lay_out_disagreement(candidates: Sequence[Candidate]) -> str:
    """One line per candidate when their labels differ; empty when all agree."""
    if len({c.label for c in candidates}) <= 1:
        return ""
    lines = []
    for c in candidates:
        excerpt = " ".join(c.answer.split())[:_DISAGREEMENT_EXCERPT]
        lines.append(
            f"- {c.call.provider} ({c.call.role}, round {c.call.round}, "
            f"confidence {c.call.confidence:.2f}): {excerpt}"
        )
    return "Models disagree:\n" + "\n".join(lines)


def resolve(
    calls: Sequence[ModelCall],
    requested: Strategy,
    *,
    synthesis: ModelCall | None = None,
    review_below: float = 0.0,
    synthesis_decides: bool = False,
) -> Resolved:
    """Decide between the successful ``calls``; ProviderFailed if none succeeded."""
    candidates = [Candidate.of(c) for c in calls if c.ok]
    if not candidates:
        raise ProviderFailed("every model call failed; no answer to resolve")
    synth = Candidate.of(synthesis) if synthesis is not None and synthesis.ok else None
    # Label-like when most answers are short labels; a rambling minority (a model that
    # ignored the format) then counts as its own, losing, label instead of forcing free text.
    label_like = 2 * sum(is_label(c.label) for c in candidates) > len(candidates)
    weighted = requested == Strategy.CONFIDENCE_WEIGHTED
    scores = _tally(candidates, weighted)
    agreement = _agreement(candidates, scores, label_like)

    automatic = requested
    if requested in (Strategy.DEFAULT, Strategy.HUMAN_ARBITRATION):
        automatic = Strategy.MAJORITY_VOTE if label_like else Strategy.HIERARCHICAL
    if synthesis_decides and synth is not None:
        automatic = Strategy.HIERARCHICAL
        agreement = _agreement_with(candidates, synth, label_like)

    if automatic == Strategy.HIERARCHICAL:
        answer, decided = _hierarchical(candidates, synth, None), Strategy.HIERARCHICAL
    else:
        answer, tie_broken = _vote(candidates, synth, scores)
        decided = Strategy.HIERARCHICAL if tie_broken else automatic

    needs_review = agreement < review_below
    if requested == Strategy.HUMAN_ARBITRATION:
        decided, needs_review = Strategy.HUMAN_ARBITRATION, True
    disagreement = lay_out_disagreement(candidates)
    if needs_review and not disagreement:
        disagreement = f"All {len(candidates)} model answer(s) agree; review was requested."
    return Resolved(
        answer=answer,
        strategy=decided,
        agreement=round(agreement, 4),
        needs_review=needs_review,
        disagreement=disagreement,
    )

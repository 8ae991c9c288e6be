"""Resolution strategies on hand-made model calls (no network)."""

from __future__ import annotations

import pytest

from cloud.domain import ModelCall, Strategy
from cloud.errors import ProviderFailed
from cloud.resolve import resolve


def call(provider: str, text: str, confidence: float = 0.5, strength: int = 1) -> ModelCall:
    return ModelCall(
        provider=provider,
        model="m",
        role="panelist",
        output=text,
        confidence=confidence,
        strength=strength,
    )


def failed(provider: str) -> ModelCall:
    return ModelCall(provider=provider, model="m", role="panelist", error="HTTP 500")


def test_majority_vote_on_normalised_labels() -> None:
    r = resolve(
        [call("a", "ANSWER: Yes."), call("b", "ANSWER: yes"), call("c", "ANSWER: No")],
        Strategy.MAJORITY_VOTE,
    )
    assert (r.answer, r.strategy) == ("Yes.", Strategy.MAJORITY_VOTE)
    assert r.agreement == pytest.approx(0.6667, abs=1e-4)
    assert "- c (panelist, round 0, confidence 0.50): No" in r.disagreement


def test_unanimous_answers_have_full_agreement_and_no_disagreement() -> None:
    r = resolve([call("a", "ANSWER: no"), call("b", "ANSWER: NO!")], Strategy.DEFAULT)
    assert r.agreement == 1.0 and r.disagreement == "" and not r.needs_review
    assert r.strategy is Strategy.MAJORITY_VOTE


def test_confidence_weighting_sums_confidence_per_label() -> None:
    calls = [
        call("a", "ANSWER: yes", 0.9),
        call("b", "ANSWER: no", 0.3),
        call("c", "ANSWER: no", 0.3),
    ]
    r = resolve(calls, Strategy.CONFIDENCE_WEIGHTED)
    assert (r.answer, r.strategy) == ("yes", Strategy.CONFIDENCE_WEIGHTED)
    assert r.agreement == pytest.approx(0.6)


def test_tie_goes_to_the_stronger_model() -> None:
    calls = [call("weak", "ANSWER: no", strength=1), call("strong", "ANSWER: yes", strength=4)]
    r = resolve(calls, Strategy.MAJORITY_VOTE)
    assert (r.answer, r.strategy) == ("yes", Strategy.HIERARCHICAL)


def test_tie_prefers_the_synthesis_when_it_picks_a_tied_label() -> None:
    calls = [call("a", "ANSWER: no", strength=9), call("b", "ANSWER: yes")]
    synthesis = call("judge", "ANSWER: Yes", strength=1)
    r = resolve(calls, Strategy.MAJORITY_VOTE, synthesis=synthesis)
    assert r.answer == "Yes" and r.strategy is Strategy.HIERARCHICAL


def test_free_text_defaults_to_the_synthesis() -> None:
    calls = [
        call("a", "ANSWER: the lease ends in March after notice is served"),
        call("b", "ANSWER: the lease ends in April if no notice is served"),
    ]
    r = resolve(calls, Strategy.DEFAULT, synthesis=call("c", "ANSWER: It ends in March or April."))
    assert (r.answer, r.strategy) == ("It ends in March or April.", Strategy.HIERARCHICAL)
    assert 0.3 < r.agreement < 0.8


def test_human_arbitration_always_marks_for_review() -> None:
    r = resolve([call("a", "ANSWER: yes"), call("b", "ANSWER: yes")], Strategy.HUMAN_ARBITRATION)
    assert r.needs_review and r.strategy is Strategy.HUMAN_ARBITRATION
    assert r.answer == "yes" and "review was requested" in r.disagreement


def test_review_threshold_flags_low_agreement() -> None:
    calls = [call("a", "ANSWER: yes"), call("b", "ANSWER: no"), call("c", "ANSWER: maybe")]
    assert resolve(calls, Strategy.MAJORITY_VOTE, review_below=0.5).needs_review
    assert not resolve(calls, Strategy.MAJORITY_VOTE, review_below=0.3).needs_review


def test_failed_calls_do_not_vote_and_all_failed_raises() -> None:
    r = resolve([failed("a"), call("b", "ANSWER: no")], Strategy.MAJORITY_VOTE)
    assert r.answer == "no" and r.agreement == 1.0
    with pytest.raises(ProviderFailed):
        resolve([failed("a"), failed("b")], Strategy.MAJORITY_VOTE)


def test_chain_modes_let_the_final_stage_decide() -> None:
    draft, revision = call("a", "ANSWER: yes", 0.99), call("a", "ANSWER: no", 0.1)
    r = resolve(
        [draft, revision],
        Strategy.CONFIDENCE_WEIGHTED,
        synthesis=revision,
        synthesis_decides=True,
    )
    assert (r.answer, r.strategy) == ("no", Strategy.HIERARCHICAL)
    assert r.agreement == 0.0  # the draft did not survive the revision


def test_a_rambling_minority_does_not_turn_labels_into_free_text() -> None:
    calls = [
        call("a", "The answer is no."),
        call("b", '"2019-05-08 13:47:56, Sender ID=SENDER, BEGIN TRANSMISSION, more noise'),
        call("c", "No."),
    ]
    r = resolve(calls, Strategy.DEFAULT)
    assert (r.answer, r.strategy) == ("The answer is no.", Strategy.MAJORITY_VOTE)
    assert r.agreement == pytest.approx(0.6667, abs=1e-4)

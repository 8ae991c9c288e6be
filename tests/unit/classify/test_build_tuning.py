"""How ``bastion models build`` picks the extension threshold on the dev split: the best
IoU>=0.5 F2, values within ``EXTEND_F2_TIE`` of it tied and broken by precision. The
dev scores are given here (scoring itself is the run-time ``evaluate``)."""

from __future__ import annotations

from typing import Any

import pytest

import models.build as build
from agent.classify.manifest import LabelMap


def _labels(threshold: float = 0.8) -> LabelMap:
    return LabelMap(("O", "B-PERSON", "I-PERSON"), ("public",), 128, 16, threshold)


def _tune(monkeypatch: pytest.MonkeyPatch, scores: dict[Any, tuple[float, float]]) -> Any:
    """``scores``: extension threshold -> (precision, recall) on the dev split."""
    seen: list[Any] = []

    def dev_scores(tokenizer: Any, lm: LabelMap, runner: Any, dev: Any, mode: str) -> Any:
        assert mode == "iou50"
        seen.append(lm.extend_threshold)
        p, r = scores[lm.extend_threshold]
        return p, r, 5 * p * r / (4 * p + r)

    monkeypatch.setattr(build, "_dev_scores", dev_scores)
    monkeypatch.setattr(build, "log", lambda msg: None)
    result = build.tune_extend_threshold(None, _labels(), None, None)
    assert seen == [None, 0.6, 0.5, 0.4, 0.3, 0.2, 0.1]  # only values below the threshold
    return result


def test_a_clearly_better_f2_wins(monkeypatch: pytest.MonkeyPatch) -> None:
    scores = {t: (0.90, 0.90) for t in (None, 0.6, 0.5, 0.4, 0.3, 0.2, 0.1)}
    scores[0.4] = (0.92, 0.93)
    assert _tune(monkeypatch, scores)["extend_threshold"] == 0.4


def test_f2_within_the_tie_margin_is_decided_by_precision(monkeypatch: pytest.MonkeyPatch) -> None:
    # the committed build's dev figures: F2 flat from 0.6 to 0.2, precision rising
    scores = {
        None: (0.9338, 0.9473),
        0.6: (0.9386, 0.9481),
        0.5: (0.9407, 0.9481),
        0.4: (0.9418, 0.9473),
        0.3: (0.9417, 0.9465),
        0.2: (0.9432, 0.9469),
        0.1: (0.9424, 0.9453),
    }
    result = _tune(monkeypatch, scores)
    assert result["extend_threshold"] == 0.2
    assert set(result["table"]) == {str(t) for t in scores}


def test_no_gain_keeps_the_decoder_without_extension(monkeypatch: pytest.MonkeyPatch) -> None:
    scores = {t: (0.90, 0.90) for t in (0.6, 0.5, 0.4, 0.3, 0.2, 0.1)}
    scores[None] = (0.95, 0.95)
    assert _tune(monkeypatch, scores)["extend_threshold"] is None

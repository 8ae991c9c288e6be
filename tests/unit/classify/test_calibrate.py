"""models/calibrate.py: the offsets it chooses and the objective they serve."""

from __future__ import annotations

import numpy as np

from models.calibrate import objective, tune_bias

SENSITIVITY = np.arange(3)  # public < internal < confidential


def test_an_offset_recovers_public_sections_read_as_internal() -> None:
    # public sections the model scores a little below internal; internal ones clearly
    logp = np.log(
        np.array([[0.45, 0.55, 0.0001]] * 6 + [[0.1, 0.89, 0.01]] * 6 + [[0.01, 0.2, 0.79]] * 6)
    )
    gold = np.array([0] * 6 + [1] * 6 + [2] * 6)
    bias, score = tune_bias([(logp, gold)], SENSITIVITY)
    pred = (logp + bias).argmax(axis=1)
    assert (pred == gold).all()
    assert score > objective(np.zeros(3), [(logp, gold)], SENSITIVITY)


def test_nothing_moves_without_a_gain() -> None:
    logp = np.log(np.array([[0.8, 0.1, 0.1], [0.1, 0.8, 0.1], [0.1, 0.1, 0.8]]))
    bias, _ = tune_bias([(logp, np.array([0, 1, 2]))], SENSITIVITY)
    assert not bias.any()


def test_downgrades_cost_more_than_public_recall_gains() -> None:
    # raising public enough to recover the public section would downgrade a
    # confidential one: the penalty outweighs the bonus
    logp = np.log(np.array([[0.3, 0.7, 0.0001], [0.45, 0.1, 0.45]] * 5))
    gold = np.array([0, 2] * 5)
    bias, _ = tune_bias([(logp, gold)], SENSITIVITY)
    pred = (logp + bias).argmax(axis=1)
    assert not ((SENSITIVITY[pred] < SENSITIVITY[gold]) & (gold == 2)).any()


def test_false_withholds_on_an_instruction_set_are_penalised() -> None:
    # public < internal < hr: benign instructions the model reads a little more as hr
    # (which withholds the request) than internal; hr instructions clearly hr
    logp = np.log(np.array([[0.01, 0.47, 0.52]] * 8 + [[0.01, 0.1, 0.89]] * 8))
    gold = np.array([1] * 8 + [2] * 8)
    withholds = np.array([False, False, True])
    bias, _ = tune_bias([(logp, gold, withholds)], SENSITIVITY)
    pred = (logp + bias).argmax(axis=1)
    assert (pred == gold).all()
    assert objective(bias, [(logp, gold, withholds)], SENSITIVITY) > objective(
        np.zeros(3), [(logp, gold, withholds)], SENSITIVITY
    )

"""mextrain.calibrate: temperature scaling, ECE, the uncertain level, and the card's preprocessing."""
import json
from pathlib import Path

import numpy as np

from mextrain import calibrate, preprocess

ROOT = Path(__file__).resolve().parents[2]


def calibrated_then_sharpened(n=3000, sharpen=4.0, seed=0):
    """Logits whose softmax is calibrated by construction (labels drawn from it), then made
    overconfident by multiplying them by `sharpen`: the fitted temperature should undo it."""
    rng = np.random.default_rng(seed)
    logits = rng.normal(0, 1.2, size=(n, 3))
    p = calibrate.softmax(logits)
    labels = np.array([rng.choice(3, p=row) for row in p])
    return logits * sharpen, labels


def test_the_fitted_temperature_undoes_overconfidence_and_lowers_ece():
    logits, labels = calibrated_then_sharpened()
    t = calibrate.fit_temperature(logits, labels)
    assert 3.4 < t < 4.6
    before = calibrate.ece(calibrate.softmax(logits), labels)
    after = calibrate.ece(calibrate.softmax(logits, t), labels)
    assert after < 0.03 < before
    assert calibrate.nll(logits, labels, t) < calibrate.nll(logits, labels, 1.0)


def test_ece_of_a_perfectly_confident_right_model_is_zero_and_of_a_wrong_one_is_one():
    labels = np.array([0, 1, 2, 0])
    right = np.eye(3)[labels]
    assert calibrate.ece(right, labels) == 0
    assert abs(calibrate.ece(np.eye(3)[(labels + 1) % 3], labels) - 1) < 1e-9


def test_the_uncertain_level_is_the_lowest_score_meeting_the_target():
    p = np.array([[0.9, 0.05, 0.05], [0.8, 0.1, 0.1], [0.6, 0.3, 0.1], [0.5, 0.4, 0.1]])
    labels = np.array([0, 0, 1, 0])   # the 0.6 one is wrong
    assert calibrate.uncertain_level(p, labels, 1.0) == 0.8
    assert calibrate.uncertain_level(p, labels, 0.75) == 0.5
    assert calibrate.uncertain_level(p[2:3], labels[2:3], 0.9) is None


def test_the_default_cards_preprocessing_is_the_bounded_budget_without_registration():
    card = json.loads((ROOT / "Models" / "default.json").read_text())
    cfg = calibrate.pcfg_from_card(card)
    assert cfg.registration is None
    for key in ("nscales", "warps", "innerIterations", "outerIterations"):
        assert cfg.tvl1[key] == preprocess.TVL1_BOUNDED[key]

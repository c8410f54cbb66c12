import numpy as np
import pytest
from sklearn.metrics import f1_score, recall_score

from mextrain.metrics import uf1_uar


@pytest.mark.parametrize("seed", range(5))
def test_uf1_uar_equal_sklearn_macro_scores(seed):
    rng = np.random.default_rng(seed)
    y = rng.integers(0, 5, 60)
    p = np.where(rng.random(60) < 0.6, y, rng.integers(0, 5, 60))
    if seed == 4:                      # a class absent from both truth and predictions
        y[y == 3], p[p == 3] = 0, 0
    uf1, uar = uf1_uar(y, p, 5)
    assert uf1 == pytest.approx(f1_score(y, p, average="macro"))
    assert uar == pytest.approx(recall_score(y, p, average="macro"))


def test_perfect_and_constant_predictions():
    y = np.array([0, 0, 1, 1, 2, 2])
    assert uf1_uar(y, y, 3) == (1.0, 1.0)
    uf1, uar = uf1_uar(y, np.zeros(6, int), 3)
    assert uar == pytest.approx(1 / 3) and uf1 == pytest.approx((2 * 2 / (2 * 2 + 4)) / 3)

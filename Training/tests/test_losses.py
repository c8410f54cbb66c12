import pytest
import torch
import torch.nn.functional as F

from mextrain.losses import feature_loss, focal_loss, inverse_frequency_weights, kd_loss, skd_loss
from mextrain.model import SKDOutput


@pytest.fixture
def batch():
    g = torch.Generator().manual_seed(0)
    return torch.randn(8, 5, generator=g) * 3, torch.randint(0, 5, (8,), generator=g)


@pytest.mark.parametrize("form", ["code", "paper"])
def test_focal_equals_cross_entropy_when_gamma0_alpha1(batch, form):
    z, y = batch
    ce = F.cross_entropy(z, y)
    assert torch.allclose(focal_loss(z, y, None, gamma=0.0, form=form), ce, atol=1e-6)
    assert torch.allclose(focal_loss(z, y, torch.ones(5), gamma=0.0, form=form), ce, atol=1e-6)


def test_focal_code_form_divides_by_the_batch_weights(batch):
    z, y = batch
    a = torch.tensor([0.1, 0.2, 0.3, 0.25, 0.15])
    p = F.softmax(z, 1).gather(1, y[:, None]).squeeze(1)
    terms = a[y] * (1 - p) ** 2 * -p.log()
    assert torch.allclose(focal_loss(z, y, a, 2.0, "code"), terms.sum() / a[y].sum(), atol=1e-6)
    assert torch.allclose(focal_loss(z, y, a, 2.0, "paper"), terms.mean(), atol=1e-6)
    # gamma > 0 down-weights easy samples: the loss is below alpha-weighted CE.
    assert focal_loss(z, y, a, 2.0, "code") < F.cross_entropy(z, y, weight=a)


def test_inverse_frequency_weights_of_casme2():
    w = inverse_frequency_weights([32, 25, 61, 27, 99])     # the released code's CASME2_numbers
    assert torch.allclose(w, torch.tensor([0.2319, 0.2968, 0.1216, 0.2748, 0.0749]), atol=1e-4)
    with pytest.raises(ValueError):
        inverse_frequency_weights([3, 0, 2])


def test_kd_is_t_squared_kl_and_detaches_the_teacher(batch):
    z, _ = batch
    s = torch.randn(8, 5, requires_grad=True)
    t = z.clone().requires_grad_(True)
    T = 3.0
    qt, qs = F.softmax(z / T, 1), F.softmax(s / T, 1)
    manual = T * T * (qt * (qt.log() - qs.log())).sum(1).mean()
    loss = kd_loss(s, t, T)
    assert torch.allclose(loss, manual, atol=1e-5)
    loss.backward()
    assert t.grad is None and s.grad is not None
    assert kd_loss(z, z, T).abs() < 1e-6


def test_feature_loss_forms():
    f = torch.tensor([[1.0, 0.0, 2.0], [0.0, 0.0, 1.0]], requires_grad=True)
    t = torch.tensor([[0.0, 0.0, 1.0], [1.0, 0.0, 1.0]])
    assert feature_loss(f, t, "code").item() == pytest.approx(1 + 1 + 1)
    assert feature_loss(f, t, "paper").item() == pytest.approx((2 + 1) / 2)


def test_skd_total_is_eq10(batch):
    z, y = batch
    g = torch.Generator().manual_seed(1)
    out = SKDOutput(z, torch.randn(8, 5, generator=g), torch.randn(8, 5, generator=g),
                    torch.rand(8, 384, generator=g), torch.rand(8, 384, generator=g),
                    torch.rand(8, 384, generator=g))
    a = inverse_frequency_weights([1, 2, 3, 4, 5])
    total, parts = skd_loss(out, y, a, 2.0, 0.1, 1e-6, 3.0)
    expect = parts["fl"] + sum(0.9 * parts[f"{h}_fl"] + 0.1 * parts[f"{h}_kl"] + 1e-6 * parts[f"{h}_l2"]
                               for h in ("ac1", "ac2"))
    assert total.item() == pytest.approx(expect, rel=1e-5)
    # The deepest classifier gets focal loss only: with lambda1 = lambda2 = 0 and ACs equal to it
    # the total is three focal losses of the same logits.
    same = SKDOutput(z, z, z, out.feat, out.feat, out.feat)
    total, _ = skd_loss(same, y, a, 2.0, 0.0, 0.0, 3.0)
    assert total.item() == pytest.approx(3 * focal_loss(z, y, a).item(), rel=1e-5)

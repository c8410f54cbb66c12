"""Protocol semantics and determinism of the trainer, on a narrow model and random tensors."""
import numpy as np
import pytest
import torch

import mextrain.train as T
from mextrain.config import ModelConfig, TrainConfig

SMALL = ModelConfig(num_classes=3, mag_width=8, widths=(16, 32))


@pytest.fixture
def tiny():
    g = np.random.default_rng(0)
    x = g.random((15, 38, 48, 48), dtype=np.float32)
    y = np.tile([0, 1, 2], 5)
    subjects = np.repeat(["s1", "s2", "s3", "s4", "s5"], 3)
    return x, y, subjects


def _spy(monkeypatch):
    seen = []
    real = T.predict

    def spy(model, x, device, batch=64):
        seen.append(x[:, 0, 0, 0].copy())
        return real(model, x, device, batch)
    monkeypatch.setattr(T, "predict", spy)
    return seen


def test_honest_protocol_never_looks_at_the_held_out_subject(tiny, monkeypatch):
    x, y, subjects = tiny
    seen = _spy(monkeypatch)
    real_fit = T.fit

    def fit(*a, **k):                     # mark where each fold's training starts and ends
        seen.append("start")
        out = real_fit(*a, **k)
        seen.append("end")
        return out
    monkeypatch.setattr(T, "fit", fit)
    cfg = TrainConfig(batch_size=4, max_iter=6, protocol="honest")
    r = T.loso(x, y, subjects, ["a", "b", "c"], cfg, SMALL, device="cpu", progress=False)
    marks = [(i, s) for i, s in enumerate(seen) if isinstance(s, str)]
    starts = [i for i, s in marks if s == "start"]
    assert len(starts) == len(r["folds"]) == 5
    for fold, i in zip(r["folds"], starts):
        key = x[subjects == fold["subject"], 0, 0, 0]
        j = next(k for k, s in marks if s == "end" and k > i)
        during = seen[i + 1:j]
        assert during, "the inner validation set was never evaluated"
        assert not any(np.array_equal(s, key) for s in during), fold["subject"]
        assert np.array_equal(seen[j + 1], key)          # one prediction, after training
        assert fold["n_inner_val"] == 3 and fold["n_train"] == 9
    assert r["protocol"] == "honest" and set(r["per_classifier"]) == {"ac1", "ac2", "main"}


def test_authors_protocol_selects_on_the_held_out_subject(tiny, monkeypatch):
    x, y, subjects = tiny
    seen = _spy(monkeypatch)
    cfg = TrainConfig(batch_size=4, max_iter=6, protocol="authors")
    r = T.loso(x, y, subjects, ["a", "b", "c"], cfg, SMALL, device="cpu", progress=False)
    key = x[subjects == "s1", 0, 0, 0]
    assert sum(np.array_equal(s, key) for s in seen if len(s) == 3) >= 2   # every epoch + final


def test_training_is_deterministic_on_cpu(tiny):
    x, y, _ = tiny
    cfg = TrainConfig(batch_size=4, max_iter=3)
    a, _ = T.train_all(x, y, ["a", "b", "c"], cfg, SMALL, steps=3, device="cpu", progress=False)
    b, _ = T.train_all(x, y, ["a", "b", "c"], cfg, SMALL, steps=3, device="cpu", progress=False)
    for k, v in a.state_dict().items():
        assert torch.equal(v, b.state_dict()[k]), k
    fresh = T.new_model(SMALL)
    assert not torch.equal(a.state_dict()["fc2.weight"], fresh.state_dict()["fc2.weight"])


def test_pretrained_weights_load_without_the_heads(tmp_path):
    ck = T.new_model(ModelConfig(num_classes=7, mag_width=8, widths=(16, 32)))   # e.g. CK+ 7 classes
    torch.save(ck.state_dict(), tmp_path / "ck.pt")
    m = T.new_model(SMALL, str(tmp_path / "ck.pt"))
    assert torch.equal(m.state_dict()["conv3_T.net.weight"], ck.state_dict()["conv3_T.net.weight"])
    assert m.fc2.weight.shape == (3, 96)

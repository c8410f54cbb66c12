"""The committed parity fixtures (Tests/Fixtures/skd-tstsan) are consistent and reproducible."""
import json
from pathlib import Path

import cv2
import numpy as np
import pytest

from mextrain.fixtures import write

FIXTURES = Path(__file__).resolve().parents[2] / "Tests" / "Fixtures" / "skd-tstsan"


def test_committed_fixtures_are_small_and_complete():
    manifest = json.loads((FIXTURES / "manifest.json").read_text())
    for name in manifest["files"]:
        assert (FIXTURES / name).exists(), name
    assert sum(f.stat().st_size for f in FIXTURES.iterdir()) < 2_000_000


def test_opencv_dnn_reproduces_the_committed_logits():
    net = cv2.dnn.readNetFromONNX(str(FIXTURES / "model.onnx"))
    for inp, out in (("inputs.npy", "logits.npy"), ("preprocess_tensor.npy", "logits_preprocessed.npy")):
        x = np.load(FIXTURES / inp)
        x = x[None] if x.ndim == 3 else x
        net.setInput(x)
        ref = np.load(FIXTURES / out)
        assert np.abs(net.forward() - ref).max() < 1e-4
        assert np.ptp(ref) > 1.0                  # logits far from constant


def test_regenerating_gives_the_same_numbers(tmp_path):
    write(str(tmp_path))
    for name in ("inputs.npy", "logits.npy", "preprocess_faces.npy", "preprocess_tensor.npy",
                 "logits_preprocessed.npy", "registered_faces.npy", "registered_motion.npy",
                 "registered_warped.npy", "registered_flow.npy", "logits_registered.npy"):
        a, b = np.load(FIXTURES / name), np.load(tmp_path / name)
        assert a.shape == b.shape and a.dtype == b.dtype, name
        # The inputs are reproduced exactly. The logits come from PyTorch's CPU kernels,
        # which pick their vector width (and so their float32 summation order) from the
        # processor: regenerated on an AMD EPYC, logits of magnitude 9 differed by 4e-5
        # (relative 5e-6) from those made elsewhere. The bound is the one OpenCV DNN's
        # parity with these fixtures is held to (test above and Swift's ParityTests).
        atol = 1e-4 if name.startswith("logits") else 1e-5
        np.testing.assert_allclose(a, b, rtol=1e-5, atol=atol, err_msg=name)

import json

import cv2
import numpy as np
import torch

from mextrain.__main__ import main
from mextrain.export import load_checkpoint, save_checkpoint
from mextrain.fixtures import parity_model, synthetic_faces
from mextrain import preprocess


def test_info_prints_parameters_and_flops(capsys):
    main(["info", "--classes", "5", "--json"])
    info = json.loads(capsys.readouterr().out)
    assert info["parameters_with_aux"] == 2_946_214 and info["parameters_inference"] == 1_610_632
    assert info["flops_per_inference"] == 2 * info["macs_per_inference"] == 2 * 747_763_200


def test_export_command(tmp_path):
    model = parity_model(seed=3, num_classes=3)
    save_checkpoint(model, str(tmp_path / "m.pt"), ["negative", "positive", "surprise"])
    main(["export", str(tmp_path / "m.pt"), "--out", str(tmp_path / "out"), "--name", "skd"])
    card = json.loads((tmp_path / "out" / "skd.json").read_text())
    assert card["classes"] == ["negative", "positive", "surprise"]
    assert card["model_config"]["widths"] == [16, 32]
    net = cv2.dnn.readNetFromONNX(str(tmp_path / "out" / "skd.onnx"))
    x = torch.rand(1, 38, 48, 48)
    net.setInput(x.numpy())
    with torch.no_grad():
        assert np.abs(net.forward() - model(x).numpy()).max() < 1e-4


def test_preprocess_command(tmp_path):
    paths = []
    for name, f in zip(("onset", "apex", "offset"), synthetic_faces()):
        p = tmp_path / f"{name}.png"
        cv2.imwrite(str(p), cv2.cvtColor(f, cv2.COLOR_GRAY2BGR))
        paths.append(str(p))
    main(["preprocess", *paths, "--full", "--out", str(tmp_path / "x.npy")])
    x = np.load(tmp_path / "x.npy")
    frames = [preprocess.load_frame(p) for p in paths]
    assert np.array_equal(x, preprocess.preprocess_clip(*frames, box=(0, 0, 127, 127)))

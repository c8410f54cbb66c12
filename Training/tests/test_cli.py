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
    main(["preprocess", *paths, "--full", "--event-step", "bounded", "--out", str(tmp_path / "b.npy")])
    bounded = preprocess.preprocess_clip(*frames, box=(0, 0, 127, 127), cfg=preprocess.PreprocessConfig.bounded())
    assert np.array_equal(np.load(tmp_path / "b.npy"), bounded) and not np.array_equal(bounded, x)


def test_ckplus_pretraining_then_fine_tuning(tmp_path):
    from minidata import make_casme2, make_ckplus
    ck = make_ckplus(tmp_path / "ck", [("S005", "001", 4, 3), ("S010", "002", 5, 7), ("S011", "001", 3, 5),
                                       ("S012", "003", 4, 1)])
    main(["train", "--dataset", "ckplus", "--root", str(ck), "--out", str(tmp_path / "ckrun"), "--no-loso",
          "--face-box", "full", "--max-iter", "1", "--batch-size", "4", "--threads", "2"])
    card = json.loads((tmp_path / "ckrun" / "model.json").read_text())
    assert len(card["classes"]) == 7 and card["training"]["dataset"] == "ckplus"
    pre, _ = load_checkpoint(str(tmp_path / "ckrun" / "model.pt"))
    cas = make_casme2(tmp_path / "cas", [(1, "EP01", 1, 2, 3, "happiness"), (1, "EP02", 1, 2, 3, "surprise"),
                                         (2, "EP01", 1, 2, 3, "disgust"), (2, "EP02", 1, 2, 3, "others")])
    out = tmp_path / "fine"
    main(["train", "--dataset", "casme2", "--root", str(cas), "--out", str(out), "--pretrained",
          str(tmp_path / "ckrun" / "model.pt"), "--face-box", "full", "--max-iter", "1", "--batch-size", "2",
          "--threads", "2", "--final"])
    r = json.loads((out / "results.json").read_text())
    assert r["pretrained"].endswith("model.pt") and r["num_subjects"] == 2
    fine, _ = load_checkpoint(str(out / "model.pt"))
    assert fine.fc2.weight.shape == (5, 384)
    # One step of Adam moved the weights a little, from the CK+ ones rather than a fresh init.
    w0, w1 = pre.state_dict()["conv5_S.weight"], fine.state_dict()["conv5_S.weight"]
    assert (w1 - w0).abs().max() < 0.01 < (w0.std() * 1)

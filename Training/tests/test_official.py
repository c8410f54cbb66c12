"""import-official with a state_dict built here from the authors' key names and shapes
(reference-code notes 2.6), independently of mextrain's own module tree."""
import json

import cv2
import numpy as np
import pytest
import torch

from mextrain.__main__ import main
from mextrain.official import CheckpointMismatch, read_state_dict, to_model


def authors_state_dict(num_classes=5, seed=0):
    g = torch.Generator().manual_seed(seed)
    shapes = {}
    for s, din in (("L", 16), ("S", 1), ("T", 2)):
        e = f"Aug_Encoder_{s}."
        shapes[e + "cba_1.conv2d.weight"] = (16, din, 7, 7)
        shapes[e + "cba_2.conv2d.weight"] = (32, 16, 3, 3)
        for blk in [f"resblks.{i}" for i in range(3)] + [f"motion_resblks.{i}" for i in range(2)]:
            for c in (1, 2):
                shapes[e + f"{blk}.cba_{c}.conv2d.weight"] = (32, 32, 3, 3)
        shapes[e + "motion_cba.conv2d.weight"] = (32, 32, 3, 3)
        m = f"Aug_Manipulator_{s}."
        shapes[m + "g.conv2d.weight"] = (32, 32, 7, 7)
        shapes[m + "h_conv.conv2d.weight"] = (32, 32, 3, 3)
        for c in (1, 2):
            shapes[m + f"h_resblk.cba_{c}.conv2d.weight"] = (32, 32, 3, 3)
    def conv(name, cout, cin, k, s):
        key = f"{name}.net" if s == "T" else name
        shapes[f"{key}.weight"], shapes[f"{key}.bias"] = (cout, cin, k, k), (cout,)
    def bn(name, c):
        for p in ("weight", "bias", "running_mean", "running_var"):
            shapes[f"{name}.{p}"] = (c,)
        shapes[f"{name}.num_batches_tracked"] = ()
    for s in "LST":
        shapes[f"conv1_{s}.weight"], shapes[f"conv1_{s}.bias"] = (64, 32, 5, 5), (64,)   # conv1_T: no .net
        bn(f"bn1_{s}", 64)
        for i, (cin, cout) in ((2, (64, 64)), (3, (64, 64)), (4, (64, 128)), (5, (128, 128))):
            conv(f"conv{i}_{s}", cout, cin, 3, s)
            bn(f"bn{i}_{s}", cout)
        for a in ("AC1", "AC2"):
            conv(f"{a}_conv1_{s}", 128, 64, 3, s)
            conv(f"{a}_conv2_{s}", 128, 128, 3, s)
            bn(f"{a}_bn1_{s}", 128)
            bn(f"{a}_bn2_{s}", 128)
    for i, k in ((1, 3), (2, 3), (3, 3), (4, 5), (5, 5)):
        shapes[f"ECA{i}.conv.weight"] = (1, 1, k)
    for a in ("AC1", "AC2"):
        shapes[f"{a}_ECA1.conv.weight"] = shapes[f"{a}_ECA2.conv.weight"] = (1, 1, 5)
    for fc in ("fc2", "AC1_fc", "AC2_fc"):
        shapes[f"{fc}.weight"], shapes[f"{fc}.bias"] = (num_classes, 384), (num_classes,)
    sd = {}
    for k, shp in shapes.items():
        if k.endswith("num_batches_tracked"):
            sd[k] = torch.tensor(20000)
        elif k.endswith("running_var"):
            sd[k] = torch.rand(shp, generator=g) + 0.5
        else:
            sd[k] = torch.randn(shp, generator=g) * 0.05
    return sd


def test_authors_checkpoint_imports_and_exports(tmp_path):
    sd = authors_state_dict()
    assert len(sd) == 255
    ckpt = tmp_path / "sub01.pth"
    torch.save({"module." + k: v for k, v in sd.items()}, ckpt)     # DataParallel prefix too
    main(["import-official", str(ckpt), "--classes", "5", "--out", str(tmp_path / "out")])
    card = json.loads((tmp_path / "out" / "model.json").read_text())
    assert card["classes"] == ["happiness", "surprise", "disgust", "repression", "others"]
    model = to_model(read_state_dict(ckpt), 5)
    for k, v in sd.items():
        assert torch.equal(model.state_dict()[k].to(v.dtype), v), k
    x = torch.rand(1, 38, 48, 48)
    with torch.no_grad():
        ref = model(x).numpy()
    net = cv2.dnn.readNetFromONNX(str(tmp_path / "out" / "model.onnx"))
    net.setInput(x.numpy())
    assert np.abs(net.forward() - ref).max() < 1e-4


def test_mismatches_are_named():
    sd = authors_state_dict()
    del sd["ECA3.conv.weight"]
    sd["fc1.weight"] = torch.zeros(3)
    with pytest.raises(CheckpointMismatch, match=r"missing keys \(1\): ECA3.conv.weight") as e:
        to_model(sd, 5)
    assert "unexpected keys (1): fc1.weight" in str(e.value)
    with pytest.raises(CheckpointMismatch, match=r"fc2.weight: checkpoint \(5, 384\), model \(3, 384\)"):
        to_model(authors_state_dict(), 3)


def test_cli_exits_with_the_message(tmp_path):
    sd = authors_state_dict(3)
    ckpt = tmp_path / "x.pth"
    torch.save(sd, ckpt)
    with pytest.raises(SystemExit, match="fc2.weight"):
        main(["import-official", str(ckpt), "--classes", "5", "--out", str(tmp_path / "o")])

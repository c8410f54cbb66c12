import json

import cv2
import numpy as np
import onnx
import pytest
import torch

from mextrain.export import export, export_onnx, load_checkpoint, save_checkpoint
from mextrain.fixtures import parity_model
from mextrain.model import count_parameters


@pytest.fixture(scope="module")
def exported(tmp_path_factory):
    d = tmp_path_factory.mktemp("export")
    model = parity_model(seed=7, num_classes=5, small=False)
    onnx_path, json_path = export(model, str(d), ["happiness", "surprise", "disgust", "repression", "others"])
    return model, onnx_path, json_path


def test_graph_has_one_input_one_output_and_only_opencv46_friendly_ops(exported):
    _, onnx_path, _ = exported
    g = onnx.load(onnx_path)
    assert g.opset_import[0].version == 11
    assert [i.name for i in g.graph.input] == ["input"]
    assert [o.name for o in g.graph.output] == ["logits"]
    dims = g.graph.input[0].type.tensor_type.shape.dim
    assert [d.dim_value for d in dims[1:]] == [38, 48, 48]
    convs = sum(n.op_type == "Conv" for n in g.graph.node)
    # 5 encoder passes x 13 convs (the all-zero T "onset" pass is skipped), 3 manipulators x 4,
    # 3 streams x 5 trunk convs, 5 ECAs x 2 (their 1-D conv as Conv2d): 65 + 12 + 15 + 10.
    assert convs == 102
    assert sum(n.op_type == "Gemm" for n in g.graph.node) == 1          # fc2 only
    # No auxiliary classifier weights in the graph.
    assert not [i.name for i in g.graph.initializer if i.name.startswith(("AC1_", "AC2_"))]


@pytest.mark.parametrize("batch", [1, 2])
def test_opencv_dnn_matches_pytorch(exported, batch):
    model, onnx_path, _ = exported
    net = cv2.dnn.readNetFromONNX(onnx_path)
    x = torch.rand(batch, 38, 48, 48, generator=torch.Generator().manual_seed(batch))
    with torch.no_grad():
        ref = model(x).numpy()
    net.setInput(x.numpy())
    out = net.forward()
    assert out.shape == ref.shape
    assert np.abs(ref).max() > 0.5          # the fixture model's logits are not all ~0
    assert np.abs(out - ref).max() < 1e-4


def test_model_card_says_what_a_runtime_needs(exported):
    model, _, json_path = exported
    card = json.load(open(json_path))
    assert card["classes"] == ["happiness", "surprise", "disgust", "repression", "others"]
    assert card["inputs"][0]["name"] == "input" and card["inputs"][0]["shape"] == ["N", 38, 48, 48]
    assert card["outputs"][0]["name"] == "logits"
    assert card["amplification_factor"] == 2.0
    assert card["parameters"] == {"total_with_aux": 2_946_214, "inference": 1_610_632}
    assert card["macs_per_inference"] > 7e8
    assert card["preprocessing"]["flow"]["params"]["tau"] == 0.25
    for k in ("architecture_version", "training", "metrics", "date", "follows_code_not_paper"):
        assert k in card


def test_checkpoint_keeps_the_auxiliary_classifiers(tmp_path, exported):
    model, _, _ = exported
    p = tmp_path / "m.pt"
    save_checkpoint(model, str(p), list("abcde"))
    loaded, ckpt = load_checkpoint(str(p))
    assert count_parameters(loaded) == 2_946_214 and ckpt["classes"] == list("abcde")
    for k, v in model.state_dict().items():
        assert torch.equal(v, loaded.state_dict()[k]), k

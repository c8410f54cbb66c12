"""The shipped default model (Models/default.onnx + default.json) loads, says what it is, and runs
in OpenCV 4.6 DNN with the logits PyTorch gave at export time (within 1e-4).

Also: the synthetic-clips loader on a tiny hand-made clips.csv, including its row-naming errors.
"""
import json
from pathlib import Path

import cv2
import numpy as np
import pytest

from mextrain.data.sample import AnnotationError
from mextrain.data.synthetic import CLASSES, load_synthetic
from mextrain.default_model import REFERENCE_INPUT, reference_input

MODELS = Path(__file__).resolve().parents[2] / "Models"
ONNX, CARD = MODELS / "default.onnx", MODELS / "default.json"


@pytest.fixture(scope="module")
def card():
    return json.loads(CARD.read_text())


def test_files_are_small():
    assert ONNX.exists() and CARD.exists()
    assert ONNX.stat().st_size < 4_000_000        # "a few MB at most"


def test_card_classes_and_io(card):
    assert card["classes"] == ["negative", "positive", "surprise"]
    assert card["architecture"] == "SKD-TSTSAN"
    assert card["inputs"][0]["name"] == "input" and card["inputs"][0]["shape"] == ["N", 38, 48, 48]
    assert card["outputs"][0]["name"] == "logits" and card["outputs"][0]["shape"] == ["N", 3]


def test_card_preprocessing_booleans(card):
    pre = card["preprocessing"]
    assert pre["jpeg_roundtrip"] is True
    assert pre["flow_polar_roundtrip"] is True


def test_card_metrics_and_honesty(card):
    m = card["metrics"]["loso_honest_synthetic"]
    assert m["protocol"] == "honest"
    for k in ("uf1", "uar"):
        assert 0.0 <= m[k] <= 1.0
    assert set(m["per_class"]) == set(CLASSES)
    assert len(m["folds"]) == 4
    t = card["training"]
    assert "SYNTHETIC" in t["data"]
    assert t["samples"] > 0 and len(t["subjects"]) == 4
    assert any("casme2" in c for c in t["retrain_commands"])
    assert t["generator"][0]["generator"] == "mextrain.synth"
    assert card["parameters"]["inference"] > 0
    assert card["model_config"]["num_classes"] == 3


def test_opencv_dnn_matches_pytorch_logits(card):
    ver = card["verification"]
    assert ver["reference_input"] == REFERENCE_INPUT
    expected = np.array(ver["reference_logits_pytorch"], np.float32)
    x = reference_input()
    assert expected.shape == (len(x), 3)
    net = cv2.dnn.readNetFromONNX(str(ONNX))
    for i in range(len(x)):                          # batch 1, as mexd runs it
        net.setInput(x[i:i + 1])
        out = net.forward()
        assert out.shape == (1, 3)
        np.testing.assert_allclose(out[0], expected[i], rtol=0, atol=1e-4)
    net.setInput(x)                                  # and batch 2
    np.testing.assert_allclose(net.forward(), expected, rtol=0, atol=1e-4)
    assert ver["opencv_dnn_vs_pytorch_max_abs_logit_diff"] <= 1e-4


# ---------------------------------------------------------------------------------------------
# The loader.

HEADER = ("subject,clip,video,onset,apex,offset,type,au,label,onset_image,apex_image,offset_image\n")


def _clips(tmp_path, rows, make_images=True):
    for subject, clip in {(r[0], r[1]) for r in rows}:
        d = tmp_path / "clips" / subject / clip
        d.mkdir(parents=True, exist_ok=True)
        if make_images:
            for k in ("onset", "apex", "offset"):
                cv2.imwrite(str(d / f"{k}.jpg"), np.zeros((8, 8, 3), np.uint8))
    lines = [HEADER]
    for subject, clip, label, frames in rows:
        imgs = [f"clips/{subject}/{clip}/{k}.jpg" for k in ("onset", "apex", "offset")]
        lines.append(",".join([subject, clip, f"{clip[:-4]}.mp4", *map(str, frames), "micro", "AU4",
                               label, *imgs]) + "\n")
    (tmp_path / "clips.csv").write_text("".join(lines))
    return tmp_path


def test_loader_reads_clips(tmp_path):
    root = _clips(tmp_path, [("astronaut", "astronaut_30fps_00_e00", "negative", (10, 14, 20)),
                             ("obama", "obama_30fps_00_e00", "surprise", (5, 8, 12)),
                             ("obama", "obama_30fps_00_e01", "positive", (30, 33, 40))])
    s = load_synthetic(root, clip_prefix="s1_")
    assert [x.subject for x in s] == ["astronaut", "obama", "obama"]
    assert [x.label for x in s] == [0, 2, 1]
    assert [x.emotion for x in s] == ["negative", "surprise", "positive"]
    assert s[0].clip == "s1_astronaut_30fps_00_e00" and s[0].dataset == "synthetic"
    assert s[0].apex == root / "clips/astronaut/astronaut_30fps_00_e00/apex.jpg"


@pytest.mark.parametrize("row, message", [
    (("obama", "obama_30fps_00_e00", "happiness", (5, 8, 12)), "row 2: unknown label 'happiness'"),
    (("obama", "obama_30fps_00_e00", "positive", (5, "x", 12)), "row 2: column 'apex' is not a frame"),
    (("obama", "obama_30fps_00_e00", "positive", (9, 8, 12)), "row 2: frames not in order"),
])
def test_loader_errors_name_file_and_row(tmp_path, row, message):
    root = _clips(tmp_path, [row])
    with pytest.raises(AnnotationError, match=str(root / "clips.csv").replace(".", r"\.") + " " +
                       message.replace("(", r"\(").replace(")", r"\)")):
        load_synthetic(root)


def test_loader_missing_image_and_file(tmp_path):
    root = _clips(tmp_path, [("biden", "biden_30fps_00_e00", "negative", (1, 2, 3))], make_images=False)
    with pytest.raises(AnnotationError, match=r"row 2: onset_image .*onset\.jpg not found"):
        load_synthetic(root)
    with pytest.raises(FileNotFoundError, match="clips.csv"):
        load_synthetic(tmp_path / "nowhere")

"""End to end: a CASME II-layout mini data set whose classes differ by a real, learnable motion
(which face band moves, and which way), through loader -> TV-L1 preprocessing -> LOSO training of
the full SKD-TSTSAN -> UF1/UAR -> export. Chance UAR is 1/3."""
import json
import zlib

import cv2
import numpy as np
import pytest

from mextrain.__main__ import main
from minidata import make_casme2

# (emotion, band rows, vertical shift in px at the apex): brow lowerer, lip corner puller, brow raiser.
PATTERNS = {"disgust": ((20, 52), 3), "happiness": ((78, 110), -3), "surprise": ((20, 52), -3)}
SUBJECTS, CLIPS_PER_CLASS = 4, 2


def draw(path, frame_no, clip):
    """Onset (frame 1): a per-clip random smooth texture; apex (frame 5): one band shifted;
    offset (frame 9): the band half way back."""
    subj, fn, on, ap, off, emo = clip
    rng = np.random.default_rng(zlib.crc32(f"{subj}/{fn}".encode()))
    tex = cv2.GaussianBlur(rng.uniform(0, 255, (140, 128, 3)).astype(np.float32), (0, 0), 2.5)
    tex = cv2.normalize(tex, None, 30, 225, cv2.NORM_MINMAX)
    img = tex[6:134].copy()
    (r0, r1), dy = PATTERNS[emo]
    shift = {on: 0, ap: dy, off: dy // 2}[frame_no]
    img[r0:r1] = tex[6 + r0 - shift:6 + r1 - shift]
    path.parent.mkdir(parents=True, exist_ok=True)
    cv2.imwrite(str(path), img.round().astype(np.uint8))


@pytest.fixture(scope="module")
def mini_casme2(tmp_path_factory):
    clips = []
    for s in range(1, SUBJECTS + 1):
        for k, emo in enumerate(PATTERNS):
            for c in range(CLIPS_PER_CLASS):
                clips.append((s, f"EP{k:02d}_{c:02d}", 1, 5, 9, emo))
    root = make_casme2(tmp_path_factory.mktemp("casme2"), clips, writer=draw)
    return root, str(tmp_path_factory.mktemp("cache"))      # tensors preprocessed once for both tests


def test_loso_learns_the_motion_patterns(mini_casme2, tmp_path):
    root, cache = mini_casme2
    out = tmp_path / "run"
    main(["train", "--dataset", "casme2", "--grouping", "casme2-3", "--root", str(root), "--cache", cache,
          "--out", str(out), "--face-box", "full", "--max-iter", "60", "--batch-size", "8", "--patience", "30",
          "--threads", "2"])
    r = json.loads((out / "results.json").read_text())
    assert r["protocol"] == "honest" and "inner validation" in r["protocol_note"]
    assert r["num_samples"] == 24 and r["num_subjects"] == SUBJECTS
    assert set(r["per_classifier"]) == {"ac1", "ac2", "main"}
    assert len((out / "predictions.csv").read_text().splitlines()) == 25
    assert (out / "confusion.png").stat().st_size > 1000
    # Clearly above chance (1/3) for held-out subjects never used for model selection.
    print("end-to-end LOSO (honest):", r["per_classifier"])
    assert r["metrics"]["uar"] >= 0.7, r["metrics"]     # measured: 1.0 (24/24)


def test_authors_protocol_is_named_and_runs(mini_casme2, tmp_path):
    root, cache = mini_casme2
    out = tmp_path / "run"
    main(["train", "--dataset", "casme2", "--grouping", "casme2-3", "--root", str(root), "--cache", cache,
          "--out", str(out), "--face-box", "full", "--max-iter", "4", "--batch-size", "8",
          "--threads", "2", "--protocol", "authors", "--final"])
    r = json.loads((out / "results.json").read_text())
    assert r["protocol"] == "authors" and "optimistic" in r["protocol_note"]
    assert all(f["steps"] <= 4 for f in r["folds"])
    # --final: a model trained on every subject, exported and loadable by OpenCV 4.6.
    card = json.loads((out / "model.json").read_text())
    assert card["classes"] == ["negative", "positive", "surprise"]
    assert card["metrics"]["loso_authors"]["main"]["uar"] == r["metrics"]["uar"]
    net = cv2.dnn.readNetFromONNX(str(out / "model.onnx"))
    net.setInput(np.zeros((1, 38, 48, 48), np.float32))
    assert net.forward().shape == (1, 3)

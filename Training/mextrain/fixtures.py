"""`python -m mextrain fixtures OUTDIR`: parity fixtures for the Swift side (mexd).

Writes a small seeded model exported exactly as `export` does, a few input tensors and the logits
PyTorch computes for them, plus one preprocessing case (three gray 128x128 faces and the
(38, 48, 48) tensor preprocess.py builds from them).

  model.onnx, model.json     the graph and its model card (3 classes)
  inputs.npy                 float32 (K, 38, 48, 48): K input tensors
  logits.npy                 float32 (K, 3): PyTorch eval-mode logits for inputs.npy
  preprocess_faces.npy       uint8 (3, 128, 128): onset, apex, offset gray faces
  preprocess_tensor.npy      float32 (38, 48, 48): preprocess.tensor_from_faces of those faces
  logits_preprocessed.npy    float32 (1, 3): logits for preprocess_tensor.npy
  manifest.json              the list above, seeds, tolerances and versions
.npy is NumPy's format: a short text header (dtype, shape, C order) then raw little-endian data.
"""
import json
import os

import numpy as np
import torch

from . import preprocess
from .config import ModelConfig
from .export import export
from .model import SKDTSTSAN

FIXTURE_CLASSES = ["negative", "positive", "surprise"]
SEED = 20240625
NUM_INPUTS = 4
TOLERANCE = 1e-4


def parity_model(seed=SEED, num_classes=3):
    """A seeded model whose BN statistics and head are far from their defaults, so a runtime that
    skipped BN, mixed channels or dropped a stream would be caught by the logits."""
    g = torch.Generator().manual_seed(seed)
    torch.manual_seed(seed)
    model = SKDTSTSAN(ModelConfig(num_classes=num_classes))
    with torch.no_grad():
        for m in model.modules():
            if isinstance(m, torch.nn.BatchNorm2d):
                c = m.num_features
                m.running_mean.copy_(torch.randn(c, generator=g) * 0.1)
                m.running_var.copy_(torch.rand(c, generator=g) * 0.5 + 0.5)
                m.weight.copy_(torch.rand(c, generator=g) + 0.5)
                m.bias.copy_(torch.randn(c, generator=g) * 0.1)
        model.fc2.weight.mul_(20)     # logits of order 1, so 1e-4 is a relative test too
    return model.eval()


def synthetic_faces(seed=SEED):
    """Onset, apex, offset: a smooth random texture whose upper third moves up 2 px at the apex."""
    rng = np.random.default_rng(seed)
    import cv2
    base = cv2.GaussianBlur(rng.uniform(0, 255, (160, 160)).astype(np.float32), (0, 0), 3)
    base = cv2.normalize(base, None, 20, 235, cv2.NORM_MINMAX)
    onset = base[16:144, 16:144]
    apex = onset.copy()
    apex[:48] = base[18:66, 16:144]          # brow-raise-like local shift
    offset = base[16:144, 17:145]            # small global drift at the offset
    return np.stack([onset, apex, offset]).round().astype(np.uint8)


def write(out_dir):
    os.makedirs(out_dir, exist_ok=True)
    model = parity_model()
    export(model, out_dir, FIXTURE_CLASSES, name="model",
           training={"data": "none: seeded random weights for parity tests", "seed": SEED})
    g = torch.Generator().manual_seed(SEED + 1)
    inputs = torch.rand(NUM_INPUTS, 38, 48, 48, generator=g)
    faces = synthetic_faces()
    tensor = preprocess.tensor_from_faces(*faces)
    with torch.no_grad():
        logits = model(inputs).numpy()
        logits_pre = model(torch.from_numpy(tensor)[None]).numpy()
    np.save(os.path.join(out_dir, "inputs.npy"), inputs.numpy().astype(np.float32))
    np.save(os.path.join(out_dir, "logits.npy"), logits.astype(np.float32))
    np.save(os.path.join(out_dir, "preprocess_faces.npy"), faces)
    np.save(os.path.join(out_dir, "preprocess_tensor.npy"), tensor)
    np.save(os.path.join(out_dir, "logits_preprocessed.npy"), logits_pre.astype(np.float32))
    import cv2
    manifest = {
        "classes": FIXTURE_CLASSES, "seed": SEED, "tolerance_logits_abs": TOLERANCE,
        "files": {
            "model.onnx": "inference graph, opset 11, input `input` (N,38,48,48), output `logits` (N,3)",
            "model.json": "model card",
            "inputs.npy": f"float32 ({NUM_INPUTS},38,48,48), uniform [0,1)",
            "logits.npy": f"float32 ({NUM_INPUTS},3), PyTorch eval logits of inputs.npy",
            "preprocess_faces.npy": "uint8 (3,128,128): onset, apex, offset gray faces",
            "preprocess_tensor.npy": "float32 (38,48,48) from preprocess.tensor_from_faces "
                                     "(jpeg_roundtrip=True, polar_roundtrip=True)",
            "logits_preprocessed.npy": "float32 (1,3), logits of preprocess_tensor.npy",
        },
        "versions": {"torch": torch.__version__, "opencv": cv2.__version__, "numpy": np.__version__},
        "regenerate": "python -m mextrain fixtures Tests/Fixtures/skd-tstsan",
    }
    with open(os.path.join(out_dir, "manifest.json"), "w") as f:
        json.dump(manifest, f, indent=2)
        f.write("\n")
    return manifest

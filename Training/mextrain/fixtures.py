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
  registered_faces.npy       uint8 (2, 128, 128): apex and offset with the head moving; their
                             onset is preprocess_faces.npy's (the same texture, unmoved)
  registered_preprocessing.json  constants(PreprocessConfig.bounded()): the card's preprocessing
  registered_motion.npy      float64 (2, 6): align_face's head motion (tx, ty, a, b, c, d) of
                             the apex and the offset
  registered_warped.npy      uint8 (2, 128, 128): the apex and offset warped onto the onset
  registered_flow.npy        float32 (4, 48, 48): channels 34-37 of tensor_from_faces with
                             registration and bounded TV-L1 (the face channels are those of the
                             onset and the warped apex, as in the first case; the whole tensor
                             would take the folder over 2 MB)
  logits_registered.npy      float32 (1, 3): logits for that whole tensor
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
NUM_INPUTS = 2
TOLERANCE = 1e-4


# The released widths (32, (64, 128)) make a 6.8 MB graph; the fixture keeps every layer and op and
# divides the widths by 4 so that the folder stays under 2 MB. The exporter is the same.
FIXTURE_WIDTHS = dict(mag_width=8, widths=(16, 32))


def parity_model(seed=SEED, num_classes=3, small=True):
    """A seeded model whose BatchNorm statistics are calibrated on varied inputs and whose head is
    scaled so that the logits differ from input to input by several units: a runtime that skipped
    BN, mixed up channels or dropped a stream would miss the 1e-4 tolerance by orders of magnitude."""
    torch.manual_seed(seed)
    model = SKDTSTSAN(ModelConfig(num_classes=num_classes, **(FIXTURE_WIDTHS if small else {})))
    g = torch.Generator().manual_seed(seed + 2)
    calib = torch.cat([varied_inputs(6, g), torch.rand(2, 38, 48, 48, generator=g)])
    with torch.no_grad():
        for m in model.modules():
            if isinstance(m, torch.nn.BatchNorm2d):
                m.momentum = None           # cumulative average over the calibration pass
                m.weight.copy_(torch.rand(m.num_features, generator=g) + 0.5)
                m.bias.copy_(torch.randn(m.num_features, generator=g) * 0.1)
        model.train()
        model(calib)
        model.eval()
        feat_std = _features(model, calib).std(0).mean()
        model.fc2.weight.mul_(3.0 / (feat_std * model.fc2.weight.norm(dim=1).mean()))
    for m in model.modules():
        if isinstance(m, torch.nn.BatchNorm2d):
            m.momentum = 0.1
    return model.eval()


def _features(model, x):
    captured = []
    h = model.fc2.register_forward_hook(lambda m, i, o: captured.append(i[0]))
    model(x)
    h.remove()
    return captured[0]


def varied_inputs(n, g):
    """Smooth random fields, min-max scaled per channel like real inputs."""
    x = torch.rand(n, 38, 12, 12, generator=g)
    x = torch.nn.functional.interpolate(x, size=(48, 48), mode="bilinear", align_corners=False)
    x = x + 0.05 * torch.rand(n, 38, 48, 48, generator=g)
    lo, hi = x.amin((2, 3), keepdim=True), x.amax((2, 3), keepdim=True)
    return (x - lo) / (hi - lo)


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


def moving_head_faces(seed=SEED):
    """synthetic_faces' texture under a moving head: the apex shifted by (2.5, -1.5) px and rolled
    1 degree about the crop's centre, with its upper third raised a further 2 px (the expression);
    the offset shifted by (3, 1) px. Both move more than REGISTRATION's warp_above."""
    import cv2
    rng = np.random.default_rng(seed)
    base = cv2.GaussianBlur(rng.uniform(0, 255, (160, 160)).astype(np.float32), (0, 0), 3)
    base = cv2.normalize(base, None, 20, 235, cv2.NORM_MINMAX)

    def moved(dx, dy, degrees):
        # Content of the 128 px window at (16, 16) rolled about its centre and shifted.
        m = cv2.getRotationMatrix2D((79.5, 79.5), degrees, 1.0)
        m[:, 2] += (dx, dy)
        return cv2.warpAffine(base, m, (160, 160), flags=cv2.INTER_LINEAR, borderMode=cv2.BORDER_REFLECT)

    onset = base[16:144, 16:144]
    head = moved(2.5, -1.5, 1.0)
    apex = head[16:144, 16:144].copy()
    apex[:48] = head[18:66, 16:144]
    offset = moved(3.0, 1.0, 0.0)[16:144, 16:144]
    return np.stack([onset, apex, offset]).round().astype(np.uint8)


def write(out_dir):
    os.makedirs(out_dir, exist_ok=True)
    model = parity_model()
    export(model, out_dir, FIXTURE_CLASSES, name="model",
           training={"data": "none: seeded random weights for parity tests", "seed": SEED})
    g = torch.Generator().manual_seed(SEED + 1)
    inputs = varied_inputs(NUM_INPUTS, g)
    faces = synthetic_faces()
    tensor = preprocess.tensor_from_faces(*faces, cfg=preprocess.PreprocessConfig())
    with torch.no_grad():
        logits = model(inputs).numpy()
        logits_pre = model(torch.from_numpy(tensor)[None]).numpy()
    np.save(os.path.join(out_dir, "inputs.npy"), inputs.numpy().astype(np.float32))
    np.save(os.path.join(out_dir, "logits.npy"), logits.astype(np.float32))
    np.save(os.path.join(out_dir, "preprocess_faces.npy"), faces)
    np.save(os.path.join(out_dir, "preprocess_tensor.npy"), tensor)
    np.save(os.path.join(out_dir, "logits_preprocessed.npy"), logits_pre.astype(np.float32))
    moving = moving_head_faces()
    bounded = preprocess.PreprocessConfig.bounded()
    registered = preprocess.tensor_from_faces(*moving, cfg=bounded)
    aligned = [preprocess.align_face(moving[k], moving[0], bounded.registration) for k in (1, 2)]
    motion = np.array([h for _, h in aligned], np.float64)
    with torch.no_grad():
        logits_reg = model(torch.from_numpy(registered)[None]).numpy()
    assert np.array_equal(moving[0], faces[0])
    np.save(os.path.join(out_dir, "registered_faces.npy"), moving[1:])
    np.save(os.path.join(out_dir, "registered_motion.npy"), motion)
    np.save(os.path.join(out_dir, "registered_warped.npy"), np.stack([face for face, _ in aligned]))
    np.save(os.path.join(out_dir, "registered_flow.npy"), registered[34:38])
    np.save(os.path.join(out_dir, "logits_registered.npy"), logits_reg.astype(np.float32))
    with open(os.path.join(out_dir, "registered_preprocessing.json"), "w") as f:
        json.dump(preprocess.constants(bounded), f, indent=2)
        f.write("\n")
    import cv2
    manifest = {
        "classes": FIXTURE_CLASSES, "seed": SEED, "tolerance_logits_abs": TOLERANCE,
        "files": {
            "model.onnx": "inference graph, opset 11, input `input` (N,38,48,48), output `logits` (N,3); "
                          "every layer of SKD-TSTSAN with widths divided by 4 (mag_width 8, trunk 16/32)",
            "model.json": "model card",
            "inputs.npy": f"float32 ({NUM_INPUTS},38,48,48), smooth random fields in [0,1]",
            "logits.npy": f"float32 ({NUM_INPUTS},3), PyTorch eval logits of inputs.npy",
            "preprocess_faces.npy": "uint8 (3,128,128): onset, apex, offset gray faces",
            "preprocess_tensor.npy": "float32 (38,48,48) from preprocess.tensor_from_faces "
                                     "(jpeg_roundtrip=True, polar_roundtrip=True)",
            "logits_preprocessed.npy": "float32 (1,3), logits of preprocess_tensor.npy",
            "registered_faces.npy": "uint8 (2,128,128): apex and offset with the head moving "
                                    "(fixtures.moving_head_faces); the onset is preprocess_faces.npy's",
            "registered_preprocessing.json": "preprocess.constants(PreprocessConfig.bounded()): "
                                             "a card's preprocessing with head_registration and bounded TV-L1",
            "registered_motion.npy": "float64 (2,6): preprocess.align_face head motion (tx, ty, a, b, c, d) "
                                     "of the apex and of the offset onto the onset",
            "registered_warped.npy": "uint8 (2,128,128): the apex and offset of registered_faces.npy "
                                     "warped onto the onset (preprocess.align_face)",
            "registered_flow.npy": "float32 (4,48,48): channels 34-37 of preprocess.tensor_from_faces of "
                                   "registered_faces.npy with PreprocessConfig.bounded()",
            "logits_registered.npy": "float32 (1,3), logits of that whole tensor",
        },
        "versions": {"torch": torch.__version__, "opencv": cv2.__version__, "numpy": np.__version__},
        "regenerate": "python -m mextrain fixtures Tests/Fixtures/skd-tstsan",
    }
    with open(os.path.join(out_dir, "manifest.json"), "w") as f:
        json.dump(manifest, f, indent=2)
        f.write("\n")
    return manifest

"""ONNX export of the inference graph and its model card (NAME.onnx + NAME.json).

mexd runs the graph with OpenCV 4.6's DNN module, so: opset 11, the legacy TorchScript exporter,
one input `input` (N, 38, 48, 48) and one output `logits` (N, classes). The auxiliary classifiers
are not in the graph (eval mode skips them).
"""
import datetime
import json
import os
import warnings

import torch

from . import preprocess
from .model import ARCH_VERSION, INPUT_CHANNELS, INPUT_SIZE, SKDTSTSAN, count_macs, count_parameters

OPSET = 11

# Where this implementation follows the authors' code rather than the paper (model card field).
DEPARTURES_FROM_PAPER = [
    "Manipulator adds h(alpha*g(Mb-Ma)) to Mb (apex), not Ma as eq. 1 prints; alpha multiplies g's "
    "output (Oh et al. use alpha-1). Followed the released code.",
    "T-stream magnification 'no motion' input is all zeros, so its encoder pass is exactly zero and "
    "is skipped.",
    "ECA sits only in the L stream (after ReLU of every L conv and of the ACs' L convs).",
    "TSM shifts 1/8 of the channels each way before every T conv except conv1; zero fill.",
    "Every input channel is min-max normalised per image to [0,1]; flow maps lose sign and scale "
    "(per-map min-max), as in the released preprocessing.",
]


def export_onnx(model: SKDTSTSAN, path: str, dynamic_batch: bool = True):
    """Write the eval-mode inference graph to `path` (opset 11, input `input`, output `logits`)."""
    model = model.eval()
    dummy = torch.zeros(1, INPUT_CHANNELS, INPUT_SIZE, INPUT_SIZE)
    kwargs = dict(input_names=["input"], output_names=["logits"], opset_version=OPSET,
                  do_constant_folding=True)
    if dynamic_batch:
        kwargs["dynamic_axes"] = {"input": {0: "N"}, "logits": {0: "N"}}
    with torch.no_grad(), warnings.catch_warnings():
        warnings.simplefilter("ignore")        # tracer notes about shape constants: expected here
        # dynamo=False: the TorchScript exporter keeps opset 11 and the op set OpenCV 4.6 reads.
        torch.onnx.export(model, (dummy,), path, dynamo=False, **kwargs)
    return path


def model_card(model: SKDTSTSAN, classes, training=None, metrics=None, name="skd-tstsan", pcfg=None):
    """The JSON a runtime needs beside the .onnx: classes in order, input spec, preprocessing."""
    cfg = model.cfg
    if len(classes) != cfg.num_classes:
        raise ValueError(f"{len(classes)} class names for a {cfg.num_classes}-class model")
    return {
        "name": name,
        "architecture": "SKD-TSTSAN",
        "architecture_version": ARCH_VERSION,
        "classes": list(classes),
        "inputs": [{"name": "input", "shape": ["N", INPUT_CHANNELS, INPUT_SIZE, INPUT_SIZE],
                    "dtype": "float32", "layout": preprocess.CHANNEL_LAYOUT}],
        "outputs": [{"name": "logits", "shape": ["N", cfg.num_classes], "dtype": "float32",
                     "note": "unnormalised; softmax for scores, argmax for the label"}],
        "onnx_opset": OPSET,
        "amplification_factor": cfg.amp_factor,
        "model_config": {k: (list(v) if isinstance(v, tuple) else v) for k, v in vars(cfg).items()},
        "preprocessing": preprocess.constants(pcfg or preprocess.PreprocessConfig()),
        "parameters": {"total_with_aux": count_parameters(model),
                       "inference": count_parameters(model, inference_only=True)},
        "macs_per_inference": count_macs(model),
        "training": training or {},
        "metrics": metrics or {},
        "follows_code_not_paper": DEPARTURES_FROM_PAPER,
        "date": datetime.datetime.now(datetime.timezone.utc).strftime("%Y-%m-%dT%H:%M:%SZ"),
    }


def export(model: SKDTSTSAN, out_dir: str, classes, name="model", training=None, metrics=None, pcfg=None):
    """Write OUT_DIR/NAME.onnx and OUT_DIR/NAME.json; return their paths."""
    os.makedirs(out_dir, exist_ok=True)
    onnx_path = os.path.join(out_dir, f"{name}.onnx")
    json_path = os.path.join(out_dir, f"{name}.json")
    export_onnx(model, onnx_path)
    card = model_card(model, classes, training, metrics, pcfg=pcfg)
    with open(json_path, "w") as f:
        json.dump(card, f, indent=2)
        f.write("\n")
    return onnx_path, json_path


def save_checkpoint(model: SKDTSTSAN, path: str, classes, extra=None):
    """A .pt keeps everything, auxiliary classifiers included, for fine-tuning."""
    torch.save({"state_dict": model.state_dict(), "model_config": vars(model.cfg),
                "classes": list(classes), "architecture_version": ARCH_VERSION,
                **(extra or {})}, path)


def load_checkpoint(path: str):
    from .config import ModelConfig
    ckpt = torch.load(path, map_location="cpu", weights_only=False)
    model = SKDTSTSAN(ModelConfig(**ckpt["model_config"]))
    model.load_state_dict(ckpt["state_dict"])
    return model, ckpt

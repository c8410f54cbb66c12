"""`import-official`: the authors' state_dict (train_classify_SKD_TSTSAN.py's `<subject>.pth`)
onto this package's model, then export as `export` does.

Our attribute names are the authors' (reference-code notes 2.6), so the mapping is the identity
after removing a DataParallel `module.` prefix; what this adds is a strict check that names every
missing or extra key and every shape that differs.
"""
import torch

from .config import ModelConfig
from .model import SKDTSTSAN


class CheckpointMismatch(ValueError):
    pass


def read_state_dict(path):
    obj = torch.load(path, map_location="cpu", weights_only=False)
    if isinstance(obj, dict) and "state_dict" in obj and isinstance(obj["state_dict"], dict):
        obj = obj["state_dict"]
    if not isinstance(obj, dict):
        raise CheckpointMismatch(f"{path}: not a state_dict (got {type(obj).__name__})")
    return {(k[len("module."):] if k.startswith("module.") else k): v for k, v in obj.items()}


def to_model(state_dict, num_classes, amp_factor=2.0):
    model = SKDTSTSAN(ModelConfig(num_classes=num_classes, amp_factor=amp_factor))
    ours = model.state_dict()
    missing = sorted(set(ours) - set(state_dict))
    extra = sorted(set(state_dict) - set(ours))
    shapes = [f"{k}: checkpoint {tuple(state_dict[k].shape)}, model {tuple(ours[k].shape)}"
              for k in ours if k in state_dict and tuple(state_dict[k].shape) != tuple(ours[k].shape)]
    problems = []
    if missing:
        problems.append(f"missing keys ({len(missing)}): {', '.join(missing)}")
    if extra:
        problems.append(f"unexpected keys ({len(extra)}): {', '.join(extra)}")
    if shapes:
        problems.append("wrong shapes: " + "; ".join(shapes))
    if problems:
        hint = " (is --classes right?)" if any(k.endswith("fc2.weight") for k in shapes) else ""
        raise CheckpointMismatch("checkpoint does not match SKD-TSTSAN" + hint + ":\n  " + "\n  ".join(problems))
    model.load_state_dict({k: v.to(ours[k].dtype) for k, v in state_dict.items()})
    return model.eval()

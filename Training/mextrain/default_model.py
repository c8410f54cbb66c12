"""`python -m mextrain.default_model OUTDIR --data SYNTH_DIR [SYNTH_DIR ...]`: mexd's shipped default model.

Trains SKD-TSTSAN (3 classes: negative, positive, surprise) on the clips that
`python -m mextrain.synth DIR --clips` writes, evaluates it leave-one-subject-out with the honest
protocol, trains the final model on every subject for the median of the folds' best steps (the
schedule LOSO chose), and writes OUTDIR/default.onnx + OUTDIR/default.json (the model card).

Preprocessing is what mexd does at run time, not the JPEG-crop path of `mextrain train`:
  gray frame = full-range luma (cv2.imread(jpg, IMREAD_GRAYSCALE) of the key frames, which is what
  mexd's decoder hands on); the Haar box (frontal default, scale 1.1, 5 neighbours, min 48 px) is
  found once, on the onset frame; each frame is cropped to it and resized to 128x128 INTER_LINEAR
  (preprocess.detect_face / crop_face); then preprocess.tensor_from_faces with its defaults
  (JPEG q95 round trip of the flow maps, polar round trip of the flow).

The default widths are half the released ones (mag_width 16, widths 32/64), so the graph is about
1.6 MB instead of 6.8 MB. The run folder (--run, default /tmp/mexd-default-model) gets
results.json, predictions.csv, confusion.png, model.pt and the tensor cache.

It is CPU-only by default (--threads 1) and seeded; the same data and options give the same model.
"""
import argparse
import hashlib
import json
import os
import statistics
import sys
import time
from pathlib import Path

import numpy as np

from . import preprocess
from .data.synthetic import CLASSES, GROUPING, load_synthetic

RETRAIN_COMMANDS = [
    "python -m mextrain train --dataset ckplus --root /data/CK+ --no-loso --out runs/ckplus",
    "python -m mextrain train --dataset casme2 --root /data/CASME2 --grouping casme2-3 "
    "--pretrained runs/ckplus/model.pt --final --out runs/casme2-3",
    "python -m mextrain train --dataset samm --root /data/SAMM --grouping samm-3 --final --out runs/samm-3",
    "python -m mextrain train --dataset casme3 --root /data/CASME3 --grouping casme3-3 --final "
    "--out runs/casme3-3",
]

RUNTIME_GRAY = ("full-range luma of the frame (what cv2.imread(jpg, IMREAD_GRAYSCALE) gives for the "
                "JPEG key frames, and what mexd's decoder gives), cropped to the Haar box found on the "
                "onset frame and resized to 128x128 INTER_LINEAR; no JPEG round trip of the face crop")


# ---------------------------------------------------------------------------------------------
# Tensors, as mexd builds them at run time.

def runtime_tensor(sample, pcfg=None):
    """(38, 48, 48) for one clip: gray key frames, Haar box on the onset, crop, tensor_from_faces."""
    import cv2
    pcfg = pcfg or preprocess.PreprocessConfig()
    frames = []
    for p in (sample.onset, sample.apex, sample.offset):
        img = cv2.imread(str(p), cv2.IMREAD_GRAYSCALE)
        if img is None:
            raise FileNotFoundError(f"cannot read frame {p} (clip {sample.key})")
        frames.append(img)
    try:
        box = preprocess.detect_face(frames[0])
    except preprocess.FaceNotFound as e:
        raise preprocess.FaceNotFound(f"{e} on the onset frame {sample.onset} (clip {sample.key})") from None
    faces = [preprocess.crop_face(f, box) for f in frames]
    return preprocess.tensor_from_faces(*faces, cfg=pcfg)


def cache_tag(pcfg):
    blob = json.dumps([preprocess.constants(pcfg), "runtime-gray-luma", RUNTIME_GRAY],
                      sort_keys=True).encode()
    return hashlib.sha1(blob).hexdigest()[:10]


def build_runtime_tensors(samples, cache_dir, pcfg=None, log=print):
    """Tensors for `samples` (cached per clip); clips whose onset frame has no Haar face are dropped
    and listed. Returns (x, kept_samples, dropped_messages)."""
    pcfg = pcfg or preprocess.PreprocessConfig()
    root = Path(cache_dir) / cache_tag(pcfg)
    xs, kept, dropped = [], [], []
    t0 = time.time()
    for i, s in enumerate(samples):
        path = root / s.subject / f"{s.clip}.npy"
        if path.exists():
            xs.append(np.load(path))
        else:
            try:
                t = runtime_tensor(s, pcfg)
            except preprocess.FaceNotFound as e:
                dropped.append(str(e))
                continue
            path.parent.mkdir(parents=True, exist_ok=True)
            np.save(path, t)
            xs.append(t)
        kept.append(s)
        if (i + 1) % 50 == 0:
            log(f"  preprocessed {i + 1}/{len(samples)} ({time.time() - t0:.0f} s)")
    x = np.stack(xs).astype(np.float32) if xs else np.zeros((0, 38, 48, 48), np.float32)
    return x, kept, dropped


REFERENCE_SEED = 20261125
REFERENCE_INPUT = (f"numpy.random.default_rng({REFERENCE_SEED}).random((2, 38, 48, 48), "
                   "dtype=numpy.float32)")


def reference_input():
    """The seeded random input whose PyTorch logits the card stores (tests compare OpenCV's)."""
    return np.random.default_rng(REFERENCE_SEED).random((2, 38, 48, 48), dtype=np.float32)


# ---------------------------------------------------------------------------------------------
# Metrics.

def per_class(cm, classes):
    """Precision, recall and F1 of each class from a confusion matrix (rows = truth)."""
    cm = np.asarray(cm)
    out = {}
    for i, c in enumerate(classes):
        tp = int(cm[i, i])
        fn = int(cm[i].sum()) - tp
        fp = int(cm[:, i].sum()) - tp
        out[c] = {"support": tp + fn,
                  "precision": tp / (tp + fp) if tp + fp else 0.0,
                  "recall": tp / (tp + fn) if tp + fn else 0.0,
                  "f1": 2 * tp / (2 * tp + fp + fn) if tp + fp + fn else 0.0}
    return out


def opencv_check(onnx_path, model, inputs):
    """Max abs difference between OpenCV DNN's and PyTorch's logits for `inputs` (N, 38, 48, 48)."""
    import cv2
    import torch
    net = cv2.dnn.readNetFromONNX(str(onnx_path))
    worst = 0.0
    for i in range(len(inputs)):
        x = inputs[i:i + 1].astype(np.float32)
        net.setInput(x)
        cv = net.forward()
        with torch.no_grad():
            pt = model.eval()(torch.from_numpy(x)).numpy()
        worst = max(worst, float(np.abs(cv - pt).max()))
    return worst


# ---------------------------------------------------------------------------------------------

def parse_args(argv):
    p = argparse.ArgumentParser(prog="python -m mextrain.default_model",
                                description=__doc__.split("\n\n")[0],
                                formatter_class=argparse.RawDescriptionHelpFormatter, epilog=__doc__)
    p.add_argument("outdir", help="where default.onnx and default.json go (the repo's Models/)")
    p.add_argument("--data", nargs="+", required=True,
                   help="folders written by `python -m mextrain.synth DIR --clips` (pooled)")
    p.add_argument("--run", default="/tmp/mexd-default-model",
                   help="results.json, predictions.csv, confusion.png, model.pt and the tensor cache")
    p.add_argument("--cache", help="tensor cache folder (default RUN/cache)")
    p.add_argument("--name", default="default", help="file names: OUTDIR/NAME.onnx, NAME.json")
    p.add_argument("--card-name", default="mexd-default-synthetic-3", help="the card's `name`")
    p.add_argument("--data-command", action="append", default=[],
                   help="the synth command that made a --data folder, recorded in the card (repeat)")
    p.add_argument("--mag-width", type=int, default=16)
    p.add_argument("--widths", type=int, nargs=2, default=[32, 64])
    p.add_argument("--max-iter", type=int, default=400, help="steps per LOSO fold at most")
    p.add_argument("--patience", type=int, default=20, help="inner-validation evaluations (epochs)")
    p.add_argument("--batch-size", type=int, default=16)
    p.add_argument("--lr", type=float, default=1e-3)
    p.add_argument("--final-steps", type=int, default=0,
                   help="steps on all subjects; 0 = the median of the LOSO folds' best steps")
    p.add_argument("--no-loso", action="store_true", help="skip LOSO (needs --final-steps)")
    p.add_argument("--seed", type=int, default=1337)
    p.add_argument("--threads", type=int, default=1)
    p.add_argument("--progress", action="store_true", help="tqdm bars on stderr")
    return p.parse_args(argv)


def main(argv=None):
    a = parse_args(argv)
    import torch
    from .config import ModelConfig, TrainConfig
    from .export import export, save_checkpoint
    from .model import count_parameters
    from .train import loso, save_results, train_all

    if a.no_loso and not a.final_steps:
        sys.exit("--no-loso needs --final-steps")
    torch.set_num_threads(a.threads)
    import cv2
    cv2.setNumThreads(a.threads)
    t_start = time.time()
    os.makedirs(a.run, exist_ok=True)

    # Data: every --data folder, clip names prefixed with the folder's name so runs can be pooled.
    samples, generators = [], []
    for d in a.data:
        d = Path(d)
        samples += load_synthetic(d, clip_prefix=f"{d.name}_")
        man = d / "manifest.json"
        info = {"folder": d.name}
        if man.exists():
            m = json.loads(man.read_text())
            info.update({k: m.get(k) for k in ("generator", "version", "seed", "fps", "videos_per_subject")})
            info["videos"] = len(m.get("videos", []))
            secs = sorted({v.get("seconds") for v in m.get("videos", [])})
            info["seconds_per_video"] = secs
        generators.append(info)
    if not samples:
        sys.exit(f"no clips in {', '.join(a.data)}")
    print(f"{len(samples)} clips from {len(a.data)} folder(s)")
    pcfg = preprocess.PreprocessConfig()
    t0 = time.time()
    x, samples, dropped = build_runtime_tensors(samples, a.cache or os.path.join(a.run, "cache"), pcfg)
    t_pre = time.time() - t0
    for msg in dropped:
        print("dropped:", msg)
    y = np.array([s.label for s in samples], np.int64)
    subjects = [s.subject for s in samples]
    counts = {subj: {c: int(sum(1 for s in samples if s.subject == subj and s.label == i))
                     for i, c in enumerate(CLASSES)} for subj in sorted(set(subjects))}
    print(f"tensors: {x.shape} in {t_pre:.0f} s; per subject: {counts}")

    cfg = TrainConfig(batch_size=a.batch_size, max_iter=a.max_iter, lr=a.lr, protocol="honest",
                      early_stop_patience=a.patience, seed=a.seed, threads=a.threads)
    mcfg = ModelConfig(num_classes=len(CLASSES), mag_width=a.mag_width, widths=tuple(a.widths))

    results, loso_metrics, t_loso = None, {}, 0.0
    steps = a.final_steps
    if not a.no_loso:
        t0 = time.time()
        results = loso(x, y, subjects, CLASSES, cfg, mcfg, device="cpu", progress=a.progress)
        t_loso = time.time() - t0
        results.update(dataset="synthetic", grouping=GROUPING.name, seconds=round(t_loso, 1))
        save_results(results, a.run)
        m = results["metrics"]
        pc = per_class(results["confusion"], CLASSES)
        print(f"LOSO (honest protocol, {len(results['folds'])} folds, {t_loso:.0f} s): "
              f"UF1 {m['uf1']:.4f} UAR {m['uar']:.4f}")
        for c, v in results["per_classifier"].items():
            print(f"  classifier {c}: UF1 {v['uf1']:.4f} UAR {v['uar']:.4f}")
        for c, v in pc.items():
            print(f"  {c}: recall {v['recall']:.3f} precision {v['precision']:.3f} F1 {v['f1']:.3f} (n={v['support']})")
        for f in results["folds"]:
            print(f"  fold {f['subject']}: best step {f['best_step']} of {f['steps']}, {f['seconds']} s")
        if not steps:
            steps = int(statistics.median(f["best_step"] for f in results["folds"]))
        loso_metrics = {
            "protocol": "honest",
            "protocol_note": results["protocol_note"],
            "evaluation": "leave-one-subject-out over the 4 base photos; UF1/UAR on all folds' "
                          "predictions concatenated (MEGC convention)",
            "uf1": m["uf1"], "uar": m["uar"],
            "per_classifier": results["per_classifier"],
            "per_class": pc,
            "confusion": results["confusion"],
            "confusion_rows": "true class, columns predicted, in class order",
            "folds": [{k: f[k] for k in ("subject", "n_train", "n_inner_val", "n_test", "steps",
                                         "best_step", "seconds")} for f in results["folds"]],
        }

    t0 = time.time()
    model, hist = train_all(x, y, CLASSES, cfg, mcfg, steps, device="cpu", progress=a.progress)
    t_final = time.time() - t0
    print(f"final model: {steps} steps on all {len(y)} clips in {t_final:.0f} s")

    training = {
        "data": "SYNTHETIC ONLY: AU-warped videos rendered by mextrain.synth from 4 public-domain "
                "photos (Tests/Fixtures/faces: astronaut, biden, hopper, obama), one subject each; "
                "key frames decoded from the x264 videos",
        "generator": generators,
        "dataset": "synthetic", "grouping": GROUPING.name,
        "samples": int(len(y)), "subjects": sorted(counts), "samples_per_subject_and_class": counts,
        "dropped_no_face": dropped,
        "preprocessing": RUNTIME_GRAY + "; then preprocess.tensor_from_faces defaults",
        "protocol": "honest (inner validation on training subjects only)",
        "model_widths": {"mag_width": a.mag_width, "widths": list(a.widths),
                         "note": "half of the released widths (32, 64/128) to keep the file small"},
        "train_config": {k: (list(v) if isinstance(v, tuple) else v) for k, v in cfg.to_dict().items()},
        "final_steps": steps,
        "final_steps_rule": ("given with --final-steps" if a.final_steps else
                             "median of the LOSO folds' best (inner-validation) steps"),
        "device": "cpu", "threads": a.threads,
        "seconds": {"preprocess": round(t_pre, 1), "loso": round(t_loso, 1), "final": round(t_final, 1)},
        "data_commands": a.data_command,
        "command": "python -m mextrain.default_model " + " ".join(sys.argv[1:] if argv is None else argv),
        "warning": "Trained on synthetic data only: the faces, identities, motions and nuisances are "
                   "generated. Its scores say nothing about real micro-expressions. For real use "
                   "retrain on CASME II, SAMM or CAS(ME)3 (see retrain_commands) and pass the "
                   "result with --model.",
        "retrain_commands": RETRAIN_COMMANDS,
    }
    metrics = {"loso_honest_synthetic": loso_metrics} if loso_metrics else {}

    save_checkpoint(model, os.path.join(a.run, "model.pt"), CLASSES,
                    {"training": training, "preprocess_config": vars(pcfg)})
    onnx_path, json_path = export(model, a.outdir, CLASSES, name=a.name, training=training,
                                  metrics=metrics, pcfg=pcfg)
    card = json.loads(Path(json_path).read_text())
    card["name"] = a.card_name
    # The booleans mexd reads (ModelCard.Preprocessing), and the gray mexd really computes.
    card["preprocessing"]["jpeg_roundtrip"] = bool(pcfg.jpeg_roundtrip)
    card["preprocessing"]["flow_polar_roundtrip"] = bool(pcfg.polar_roundtrip)
    card["preprocessing"]["gray"] = RUNTIME_GRAY
    card["preprocessing"]["face_detector"] = (
        "OpenCV Haar cascade haarcascade_frontalface_default.xml, scaleFactor 1.1, minNeighbors 5, "
        "min 48 px, largest face, found once per clip on the onset frame and used for all three frames")
    card["parameters"]["inference_bytes_float32"] = card["parameters"]["inference"] * 4

    # OpenCV 4.6 DNN against PyTorch: random inputs and real clips.
    rng = np.random.default_rng(a.seed)
    probe = np.concatenate([rng.random((4, 38, 48, 48), dtype=np.float32), x[:: max(1, len(x) // 8)][:8]])
    diff = opencv_check(onnx_path, model, probe)
    ref_x = reference_input()
    with torch.no_grad():
        ref_logits = model.eval()(torch.from_numpy(ref_x)).numpy()
    diff = max(diff, opencv_check(onnx_path, model, ref_x))
    card["verification"] = {"opencv_dnn_vs_pytorch_max_abs_logit_diff": diff,
                            "inputs": f"{len(probe) + len(ref_x)} (4 + {len(ref_x)} uniform random, "
                                      f"the rest training clips), batch 1",
                            "opencv": cv2.__version__, "torch": torch.__version__,
                            "reference_input": REFERENCE_INPUT,
                            "reference_logits_pytorch": ref_logits.tolist(),
                            "tolerance": 1e-4}
    with open(json_path, "w") as f:
        json.dump(card, f, indent=2)
        f.write("\n")
    size = os.path.getsize(onnx_path)
    print(f"OpenCV DNN vs PyTorch: max abs logit difference {diff:.2e}")
    print(f"wrote {onnx_path} ({size / 1e6:.2f} MB, {count_parameters(model, inference_only=True)} "
          f"inference parameters, {count_parameters(model)} with aux heads) and {json_path}; "
          f"total {time.time() - t_start:.0f} s")
    if diff > 1e-4:
        sys.exit(f"OpenCV DNN differs from PyTorch by {diff} > 1e-4")


if __name__ == "__main__":
    main()

"""`python -m mextrain.calibrate CARD.json --data DIR [DIR ...] [--test DIR ...] [--write]`: temperature
scaling of an exported model, fitted on faces it was never trained on, and its "uncertain" level.

  - DIR: clips written by `python -m mextrain.synth DIR --clips --split calibration` (the face
    registry's calibration faces, Training/mextrain/synth/registry.json): the temperature and the
    uncertain level are fitted on these and nothing else.
  - --test DIR: clips of the registry's test faces, scored once with the fitted values and reported
    apart; nothing is chosen on them.
  - Each clip's input is made as mexd makes it at run time (default_model.runtime_tensor with the
    preprocessing the card states), and the logits come from the exported ONNX graph through OpenCV's
    DNN module, the runtime mexd uses.
  - The temperature T minimises the negative log-likelihood of softmax(logits / T) on the calibration
    clips (Guo et al., "On Calibration of Modern Neural Networks", ICML 2017); the expected
    calibration error (15 equal-width bins of the top score) is reported before and after.
  - uncertain_below: the lowest top score at which the calibration clips answered at or above it are
    right at least --target-accuracy of the time (a label under it is "uncertain" in mexd).

With --write, the card gets a `calibration` object (temperature, uncertain_below, and how they were
fitted, with the numbers). Prints one JSON object.
"""
import argparse
import json
import sys
import time
from pathlib import Path

import numpy as np

from . import default_model, preprocess
from .data.synthetic import CLASSES, load_synthetic
from .metrics import uf1_uar

BINS = 15


def pcfg_from_card(card):
    """The PreprocessConfig a card's `preprocessing` states (mexd's ClassifierInput.Preprocessing)."""
    p = card.get("preprocessing") or {}
    tvl1 = dict(preprocess.TVL1)
    tvl1.update((p.get("flow") or {}).get("params") or {})
    registration = None
    if "head_registration" in p:
        registration = {k: p["head_registration"][k] for k in preprocess.REGISTRATION if k in p["head_registration"]}
    return preprocess.PreprocessConfig(jpeg_roundtrip=p.get("jpeg_roundtrip", True),
                                       polar_roundtrip=p.get("flow_polar_roundtrip", True),
                                       tvl1=tvl1, registration=registration)


def softmax(logits, temperature=1.0):
    z = logits / temperature
    z = z - z.max(axis=1, keepdims=True)
    e = np.exp(z)
    return e / e.sum(axis=1, keepdims=True)


def nll(logits, labels, temperature):
    p = softmax(logits, temperature)
    return float(-np.mean(np.log(np.clip(p[np.arange(len(labels)), labels], 1e-12, None))))


def ece(probabilities, labels, bins=BINS):
    """Expected calibration error: |accuracy - mean top score| per bin of the top score, weighted by
    the bin's share of the clips."""
    top = probabilities.max(axis=1)
    right = probabilities.argmax(axis=1) == labels
    edges = np.linspace(0, 1, bins + 1)
    total = 0.0
    for lo, hi in zip(edges[:-1], edges[1:]):
        inside = (top > lo) & (top <= hi)
        if inside.any():
            total += inside.mean() * abs(right[inside].mean() - top[inside].mean())
    return float(total)


def fit_temperature(logits, labels):
    """argmin over T of the NLL, by scipy's bounded scalar search on log T."""
    from scipy.optimize import minimize_scalar
    found = minimize_scalar(lambda log_t: nll(logits, labels, float(np.exp(log_t))), bounds=(-3, 5), method="bounded",
                            options={"xatol": 1e-4})
    return float(np.exp(found.x))


def uncertain_level(probabilities, labels, target):
    """The lowest top score p such that the clips whose top score is at least p are right at least
    `target` of the time (None if no p does)."""
    top = probabilities.max(axis=1)
    right = probabilities.argmax(axis=1) == labels
    for p in np.sort(np.unique(top)):
        kept = top >= p
        if right[kept].mean() >= target:
            return float(p)
    return None


def summary(logits, labels, temperature, level):
    p = softmax(logits, temperature)
    predicted = p.argmax(axis=1)
    uf1, uar = uf1_uar(labels, predicted, len(CLASSES))
    answered = p.max(axis=1) >= (level if level is not None else 2)
    out = {"clips": int(len(labels)), "accuracy": round(float((predicted == labels).mean()), 4),
           "uf1": round(uf1, 4), "uar": round(uar, 4), "nll": round(nll(logits, labels, temperature), 4),
           "ece": round(ece(p, labels), 4), "top_score_mean": round(float(p.max(axis=1).mean()), 4)}
    if level is not None:
        out["answered"] = int(answered.sum())
        out["answered_accuracy"] = round(float((predicted[answered] == labels[answered]).mean()), 4) if answered.any() else None
    return out


def generator_runs(dirs):
    """What made each clip folder (its synth manifest: generator, version, seed, subjects,
    condition, videos), so that the card says how to make the same clips again."""
    runs = []
    for d in dirs:
        m = json.loads((Path(d) / "manifest.json").read_text())
        runs.append({k: m.get(k) for k in ("generator", "version", "seed", "subjects", "condition", "fps",
                                           "videos_per_subject")} | {"seconds": sorted({v["seconds"] for v in m["videos"]})})
    return runs


def logits_of(card_path, dirs, cache, log):
    import cv2
    card = json.loads(Path(card_path).read_text())
    classes = card["classes"]
    if tuple(classes) != CLASSES:
        raise SystemExit(f"{card_path}: classes {classes}, the synthetic clips are {list(CLASSES)}")
    samples = []
    for i, d in enumerate(dirs):
        samples += load_synthetic(d, clip_prefix=f"d{i}-")
    pcfg = pcfg_from_card(card)
    x, kept, dropped = default_model.build_runtime_tensors(samples, cache, pcfg, log=log)
    net = cv2.dnn.readNetFromONNX(str(Path(card_path).with_suffix(".onnx")))
    out = []
    for t in x:
        net.setInput(t[None])
        out.append(net.forward().reshape(-1))
    subjects = sorted({s.subject for s in kept})
    return (np.array(out, dtype=np.float64), np.array([s.label for s in kept]), subjects, dropped)


def main(argv=None):
    a = argparse.ArgumentParser(description=__doc__.split("\n\n")[0], formatter_class=argparse.RawDescriptionHelpFormatter)
    a.add_argument("card", help="the model card (MODEL.json; the ONNX graph beside it)")
    a.add_argument("--data", nargs="+", required=True, help="calibration-split clip folders (synth --clips)")
    a.add_argument("--test", nargs="*", default=[], help="test-split clip folders, reported once, never fitted on")
    a.add_argument("--target-accuracy", type=float, default=0.9)
    a.add_argument("--cache", default="/tmp/mexd-calibrate-cache")
    a.add_argument("--write", action="store_true", help="store the calibration in the card")
    args = a.parse_args(argv)
    log = lambda m: print(m, file=sys.stderr)
    t0 = time.time()
    logits, labels, subjects, dropped = logits_of(args.card, args.data, args.cache, log)
    if len(labels) < 10:
        raise SystemExit(f"only {len(labels)} calibration clips: too few to fit on")
    temperature = fit_temperature(logits, labels)
    level = uncertain_level(softmax(logits, temperature), labels, args.target_accuracy)
    result = {"temperature": round(temperature, 4), "uncertain_below": None if level is None else round(level, 4),
              "fitted_on": {"split": "calibration", "subjects": subjects, "clips_from": generator_runs(args.data),
                            "dropped_no_face": dropped,
                            "rule": "temperature: minimum NLL (temperature scaling); uncertain_below: lowest top score "
                                    f"above which the calibration clips are right >= {args.target_accuracy}",
                            "before": summary(logits, labels, 1.0, None),
                            "after": summary(logits, labels, temperature, level)},
              "ece_bins": BINS}
    if args.test:
        tl, ty, ts, td = logits_of(args.card, args.test, args.cache, log)
        result["test"] = {"split": "test", "subjects": ts, "clips_from": generator_runs(args.test), "dropped_no_face": td,
                          "before": summary(tl, ty, 1.0, None), "after": summary(tl, ty, temperature, level)}
    result["seconds"] = round(time.time() - t0, 1)
    if args.write:
        card = json.loads(Path(args.card).read_text())
        card["calibration"] = result
        Path(args.card).write_text(json.dumps(card, indent=2) + "\n")
    print(json.dumps(result, indent=2))


if __name__ == "__main__":
    main()
